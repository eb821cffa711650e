"""The work report's records are loaded completely, faithfully and only once."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from projects.models import (
    AnnualPlan,
    Funding,
    FundingSource,
    Indicator,
    IndicatorValue,
    Project,
)
from projects.seeding import report_data
from villages.models import (
    CollectiveEnterprise,
    CollectiveIncome,
    Honour,
    SpecialtyProduct,
    Village,
)

pytestmark = pytest.mark.django_db

ALL_MODELS = [
    AnnualPlan,
    Funding,
    FundingSource,
    Indicator,
    IndicatorValue,
    Project,
    Village,
    Honour,
    CollectiveEnterprise,
    CollectiveIncome,
    SpecialtyProduct,
]


def counts():
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def test_loads_every_record_of_the_report(capsys):
    call_command("load_report_data")
    assert counts() == {
        "AnnualPlan": sum(len(p.get("plans", {})) for p in report_data.PROJECTS),
        "Funding": sum(len(p.get("funding", [])) for p in report_data.PROJECTS),
        "FundingSource": 7,
        "Indicator": len(report_data.INDICATORS),
        "IndicatorValue": len(report_data.INDICATOR_VALUES),
        "Project": len(report_data.PROJECTS),
        "Village": 8,
        "Honour": 8,
        "CollectiveEnterprise": 10,
        # The report gives the collective income only as a town total (an indicator).
        "CollectiveIncome": 0,
        "SpecialtyProduct": 5,
    }
    assert Project.objects.count() > 25
    assert "Loaded" in capsys.readouterr().out


def test_running_twice_changes_nothing(capsys):
    call_command("load_report_data")
    before = counts()
    histories = {model.__name__: model.history.count() for model in ALL_MODELS}
    call_command("load_report_data")
    assert counts() == before
    assert {model.__name__: model.history.count() for model in ALL_MODELS} == histories
    assert "Nothing to load" in capsys.readouterr().out


def test_a_record_changed_by_users_is_not_overwritten():
    call_command("load_report_data")
    Project.objects.filter(name="张楼村标准化厂房").update(stage=Project.Stage.COMPLETED)
    call_command("load_report_data")
    assert Project.objects.get(name="张楼村标准化厂房").stage == Project.Stage.COMPLETED


def test_the_reports_figures_are_exact():
    call_command("load_report_data")
    income = IndicatorValue.objects.get(indicator__code="village_collective_income", year=2023)
    growth = IndicatorValue.objects.get(
        indicator__code="village_collective_income_growth", year=2023
    )
    assert (income.value, growth.value) == (Decimal("557.07"), Decimal("26.30"))
    assert IndicatorValue.objects.get(indicator__code="fiscal_revenue").value == Decimal("3560")
    assert IndicatorValue.objects.get(indicator__code="fixed_asset_investment").value == Decimal(
        "29800"
    )
    targets = IndicatorValue.objects.filter(year=2024, value_kind="target")
    assert targets.get(indicator__code="above_scale_value_added_growth").value == 17
    assert targets.get(indicator__code="rural_disposable_income_growth").value == 8
    unemployment = targets.get(indicator__code="urban_unemployment_rate")
    assert (unemployment.value, unemployment.bound) == (Decimal("4.5"), "at_most")
    assert sorted(Village.objects.values_list("name", flat=True)) == sorted(
        ["山王村", "毕岗村", "工农村", "闪冲村", "张楼村", "林场村", "丁山村", "淮岸社区"]
    )
    assert Village.objects.get(name="淮岸社区").kind == Village.Kind.COMMUNITY


def test_projects_keep_the_reports_stage_and_source():
    call_command("load_report_data")
    stage = dict(Project.objects.values_list("name", "stage"))
    assert stage["孔李地区水环境整治工程"] == Project.Stage.COMPLETED
    assert stage["益民阳光二期保障性租赁住房建设项目"] == Project.Stage.UNDER_CONSTRUCTION
    assert stage["源沣新型建材产业园项目"] == Project.Stage.PRELIMINARY
    assert stage["安徽锐傲重工项目"] == Project.Stage.PLANNING
    assert stage["农村公益事业建设财政奖补项目（2023年）"] == Project.Stage.IN_OPERATION
    assert not Project.objects.exclude(source_note=report_data.SOURCE).exists()
    # The report gives no amounts for single projects: none is invented.
    assert not Project.objects.filter(total_investment__isnull=False).exists()
    assert not Funding.objects.filter(amount__isnull=False).exists()
    factory = Project.objects.get(name="张楼村标准化厂房")
    assert list(factory.villages.values_list("name", flat=True)) == ["张楼村"]
    assert str(factory.planned_completion) == "2024-06-30"


def test_enterprises_honours_and_products():
    call_command("load_report_data")
    cold_chain = CollectiveEnterprise.objects.get(name="毕岗村冷链物流项目")
    assert (cold_chain.village.name, cold_chain.partner_company) == ("毕岗村", "京创公司")
    assert Honour.objects.filter(title="第九届淮南市文明村", year=2023).count() == 4
    assert set(
        Honour.objects.filter(title="省级美丽宜居村庄").values_list("village__name", flat=True)
    ) == {"林场村", "闪冲村"}
    assert SpecialtyProduct.objects.get(name="李咀西红柿").village is None
    assert SpecialtyProduct.objects.get(name="丁山葡萄").village.name == "丁山村"
