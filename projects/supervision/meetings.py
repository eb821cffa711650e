"""What the scheduling meeting's pages read: the meetings, one meeting with its people,
and the decisions made at it (the problems and orders recorded with it) that a user
sees, with their status now. Each reads a constant number of queries."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ..models import Problem, SchedulingMeeting, SupervisionOrder
from .pack import ORDER_RELATIONS, PROBLEM_RELATIONS


def _decision_count(model, user):
    counted = (
        model.objects.visible_to(user)
        .filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def meeting_list(*, user) -> QuerySet[SchedulingMeeting]:
    """Return the meetings, the latest first, with the number of problems and orders
    decided at each that ``user`` sees."""
    return (
        SchedulingMeeting.objects.select_related("chair")
        .annotate(
            problem_count=_decision_count(Problem, user),
            order_count=_decision_count(SupervisionOrder, user),
        )
        .order_by("-held_on", "-pk")
    )


def meeting_detail() -> QuerySet[SchedulingMeeting]:
    """Return meetings with the people their page shows."""
    return SchedulingMeeting.objects.select_related("chair", "recorded_by").prefetch_related(
        "attendees"
    )


def meeting_decisions(meeting: SchedulingMeeting, *, user) -> dict:
    """Return the problems and the orders decided at ``meeting`` that ``user`` sees, in
    the order they were recorded."""
    return {
        "problems": list(
            Problem.objects.visible_to(user)
            .filter(meeting=meeting)
            .select_related(*PROBLEM_RELATIONS)
            .order_by("pk")
        ),
        "orders": list(
            SupervisionOrder.objects.visible_to(user)
            .filter(meeting=meeting)
            .select_related(*ORDER_RELATIONS)
            .order_by("pk")
        ),
    }
