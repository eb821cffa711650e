"""What the pages read of statistics registration (入库纳统): the list of the projects
started and not registered (开工未入库), a project's registration on its page, and the
dashboard's count. The rules are ProjectQuerySet's (``_registration_rules``); each
function here costs a fixed number of queries, whatever the number of projects."""

import datetime

from django.db.models import Count, Q, QuerySet

from ..models import Project, TrafficLightThresholds
from ..querysets import Light
from ..rules import may
from ..selectors import ATTENTION_LIMIT


class Status:
    """A project's registration on a day, as its page says it."""

    REGISTERED = "registered"
    UNREGISTERED = "unregistered"
    BELOW_THRESHOLD = "below_threshold"
    NO_INVESTMENT = "no_investment"
    NOT_STARTED = "not_started"
    CANCELLED = "cancelled"


def unregistered_list(*, on: datetime.date, thresholds=None) -> QuerySet[Project]:
    """Return the projects started and not registered on day ``on`` (开工未入库), with
    their registration figures (with_registration), unit and contact person, the longest
    since their start first."""
    thresholds = thresholds or TrafficLightThresholds.current()
    return (
        Project.objects.unregistered_on(on=on, thresholds=thresholds)
        .with_registration(on=on, thresholds=thresholds)
        .select_related("responsible_unit", "contact_person")
        .order_by("actual_start", "name_sort", "name")
    )


def project_registration(project, *, user, on: datetime.date) -> dict:
    """Return the registration of ``project`` on day ``on`` for its page: its status
    (Status), the figures it rests on and what ``user`` may do about it. Two queries."""
    thresholds = TrafficLightThresholds.current()
    figures = (
        Project.objects.filter(pk=project.pk)
        .with_registration(on=on, thresholds=thresholds)
        .values(
            "registration_due",
            "registered_as_of",
            "days_since_start",
            "registration_light",
        )
        .get()
    )
    if figures["registered_as_of"]:
        status = Status.REGISTERED
    elif figures["registration_due"]:
        status = Status.UNREGISTERED
    elif project.stage == Project.Stage.CANCELLED:
        status = Status.CANCELLED
    elif project.total_investment is None:
        status = Status.NO_INVESTMENT
    elif project.total_investment < thresholds.registration_threshold:
        status = Status.BELOW_THRESHOLD
    else:
        status = Status.NOT_STARTED
    return {
        "status": status,
        "registered_on": project.statistics_registered_on,
        "registered_year": project.statistics_registered_year,
        "days_since_start": figures["days_since_start"],
        "light": figures["registration_light"],
        "light_label": Light(figures["registration_light"]).label,
        "threshold": thresholds.registration_threshold,
        "may_record": may(user, "projects.record_registration", project),
        "may_clear": bool(project.statistics_registered)
        and may(user, "projects.clear_registration", project),
    }


def dashboard_unregistered(*, user, on: datetime.date) -> dict:
    """Return the dashboard's 开工未入库: how many projects are started and not registered
    on day ``on``, how many of them are red and yellow, and the first of them (the
    longest since their start). Every role reads the whole portfolio; three queries."""
    projects = unregistered_list(on=on)
    counts = projects.order_by().aggregate(
        count=Count("pk"),
        red=Count("pk", filter=Q(registration_light=Light.RED)),
        yellow=Count("pk", filter=Q(registration_light=Light.YELLOW)),
    )
    return {"on": on, **counts, "items": list(projects[:ATTENTION_LIMIT])}
