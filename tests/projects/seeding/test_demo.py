"""Demo data is clearly marked, idempotent and removable without touching real records."""

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from projects.models import (
    AnnualPlan,
    Milestone,
    Problem,
    ProblemTransition,
    ProgressReport,
    Project,
    ResponsibleUnit,
    SchedulingMeeting,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from projects.seeding import demo

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 7, 15)


def snapshot():
    return {
        "users": get_user_model().objects.count(),
        "plans": AnnualPlan.objects.count(),
        "milestones": Milestone.objects.count(),
        "reports": ProgressReport.objects.count(),
        "units": ResponsibleUnit.objects.count(),
        "contacts": Project.objects.filter(contact_person__isnull=False).count(),
        "problems": Problem.objects.count(),
        "problem steps": ProblemTransition.objects.count(),
        "orders": SupervisionOrder.objects.count(),
        "order steps": SupervisionOrderTransition.objects.count(),
        "meetings": SchedulingMeeting.objects.count(),
    }


def test_seed_is_marked_idempotent_and_removable():
    call_command("load_report_data")
    before = snapshot()
    created = demo.seed(today=TODAY)
    assert created["user"] == len(demo.DEMO_USERS)
    assert created["progress report"] > 0 and created["milestone"] > 0
    assert not ProgressReport.objects.filter(is_demo=False).exists()
    assert not Milestone.objects.filter(is_demo=False).exists()
    assert all(
        title.startswith("【演示】") for title in Milestone.objects.values_list("title", flat=True)
    )
    assert created["problem"] == len(demo.DEMO_PROBLEMS)
    assert created["supervision order"] == len(demo.DEMO_ORDERS)
    assert created["scheduling meeting"] == 1
    assert_the_demo_ledger_tells_the_whole_story()
    after_first = snapshot()
    assert sum(demo.seed(today=TODAY).values()) == 0
    assert snapshot() == after_first
    demo.remove()
    assert snapshot() == before
    # The report's own plans survive.
    assert AnnualPlan.objects.filter(year=2024, is_demo=False).exists()


def assert_the_demo_ledger_tells_the_whole_story():
    """The demo 督办 has a problem in every status, overdue ones (a listed one among
    them), a replied and an overdue order and last month's meeting with its decisions,
    all marked as demo and recorded step by step as the services would."""
    problems = Problem.objects.all()
    assert set(problems.values_list("status", flat=True)) == set(Problem.Status.values)
    assert all(problem.is_demo for problem in problems)
    assert all(p.description.startswith("【演示】示例：") for p in problems)
    overdue = Problem.objects.overdue_on(TODAY)
    listed = overdue.get(level=Problem.Level.LISTED)
    assert overdue.filter(level=Problem.Level.KEY).exists()
    # The overdue listed item makes its project red, and says so.
    lights = Project.objects.as_of(TODAY).with_traffic_light(on=TODAY)
    red = lights.get(pk=listed.project_id)
    assert (red.light, red.light_reason) == ("red", "listed_problem_overdue")
    orders = SupervisionOrder.objects.all()
    assert all(order.is_demo for order in orders)
    assert orders.filter(status=SupervisionOrder.Status.REPLIED).exists()
    assert SupervisionOrder.objects.overdue_on(TODAY).exists()
    meeting = SchedulingMeeting.objects.get()
    assert meeting.title == demo.DEMO_MEETING
    assert meeting.held_on.month == TODAY.month - 1 and meeting.attendees.count() == 3
    assert meeting.problems.exists() and meeting.orders.exists()
    # One tap on the report's line made the pending item.
    pending = problems.get(status=Problem.Status.PENDING)
    assert pending.source_report.problem_lines()[pending.source_line - 1] == pending.description
    for item in [*problems, *orders]:
        steps = list(item.transitions.order_by("at", "pk"))
        assert steps[0].from_status == steps[0].to_status  # recorded (or issued)
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(steps))
        assert steps[-1].to_status == item.status
        assert steps[0].at == item.created_at and timezone.localdate(steps[-1].at) <= TODAY
    struck_off = problems.filter(status=Problem.Status.STRUCK_OFF)
    assert all(p.struck_off_by != p.resolved_by for p in struck_off)
    # As of the day seeded the recorded steps give every item its status.
    assert set(problems.with_status_on(TODAY).values_list("status", "status_on")) == {
        (status, status) for status in Problem.Status.values
    }
    assert len({problem.project_id for problem in problems}) == 5


def test_demo_accounts_can_log_in_with_their_roles(client):
    demo.seed(today=TODAY)
    response = client.post(
        "/accounts/login/", {"username": "demo-staff", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    users = get_user_model().objects.filter(username__startswith="demo-")
    roles = {user.username: set(user.groups.values_list("name", flat=True)) for user in users}
    assert roles == {
        "demo-admin": {"管理员"},
        "demo-leader": {"领导"},
        "demo-reviewer": {"审核人"},
        "demo-staff": {"工作人员"},
        "demo-staff2": {"工作人员"},
    }
    assert users.get(username="demo-admin").is_superuser


@override_settings(DEBUG=False)
def test_refused_in_production_without_force():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")


def test_remove_command(capsys):
    demo.seed(today=TODAY)
    call_command("seed_demo", "--remove")
    assert not demo.demo_users().exists()
    assert "Removed" in capsys.readouterr().out
