"""督办 in the Django admin: every save goes through the supervision services, a status is
never set in a form nor brought back by a revert, and striking off keeps its four eyes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.alerts import ledger
from projects.models import AssessmentWeights, Problem, SchedulingMeeting, SupervisionOrder
from projects.supervision import services
from tests.admin_forms import admin_form_data, admin_url, revert_data, revert_url
from tests.factories import ProblemFactory

from .cast import IN_A_WEEK, cast_fixture  # noqa: F401

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def notices(monkeypatch):
    recorded = []
    monkeypatch.setattr(ledger, "record_supervision_step", recorded.append, raising=False)
    return recorded


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def new_problem(cast, **fields):
    fields = {
        "project": cast.project,
        "description": "后台录入的问题",
        "kind": Problem.Kind.LAND,
        "level": Problem.Level.KEY,
        **fields,
    }
    return admin_form_data(Problem(**fields))


def test_a_problem_added_in_the_admin_is_raised_and_assigned_by_the_service(cast, as_user, notices):
    client = as_user(cast.reviewer)
    data = new_problem(
        cast, responsible_unit=cast.unit_b, responsible_person=cast.staff_b, deadline=IN_A_WEEK
    )
    response = client.post(admin_url(Problem, "add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    problem = Problem.objects.get()
    assert (problem.status, problem.raised_by, problem.level) == ("assigned", cast.reviewer, "key")
    assert list(problem.transitions.order_by("pk").values_list("to_status", flat=True)) == [
        "pending",
        "assigned",
    ]
    assert len(notices) == 1


def test_a_bad_assignment_in_the_admin_is_shown_on_its_field_and_saves_nothing(cast, as_user):
    client = as_user(cast.administrator)
    data = new_problem(
        cast,
        responsible_unit=cast.unit_b,
        responsible_person=cast.staff_a,
        deadline=TODAY - datetime.timedelta(days=1),
    )
    response = client.post(admin_url(Problem, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"deadline", "responsible_person"}
    assert not Problem.objects.exists()


def test_an_edit_in_the_admin_goes_through_the_services_and_never_sets_the_status(cast, as_user):
    problem = ProblemFactory(
        project=cast.project, status="assigned", responsible_unit=cast.unit_a, deadline=IN_A_WEEK
    )
    client = as_user(cast.reviewer)
    data = admin_form_data(
        problem,
        description="改写的描述",
        responsible_unit=cast.unit_b,
        status="struck_off",
        resolved_by=cast.reviewer,
    )
    response = client.post(admin_url(Problem, "change", problem.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    problem.refresh_from_db()
    assert (problem.description, problem.responsible_unit, problem.status) == (
        "改写的描述",
        cast.unit_b,
        "assigned",
    )
    assert problem.resolved_by is None
    step = problem.transitions.get()
    assert (step.from_status, step.to_status, step.acting_user) == (
        "assigned",
        "assigned",
        cast.reviewer,
    )
    assert problem.history.first().history_user == cast.reviewer


def test_who_answers_for_a_problem_in_progress_is_not_changed_in_the_admin(cast, as_user):
    problem = ProblemFactory(
        project=cast.project,
        status="in_progress",
        responsible_unit=cast.unit_a,
        deadline=IN_A_WEEK,
    )
    client = as_user(cast.administrator)
    data = admin_form_data(problem, responsible_unit=cast.unit_b, level="listed")
    assert client.post(admin_url(Problem, "change", problem.pk), data).status_code == 302
    problem.refresh_from_db()
    assert (problem.responsible_unit, problem.level) == (cast.unit_a, "listed")
    assert not problem.transitions.exists()


def test_a_revert_restores_no_workflow_field(cast, as_user):
    """Back to the version before it was resolved: the description comes back, the status
    and who resolved it stay."""
    problem = services.problem_raise(
        acting_user=cast.reviewer,
        project=cast.project,
        description="原来的描述",
        responsible_unit=cast.unit_a,
        deadline=IN_A_WEEK,
    )
    old = problem.history.order_by("history_date", "history_id").first()
    services.problem_update(acting_user=cast.reviewer, problem=problem, description="新的描述")
    services.problem_step(
        acting_user=cast.staff_a, problem=problem, step="start", rectification_plan="方案"
    )
    services.problem_step(acting_user=cast.staff_a, problem=problem, step="resolve", comment="完")
    client = as_user(cast.administrator)
    response = client.post(revert_url(problem, old), revert_data(old))
    assert response.status_code == 302, response.content.decode()[:2000]
    problem.refresh_from_db()
    assert problem.description == "原来的描述"
    assert (problem.status, problem.resolved_by, problem.rectification_plan) == (
        "resolved",
        cast.staff_a,
        "方案",
    )


@pytest.mark.parametrize("resolver", ["administrator", "superuser"])
def test_the_strike_off_action_keeps_the_four_eyes(cast, as_user, resolver):
    user = getattr(cast, resolver)
    problem = ProblemFactory(
        project=cast.project, status="in_progress", responsible_unit=cast.unit_a, deadline=IN_A_WEEK
    )
    services.problem_step(acting_user=user, problem=problem, step="resolve", comment="完")
    changelist = admin_url(Problem, "changelist")
    action = {"action": "strike_off", "_selected_action": [problem.pk]}
    response = as_user(user).post(changelist, action, follow=True)
    assert response.status_code == 200
    assert Problem.objects.get(pk=problem.pk).status == "resolved"
    as_user(cast.reviewer).post(changelist, action)
    problem.refresh_from_db()
    assert (problem.status, problem.struck_off_by) == ("struck_off", cast.reviewer)


def test_an_order_added_in_the_admin_is_issued_by_the_service(cast, as_user, notices):
    client = as_user(cast.reviewer)
    data = admin_form_data(
        SupervisionOrder(
            project=cast.project,
            content="限期报送整改措施",
            responsible_unit=cast.unit_a,
            reply_deadline=IN_A_WEEK,
            level="listed",
        )
    )
    response = client.post(admin_url(SupervisionOrder, "add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = SupervisionOrder.objects.get()
    assert (order.issued_by, order.issued_on, order.status) == (cast.reviewer, TODAY, "issued")
    assert order.transitions.get().to_status == "issued"
    assert len(notices) == 1
    data = admin_form_data(order, content="改后的要求", status="accepted", reply="伪造的回复")
    response = client.post(admin_url(SupervisionOrder, "change", order.pk), data)
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.content, order.status, order.reply) == ("改后的要求", "issued", "")


def test_a_meeting_recorded_in_the_admin_keeps_who_recorded_it(cast, as_user):
    client = as_user(cast.reviewer)
    meeting = SchedulingMeeting(held_on=TODAY, title="后台调度会", chair=cast.leader)
    data = admin_form_data(meeting, attendees=[cast.staff_a.pk, cast.staff_b.pk])
    data["attendees"] = [cast.staff_a.pk, cast.staff_b.pk]
    response = client.post(admin_url(SchedulingMeeting, "add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = SchedulingMeeting.objects.get()
    assert meeting.recorded_by == cast.reviewer
    assert set(meeting.attendees.all()) == {cast.staff_a, cast.staff_b}


def test_staff_and_leaders_do_not_reach_the_ledger_in_the_admin(cast, as_user):
    for user in (cast.staff_a, cast.leader):
        response = as_user(user).get(admin_url(Problem, "changelist"))
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_the_weights_are_one_row_changed_by_administrators(cast, as_user):
    weights = AssessmentWeights.objects.create()
    assert as_user(cast.administrator).get(admin_url(AssessmentWeights, "add")).status_code == 403
    data = admin_form_data(weights, problems_on_time=40)
    change = admin_url(AssessmentWeights, "change", weights.pk)
    assert as_user(cast.reviewer).post(change, data).status_code == 403
    assert as_user(cast.administrator).post(change, data).status_code == 302
    assert AssessmentWeights.current().problems_on_time == 40


def test_the_pages_open(cast, as_user):
    problem = services.problem_raise(
        acting_user=cast.reviewer, project=cast.project, description="页面<script>"
    )
    order = services.order_issue(
        acting_user=cast.reviewer,
        project=cast.project,
        content="督办",
        responsible_unit=cast.unit_a,
        reply_deadline=IN_A_WEEK,
    )
    client = as_user(cast.reviewer)
    for url in (
        admin_url(Problem, "changelist") + "?q=页面",
        admin_url(Problem, "change", problem.pk),
        admin_url(SupervisionOrder, "changelist") + "?status__exact=issued",
        admin_url(SupervisionOrder, "change", order.pk),
        admin_url(SchedulingMeeting, "changelist"),
        admin_url(Problem, "add"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "页面<script>" not in response.content.decode()
