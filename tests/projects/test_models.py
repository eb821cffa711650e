"""Every rule of the domain model is enforced by the database and explained in Chinese."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from projects.models import (
    AnnualPlan,
    Funding,
    FundingSource,
    IndicatorValue,
    ProgressReport,
    Project,
    TrafficLightThresholds,
)
from tests.factories import (
    AnnualPlanFactory,
    ProgressReportFactory,
    ProjectFactory,
    VillageFactory,
)
from villages.models import CollectiveIncome, Honour

pytestmark = pytest.mark.django_db


def assert_rejected(instance, field_or_message):
    """full_clean() names the problem in Chinese, and the database refuses the row."""
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        instance.full_clean()
    text = str(error.value.message_dict)
    assert field_or_message in text, text
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def project(**fields):
    return Project(name="一个测试项目", category=Project.Category.INDUSTRIAL, **fields)


class TestProjectRules:
    def test_total_investment_not_negative(self):
        assert_rejected(project(total_investment=Decimal("-0.01")), "总投资不能为负数")

    def test_scope_not_negative(self):
        assert_rejected(project(scope_quantity=Decimal("-1")), "规模数量不能为负数")

    def test_planned_completion_not_before_start(self):
        assert_rejected(
            project(
                planned_start=datetime.date(2024, 5, 1),
                planned_completion=datetime.date(2024, 4, 30),
            ),
            "计划完工日期不能早于计划开工日期",
        )

    def test_actual_completion_not_before_start(self):
        assert_rejected(
            project(
                actual_start=datetime.date(2024, 5, 1),
                actual_completion=datetime.date(2024, 4, 30),
            ),
            "实际完工日期不能早于实际开工日期",
        )

    def test_registration_year_needs_registration(self):
        assert_rejected(
            project(statistics_registered=False, statistics_registered_year=2023), "入库纳统"
        )

    def test_name_is_unique(self):
        ProjectFactory(name="一个测试项目")
        assert_rejected(project(), "名称")

    def test_same_day_start_and_completion_is_fine(self):
        day = datetime.date(2024, 5, 1)
        project(actual_start=day, actual_completion=day, total_investment=Decimal(0)).full_clean()


class TestPlanAndReportRules:
    def test_one_plan_per_project_and_year(self):
        plan = AnnualPlanFactory()
        duplicate = AnnualPlan(project=plan.project, year=plan.year)
        assert_rejected(duplicate, "都相同的")

    def test_planned_investment_not_negative(self):
        assert_rejected(
            AnnualPlan(project=ProjectFactory(), year=2024, planned_investment=Decimal(-5)),
            "计划投资不能为负数",
        )

    @pytest.mark.parametrize("progress", ["-0.01", "100.01", "250"])
    def test_physical_progress_between_0_and_100(self, progress):
        report = ProgressReport(
            project=ProjectFactory(),
            month=datetime.date(2024, 1, 1),
            physical_progress=Decimal(progress),
            investment_completed=Decimal(0),
        )
        assert_rejected(report, "形象进度须在0至100%之间")

    def test_investment_completed_not_negative(self):
        report = ProgressReport(
            project=ProjectFactory(),
            month=datetime.date(2024, 1, 1),
            physical_progress=Decimal(10),
            investment_completed=Decimal("-1"),
        )
        assert_rejected(report, "完成投资不能为负数")

    def test_report_month_is_a_first_day(self):
        report = ProgressReport(
            project=ProjectFactory(),
            month=datetime.date(2024, 1, 15),
            physical_progress=Decimal(10),
            investment_completed=Decimal(0),
        )
        assert_rejected(report, "月份")

    def test_one_report_per_project_and_month(self):
        existing = ProgressReportFactory()
        duplicate = ProgressReport(
            project=existing.project,
            month=existing.month,
            physical_progress=Decimal(10),
            investment_completed=Decimal(0),
        )
        assert_rejected(duplicate, "该项目当月已有月报")

    def test_funding_amount_not_negative_and_source_unique(self):
        source = FundingSource.objects.create(name="测试资金")
        target = ProjectFactory()
        assert_rejected(
            Funding(project=target, source=source, amount=Decimal("-1")), "资金金额不能为负数"
        )
        Funding.objects.create(project=target, source=source)
        assert_rejected(Funding(project=target, source=source), "都相同的")


class TestOtherRules:
    def test_thresholds_red_beyond_yellow(self):
        assert_rejected(
            TrafficLightThresholds(yellow_points_behind=30, red_points_behind=30), "红灯"
        )

    def test_income_not_negative_and_unique_per_year(self):
        village = VillageFactory()
        assert_rejected(
            CollectiveIncome(village=village, year=2023, amount=Decimal("-1")), "金额不能为负数"
        )
        CollectiveIncome.objects.create(village=village, year=2023, amount=Decimal(1))
        assert_rejected(CollectiveIncome(village=village, year=2023, amount=Decimal(2)), "都相同的")

    def test_implausible_years(self):
        village = VillageFactory()
        assert_rejected(Honour(village=village, title="测试称号", year=1800), "年")
        assert_rejected(
            AnnualPlan(project=ProjectFactory(), year=3024, planned_investment=None), "年"
        )

    def test_indicator_value_unique_per_year_and_kind(self):
        from projects.models import Indicator

        indicator = Indicator.objects.create(code="t", name="测试", unit="万元", kind="absolute")
        IndicatorValue.objects.create(
            indicator=indicator, year=2023, value_kind="actual", value=Decimal(1)
        )
        assert_rejected(
            IndicatorValue(indicator=indicator, year=2023, value_kind="actual", value=Decimal(2)),
            "都相同的",
        )
