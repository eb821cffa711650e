"""What the ledger's pages read: the problem ledger (问题台账) and the supervision orders
(督办单) a user sees, one problem or order with its steps, and the ledger's sections of
the project page and the report page. Each reads a constant number of queries."""

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from ..choices import OrderStatus, ProblemStatus, ReportStatus
from ..models import (
    Problem,
    ProblemTransition,
    Project,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from ..rules import may, responsible_unit_ids

#: What the ledger's rows show of their people and places.
PROBLEM_RELATIONS = ("project", "responsible_unit", "responsible_person")
ORDER_RELATIONS = ("project", "problem", "responsible_unit", "responsible_person", "issued_by")


def problem_list(*, user) -> QuerySet[Problem]:
    """Return the problems ``user`` sees, as the ledger lists and exports them: by
    deadline (those without one last), then in the order they were raised."""
    return (
        Problem.objects.visible_to(user)
        .select_related(*PROBLEM_RELATIONS)
        .order_by(F("deadline").asc(nulls_last=True), "pk")
    )


def order_list(*, user) -> QuerySet[SupervisionOrder]:
    """Return the supervision orders ``user`` sees, by reply deadline."""
    return (
        SupervisionOrder.objects.visible_to(user)
        .select_related(*ORDER_RELATIONS)
        .order_by("reply_deadline", "pk")
    )


def mine(queryset: QuerySet, user) -> QuerySet:
    """Return the rows of ``queryset`` (problems or orders) that are the business of
    ``user``'s units, or of ``user`` as the person responsible."""
    return queryset.filter(
        Q(responsible_unit__in=responsible_unit_ids(user)) | Q(responsible_person=user)
    )


def problem_detail() -> QuerySet[Problem]:
    """Return problems with everything their page shows: people, steps, orders."""
    return Problem.objects.select_related(
        *PROBLEM_RELATIONS, "raised_by", "source_report", "meeting", "resolved_by", "struck_off_by"
    ).prefetch_related(
        Prefetch(
            "transitions",
            ProblemTransition.objects.select_related("acting_user").order_by("-at", "-pk"),
        ),
        Prefetch(
            "orders",
            SupervisionOrder.objects.select_related("responsible_unit").order_by(
                "reply_deadline", "pk"
            ),
        ),
    )


def order_detail() -> QuerySet[SupervisionOrder]:
    """Return orders with everything their page shows: people, the problem, steps."""
    return SupervisionOrder.objects.select_related(
        *ORDER_RELATIONS, "meeting", "replied_by"
    ).prefetch_related(
        Prefetch(
            "transitions",
            SupervisionOrderTransition.objects.select_related("acting_user").order_by("-at", "-pk"),
        )
    )


@dataclass(frozen=True)
class ProjectProblems:
    """The ledger's section of a project page: its open problems and the orders still
    open on it that the user sees, each with whether it is late today, and whether the
    user may add either."""

    problems: list[tuple[Problem, bool]]
    orders: list[tuple[SupervisionOrder, bool]]
    may_raise: bool
    may_issue: bool


def project_problems(project: Project, *, user) -> ProjectProblems:
    """Return the project page's problems and orders (two queries however many)."""
    problems = (
        Problem.objects.visible_to(user)
        .filter(project=project, status__in=ProblemStatus.open())
        .select_related("responsible_unit", "responsible_person")
        .order_by(F("deadline").asc(nulls_last=True), "pk")
    )
    orders = (
        SupervisionOrder.objects.visible_to(user)
        .filter(project=project)
        .exclude(status=OrderStatus.ACCEPTED)
        .select_related("responsible_unit")
        .order_by("reply_deadline", "pk")
    )
    today = timezone.localdate()
    return ProjectProblems(
        problems=[(problem, problem.is_overdue_on(today)) for problem in problems],
        orders=[(order, order.is_overdue_on(today)) for order in orders],
        may_raise=may(user, "projects.raise_problem", project),
        may_issue=may(user, "projects.issue_order", project),
    )


@dataclass(frozen=True)
class ReportProblemLine:
    """One line of a report's problems: its number (1-based, as the one-tap URL has it),
    its text, the ledger's item made from it (None while there is none) and whether the
    user may open that item or make one (from a submitted or approved report)."""

    number: int
    text: str
    problem: Problem | None
    may_view: bool
    may_raise: bool


def report_problem_lines(report, *, user) -> list[ReportProblemLine]:
    """Return each line of ``report.problem_lines()`` with its item on the ledger, if any
    (one query for them all)."""
    lines = report.problem_lines()
    if not lines:
        return []
    made = {
        problem.source_line: problem
        for problem in Problem.objects.filter(source_report=report).select_related(
            "project", "responsible_unit"
        )
    }
    may_raise = report.status in ReportStatus.filed() and may(
        user, "projects.raise_problem", report.project
    )
    return [
        ReportProblemLine(
            number=number,
            text=text,
            problem=made.get(number),
            may_view=number in made and may(user, "projects.view_problem", made[number]),
            may_raise=may_raise,
        )
        for number, text in enumerate(lines, start=1)
    ]
