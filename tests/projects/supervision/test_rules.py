"""督办's rules (projects/rules.py): who reads, raises, assigns, acts, strikes off, issues,
replies and records; the rule of who sees an item agrees with its SQL form."""

from projects.models import Problem, SupervisionOrder
from projects.rules import may
from tests.factories import ProblemFactory, ProjectFactory, SupervisionOrderFactory

from .cast import cast_fixture  # noqa: F401

ROLES = (
    "staff_a",
    "staff_b",
    "contact",
    "reviewer",
    "leader",
    "administrator",
    "superuser",
    "outsider",
)
EVERY_ROLE = set(ROLES) - {"outsider"}
SUPERVISORS = {"reviewer", "leader", "administrator", "superuser"}


def holders(cast, permission, obj=None) -> set[str]:
    return {role for role in ROLES if may(getattr(cast, role), permission, obj)}


def test_every_role_reads_the_ledger_and_the_ranking(cast):
    assert holders(cast, "projects.read_supervision") == EVERY_ROLE
    assert holders(cast, "projects.read_ranking") == EVERY_ROLE


def test_supervisors_assign_issue_send_back_and_record_meetings(cast):
    problem = ProblemFactory(project=cast.project)
    for permission in (
        "projects.assign_problem",
        "projects.return_problem",
        "projects.change_problem",
        "projects.issue_order",
        "projects.record_meeting",
    ):
        assert holders(cast, permission, problem) == SUPERVISORS, permission


def test_staff_raise_problems_on_the_projects_they_manage(cast):
    elsewhere = ProjectFactory(responsible_unit=cast.unit_b)
    assert holders(cast, "projects.raise_problem", cast.project) == {"staff_a", "contact"} | (
        SUPERVISORS
    )
    assert holders(cast, "projects.raise_problem", elsewhere) == {"staff_b"} | SUPERVISORS


def test_the_unit_and_the_responsible_person_act_on_an_item(cast):
    """Staff of the item's unit or its responsible person (with a role), administrators;
    not staff of another unit, nor a reviewer who is a member of the unit."""
    cast.unit_a.members.add(cast.reviewer)
    problem = ProblemFactory(project=cast.project, responsible_unit=cast.unit_a)
    order = SupervisionOrderFactory(project=cast.project, responsible_unit=cast.unit_a)
    expected = {"staff_a", "administrator", "superuser"}
    assert holders(cast, "projects.act_on_problem", problem) == expected
    assert holders(cast, "projects.reply_order", order) == expected
    problem.responsible_person = order.responsible_person = cast.leader
    assert holders(cast, "projects.act_on_problem", problem) == expected | {"leader"}
    assert holders(cast, "projects.reply_order", order) == expected | {"leader"}
    problem.responsible_person = cast.outsider  # no role: nothing
    assert "outsider" not in holders(cast, "projects.act_on_problem", problem)


def test_whoever_resolved_does_not_strike_off(cast):
    problem = ProblemFactory(project=cast.project, status="resolved", resolved_by=cast.reviewer)
    assert holders(cast, "projects.strike_off_problem", problem) == SUPERVISORS - {"reviewer"}
    problem.resolved_by = cast.superuser
    assert holders(cast, "projects.strike_off_problem", problem) == SUPERVISORS - {"superuser"}


def test_the_issuer_and_supervisors_accept_a_reply(cast):
    order = SupervisionOrderFactory(project=cast.project, issued_by=cast.staff_b)
    assert holders(cast, "projects.accept_order", order) == SUPERVISORS | {"staff_b"}


def test_seeing_an_item_agrees_with_its_queryset(cast):
    """``sees_supervision_item`` (the rule) and ``visible_to`` (its SQL) give every role
    the same problems and orders: those of their unit, of the projects they answer for,
    and all of them to reviewers, leaders and administrators."""
    elsewhere = ProjectFactory(responsible_unit=cast.unit_b)
    unit_less = ProjectFactory()
    problems = [
        ProblemFactory(project=cast.project),  # pending: no unit yet
        ProblemFactory(project=cast.project, responsible_unit=cast.unit_b),
        ProblemFactory(project=elsewhere, responsible_unit=cast.unit_b),
        ProblemFactory(project=unit_less, responsible_unit=cast.unit_a),
        ProblemFactory(project=unit_less),
    ]
    orders = [
        SupervisionOrderFactory(project=project, responsible_unit=unit)
        for project, unit in (
            (cast.project, cast.unit_b),
            (elsewhere, cast.unit_b),
            (unit_less, cast.unit_a),
            (unit_less, cast.unit_b),
        )
    ]
    for role in ROLES:
        user = getattr(cast, role)
        for model, items, permission in (
            (Problem, problems, "projects.view_problem"),
            (SupervisionOrder, orders, "projects.view_order"),
        ):
            by_rule = {item.pk for item in items if may(user, permission, item)}
            by_sql = set(model.objects.visible_to(user).values_list("pk", flat=True))
            assert by_rule == by_sql, (role, model)
    assert {p.pk for p in problems if may(cast.staff_b, "projects.view_problem", p)} == {
        problems[1].pk,
        problems[2].pk,
    }
    assert not Problem.objects.visible_to(cast.outsider).exists()


def test_an_inactive_administrator_is_no_administrator(cast):
    cast.administrator.is_active = False
    assert not may(cast.administrator, "projects.assign_problem")
    assert not may(cast.administrator, "projects.act_on_problem", ProblemFactory())
