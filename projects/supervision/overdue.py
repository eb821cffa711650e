"""What is overdue in the 督办 loop, for the dashboard: the problems unresolved past
their deadline and the supervision orders whose reply is late, as the user sees them."""

import datetime

from ..models import Problem, SupervisionOrder
from ..selectors import ATTENTION_LIMIT


def _first_and_count(queryset) -> dict:
    """Return the first rows and the count: two queries, whatever the size."""
    return {"items": list(queryset[:ATTENTION_LIMIT]), "count": queryset.count()}


def dashboard_overdue(*, user, on: datetime.date) -> dict:
    """Return the overdue problems and the overdue order replies ``user`` sees on day
    ``on`` (``visible_to``), oldest deadline first, each list cut at ten with its count;
    four queries, whatever the number of items."""
    related = ("project", "responsible_unit", "responsible_person")
    problems = (
        Problem.objects.visible_to(user)
        .overdue_on(on)
        .select_related(*related)
        .order_by("deadline", "pk")
    )
    orders = (
        SupervisionOrder.objects.visible_to(user)
        .overdue_on(on)
        .select_related(*related)
        .order_by("reply_deadline", "pk")
    )
    return {
        "on": on,
        "problems": _first_and_count(problems),
        "orders": _first_and_count(orders),
    }
