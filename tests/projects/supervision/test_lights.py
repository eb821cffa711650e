"""Open problems feed the traffic light (督办): a problem unresolved past its deadline gives
its project the light the thresholds set for its level, with a reason of its own."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from projects import selectors
from projects.briefing.figures import monthly_briefing
from projects.models import (
    Problem,
    ProblemTransition,
    Project,
    ResponsibleUnit,
    TrafficLightThresholds,
)
from projects.querysets import REASON_OF_PROBLEM_LEVEL, Light, LightReason
from projects.selectors import LIST_FIGURES
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    UserFactory,
    bulk_portfolio,
    created_on,
)

pytestmark = pytest.mark.django_db

MID_2024 = datetime.date(2024, 7, 1)  # day 183 of 366: exactly half of the leap year
LISTED, KEY, NORMAL = Problem.Level.LISTED, Problem.Level.KEY, Problem.Level.NORMAL
Status = Problem.Status
DEFAULTS = TrafficLightThresholds()  # listed red, key yellow, ordinary none


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def overdue(project, level, *, days=10, on=MID_2024, status=Status.IN_PROGRESS, **fields):
    """A problem recorded on 1 January 2024, ``days`` past its deadline on day ``on``."""
    problem = ProblemFactory(
        project=project,
        level=level,
        status=status,
        deadline=on - datetime.timedelta(days=days),
        **fields,
    )
    Problem.objects.filter(pk=problem.pk).update(created_at=at(datetime.date(2024, 1, 1)))
    return problem


def lit(project, *, on=MID_2024, thresholds=DEFAULTS):
    return Project.objects.with_traffic_light(on=on, thresholds=thresholds).get(pk=project.pk)


def light_of(project, **kwargs):
    annotated = lit(project, **kwargs)
    return annotated.light, annotated.light_reason


def with_pace(completed: str):
    """An active project with this year's plan of 1000 on MID_2024: 500 is on pace, 350
    15 points behind (yellow), 100 40 points behind (red)."""
    project = ProjectFactory()
    AnnualPlanFactory(project=project, year=2024, planned_investment=Decimal("1000"))
    ProgressReportFactory(
        project=project, month=datetime.date(2024, 3, 1), investment_completed=Decimal(completed)
    )
    return project


@pytest.mark.parametrize("setting", [Light.RED, Light.YELLOW, Light.NONE])
@pytest.mark.parametrize("level", [LISTED, KEY, NORMAL])
def test_each_level_gives_the_light_set_for_it(level, setting):
    """An overdue problem's light is the thresholds' choice for its level; "none" leaves
    the light to the pace and the milestones."""
    project = ProjectFactory()  # no plan: without the problem, no light at all
    overdue(project, level)
    lights = {f"{other}_problem_light": Light.NONE for other in (LISTED, KEY, NORMAL)}
    thresholds = TrafficLightThresholds(**(lights | {f"{level}_problem_light": setting}))
    expected = (
        (Light.NONE, LightReason.NO_BASIS)
        if setting == Light.NONE
        else (setting, REASON_OF_PROBLEM_LEVEL[level])
    )
    assert light_of(project, thresholds=thresholds) == expected


def test_the_defaults_listed_red_key_yellow_ordinary_none():
    projects = {level: ProjectFactory() for level in (LISTED, KEY, NORMAL)}
    for level, project in projects.items():
        overdue(project, level)
    TrafficLightThresholds.objects.create()  # the row an administrator edits, as it comes
    lights = dict(Project.objects.with_traffic_light(on=MID_2024).values_list("pk", "light"))
    assert [lights[projects[level].pk] for level in (LISTED, KEY, NORMAL)] == [
        Light.RED,
        Light.YELLOW,
        Light.NONE,
    ]


@pytest.mark.parametrize(
    ("level", "completed", "milestone_days", "expected"),
    [
        # A red problem comes before every other reason.
        (LISTED, "100", 40, (Light.RED, LightReason.LISTED_PROBLEM_OVERDUE)),
        # A yellow one after the red reasons of pace and milestones...
        (KEY, "100", None, (Light.RED, LightReason.FAR_BEHIND)),
        (KEY, "500", 31, (Light.RED, LightReason.MILESTONE_FAR_OVERDUE)),
        # ...and before their yellow ones and green.
        (KEY, "350", None, (Light.YELLOW, LightReason.KEY_PROBLEM_OVERDUE)),
        (KEY, "500", 5, (Light.YELLOW, LightReason.KEY_PROBLEM_OVERDUE)),
        (KEY, "500", None, (Light.YELLOW, LightReason.KEY_PROBLEM_OVERDUE)),
        # An ordinary problem gives no light by default: the pace speaks.
        (NORMAL, "350", None, (Light.YELLOW, LightReason.BEHIND)),
        (NORMAL, "500", None, (Light.GREEN, LightReason.ON_PACE)),
    ],
)
def test_precedence_against_pace_and_milestones(level, completed, milestone_days, expected):
    project = with_pace(completed)
    if milestone_days is not None:
        MilestoneFactory(project=project, due_date=MID_2024 - datetime.timedelta(milestone_days))
    overdue(project, level)
    assert light_of(project) == expected


def test_a_project_out_of_the_active_stages_has_no_light():
    project = ProjectFactory(stage=Project.Stage.COMPLETED)
    overdue(project, LISTED)
    assert light_of(project) == (Light.NONE, LightReason.INACTIVE)


@pytest.mark.parametrize(
    ("status", "days", "counts"),
    [
        (Status.PENDING, 10, True),
        (Status.ASSIGNED, 10, True),
        (Status.IN_PROGRESS, 1, True),
        (Status.IN_PROGRESS, 0, False),  # due today: not yet overdue
        (Status.RESOLVED, 10, False),  # awaiting verification: resolved on time or not
        (Status.STRUCK_OFF, 10, False),
    ],
)
def test_only_problems_unresolved_past_their_deadline_count(status, days, counts):
    project = ProjectFactory()
    overdue(project, LISTED, days=days, status=status)
    ProblemFactory(project=project, level=LISTED)  # no deadline: never overdue
    assert light_of(project)[0] == (Light.RED if counts else Light.NONE)


class TestTheDecidingProblem:
    def test_the_most_severe_light_decides_then_the_oldest_deadline(self):
        project = ProjectFactory()
        overdue(project, NORMAL, days=60)
        overdue(project, KEY, days=30)
        listed = overdue(project, LISTED, days=3)
        annotated = lit(project)
        assert (annotated.light, annotated.light_reason) == (
            Light.RED,
            LightReason.LISTED_PROBLEM_OVERDUE,
        )
        assert annotated.overdue_problem_description == listed.description
        assert annotated.overdue_problem_days == 3
        assert annotated.overdue_problem_count == 3

    def test_between_equally_severe_levels_the_oldest_deadline_decides(self):
        project = ProjectFactory()
        overdue(project, LISTED, days=3)
        key = overdue(project, KEY, days=30)
        both_red = TrafficLightThresholds(key_problem_light=Light.RED)
        annotated = lit(project, thresholds=both_red)
        assert (annotated.light, annotated.light_reason) == (
            Light.RED,
            LightReason.KEY_PROBLEM_OVERDUE,
        )
        assert annotated.overdue_problem_description == key.description

    def test_the_level_set_to_the_more_severe_light_decides(self):
        """With key problems red and listed items yellow, an overdue key problem decides
        even when a listed item is older."""
        project = ProjectFactory()
        overdue(project, LISTED, days=30)
        overdue(project, KEY, days=3)
        swapped = TrafficLightThresholds(
            listed_problem_light=Light.YELLOW, key_problem_light=Light.RED
        )
        assert light_of(project, thresholds=swapped) == (
            Light.RED,
            LightReason.KEY_PROBLEM_OVERDUE,
        )


class TestTheExplanation:
    """In English, so that the tests do not wait for the catalogue."""

    @pytest.fixture(autouse=True)
    def english(self):
        with translation.override("en"):
            yield

    def test_it_names_the_problem_its_days_its_unit_and_the_count(self):
        project = ProjectFactory()
        unit = ResponsibleUnitFactory(name="镇自然资源所")
        overdue(project, LISTED, days=12, description="征地未交付", responsible_unit=unit)
        overdue(project, NORMAL, days=40)
        assert lit(project).light_explanation() == (
            "Item listed for supervision overdue by 12 days: “征地未交付” (镇自然资源所); "
            "2 problems overdue in all"
        )

    @pytest.mark.parametrize(
        ("level", "start"),
        [(KEY, "Key problem overdue by 10 days"), (NORMAL, "Problem overdue by 10 days")],
    )
    def test_each_level_says_its_own(self, level, start):
        project = ProjectFactory()
        overdue(project, level, description="资金未到位")
        thresholds = TrafficLightThresholds(normal_problem_light=Light.YELLOW)
        assert lit(project, thresholds=thresholds).light_explanation() == f"{start}: “资金未到位”"

    def test_a_long_description_is_cut_to_one_line(self):
        project = ProjectFactory()
        overdue(project, KEY, description="资金未到位\r\n" + "很长" * 100)
        explanation = lit(project).light_explanation()
        assert explanation == f"Key problem overdue by 10 days: “资金未到位 {'很长' * 16}很…”"

    def test_the_project_page_says_why(self, admin_client):
        project = ProjectFactory()
        overdue(
            project,
            LISTED,
            on=timezone.localdate(),
            description="<b>群众诉求</b>未回应",
            responsible_unit=ResponsibleUnitFactory(name="镇信访办"),
        )
        content = admin_client.get(project.get_absolute_url()).content.decode()
        line = content[content.index('<span class="light light-red"') :]
        line = line[: line.index("</p>")]
        assert "“&lt;b&gt;群众诉求&lt;/b&gt;未回应”" in line
        assert "镇信访办" in line
        assert "<b>" not in content


class TestOverTime:
    def test_resolved_the_light_goes_back_sent_back_it_comes_again(self):
        """Today the status now decides."""
        today = timezone.localdate()
        project = ProjectFactory()
        problem = overdue(project, LISTED, on=today)
        assert light_of(project, on=today) == (Light.RED, LightReason.LISTED_PROBLEM_OVERDUE)
        Problem.objects.filter(pk=problem.pk).update(status=Status.RESOLVED)
        assert light_of(project, on=today) == (Light.NONE, LightReason.NO_BASIS)
        Problem.objects.filter(pk=problem.pk).update(status=Status.IN_PROGRESS)  # 退回重办
        assert light_of(project, on=today) == (Light.RED, LightReason.LISTED_PROBLEM_OVERDUE)

    def test_a_past_day_reads_the_status_then_from_the_steps(self):
        """A problem struck off later still counts on the days it was open, and sent back
        it counts again; a problem recorded after the day does not count on it."""
        project = ProjectFactory()
        created_on(datetime.date(2024, 1, 1), Project.objects.filter(pk=project.pk))
        reviewer = UserFactory()
        problem = overdue(
            project, LISTED, on=datetime.date(2024, 3, 1), days=0, status=Status.STRUCK_OFF
        )
        steps = [
            ("2024-01-01", Status.PENDING, Status.ASSIGNED),
            ("2024-02-01", Status.ASSIGNED, Status.IN_PROGRESS),
            ("2024-08-01", Status.IN_PROGRESS, Status.RESOLVED),
            ("2024-08-10", Status.RESOLVED, Status.IN_PROGRESS),
            ("2024-08-20", Status.IN_PROGRESS, Status.RESOLVED),
            ("2024-08-25", Status.RESOLVED, Status.STRUCK_OFF),
        ]
        for day, from_status, to_status in steps:
            step = ProblemTransition.objects.create(
                problem=problem, acting_user=reviewer, from_status=from_status, to_status=to_status
            )
            ProblemTransition.objects.filter(pk=step.pk).update(
                at=at(datetime.date.fromisoformat(day))
            )
        # Recorded in September, already past its deadline: not on the ledger before.
        later = overdue(project, KEY, on=datetime.date(2024, 9, 1), days=90)
        Problem.objects.filter(pk=later.pk).update(created_at=at(datetime.date(2024, 9, 1)))

        def light_on(day):
            then = Project.objects.as_of(day).with_traffic_light(on=day, thresholds=DEFAULTS)
            return then.get(pk=project.pk).light

        expected = {
            "2024-03-01": Light.NONE,  # due that day
            "2024-07-01": Light.RED,
            "2024-08-05": Light.NONE,  # resolved
            "2024-08-15": Light.RED,  # sent back
            "2024-08-22": Light.NONE,
            "2024-09-15": Light.YELLOW,  # struck off; the key problem recorded since
        }
        assert {day: light_on(datetime.date.fromisoformat(day)) for day in expected} == expected

    def test_the_dashboard_counts_and_the_briefing_agree(self):
        red, yellow = ProjectFactory(name="挂牌项目"), ProjectFactory(name="重点项目")
        created_on(datetime.date(2024, 1, 1))
        overdue(red, LISTED)
        overdue(yellow, KEY)
        counts = {
            row["light"]: row["count"]
            for row in selectors.light_counts(on=MID_2024, projects=Project.objects.as_of(MID_2024))
        }
        assert (counts[Light.RED], counts[Light.YELLOW]) == (1, 1)
        briefing = monthly_briefing(month=datetime.date(2024, 6, 1))
        assert [(p.name, p.light_reason) for p in briefing.red_and_yellow] == [
            ("挂牌项目", LightReason.LISTED_PROBLEM_OVERDUE),
            ("重点项目", LightReason.KEY_PROBLEM_OVERDUE),
        ]
        assert "“测试问题" in briefing.red_and_yellow[0].light_explanation()


class TestTheList:
    @pytest.fixture
    def portfolio(self):
        today = timezone.localdate()
        listed, key, calm = (ProjectFactory(name=name) for name in ("甲项目", "乙项目", "丙项目"))
        overdue(listed, LISTED, on=today)
        overdue(key, KEY, on=today)
        overdue(calm, NORMAL, on=today)
        return listed, key, calm

    def names(self, response):
        return [row.record.name for row in response.context["table"].page.object_list]

    @pytest.mark.parametrize(
        ("light", "expected"),
        [("red", ["甲项目"]), ("yellow", ["乙项目"]), ("none", ["丙项目"])],
    )
    def test_filter_by_light(self, user_client, portfolio, light, expected):
        response = user_client.get(f"{reverse('projects:list')}?light={light}")
        assert self.names(response) == expected

    def test_sort_by_light(self, user_client, portfolio):
        response = user_client.get(f"{reverse('projects:list')}?sort=light")
        # The light's value in order: none, red, yellow.
        assert self.names(response) == ["丙项目", "甲项目", "乙项目"]

    def test_a_setting_changed_in_the_admin_changes_the_list(self, user_client, portfolio):
        TrafficLightThresholds.objects.create(normal_problem_light=Light.YELLOW)
        response = user_client.get(f"{reverse('projects:list')}?light=yellow")
        assert self.names(response) == ["丙项目", "乙项目"]  # bǐng before yǐ


def test_the_thresholds_admin_shows_the_problem_lights(admin_client):
    thresholds = TrafficLightThresholds.objects.create()
    url = reverse("admin:projects_trafficlightthresholds_change", args=[thresholds.pk])
    response = admin_client.get(url)
    fields = response.context["adminform"].form.fields
    for name in ("listed_problem_light", "key_problem_light", "normal_problem_light"):
        assert f'name="{name}"' in response.content.decode()
        assert fields[name].help_text


class TestOneQuery:
    def portfolio_with_problems(self, count):
        bulk_portfolio(count)
        unit = ResponsibleUnit.objects.create(name=f"批量单位{count}", kind="department")
        reviewer = UserFactory()
        problems = Problem.objects.bulk_create(
            Problem(
                project=project,
                description="问题",
                level=level,
                status=Status.IN_PROGRESS,
                responsible_unit=unit,
                deadline=datetime.date(2024, 3, 1),
            )
            for project in Project.objects.filter(name__startswith="批量", problems=None)
            for level in (LISTED, KEY, NORMAL)
        )
        Problem.objects.update(created_at=at(datetime.date(2024, 1, 1)))
        ProblemTransition.objects.bulk_create(
            ProblemTransition(
                problem=problem,
                acting_user=reviewer,
                from_status=Status.ASSIGNED,
                to_status=Status.IN_PROGRESS,
            )
            for problem in problems
        )

    @pytest.mark.parametrize("select", [None, LIST_FIGURES])
    def test_one_query_at_10_and_100_projects(self, select, django_assert_num_queries):
        """A past day too: each problem's status then is read in the same query."""
        for count in (10, 90):
            self.portfolio_with_problems(count)
            with django_assert_num_queries(1):
                rows = list(
                    Project.objects.with_traffic_light(
                        on=MID_2024, thresholds=DEFAULTS, select=select
                    )
                )
            assert len(rows) == Project.objects.count()
            assert {row.light for row in rows} == {Light.RED}
            if select is None:
                assert {row.light_reason for row in rows} == {LightReason.LISTED_PROBLEM_OVERDUE}
                assert {row.overdue_problem_count for row in rows} == {3}

    def test_the_light_reads_the_problems_once_per_row(self):
        """The deciding problem's level is bound once (_Let), not read again by each rule."""
        sql = str(
            Project.objects.with_traffic_light(
                on=MID_2024, thresholds=DEFAULTS, select=("light",)
            ).query
        )
        assert sql.count(f'FROM "{Problem._meta.db_table}"') == 1
        off = TrafficLightThresholds(key_problem_light=Light.NONE, listed_problem_light=Light.NONE)
        sql = str(
            Project.objects.with_traffic_light(on=MID_2024, thresholds=off, select=("light",)).query
        )
        assert Problem._meta.db_table not in sql


def test_the_list_page_costs_the_same_with_more_problems(
    user_client, django_assert_max_num_queries
):
    ProjectFactory()
    list_url = reverse("projects:list")
    with CaptureQueriesContext(connection) as small:
        user_client.get(list_url)
    for project in Project.objects.all():
        for level in (LISTED, KEY, NORMAL):
            overdue(project, level, on=timezone.localdate())
    bulk_portfolio(30)
    with django_assert_max_num_queries(len(small)):
        user_client.get(list_url)
