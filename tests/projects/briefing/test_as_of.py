"""The briefing as of its month's end: stages from the stage history, milestones open then,
reports filed by then, projects created later left out, the same figures on any later day;
and "reports missing" counting the month that is due, on the dashboard as in the briefing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from projects import selectors, services
from projects.briefing import figures as briefing
from projects.models import (
    Milestone,
    ProgressReport,
    Project,
    ReminderPolicy,
    StageTransition,
)
from projects.querysets import Light
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    bulk_portfolio,
    created_on,
)

pytestmark = pytest.mark.django_db
D = datetime.date
MAY = D(2024, 5, 1)
MAY_END = D(2024, 5, 31)
Stage = Project.Stage
Status = ProgressReport.Status


def local(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """Return ``day`` at ``hour``:``minute`` in the town's time (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


def moved(project, stage, at, acting_user):
    """Record that ``project`` moved to ``stage`` at the instant ``at`` (a past step: the
    services stamp the present)."""
    step = StageTransition.objects.create(
        project=project, from_stage=project.stage, to_stage=stage, acting_user=acting_user
    )
    StageTransition.objects.filter(pk=step.pk).update(at=at)
    Project.objects.filter(pk=project.pk).update(stage=stage)
    project.stage = stage


def report(project, month, amount, status=Status.APPROVED):
    return ProgressReportFactory(
        project=project, month=month, investment_completed=Decimal(amount), status=status
    )


@pytest.fixture
def may(admin_user):
    """A portfolio at the end of May 2024, with stage steps before, at and after the
    month's end (in the town's time) and two projects created on its last evening and
    just after midnight."""
    built = ProjectFactory(name="甲在建后暂停项目", stage=Stage.PRELIMINARY)
    moved(built, Stage.UNDER_CONSTRUCTION, local(D(2024, 3, 10)), admin_user)
    AnnualPlanFactory(project=built, year=2024, planned_investment=Decimal("1000"))
    report(built, D(2024, 4, 1), "300")  # 30 % of the plan: behind pace, yellow
    MilestoneFactory(project=built, title="五月节点", due_date=D(2024, 5, 20))
    MilestoneFactory(project=built, title="六月节点", due_date=D(2024, 6, 20))

    preliminary = ProjectFactory(
        name="乙前期项目", stage=Stage.PLANNING, actual_start=D(2024, 6, 3)
    )
    moved(preliminary, Stage.PRELIMINARY, local(D(2024, 4, 10)), admin_user)
    AnnualPlanFactory(project=preliminary, year=2024, planned_investment=Decimal("500"))
    report(preliminary, MAY, "250")

    # Steps on either side of midnight, 31 May, Shanghai time (16:00 UTC).
    evening = ProjectFactory(name="丙月末开工项目", stage=Stage.PRELIMINARY)
    moved(evening, Stage.UNDER_CONSTRUCTION, local(MAY_END, 23, 30), admin_user)
    midnight = ProjectFactory(name="丁六月开工项目", stage=Stage.PRELIMINARY)
    moved(midnight, Stage.UNDER_CONSTRUCTION, local(D(2024, 6, 1), 0, 10), admin_user)

    # No step recorded (entered as under construction): its stage now.
    steady = ProjectFactory(name="戊无记录在建项目")
    report(steady, MAY, "30", Status.SUBMITTED)

    created_on(D(2024, 1, 1))
    last_evening = ProjectFactory(name="己月末新建项目", stage=Stage.PLANNING)
    Project.objects.filter(pk=last_evening.pk).update(created_at=local(MAY_END, 23, 0))
    # 00:30 on 1 June in Shanghai is still 31 May in UTC.
    after = ProjectFactory(name="庚六月新建项目")
    Project.objects.filter(pk=after.pk).update(created_at=local(D(2024, 6, 1), 0, 30))
    projects = {"built": built, "preliminary": preliminary, "evening": evening, "steady": steady}
    return {name: Project.objects.get(pk=p.pk) for name, p in projects.items()}


def later_changes(projects, admin_user):
    """What happens after May, through the app's services: a suspension, a start of
    construction, a milestone completed, May's missing report filed late, a returned
    report, a June report, and a new project with a May report entered afterwards."""
    services.project_stage_set(
        project=projects["built"], stage=Stage.SUSPENDED, acting_user=admin_user, comment="资金暂停"
    )
    services.project_stage_set(
        project=projects["preliminary"],
        stage=Stage.UNDER_CONSTRUCTION,
        acting_user=admin_user,
        comment="开工",
    )
    services.milestone_complete(
        milestone=Milestone.objects.get(title="五月节点"),
        acting_user=admin_user,
        completed_on=D(2024, 6, 5),
    )
    late = services.progress_report_create(
        project=projects["evening"],
        acting_user=admin_user,
        month=MAY,
        physical_progress=Decimal(5),
        investment_completed=Decimal(0),
    )
    services.progress_report_transition(report=late, transition="submit", acting_user=admin_user)
    services.progress_report_transition(
        report=ProgressReport.objects.get(project=projects["steady"], month=MAY),
        transition="return",
        acting_user=admin_user,
        comment="请补充照片",
    )
    report(projects["preliminary"], D(2024, 6, 1), "400")
    newcomer = ProjectFactory(name="辛后来项目")
    report(newcomer, MAY, "999")
    AnnualPlanFactory(project=newcomer, year=2024, planned_investment=Decimal("100"))


def figures(monthly: briefing.Briefing) -> dict:
    """Every figure the briefing shows, in English, and its page as rendered."""
    with translation.override("en"):
        return {
            "as_of": monthly.as_of,
            "summary": monthly.summary(),
            "stages": [(str(row.label), row) for row in monthly.stages],
            "totals": monthly.totals,
            "month_completed": monthly.month_completed,
            "pace": monthly.pace,
            "registered": monthly.registered,
            "registered_projects": [
                (p.name, str(p.get_stage_display())) for p in monthly.registered_projects
            ],
            "light_counts": monthly.light_counts,
            "pace_ranking": [
                (p.pace_rank, p.name, p.light, p.pace_gap_points, str(p.get_stage_display()))
                for p in monthly.pace_ranking
            ],
            "red_and_yellow": [
                (p.name, p.light, p.light_reason, p.report_problems) for p in monthly.red_and_yellow
            ],
            "milestones": [(m.title, m.due_date) for m in monthly.milestones_next_month],
            "missing": [p.name for p in monthly.missing_reports],
            "reports_month": monthly.reports_month,
            "page": render_to_string("projects/briefing_content.html", {"briefing": monthly}),
        }


class TestAsOfTheMonthsEnd:
    def test_a_past_month_reads_the_same_on_any_later_day(self, may, admin_user):
        """The May briefing read on 3 June and on 1 December gives the same figures,
        though stages changed, a project was added, a milestone was completed and reports
        were filed since."""
        early = figures(briefing.monthly_briefing(month=MAY, today=D(2024, 6, 3)))
        later_changes(may, admin_user)
        late = figures(briefing.monthly_briefing(month=MAY, today=D(2024, 12, 1)))
        assert late == early
        # And they are May's figures, not empty ones.
        assert early["summary"][2] == (
            "By May 31, 2024 the town follows 6 projects: 3 under construction, 2 in "
            "preliminary work, 1 in the planning reserve and 0 completed or in operation."
        )
        assert early["light_counts"] == {"red": 0, "yellow": 1, "green": 1, "none": 4}
        assert early["missing"] == ["丙月末开工项目", "甲在建后暂停项目"]

    def test_projects_created_after_the_month_are_absent(self, may):
        monthly = briefing.monthly_briefing(month=MAY, today=D(2024, 6, 3))
        names = {p.name for p in Project.objects.as_of(MAY_END)}
        assert "庚六月新建项目" not in names and "己月末新建项目" in names
        assert monthly.totals.count == 6 == len(names)
        assert "庚六月新建项目" not in figures(monthly)["page"]
        june = briefing.monthly_briefing(month=D(2024, 6, 1), today=D(2024, 6, 3))
        assert june.totals.count == 7

    def test_a_project_suspended_after_the_month_was_under_construction_in_it(
        self, may, admin_user
    ):
        later_changes(may, admin_user)
        monthly = briefing.monthly_briefing(month=MAY, today=D(2024, 12, 1))
        assert monthly.stage_count(Stage.UNDER_CONSTRUCTION) == 3
        assert monthly.stage_count(Stage.SUSPENDED) == 0
        [built] = [p for p in monthly.pace_ranking if p.name == "甲在建后暂停项目"]
        assert (built.stage, built.light) == (Stage.UNDER_CONSTRUCTION, Light.YELLOW)
        assert "甲在建后暂停项目" in {p.name for p in monthly.missing_reports}
        # Today's lights read today's stage: suspended, no light.
        now = Project.objects.with_traffic_light(on=D(2024, 12, 1)).get(pk=may["built"].pk)
        assert now.light == Light.NONE

    def test_each_projects_stage_on_the_day_from_its_history(self, may, admin_user):
        later_changes(may, admin_user)
        stages = dict(Project.objects.as_of(MAY_END).values_list("name", "stage_as_of"))
        assert stages == {
            "甲在建后暂停项目": Stage.UNDER_CONSTRUCTION,  # latest step by then
            "乙前期项目": Stage.PRELIMINARY,  # latest step by then; one step after
            "丙月末开工项目": Stage.UNDER_CONSTRUCTION,  # 23:30 on the day counts
            "丁六月开工项目": Stage.PRELIMINARY,  # 00:10 the next day does not
            "戊无记录在建项目": Stage.UNDER_CONSTRUCTION,  # no step at all: its stage now
            "己月末新建项目": Stage.PLANNING,
        }
        march = dict(Project.objects.as_of(D(2024, 3, 1)).values_list("name", "stage_as_of"))
        assert march["甲在建后暂停项目"] == Stage.PRELIMINARY  # from the first step after
        assert march["乙前期项目"] == Stage.PLANNING

    def test_a_milestone_completed_after_the_day_was_overdue_on_it(self, may, admin_user):
        later_changes(may, admin_user)
        then = Project.objects.with_milestone_summary(on=MAY_END).get(pk=may["built"].pk)
        assert (then.overdue_milestone_count, then.oldest_overdue_title) == (1, "五月节点")
        now = Project.objects.with_milestone_summary(on=D(2024, 6, 10)).get(pk=may["built"].pk)
        assert (now.overdue_milestone_count, now.next_milestone_title) == (0, "六月节点")

    def test_reports_filed_by_the_end_of_the_day_from_their_review_steps(self, may, admin_user):
        later_changes(may, admin_user)
        filed_then = ProgressReport.objects.filed(on=MAY_END).filter(month=MAY)
        # Submitted later: not filed then. Returned later: filed then. No step: as it is.
        assert set(filed_then.values_list("project__name", flat=True)) == {
            "乙前期项目",
            "戊无记录在建项目",
            "辛后来项目",
        }
        filed_now = ProgressReport.objects.filed().filter(month=MAY)
        assert set(filed_now.values_list("project__name", flat=True)) == {
            "乙前期项目",
            "丙月末开工项目",
            "辛后来项目",
        }


class TestTheMonthThatIsDue:
    NOVEMBER, DECEMBER = D(2026, 11, 1), D(2026, 12, 1)

    @pytest.fixture
    def reporting(self):
        """One project filed November's report; the other only December's."""
        filed = ProjectFactory(name="十一月已报项目")
        report(filed, self.NOVEMBER, "10", Status.SUBMITTED)
        missing = ProjectFactory(name="十一月未报项目")
        report(missing, self.DECEMBER, "10", Status.SUBMITTED)
        created_on(D(2026, 1, 1))

    def test_last_month_until_the_reminder_day_then_this_month(self):
        due = selectors.report_month_due
        assert due(D(2026, 12, 1)) == self.NOVEMBER
        assert due(D(2026, 12, 19)) == self.NOVEMBER
        assert due(D(2026, 12, 20)) == self.DECEMBER  # the policy's day (default the 20th)
        assert due(D(2026, 1, 5)) == D(2025, 12, 1)
        ReminderPolicy.objects.create(report_reminder_day=25)
        assert due(D(2026, 12, 24)) == self.NOVEMBER
        assert due(D(2026, 12, 25)) == self.DECEMBER

    def test_the_dashboard_on_1_december_counts_novembers_reports(
        self, reporting, admin_client, monkeypatch
    ):
        monkeypatch.setattr(selectors, "today", lambda: self.DECEMBER)
        response = admin_client.get(reverse("projects:dashboard"))
        attention = response.context["attention"]
        assert attention["month"] == self.NOVEMBER
        assert [p.name for p in attention["missing_reports"]["items"]] == ["十一月未报项目"]
        content = response.content.decode()
        assert "2026年11月月报未提交" in content
        assert '<span class="badge text-bg-secondary" data-testid="missing-reports-count">1<' in (
            content
        )
        assert "2026年12月月报未提交" not in content

    def test_the_briefing_on_1_december_counts_novembers_reports(self, reporting):
        for month in (self.NOVEMBER, self.DECEMBER):
            monthly = briefing.monthly_briefing(month=month, today=self.DECEMBER)
            assert monthly.reports_month == self.NOVEMBER
            assert [p.name for p in monthly.missing_reports] == ["十一月未报项目"]
            with translation.override("en"):
                assert monthly.summary()[6] == (
                    "1 project under construction has not filed its report for November 2026."
                )
        with translation.override("zh-hans"):
            page = render_to_string("projects/briefing_content.html", {"briefing": monthly})
        assert "2026年11月未报送月报的项目" in page
        on_the_20th = briefing.monthly_briefing(month=self.DECEMBER, today=D(2026, 12, 20))
        assert on_the_20th.reports_month == self.DECEMBER
        assert [p.name for p in on_the_20th.missing_reports] == ["十一月已报项目"]


def grow(count: int, admin_user) -> None:
    """Add ``count`` projects, each started in March 2024 and suspended in June."""
    before = set(Project.objects.values_list("pk", flat=True))
    bulk_portfolio(count)
    created_on(D(2024, 1, 1))
    new = Project.objects.exclude(pk__in=before)
    steps = StageTransition.objects.bulk_create(
        StageTransition(
            project=project, from_stage=from_stage, to_stage=to_stage, acting_user=admin_user
        )
        for project in new
        for from_stage, to_stage in (
            (Stage.PRELIMINARY, Stage.UNDER_CONSTRUCTION),
            (Stage.UNDER_CONSTRUCTION, Stage.SUSPENDED),
        )
    )
    StageTransition.objects.filter(
        pk__in=[s.pk for s in steps], to_stage=Stage.UNDER_CONSTRUCTION
    ).update(at=local(D(2024, 3, 1)))
    StageTransition.objects.filter(pk__in=[s.pk for s in steps], to_stage=Stage.SUSPENDED).update(
        at=local(D(2024, 6, 15))
    )
    new.update(stage=Stage.SUSPENDED)


class TestQueryCount:
    def test_the_portfolio_as_of_a_day_is_one_query(self, admin_user, django_assert_num_queries):
        grow(20, admin_user)
        with django_assert_num_queries(1):
            projects = list(Project.objects.as_of(MAY_END))
        assert {p.stage_as_of for p in projects} == {Stage.UNDER_CONSTRUCTION}

    def test_constant_as_the_portfolio_grows(self, admin_user, django_assert_num_queries):
        grow(5, admin_user)
        with CaptureQueriesContext(connection) as small:
            briefing.monthly_briefing(month=MAY, today=D(2024, 12, 1))
            list(selectors.projects_missing_report(MAY, on=MAY_END))
        grow(195, admin_user)
        with django_assert_num_queries(len(small)):
            monthly = briefing.monthly_briefing(month=MAY, today=D(2024, 12, 1))
            missing = list(selectors.projects_missing_report(MAY, on=MAY_END))
        assert monthly.stage_count(Stage.UNDER_CONSTRUCTION) == 200 == len(missing)
        assert monthly.stage_count(Stage.SUSPENDED) == 0
