"""The work report's records are loaded completely, faithfully and only once."""

import datetime
import importlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone

from projects.briefing.figures import monthly_briefing
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
        "IndicatorValue": len(report_data.INDICATOR_VALUES) + len(report_data.FIGURES_2023),
        "Project": len(report_data.PROJECTS),
        "Village": 8,
        # Eight of villages, eight of the town itself.
        "Honour": 16,
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


#: The work report itself, kept in the repository as the loaded data's source.
REPORT = (
    Path(__file__).resolve().parents[3]
    / "docs"
    / "reference"
    / "shanwang-2024-government-work-report.txt"
)

#: The 27 figures on rural revitalization, livelihoods, safety and governance and the
#: three rankings that were missing, by group: (code, value, unit, wording shown).
MISSING_FIGURES = {
    "economy": [
        ("fixed_asset_investment_pace_rank", "1", "名次", "全区第一"),
        ("industrial_investment_target_multiple", "2", "倍", ""),
    ],
    "rural_revitalization": [
        ("poverty_screening_households", "4810", "户", ""),
        ("poverty_screening_people", "17208", "人", ""),
        ("new_monitored_households", "14", "户", ""),
        ("new_monitored_people", "39", "人", ""),
        ("assisted_monitored_households", "24", "户", ""),
        ("assisted_monitored_people", "73", "名", ""),
        ("assistance_measures", "203", "条", ""),
        ("development_assistance_households", "9", "户", ""),
        ("rubbish_removed", "4800", "吨", ""),
        ("clutter_cleared", "2000", "处", ""),
    ],
    "urban_rural": [("air_quality_rank", "2", "名次", "第2名")],
    "livelihood": [
        ("assistance_paid", "464", "万元", ""),
        ("orphan_allowance", "9.35", "万元", ""),
        ("needy_visits", "735", "人次", ""),
        ("public_welfare_jobs", "62", "个", ""),
        ("yulu_plan_subsidy", "1.2", "万元", ""),
    ],
    "safety": [
        ("covert_safety_inspections", "62", "次", ""),
        ("business_safety_inspections", "309", "家次", ""),
    ],
    "governance": [
        ("petition_reception_batches", "58", "批", ""),
        ("petition_reception_visits", "117", "人次", ""),
        ("disputes_mediated", "74", "起", ""),
        ("dispute_resolution_rate", "100", "%", ""),
    ],
    "government": [
        ("deputy_suggestions_handled", "3", "件", ""),
        ("cppcc_proposals_handled", "1", "件", ""),
        ("suggestions_satisfaction_rate", "100", "%", ""),
        ("government_information_disclosed", "1215", "条", ""),
        ("public_service_list_items", "182", "条", ""),
        ("hotline_cases_handled", "681", "件", ""),
        ("hotline_reply_rate", "100", "%", ""),
    ],
}
TOWN_HONOURS = [
    "第十届淮南市文明乡镇",
    "第三届淮南市新时代文明实践志愿服务项目大赛一等奖（“老娘舅”志愿服务项目）",
    "2022年度八公山区统计工作先进单位",
    "安徽省第七次全国人口普查先进集体",
    "2016—2020年全市依法治理创建活动先进单位",
    "2022年全市信访工作“三无乡镇（街道）”",
    "2022年度全区信访工作先进单位",
    "2022年度全区平安建设先进镇",
]


def words_of(source_note: str) -> str:
    """Return the report's words of a source note ("<report>：<words>")."""
    prefix = f"{report_data.SOURCE}："
    assert source_note.startswith(prefix), source_note
    return source_note.removeprefix(prefix)


def test_the_27_missing_figures_are_loaded_with_their_groups_and_sources():
    """Each of the 27 figures is there, in its group, with the report's words; the four
    pairs in one phrase (4810户17208人, 14户39人, 24户73名, 58批117人次) are two values each."""
    call_command("load_report_data")
    expected = [(group, *row) for group, rows in MISSING_FIGURES.items() for row in rows]
    assert len(expected) == 31
    loaded = IndicatorValue.objects.select_related("indicator").filter(
        indicator__code__in=[code for _, code, *_ in expected]
    )
    assert sorted(
        (
            value.indicator.group,
            value.indicator.code,
            value.value,
            value.indicator.unit,
            value.statement,
            value.year,
            value.value_kind,
        )
        for value in loaded
    ) == sorted(
        (group, code, Decimal(number), unit, statement, 2023, "actual")
        for group, code, number, unit, statement in expected
    )
    sources = {words_of(value.source_note) for value in loaded}
    assert len(sources) == 27
    for value in loaded:
        # The number is in the words it was taken from (第一 is written out).
        words = words_of(value.source_note)
        assert value.statement in words
        assert value.statement or f"{value.value.normalize():f}" in words, words
    assert {value.bound for value in loaded if value.bound != "exact"} == {"at_least"}
    assert loaded.get(indicator__code="rubbish_removed").bound == "at_least"  # 4800余吨
    ranks = Indicator.objects.filter(kind=Indicator.Kind.RANK)
    assert set(ranks.values_list("code", flat=True)) == {
        "fixed_asset_investment_pace_rank",
        "air_quality_rank",
    }


def test_the_towns_own_eight_honours_are_loaded_with_their_sources():
    call_command("load_report_data")
    town = Honour.objects.filter(village__isnull=True)
    assert sorted(town.values_list("title", flat=True)) == sorted(TOWN_HONOURS)
    assert set(town.values_list("year", flat=True)) == {2023}
    for honour in town:
        title = honour.title.removesuffix("（“老娘舅”志愿服务项目）")
        assert title in words_of(honour.source_note)
    assert dict(town.values_list("title", "awarded_by"))["2022年度全区平安建设先进镇"] == "八公山区"


def test_every_indicator_has_a_group_and_every_value_a_source():
    call_command("load_report_data")
    assert not Indicator.objects.exclude(
        group__in=[group.value for group in Indicator.Group]
    ).exists()
    assert set(Indicator.objects.values_list("group", flat=True)) == {
        group.value for group in Indicator.Group
    }
    assert not IndicatorValue.objects.filter(source_note="").exists()


def test_every_source_is_the_reports_own_words():
    """Every figure's and town honour's words are found verbatim in the report."""
    call_command("load_report_data")
    text = re.sub(r"\s+", "", REPORT.read_text(encoding="utf-8"))
    notes = [
        *IndicatorValue.objects.values_list("source_note", flat=True),
        *Honour.objects.filter(village__isnull=True).values_list("source_note", flat=True),
    ]
    missing = [words_of(note) for note in notes if words_of(note) not in text]
    assert missing == []


def test_indicators_loaded_before_the_groups_get_theirs_from_the_migration():
    """The data step of migration 0008 puts the indicators already loaded in their groups."""
    migration = importlib.import_module("projects.migrations.0008_indicator_groups_and_pinyin")
    call_command("load_report_data")
    Indicator.objects.update(group=Indicator.Group.ECONOMY)
    migration.fill_groups(django_apps, None)
    group = dict(Indicator.objects.values_list("code", "group"))
    assert group["village_collective_income"] == "rural_revitalization"
    assert group["afforestation"] == "urban_rural"
    assert group["urban_unemployment_rate"] == "livelihood"
    assert group["fiscal_revenue"] == "economy"


def test_the_reports_projects_exist_from_the_reports_date():
    """A briefing leaves out projects created after its month: the report's projects are
    the state of its date, so every month's briefing since counts them."""
    call_command("load_report_data")

    created = {timezone.localdate(project.created_at) for project in Project.objects.all()}
    briefing = monthly_briefing(month=datetime.date(2024, 2, 1), today=datetime.date(2026, 12, 1))

    assert created == {report_data.REPORT_DATE}
    assert briefing.totals.count == len(report_data.PROJECTS)
