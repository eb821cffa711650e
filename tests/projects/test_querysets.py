"""The computed figures: investment sums, schedule pace, traffic light, milestones."""

import datetime
from decimal import Decimal

import pytest

from projects.models import ProgressReport, Project, TrafficLightThresholds
from projects.querysets import Light, LightReason, PaceBasis, elapsed_share_of_year
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

MID_2024 = datetime.date(2024, 7, 1)  # day 183 of 366: exactly half of the leap year


def figures(project, on):
    return Project.objects.with_traffic_light(on=on).get(pk=project.pk)


def with_annual_plan(completed, planned="1000", year=2024):
    project = ProjectFactory()
    AnnualPlanFactory(project=project, year=year, planned_investment=Decimal(planned))
    if completed:
        ProgressReportFactory(
            project=project,
            month=datetime.date(year, 3, 1),
            investment_completed=Decimal(completed),
        )
    return project


class TestElapsedShareOfYear:
    def test_leap_year_has_366_days(self):
        """29 February counts, and 1 July 2024 is exactly half of the year."""
        assert elapsed_share_of_year(datetime.date(2024, 2, 29)) == 60 / 366
        assert elapsed_share_of_year(MID_2024) == 0.5

    def test_common_year_has_365_days(self):
        assert elapsed_share_of_year(datetime.date(2023, 1, 1)) == 1 / 365
        assert elapsed_share_of_year(datetime.date(2023, 12, 31)) == 1.0

    def test_last_day_of_a_leap_year_is_the_whole_year(self):
        assert elapsed_share_of_year(datetime.date(2024, 12, 31)) == 1.0


class TestInvestment:
    def test_only_approved_reports_count(self):
        """Draft, submitted and returned figures are not official yet."""
        project = ProjectFactory()
        ProgressReportFactory(project=project, month=datetime.date(2024, 1, 1))
        for month, status in enumerate(
            [
                ProgressReport.Status.DRAFT,
                ProgressReport.Status.SUBMITTED,
                ProgressReport.Status.RETURNED,
            ],
            start=2,
        ):
            ProgressReportFactory(
                project=project, month=datetime.date(2024, month, 1), status=status
            )
        annotated = Project.objects.with_investment(year=2024).get(pk=project.pk)
        assert annotated.cumulative_investment == Decimal("100.00")
        assert annotated.year_completed_investment == Decimal("100.00")

    def test_year_figures_take_only_that_year_and_its_plan(self):
        project = ProjectFactory()
        AnnualPlanFactory(project=project, year=2023, planned_investment=Decimal("500"))
        AnnualPlanFactory(project=project, year=2024, planned_investment=Decimal("800"))
        ProgressReportFactory(project=project, month=datetime.date(2023, 12, 1))
        ProgressReportFactory(project=project, month=datetime.date(2024, 1, 1))
        ProgressReportFactory(project=project, month=datetime.date(2024, 12, 1))
        annotated = Project.objects.with_investment(year=2024).get(pk=project.pk)
        assert annotated.cumulative_investment == Decimal("300.00")
        assert annotated.year_completed_investment == Decimal("200.00")
        assert annotated.year_planned_investment == Decimal("800.00")

    def test_no_plan_and_no_report_give_zero_and_null(self):
        annotated = Project.objects.with_investment(year=2024).get(pk=ProjectFactory().pk)
        assert annotated.cumulative_investment == Decimal("0")
        assert annotated.year_completed_investment == Decimal("0")
        assert annotated.year_planned_investment is None

    def test_several_projects_do_not_mix(self):
        first, second = ProjectFactory(), ProjectFactory()
        ProgressReportFactory(project=first, investment_completed=Decimal("7"))
        ProgressReportFactory(project=second, investment_completed=Decimal("11"))
        totals = dict(
            Project.objects.with_investment(year=2024).values_list("pk", "cumulative_investment")
        )
        assert totals == {first.pk: Decimal("7"), second.pk: Decimal("11")}


class TestSchedulePace:
    def test_no_plan_no_dates_means_no_pace(self):
        project = figures(ProjectFactory(), MID_2024)
        assert project.pace_basis is None
        assert project.pace_gap_points is None
        assert (project.light, project.light_reason) == (Light.NONE, LightReason.NO_BASIS)

    def test_annual_plan_on_pace(self):
        project = figures(with_annual_plan("500"), MID_2024)
        assert project.pace_basis == PaceBasis.ANNUAL_PLAN
        assert project.pace_elapsed_share == pytest.approx(0.5)
        assert project.pace_completed_share == pytest.approx(0.5)
        assert project.pace_gap_points == pytest.approx(0)
        assert (project.light, project.light_reason) == (Light.GREEN, LightReason.ON_PACE)

    def test_annual_plan_with_zero_investment_falls_back_to_duration(self):
        project = ProjectFactory(
            planned_start=datetime.date(2024, 1, 1),
            planned_completion=datetime.date(2024, 12, 31),
            total_investment=Decimal("1000"),
        )
        AnnualPlanFactory(project=project, year=2024, planned_investment=Decimal("0"))
        assert figures(project, MID_2024).pace_basis == PaceBasis.PLANNED_DURATION

    def test_not_started_yet_is_not_behind(self):
        """Before the planned start no time has elapsed, so nothing can be behind."""
        project = ProjectFactory(
            planned_start=datetime.date(2024, 9, 1),
            planned_completion=datetime.date(2025, 8, 31),
            total_investment=Decimal("1000"),
        )
        annotated = figures(project, MID_2024)
        assert annotated.pace_basis == PaceBasis.PLANNED_DURATION
        assert annotated.pace_elapsed_share == 0
        assert annotated.pace_gap_points == 0
        assert annotated.light == Light.GREEN

    def test_finished_early_is_ahead(self):
        project = ProjectFactory(
            planned_start=datetime.date(2024, 1, 1),
            planned_completion=datetime.date(2024, 12, 31),
            total_investment=Decimal("100"),
        )
        ProgressReportFactory(project=project, investment_completed=Decimal("100"))
        annotated = figures(project, MID_2024)
        assert annotated.pace_completed_share == pytest.approx(1.0)
        assert annotated.pace_gap_points == pytest.approx(50.0)
        assert annotated.light_reason == LightReason.ON_PACE

    def test_past_planned_completion_the_whole_duration_has_elapsed(self):
        project = ProjectFactory(
            planned_start=datetime.date(2023, 1, 1),
            planned_completion=datetime.date(2023, 12, 31),
            total_investment=Decimal("100"),
        )
        assert figures(project, MID_2024).pace_elapsed_share == 1.0

    def test_project_spanning_several_years(self):
        """Over 2023-2025, on 1 July 2024 half the duration (548 of 1096 days) is gone."""
        project = ProjectFactory(
            planned_start=datetime.date(2023, 1, 1),
            planned_completion=datetime.date(2025, 12, 31),
            total_investment=Decimal("3000"),
        )
        ProgressReportFactory(
            project=project, month=datetime.date(2023, 6, 1), investment_completed=Decimal("600")
        )
        ProgressReportFactory(
            project=project, month=datetime.date(2024, 2, 1), investment_completed=Decimal("400")
        )
        annotated = figures(project, MID_2024)
        assert annotated.pace_elapsed_share == pytest.approx(548 / 1096)
        assert annotated.pace_completed_share == pytest.approx(1 / 3)
        assert annotated.pace_gap_points == pytest.approx(-16.6667, abs=1e-3)
        assert (annotated.light, annotated.light_reason) == (Light.YELLOW, LightReason.BEHIND)

    def test_annual_plan_wins_over_duration(self):
        """With this year's plan, only this year's investment is measured."""
        project = ProjectFactory(
            planned_start=datetime.date(2023, 1, 1),
            planned_completion=datetime.date(2025, 12, 31),
            total_investment=Decimal("3000"),
        )
        AnnualPlanFactory(project=project, year=2024, planned_investment=Decimal("1000"))
        ProgressReportFactory(
            project=project, month=datetime.date(2023, 6, 1), investment_completed=Decimal("2000")
        )
        annotated = figures(project, MID_2024)
        assert annotated.pace_basis == PaceBasis.ANNUAL_PLAN
        assert annotated.pace_completed_share == 0


class TestTrafficLight:
    @pytest.mark.parametrize(
        ("completed", "light", "reason"),
        [
            ("401", Light.GREEN, LightReason.ON_PACE),  # 9.9 points behind
            ("400", Light.YELLOW, LightReason.BEHIND),  # exactly 10 points behind
            ("200", Light.YELLOW, LightReason.BEHIND),  # exactly 30 points behind
            ("199", Light.RED, LightReason.FAR_BEHIND),  # 30.1 points behind
            ("0", Light.RED, LightReason.FAR_BEHIND),
        ],
    )
    def test_pace_thresholds(self, completed, light, reason):
        project = figures(with_annual_plan(completed), MID_2024)
        assert (project.light, project.light_reason) == (light, reason)

    @pytest.mark.parametrize(
        ("days_overdue", "light", "reason"),
        [
            (1, Light.YELLOW, LightReason.MILESTONE_OVERDUE),
            (30, Light.YELLOW, LightReason.MILESTONE_OVERDUE),
            (31, Light.RED, LightReason.MILESTONE_FAR_OVERDUE),
        ],
    )
    def test_overdue_milestone_on_an_otherwise_green_project(self, days_overdue, light, reason):
        project = with_annual_plan("500")
        MilestoneFactory(project=project, due_date=MID_2024 - datetime.timedelta(days_overdue))
        annotated = figures(project, MID_2024)
        assert annotated.max_days_overdue == days_overdue
        assert (annotated.light, annotated.light_reason) == (light, reason)

    def test_completed_and_today_milestones_are_not_overdue(self):
        project = with_annual_plan("500")
        MilestoneFactory(project=project, due_date=datetime.date(2024, 1, 1), completed_on=MID_2024)
        MilestoneFactory(project=project, due_date=MID_2024)
        annotated = figures(project, MID_2024)
        assert annotated.overdue_milestone_count == 0
        assert annotated.light == Light.GREEN

    def test_overdue_milestone_without_pace_basis_is_yellow(self):
        project = ProjectFactory()
        MilestoneFactory(project=project, due_date=MID_2024 - datetime.timedelta(days=3))
        assert figures(project, MID_2024).light == Light.YELLOW

    @pytest.mark.parametrize(
        "stage",
        [
            Project.Stage.PLANNING,
            Project.Stage.COMPLETED,
            Project.Stage.IN_OPERATION,
            Project.Stage.SUSPENDED,
            Project.Stage.CANCELLED,
        ],
    )
    def test_inactive_stages_get_no_light(self, stage):
        project = with_annual_plan("0")
        project.stage = stage
        project.save()
        annotated = figures(project, MID_2024)
        assert (annotated.light, annotated.light_reason) == (Light.NONE, LightReason.INACTIVE)

    def test_preliminary_projects_get_a_light(self):
        project = with_annual_plan("0")
        Project.objects.filter(pk=project.pk).update(stage=Project.Stage.PRELIMINARY)
        assert figures(project, MID_2024).light == Light.RED

    def test_admins_can_change_the_thresholds(self):
        TrafficLightThresholds.objects.create(
            yellow_points_behind=5, red_points_behind=8, red_days_overdue=2
        )
        project = with_annual_plan("440")  # 6 points behind
        assert figures(project, MID_2024).light == Light.YELLOW
        project = with_annual_plan("410")  # 9 points behind
        assert figures(project, MID_2024).light == Light.RED

    def test_the_reason_is_explained_in_words(self):
        project = with_annual_plan("100")
        MilestoneFactory(project=project, title="主体完工", due_date=datetime.date(2024, 5, 1))
        annotated = figures(project, MID_2024)
        assert "40.0" in annotated.light_explanation()
        annotated = figures(with_annual_plan("500"), MID_2024)
        MilestoneFactory(project=annotated, title="主体完工", due_date=datetime.date(2024, 5, 1))
        assert "主体完工" in figures(annotated, MID_2024).light_explanation()


class TestMilestoneSummary:
    def test_next_and_overdue_milestones(self):
        project = ProjectFactory()
        MilestoneFactory(project=project, title="招标", due_date=datetime.date(2024, 3, 1))
        MilestoneFactory(project=project, title="开工", due_date=datetime.date(2024, 5, 1))
        MilestoneFactory(
            project=project,
            title="已完成",
            due_date=datetime.date(2024, 7, 2),
            completed_on=datetime.date(2024, 6, 1),
        )
        MilestoneFactory(project=project, title="封顶", due_date=datetime.date(2024, 9, 1))
        MilestoneFactory(project=project, title="验收", due_date=datetime.date(2024, 12, 1))
        annotated = Project.objects.with_milestone_summary(on=MID_2024).get(pk=project.pk)
        assert annotated.overdue_milestone_count == 2
        assert annotated.oldest_overdue_title == "招标"
        assert annotated.max_days_overdue == (MID_2024 - datetime.date(2024, 3, 1)).days
        assert annotated.next_milestone_title == "封顶"
        assert annotated.next_milestone_due == datetime.date(2024, 9, 1)

    def test_no_milestones(self):
        annotated = Project.objects.with_milestone_summary(on=MID_2024).get(pk=ProjectFactory().pk)
        assert annotated.overdue_milestone_count == 0
        assert annotated.max_days_overdue is None
        assert annotated.next_milestone_due is None
