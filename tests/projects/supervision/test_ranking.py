"""The units' monthly ranking (考核): every rate and score of a seeded month against a
computation written here in plain Python over the seeded rows, the order and the marks,
the admin's weights, the items behind each figure, the pages, the dashboard, the briefing
and the query counts."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.briefing import figures as briefing
from projects.briefing.xlsx import briefing_workbook
from projects.models import (
    INDICATORS,
    AnnualPlan,
    AssessmentWeights,
    Milestone,
    Problem,
    ProblemTransition,
    ProgressReport,
    Project,
    ReportTransition,
    ResponsibleUnit,
    StageTransition,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from projects.rules import Role
from projects.supervision import ranking
from tests.conftest import with_role
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    SupervisionOrderFactory,
    UserFactory,
    created_on,
)

pytestmark = pytest.mark.django_db
D = datetime.date
MAY, MAY_END = D(2024, 5, 1), D(2024, 5, 31)
#: The day the month is read on: in June, when May's ranking is published.
JUNE_20 = D(2024, 6, 20)
Stage = Project.Stage
PS = Problem.Status
OS = SupervisionOrder.Status
RS = ProgressReport.Status
DEFAULT_WEIGHTS = {
    "problems_on_time": 30,
    "replies_on_time": 20,
    "reports_on_time": 20,
    "milestones_on_time": 15,
    "schedule_pace": 15,
}


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """The instant ``hour``:``minute`` on ``day``, in the town's time (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def person():
    """A user without a password (no hashing: the pages log in with force_login)."""
    return UserFactory(password="!")


class Seed:
    """A month of items for six units (the fixture ``month``); ``step`` records a
    transition at a chosen instant (``at`` is set on save, so it is moved after)."""

    def __init__(self):
        self.actor = person()
        self.issuer = person()

    def step(self, item, to_status, when, from_status="assigned"):
        if isinstance(item, Problem):
            model, fk = ProblemTransition, "problem"
        elif isinstance(item, SupervisionOrder):
            model, fk = SupervisionOrderTransition, "order"
        else:
            model, fk = ReportTransition, "report"
        transition = model.objects.create(
            **{fk: item},
            acting_user=self.actor,
            from_status=from_status,
            to_status=to_status,
        )
        model.objects.filter(pk=transition.pk).update(at=when)

    def problem(self, project, unit, deadline, *steps, status=PS.IN_PROGRESS, **fields):
        problem = ProblemFactory(
            project=project, responsible_unit=unit, deadline=deadline, status=status, **fields
        )
        for to_status, when in steps:
            self.step(problem, to_status, when, from_status=PS.IN_PROGRESS)
        return problem

    def order(self, project, unit, deadline, *replies, status=OS.ISSUED):
        order = SupervisionOrderFactory(
            project=project,
            responsible_unit=unit,
            issued_by=self.issuer,
            issued_on=D(2024, 5, 1),
            reply_deadline=deadline,
            status=status,
        )
        for when in replies:
            self.step(order, OS.REPLIED, when, from_status=OS.ISSUED)
        return order

    def report(self, project, month, amount=Decimal(100), status=RS.APPROVED, steps=()):
        report = ProgressReportFactory(
            project=project, month=month, investment_completed=amount, status=status
        )
        for from_status, to_status, when in steps:
            self.step(report, to_status, when, from_status=from_status)
        return report


@pytest.fixture(scope="module")
def month(django_db_setup, django_db_blocker):
    """The seeded month, made once for the module in a transaction rolled back at its
    end; each test runs in a savepoint inside it, so what a test changes is undone."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed_month()
        transaction.set_rollback(True)


def seed_month():
    """工农村 has a bit of everything, on time and late; 山王村 and 闪冲村 the same perfect
    record; 张楼村 everything late; 毕岗村 only a milestone on time; 丁山村 items outside
    May only. Expected (default weights, 3 marked): 毕岗村, 山王村, 闪冲村 at 100 in pinyin
    order, then 工农村, then 张楼村 at 0; two units marked at each end (5 ranked)."""
    seed = Seed()
    units = {
        name: ResponsibleUnitFactory(name=name)
        for name in (
            "工农村村委会",
            "山王村村委会",
            "闪冲村村委会",
            "张楼村村委会",
            "毕岗村村委会",
            "丁山村村委会",
        )
    }
    gn, sw, sc, zl, bg, ds = units.values()

    # 工农村: five projects counted in different ways.
    p1 = ProjectFactory(responsible_unit=gn, name="工农村粮食烘干中心")
    p2 = ProjectFactory(responsible_unit=gn, name="工农村污水处理")
    p3 = ProjectFactory(responsible_unit=gn, name="工农村道路")  # no plan, no report
    p4 = ProjectFactory(
        responsible_unit=gn,
        name="工农村前期项目",
        stage=Stage.PRELIMINARY,
        planned_start=D(2024, 1, 1),
        planned_completion=D(2024, 12, 31),
        total_investment=Decimal(1000),
    )
    p5 = ProjectFactory(responsible_unit=gn, name="工农村六月新建项目")  # created in June
    p6 = ProjectFactory(responsible_unit=gn, name="工农村六月开工项目")  # preliminary in May
    ProjectFactory(
        responsible_unit=gn,
        name="工农村七月开工项目",  # duration basis, nothing elapsed yet: no pace
        stage=Stage.PRELIMINARY,
        planned_start=D(2024, 7, 1),
        planned_completion=D(2025, 6, 30),
        total_investment=Decimal(500),
    )
    p8 = ProjectFactory(responsible_unit=gn, name="工农村竣工项目", stage=Stage.COMPLETED)
    for project, amount in ((p1, 500), (p2, 200)):
        AnnualPlanFactory(project=project, planned_investment=Decimal(1000))
        seed.report(project, D(2024, 4, 1), Decimal(amount))
    AnnualPlanFactory(project=p6, planned_investment=Decimal(1000))
    AnnualPlanFactory(project=p8, planned_investment=Decimal(1000))
    seed.report(p4, D(2024, 1, 1), Decimal(100))
    seed.report(
        p1,
        MAY,
        status=RS.APPROVED,
        steps=[
            (RS.DRAFT, RS.SUBMITTED, at(MAY_END, 20)),
            (RS.SUBMITTED, RS.APPROVED, at(D(2024, 6, 3))),
        ],
    )
    seed.report(
        p2, MAY, status=RS.SUBMITTED, steps=[(RS.DRAFT, RS.SUBMITTED, at(D(2024, 6, 1), 0, 30))]
    )
    seed.report(p5, MAY, status=RS.SUBMITTED, steps=[(RS.DRAFT, RS.SUBMITTED, at(D(2024, 5, 30)))])
    transition = StageTransition.objects.create(
        project=p6,
        acting_user=seed.actor,
        from_stage=Stage.PRELIMINARY,
        to_stage=Stage.UNDER_CONSTRUCTION,
    )
    StageTransition.objects.filter(pk=transition.pk).update(at=at(D(2024, 6, 5)))

    seed.problem(p1, gn, D(2024, 5, 10), (PS.RESOLVED, at(D(2024, 5, 9))), status=PS.RESOLVED)
    # 00:10 on the 21st in the town is still the 20th in UTC: late all the same.
    seed.problem(
        p1, gn, D(2024, 5, 20), (PS.RESOLVED, at(D(2024, 5, 21), 0, 10)), status=PS.RESOLVED
    )
    seed.problem(p2, gn, D(2024, 5, 31))
    seed.problem(
        p2, gn, D(2024, 5, 20), (PS.RESOLVED, at(D(2024, 5, 20), 23, 30)), status=PS.STRUCK_OFF
    )
    # First resolved on time, sent back, resolved again late: the first resolution counts.
    seed.problem(
        p3,
        gn,
        D(2024, 5, 15),
        (PS.RESOLVED, at(D(2024, 5, 14))),
        (PS.IN_PROGRESS, at(D(2024, 5, 16))),
        (PS.RESOLVED, at(D(2024, 5, 25))),
        status=PS.RESOLVED,
    )
    seed.problem(p3, gn, D(2024, 6, 5))
    seed.problem(p3, gn, D(2024, 4, 30), (PS.RESOLVED, at(D(2024, 5, 3))), status=PS.RESOLVED)
    seed.problem(p3, None, D(2024, 5, 12), status=PS.PENDING)  # nobody's yet
    seed.order(p1, gn, D(2024, 5, 15), at(D(2024, 5, 14)), status=OS.ACCEPTED)
    seed.order(p1, gn, D(2024, 5, 15), at(D(2024, 5, 16)), status=OS.REPLIED)
    seed.order(p2, gn, D(2024, 5, 28))
    seed.order(p2, gn, D(2024, 6, 3))
    MilestoneFactory(project=p1, due_date=D(2024, 5, 10), completed_on=D(2024, 5, 10))
    MilestoneFactory(project=p1, due_date=D(2024, 5, 12), completed_on=D(2024, 5, 13))
    MilestoneFactory(project=p2, due_date=D(2024, 5, 20))
    MilestoneFactory(project=p2, due_date=D(2024, 6, 1))

    # 山王村 and 闪冲村: two problems resolved on time, the report on time, ahead of pace.
    for unit in (sw, sc):
        project = ProjectFactory(responsible_unit=unit, name=f"{unit.name}示范村")
        AnnualPlanFactory(project=project, planned_investment=Decimal(1000))
        seed.report(project, D(2024, 4, 1), Decimal(900))
        seed.report(
            project, MAY, status=RS.SUBMITTED, steps=[(RS.DRAFT, RS.SUBMITTED, at(D(2024, 5, 20)))]
        )
        for deadline in (D(2024, 5, 8), D(2024, 5, 28)):
            seed.problem(
                project, unit, deadline, (PS.RESOLVED, at(deadline, 9)), status=PS.RESOLVED
            )

    # 张楼村: everything late.
    zp = ProjectFactory(responsible_unit=zl, name="张楼村标准化厂房")
    AnnualPlanFactory(project=zp, planned_investment=Decimal(1000))
    seed.problem(zp, zl, D(2024, 5, 5))
    seed.order(zp, zl, D(2024, 5, 10), at(D(2024, 5, 12)), status=OS.REPLIED)
    MilestoneFactory(project=zp, due_date=D(2024, 5, 8), completed_on=D(2024, 5, 9))

    # 毕岗村: a project in the planning reserve with a milestone done early.
    bp = ProjectFactory(responsible_unit=bg, name="毕岗村冷链物流", stage=Stage.PLANNING)
    MilestoneFactory(project=bp, due_date=D(2024, 5, 18), completed_on=D(2024, 5, 1))

    # 丁山村: items of other months only.
    dp = ProjectFactory(responsible_unit=ds, name="丁山村葡萄园", stage=Stage.PLANNING)
    seed.problem(dp, ds, D(2024, 4, 10))
    MilestoneFactory(project=dp, due_date=D(2024, 6, 10))

    created_on(D(2024, 1, 1))
    created_on(D(2024, 6, 10), Project.objects.filter(pk=p5.pk))
    return units


# The independent computation: plain Python over the rows, none of the module's querysets.


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def first_step_day(transitions, to_status) -> datetime.date | None:
    moments = sorted(t.at for t in transitions if t.to_status == to_status)
    return local_day(moments[0]) if moments else None


def state_at(current, steps, cutoff, from_field, to_field):
    """The state at ``cutoff`` from the row's steps: the latest before it, else the first
    after it (its from-state), else the row's current state."""
    steps = sorted(steps, key=lambda step: (step.at, step.pk))
    before = [step for step in steps if step.at < cutoff]
    if before:
        return getattr(before[-1], to_field)
    if steps:
        return getattr(steps[0], from_field)
    return current


def in_may(day) -> bool:
    return day is not None and MAY <= day <= MAY_END


def expected_figures(unit) -> dict[str, tuple[int, int | None, float | None]]:
    """{indicator: (counted, on time, rate)} of ``unit`` in May, from the rows."""
    cutoff = at(D(2024, 6, 1), 0)
    figures = {}

    problems = [p for p in Problem.objects.all() if p.responsible_unit_id == unit.pk]
    problems = [p for p in problems if in_may(p.deadline)]
    on_time = [
        p
        for p in problems
        if (day := first_step_day(p.transitions.all(), PS.RESOLVED)) and day <= p.deadline
    ]
    figures["problems_on_time"] = (len(problems), len(on_time))

    orders = [o for o in SupervisionOrder.objects.all() if o.responsible_unit_id == unit.pk]
    orders = [o for o in orders if in_may(o.reply_deadline)]
    on_time = [
        o
        for o in orders
        if (day := first_step_day(o.transitions.all(), OS.REPLIED)) and day <= o.reply_deadline
    ]
    figures["replies_on_time"] = (len(orders), len(on_time))

    projects = [
        p
        for p in Project.objects.all()
        if p.responsible_unit_id == unit.pk and p.created_at < cutoff
    ]
    stage_then = {
        p.pk: state_at(p.stage, p.stage_transitions.all(), cutoff, "from_stage", "to_stage")
        for p in projects
    }
    building = [p for p in projects if stage_then[p.pk] == Stage.UNDER_CONSTRUCTION]
    filed = []
    for project in building:
        for report in ProgressReport.objects.filter(project=project, month=MAY):
            status = state_at(
                report.status, report.transitions.all(), cutoff, "from_status", "to_status"
            )
            if status in (RS.SUBMITTED, RS.APPROVED):
                filed.append(project)
    figures["reports_on_time"] = (len(building), len(filed))

    milestones = [
        m
        for m in Milestone.objects.all()
        if m.project.responsible_unit_id == unit.pk and in_may(m.due_date)
    ]
    on_time = [m for m in milestones if m.completed_on and m.completed_on <= m.due_date]
    figures["milestones_on_time"] = (len(milestones), len(on_time))

    rates = {
        name: (counted, done, done / counted if counted else None)
        for name, (counted, done) in figures.items()
    }
    ratios = []
    for project in projects:
        if stage_then[project.pk] not in (Stage.PRELIMINARY, Stage.UNDER_CONSTRUCTION):
            continue
        approved = [
            r
            for r in ProgressReport.objects.filter(project=project)
            if r.status == RS.APPROVED and r.month <= MAY_END
        ]
        plan = AnnualPlan.objects.filter(project=project, year=2024).first()
        if plan and plan.planned_investment > 0:
            elapsed = ((MAY_END - D(2024, 1, 1)).days + 1) / 366
            this_year = sum(r.investment_completed for r in approved if r.month.year == 2024)
            completed = float(this_year) / float(plan.planned_investment)
        elif project.planned_start and project.planned_completion and project.total_investment:
            start, end = project.planned_start, project.planned_completion
            elapsed = max(0.0, min(1.0, ((MAY_END - start).days + 1) / ((end - start).days + 1)))
            cumulative = sum(r.investment_completed for r in approved)
            completed = float(cumulative) / float(project.total_investment)
        else:
            continue
        if elapsed > 0:
            ratios.append(min(1.0, completed / elapsed))
    rates["schedule_pace"] = (
        len(ratios),
        None,
        sum(ratios) / len(ratios) if ratios else None,
    )
    return rates


def expected_score(rates, weights=DEFAULT_WEIGHTS) -> float | None:
    known = [(weights[name], rate) for name, (_c, _o, rate) in rates.items() if rate is not None]
    total = sum(weight for weight, _rate in known)
    return 100 * sum(weight * rate for weight, rate in known) / total if total else None


class TestFigures:
    def test_every_rate_and_score_matches_the_independent_computation(self, month):
        """Each unit's counts, rates and score are those computed here from the rows."""
        result = ranking.unit_ranking(month=MAY)
        assert {row.name for row in result.rows} == set(month) - {"丁山村村委会"}
        for row in result.rows:
            expected = expected_figures(ResponsibleUnit.objects.get(pk=row.unit_id))
            for figure in row.figures:
                counted, on_time, rate = expected[figure.indicator]
                assert figure.counted == counted, (row.name, figure.indicator)
                assert figure.on_time == (on_time if figure.indicator != "schedule_pace" else None)
                assert figure.rate == pytest.approx(rate), (row.name, figure.indicator)
            assert row.score == pytest.approx(expected_score(expected)), row.name

    def test_the_seeded_figures_by_hand(self, month):
        """工农村: 3 of 5 problems (the UTC edge late, the first resolution counting), 1 of 3
        replies, 1 of 3 reports (one filed after the month, one missing; a project created
        in June and one started in June left out), 1 of 3 milestones, and the pace of four
        projects (none before the start, none completed)."""
        row = ranking.unit_ranking(month=MAY).row_of(month["工农村村委会"].pk)
        counts = {f.indicator: (f.on_time, f.counted) for f in row.figures}
        assert counts == {
            "problems_on_time": (3, 5),
            "replies_on_time": (1, 3),
            "reports_on_time": (1, 3),
            "milestones_on_time": (1, 3),
            "schedule_pace": (None, 4),
        }
        elapsed = 152 / 366
        pace = (1 + 0.2 / elapsed + 0.1 / elapsed + 0) / 4
        assert row.figure("schedule_pace").rate == pytest.approx(pace)
        score = (30 * 0.6 + 20 / 3 + 20 / 3 + 15 / 3 + 15 * pace) / 100 * 100
        assert row.score == pytest.approx(score)

    def test_order_ties_and_marks(self, month):
        """Highest score first, equal scores by pinyin (毕 bì, 山 shān, 闪 shǎn); with 5
        ranked and 3 to mark, each end gets 2, so no unit is marked at both."""
        result = ranking.unit_ranking(month=MAY)
        assert [(row.rank, row.name, row.mark) for row in result.rows] == [
            (1, "毕岗村村委会", "top"),
            (2, "山王村村委会", "top"),
            (3, "闪冲村村委会", ""),
            (4, "工农村村委会", "bottom"),
            (5, "张楼村村委会", "bottom"),
        ]
        assert [row.score for row in result.rows][:3] == [100, 100, 100]
        assert result.rows[-1].score == 0

    def test_weights_of_the_admin_row_change_scores_and_marks(self, month):
        """Zero for milestones leaves 毕岗村 without a score, last and unranked; the
        others' scores follow the new weights; one unit marked at each end."""
        weights = {**DEFAULT_WEIGHTS, "problems_on_time": 60, "milestones_on_time": 0}
        AssessmentWeights.objects.create(**weights, marked=1)
        result = ranking.unit_ranking(month=MAY)
        assert [i.weight for i in result.indicators] == [weights[name] for name in INDICATORS]
        assert result.rows[-1].name == "毕岗村村委会"
        assert result.rows[-1].score is None and result.rows[-1].rank is None
        for row in result.rows[:-1]:
            rates = expected_figures(ResponsibleUnit.objects.get(pk=row.unit_id))
            assert row.score == pytest.approx(expected_score(rates, weights))
        assert [(row.name, row.mark) for row in result.rows if row.mark] == [
            ("山王村村委会", "top"),
            ("张楼村村委会", "bottom"),
        ]

    def test_the_items_explain_each_figure(self, month):
        """ranking_items lists what each figure counts: its on-time share is the rate."""
        result = ranking.unit_ranking(month=MAY)
        for row in result.rows:
            unit = ResponsibleUnit.objects.get(pk=row.unit_id)
            items = ranking.ranking_items(month=MAY, unit=unit)
            assert list(items) == list(INDICATORS)
            for figure in row.figures:
                listed = items[figure.indicator]
                assert len(listed) == figure.counted
                if figure.indicator == "schedule_pace":
                    ratios = [item.pace_ratio for item in listed]
                    assert figure.rate == pytest.approx(
                        sum(ratios) / len(ratios) if ratios else None
                    )
                else:
                    assert sum(item.on_time for item in listed) == figure.on_time

    def test_a_month_without_items_and_the_dashboard(self, month):
        """Nothing was recorded by the end of December 2023: January's dashboard shows no
        ranking; June's shows May's marked units."""
        assert ranking.dashboard_ranking(on=D(2024, 1, 15)) is None
        dashboard = ranking.dashboard_ranking(on=D(2024, 6, 2))
        assert dashboard.month == MAY and len(dashboard.rows) == 5
        assert [row.name for row in dashboard.highlighted] == [
            "毕岗村村委会",
            "山王村村委会",
            "工农村村委会",
            "张楼村村委会",
        ]

    @pytest.mark.parametrize(
        ("text", "month_or_code"),
        [
            ("", D(2024, 5, 1)),
            ("2024-05", D(2024, 5, 1)),
            ("2024-06", "not_over"),
            ("2031-01", "not_over"),
            ("2024-13", "invalid"),
            ("May", "invalid"),
        ],
    )
    def test_the_month_asked_for(self, text, month_or_code):
        if isinstance(month_or_code, datetime.date):
            assert ranking.parse_month(text, today=JUNE_20) == month_or_code
        else:
            with pytest.raises(ValidationError) as error:
                ranking.parse_month(text, today=JUNE_20)
            assert error.value.code == month_or_code


@pytest.fixture
def leader_client(client):
    client.force_login(with_role(person(), Role.LEADER))
    return client


class TestPages:
    def test_the_table_links_every_figure_to_its_items(self, month, client):
        """Every role reads the ranking (a staff member here): rank, unit, rates as
        percentages, score, marks; each rate a link to the unit's items."""
        client.force_login(with_role(person(), Role.STAFF))
        response = client.get(reverse("projects:ranking"), {"month": "2024-05"})
        assert response.status_code == 200
        content = response.content.decode()
        gn = month["工农村村委会"]
        items = reverse("projects:ranking_unit", args=[gn.pk])
        assert (
            f'href="{items}?month=2024-05#problems_on_time" data-testid="ranking-figure">60.0%</a>'
            in content
        )
        assert (
            f'href="{items}?month=2024-05#replies_on_time" data-testid="ranking-figure">33.3%</a>'
            in content
        )
        assert 'data-mark="top"' in content and 'data-mark="bottom"' in content
        assert content.count('data-testid="ranking-row"') == 5
        assert "丁山村村委会" not in content

    def test_the_unit_page_lists_the_items_and_hides_other_units_problems(self, month, client):
        """A staff member of 山王村 sees 工农村's items with on-time marks, but not the text of
        another unit's problems; a leader sees it, escaped."""
        gn = month["工农村村委会"]
        problem = Problem.objects.filter(responsible_unit=gn).order_by("pk").first()
        Problem.objects.filter(pk=problem.pk).update(description="<b>土地未交付</b>")
        staff = with_role(person(), Role.STAFF)
        month["山王村村委会"].members.add(staff)
        client.force_login(staff)
        url = reverse("projects:ranking_unit", args=[gn.pk])
        content = client.get(url, {"month": "2024-05"}).content.decode()
        assert content.count('data-testid="ranking-item"') == 5 + 3 + 3 + 3 + 4
        assert content.count('data-on-time="yes"') == 3 + 1 + 1 + 1
        assert "土地未交付" not in content
        client.force_login(with_role(person(), Role.LEADER))
        content = client.get(url, {"month": "2024-05"}).content.decode()
        assert "&lt;b&gt;土地未交付&lt;/b&gt;" in content and "<b>土地未交付" not in content

    @pytest.mark.parametrize(
        "month_text", ["2031-01", "bad", timezone.localdate().strftime("%Y-%m")]
    )
    def test_a_month_not_over_or_malformed_gets_400(self, leader_client, month_text):
        for url in (reverse("projects:ranking"), reverse("projects:ranking_unit", args=[1])):
            response = leader_client.get(url, {"month": month_text})
            assert response.status_code == 400
            assert b'data-testid="month-error"' in response.content

    def test_who_may_read(self, client):
        url = reverse("projects:ranking")
        assert "/login/" in client.get(url)["Location"]
        client.force_login(person())  # no role
        assert client.get(url).status_code == 403
        assert client.get(reverse("projects:ranking_unit", args=[1])).status_code == 403

    def test_the_dashboard_shows_last_months_ranking(self, leader_client):
        """A unit with an item last month is on the dashboard, linked to its items."""
        unit = ResponsibleUnitFactory(name="淮岸社区居委会")
        last_month = ranking.month_before(timezone.localdate())
        MilestoneFactory(
            project=ProjectFactory(responsible_unit=unit),
            due_date=last_month,
            completed_on=last_month,
        )
        content = leader_client.get(reverse("projects:dashboard")).content.decode()
        assert 'data-testid="dashboard-ranking"' in content
        assert (
            f"{reverse('projects:ranking_unit', args=[unit.pk])}?month={last_month:%Y-%m}"
            in content
        )


class TestBriefing:
    def test_the_briefing_carries_the_ranking_on_page_and_in_the_workbook(
        self, month, leader_client
    ):
        monthly = briefing.monthly_briefing(month=MAY, today=JUNE_20)
        expected = ranking.unit_ranking(month=MAY)
        assert [(row.name, row.score) for row in monthly.ranking.rows] == [
            (row.name, row.score) for row in expected.rows
        ]
        content = leader_client.get(reverse("projects:briefing"), {"month": "2024-05"}).content
        assert b'data-testid="briefing-assessment"' in content
        assert content.count(b'data-testid="ranking-row"') == 5
        workbook = openpyxl.load_workbook(io.BytesIO(briefing_workbook(monthly)))
        # Summary, stages, registered, pace ranking, then the units' ranking.
        sheet = workbook.worksheets[4]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [(row[0], row[1]) for row in rows] == [(row.rank, row.name) for row in expected.rows]
        gn = next(row for row in rows if row[1] == "工农村村委会")
        assert gn[2] == pytest.approx(0.6) and gn[7] == pytest.approx(expected.rows[3].score)
        assert sheet.cell(row=2, column=3).number_format == "0.0%"

    def test_a_month_under_way_has_no_ranking_yet(self, month):
        monthly = briefing.monthly_briefing(month=D(2024, 6, 1), today=JUNE_20)
        assert monthly.ranking is None
        workbook = openpyxl.load_workbook(io.BytesIO(briefing_workbook(monthly)))
        assert workbook.worksheets[4].max_row == 2  # the note and the header


def unit_with_items(seed: Seed, index: int) -> None:
    """A unit with one item of every indicator in May."""
    unit = ResponsibleUnitFactory(name=f"规模测试单位{index}")
    project = ProjectFactory(responsible_unit=unit)
    AnnualPlanFactory(project=project)
    seed.report(project, D(2024, 4, 1))
    seed.report(
        project, MAY, status=RS.SUBMITTED, steps=[(RS.DRAFT, RS.SUBMITTED, at(D(2024, 5, 20)))]
    )
    seed.problem(
        project, unit, D(2024, 5, 10), (PS.RESOLVED, at(D(2024, 5, 9))), status=PS.RESOLVED
    )
    seed.order(project, unit, D(2024, 5, 10), at(D(2024, 5, 9)), status=OS.REPLIED)
    MilestoneFactory(project=project, due_date=D(2024, 5, 3), completed_on=D(2024, 5, 2))
    created_on(D(2024, 1, 1))


def test_query_counts_do_not_grow_with_the_units(client):
    """The ranking, its page, a unit's items and the briefing: as many queries at 6 units
    as at 2 (the ranking itself two: the weights and its figures)."""
    client.force_login(with_role(person(), Role.LEADER))
    seed = Seed()
    unit_with_items(seed, 0)
    unit_with_items(seed, 1)
    first = ResponsibleUnit.objects.order_by("pk").first()
    urls = [
        f"{reverse('projects:ranking')}?month=2024-05",
        f"{reverse('projects:ranking_unit', args=[first.pk])}?month=2024-05",
    ]

    def counts():
        with CaptureQueriesContext(connection) as direct:
            ranked = ranking.unit_ranking(month=MAY)
        with CaptureQueriesContext(connection) as monthly:
            briefing.monthly_briefing(month=MAY, today=JUNE_20)
        pages = []
        for url in urls:
            with CaptureQueriesContext(connection) as page:
                assert client.get(url).status_code == 200
            pages.append(len(page))
        return len(ranked.rows), len(direct), len(monthly), pages

    small = counts()
    for index in range(2, 6):
        unit_with_items(seed, index)
    large = counts()
    # Relative: the module's seeded month may be there too, when a test before used it.
    assert large[0] - small[0] == 4
    assert small[1:] == large[1:]
    assert small[1] == 2
    assert small[2] <= 33
