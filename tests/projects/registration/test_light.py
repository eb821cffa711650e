"""Statistics registration feeds the project's light (红黄绿灯预警): not registered two
months after the start is red after the other red reasons, one month yellow after the
other yellow ones, for active projects only; the light says why, with the figures; and
it stays one query whatever the size."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from projects.models import Problem, Project, TrafficLightThresholds
from projects.querysets import Light, LightReason
from projects.selectors import LIST_FIGURES
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    ProblemFactory,
    ProgressReportFactory,
    bulk_portfolio,
)

from .factories import bulk_started, started

pytestmark = pytest.mark.django_db

MID_2024 = datetime.date(2024, 7, 1)  # day 183 of 366: exactly half of the leap year
DEFAULTS = TrafficLightThresholds()
TWO_MONTHS = datetime.date(2024, 4, 20)  # red on MID_2024
ONE_MONTH = datetime.date(2024, 5, 20)  # yellow on MID_2024
LAST_WEEK = datetime.date(2024, 6, 24)  # within the month: no effect


def light_of(project, on=MID_2024, thresholds=DEFAULTS):
    annotated = Project.objects.with_traffic_light(on=on, thresholds=thresholds).get(pk=project.pk)
    return annotated.light, annotated.light_reason


def with_pace(start, completed: str, **fields):
    """A started project with this year's plan of 1000 on MID_2024: 500 is on pace, 350
    15 points behind (yellow), 100 40 points behind (red)."""
    project = started(start, **fields)
    AnnualPlanFactory(project=project, year=2024, planned_investment=Decimal("1000"))
    ProgressReportFactory(
        project=project, month=datetime.date(2024, 3, 1), investment_completed=Decimal(completed)
    )
    return project


@pytest.mark.parametrize(
    ("start", "completed", "expected"),
    [
        # Red registration comes after the red pace...
        (TWO_MONTHS, "100", (Light.RED, LightReason.FAR_BEHIND)),
        # ...and before every yellow reason.
        (TWO_MONTHS, "350", (Light.RED, LightReason.NOT_REGISTERED_LONG)),
        (TWO_MONTHS, "500", (Light.RED, LightReason.NOT_REGISTERED_LONG)),
        # Yellow registration comes after the yellow pace, before green.
        (ONE_MONTH, "100", (Light.RED, LightReason.FAR_BEHIND)),
        (ONE_MONTH, "350", (Light.YELLOW, LightReason.BEHIND)),
        (ONE_MONTH, "500", (Light.YELLOW, LightReason.NOT_REGISTERED)),
        (LAST_WEEK, "500", (Light.GREEN, LightReason.ON_PACE)),
        (LAST_WEEK, "350", (Light.YELLOW, LightReason.BEHIND)),
    ],
)
def test_precedence_with_the_pace(start, completed, expected):
    assert light_of(with_pace(start, completed)) == expected


def test_precedence_with_the_milestones():
    far = started(TWO_MONTHS)
    MilestoneFactory(project=far, due_date=MID_2024 - datetime.timedelta(days=31))
    assert light_of(far) == (Light.RED, LightReason.MILESTONE_FAR_OVERDUE)
    near = started(TWO_MONTHS)
    MilestoneFactory(project=near, due_date=MID_2024 - datetime.timedelta(days=5))
    assert light_of(near) == (Light.RED, LightReason.NOT_REGISTERED_LONG)
    yellow = started(ONE_MONTH)
    MilestoneFactory(project=yellow, due_date=MID_2024 - datetime.timedelta(days=5))
    assert light_of(yellow) == (Light.YELLOW, LightReason.MILESTONE_OVERDUE)


def test_precedence_with_the_problems():
    """A listed problem overdue (red by default) comes first; a key one (yellow) yields
    to the red registration."""
    listed = started(TWO_MONTHS)
    ProblemFactory(
        project=listed,
        level=Problem.Level.LISTED,
        status="in_progress",
        deadline=datetime.date(2024, 6, 1),
    )
    key = started(TWO_MONTHS)
    ProblemFactory(
        project=key,
        level=Problem.Level.KEY,
        status="in_progress",
        deadline=datetime.date(2024, 6, 1),
    )
    Problem.objects.update(created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    assert light_of(listed) == (Light.RED, LightReason.LISTED_PROBLEM_OVERDUE)
    assert light_of(key) == (Light.RED, LightReason.NOT_REGISTERED_LONG)


def test_without_a_pace_basis_the_registration_still_lights():
    assert light_of(started(ONE_MONTH)) == (Light.YELLOW, LightReason.NOT_REGISTERED)
    assert light_of(started(LAST_WEEK)) == (Light.NONE, LightReason.NO_BASIS)
    registered = started(TWO_MONTHS, statistics_registered=True)
    assert light_of(registered) == (Light.NONE, LightReason.NO_BASIS)
    below = started(TWO_MONTHS, total_investment=Decimal("499.99"))
    assert light_of(below) == (Light.NONE, LightReason.NO_BASIS)


@pytest.mark.parametrize(
    "stage", [Project.Stage.COMPLETED, Project.Stage.SUSPENDED, Project.Stage.IN_OPERATION]
)
def test_only_active_projects_get_the_light(stage):
    assert light_of(started(TWO_MONTHS, stage=stage)) == (Light.NONE, LightReason.INACTIVE)


def test_the_preliminary_stage_counts():
    project = started(TWO_MONTHS, stage=Project.Stage.PRELIMINARY)
    assert light_of(project) == (Light.RED, LightReason.NOT_REGISTERED_LONG)


def test_the_light_explains_itself():
    project = started(datetime.date(2024, 5, 17))  # 45 days before MID_2024
    annotated = Project.objects.with_traffic_light(on=MID_2024, thresholds=DEFAULTS).get(
        pk=project.pk
    )
    assert annotated.light_reason == LightReason.NOT_REGISTERED
    with translation.override("en"):
        assert annotated.light_explanation() == (
            "Started 45 days ago and not statistics-registered (total investment "
            "800.00 ten thousand yuan, registration threshold 500.00 ten thousand yuan)."
        )
    large = started(TWO_MONTHS, total_investment=Decimal("56900"))
    lower = TrafficLightThresholds(registration_threshold=Decimal("1000.5"))
    annotated = Project.objects.with_traffic_light(on=MID_2024, thresholds=lower).get(pk=large.pk)
    with translation.override("en"):
        explanation = annotated.light_explanation()
    assert "72 days" in explanation
    assert "5.69 hundred million yuan" in explanation
    assert "1,000.50 ten thousand yuan" in explanation


@pytest.mark.parametrize("select", [None, LIST_FIGURES])
def test_one_query_at_10_and_200_projects(select, django_assert_num_queries):
    for count in (10, 190):
        bulk_portfolio(count // 2)
        bulk_started(count - count // 2, start=TWO_MONTHS, prefix=f"红{count}-")
        with django_assert_num_queries(1):
            rows = list(
                Project.objects.with_traffic_light(on=MID_2024, thresholds=DEFAULTS, select=select)
            )
        assert len(rows) == Project.objects.count()
        reasons = [row.light_reason for row in rows if row.name.startswith("红")]
        assert set(reasons) == {LightReason.NOT_REGISTERED_LONG}
