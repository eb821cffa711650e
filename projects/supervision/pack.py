"""The scheduling meeting's pack (调度会材料) for a chosen day D, as the page, the workbook
and the PDF show it:

1. the red and yellow projects as of D, each with the reason of its light;
2. the problems open on D (on the ledger, not struck off), by responsible unit, with the
   unit's count of open and overdue ones;
3. the previous meeting's decisions (the problems and orders recorded at the latest
   meeting held before D, or before the given meeting) with their status on D;
4. the milestones open on D and due from D until the next meeting (the meeting's next
   date, else D + 30 days).

Everything is read as it stood at the end of D: projects, problems and orders recorded
later are left out, statuses come from the recorded steps (``with_status_on``), stages
from the stage history (``Project.as_of``), a milestone completed after D is open. A pack
printed later for a past day is the same pack. It reads a constant number of queries
whatever the size of the portfolio.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q

from ..models import (
    Milestone,
    Problem,
    Project,
    ResponsibleUnit,
    SchedulingMeeting,
    SupervisionOrder,
)
from ..querysets import Light, start_of_next_day
from ..rules import supervises

#: How far ahead the milestones are listed when no next meeting is set.
DEFAULT_HORIZON = datetime.timedelta(days=30)
PROBLEM_RELATIONS = ("project", "responsible_unit", "responsible_person")
ORDER_RELATIONS = ("project", "problem", "responsible_unit", "responsible_person", "issued_by")


@dataclass
class UnitProblems:
    """The open problems of one responsible unit (None: not yet assigned to one)."""

    unit: ResponsibleUnit | None
    open_count: int
    overdue_count: int
    problems: list[Problem] = field(default_factory=list)


@dataclass
class MeetingPack:
    """The pack of day ``on``, for ``meeting`` when it is one meeting's."""

    on: datetime.date
    meeting: SchedulingMeeting | None
    #: The milestones listed are due before this day.
    until: datetime.date
    red_and_yellow: list[Project]
    units: list[UnitProblems]
    previous_meeting: SchedulingMeeting | None
    previous_problems: list[Problem]
    previous_orders: list[SupervisionOrder]
    milestones: list[Milestone]
    #: Whose items it lists: "all", or the one user's it was narrowed to (staff).
    scope: str = "all"

    @property
    def open_count(self) -> int:
        return sum(group.open_count for group in self.units)

    @property
    def overdue_count(self) -> int:
        return sum(group.overdue_count for group in self.units)

    @property
    def last_milestone_day(self) -> datetime.date:
        return self.until - datetime.timedelta(days=1)


def meeting_pack(
    *, on: datetime.date, meeting: SchedulingMeeting | None = None, user=None
) -> MeetingPack:
    """Return the pack of day ``on`` (of ``meeting`` when given). With ``user``, the
    problems and orders are those the user sees (SupervisionQuerySet.visible_to)."""
    until = (meeting.next_meeting_on if meeting else None) or on + DEFAULT_HORIZON
    previous = _previous_meeting(on=on, meeting=meeting)
    return MeetingPack(
        on=on,
        meeting=meeting,
        until=until,
        red_and_yellow=_red_and_yellow(on),
        units=_units(_visible(Problem.objects.open_on(on), user), on=on),
        previous_meeting=previous,
        previous_problems=_decisions(previous, Problem, PROBLEM_RELATIONS, on=on, user=user),
        previous_orders=_decisions(previous, SupervisionOrder, ORDER_RELATIONS, on=on, user=user),
        milestones=_milestones(on=on, until=until),
        scope="all" if user is None or supervises(user) else f"user{user.pk}",
    )


def _visible(queryset, user):
    return queryset if user is None else queryset.visible_to(user)


def _with_status_on(queryset, on: datetime.date):
    """Annotate ``status_on`` unless the queryset has it already (open_on() of a past day)."""
    if "status_on" in queryset.query.annotations:
        return queryset
    return queryset.with_status_on(on)


def _red_and_yellow(on: datetime.date) -> list[Project]:
    projects = list(
        Project.objects.as_of(on)
        .with_traffic_light(on=on)
        .filter(light__in=[Light.RED, Light.YELLOW])
        .select_related("responsible_unit", "contact_person", "supervising_leader")
        # "red" sorts before "yellow"; the furthest behind first within each.
        .order_by("light", F("pace_gap_points").asc(nulls_last=True), "name")
    )
    for project in projects:
        project.stage = project.stage_as_of  # every form shows the stage as of then
    return projects


def _units(problems, *, on: datetime.date) -> list[UnitProblems]:
    """Group the open problems by responsible unit: the units with the most overdue first,
    then the most open, then by name; the problems not yet assigned to a unit last."""
    problems = _with_status_on(problems, on).annotate(
        overdue=Exists(Problem.objects.overdue_on(on).filter(pk=OuterRef("pk")))
    )
    counts = {
        row["responsible_unit"]: row
        for row in problems.order_by()
        .values("responsible_unit")
        .annotate(open_count=Count("pk"), overdue_count=Count("pk", filter=Q(overdue=True)))
    }
    units = ResponsibleUnit.objects.in_bulk([unit for unit in counts if unit is not None])
    groups = {
        unit: UnitProblems(
            unit=units.get(unit), open_count=row["open_count"], overdue_count=row["overdue_count"]
        )
        for unit, row in counts.items()
    }
    rows = problems.select_related(*PROBLEM_RELATIONS).order_by(
        "-overdue", F("deadline").asc(nulls_last=True), "project__name", "pk"
    )
    for problem in _statuses_then(rows):
        groups[problem.responsible_unit_id].problems.append(problem)
    return sorted(
        groups.values(),
        key=lambda group: (
            group.unit is None,
            -group.overdue_count,
            -group.open_count,
            group.unit.name_sort if group.unit else "",
            group.unit.name if group.unit else "",
        ),
    )


def _previous_meeting(*, on: datetime.date, meeting: SchedulingMeeting | None):
    """Return the latest meeting held before ``meeting``, or before day ``on``."""
    if meeting is None:
        earlier = Q(held_on__lt=on)
    else:
        earlier = Q(held_on__lt=meeting.held_on) | Q(held_on=meeting.held_on, pk__lt=meeting.pk)
    return (
        SchedulingMeeting.objects.filter(earlier)
        .select_related("chair")
        .order_by("-held_on", "-pk")
        .first()
    )


def _decisions(meeting, model, relations, *, on: datetime.date, user) -> list:
    """Return the problems or orders recorded at ``meeting`` by the end of day ``on``,
    with their status then (``status_on``) and whether they were overdue then."""
    if meeting is None:
        return []
    items = _visible(model.objects.filter(meeting=meeting), user).existing_on(on)
    overdue = model.objects.overdue_on(on).filter(pk=OuterRef("pk"))
    return _statuses_then(
        _with_status_on(items, on)
        .annotate(overdue=Exists(overdue))
        .select_related(*relations)
        .order_by("pk")
    )


def _statuses_then(items) -> list:
    """Return the rows of a with_status_on() queryset, each showing its status as of then:
    the page, the PDF and the workbook all read ``status`` (get_status_display)."""
    rows = list(items)
    for item in rows:
        item.status = item.status_on
    return rows


def _milestones(*, on: datetime.date, until: datetime.date) -> list[Milestone]:
    """Return the milestones recorded and open at the end of day ``on`` (not completed
    by then) and due from ``on`` to the day before ``until``."""
    return list(
        Milestone.objects.filter(
            project__in=Project.objects.existing_on(on),
            created_at__lt=start_of_next_day(on),
            due_date__gte=on,
            due_date__lt=until,
        )
        .filter(Q(completed_on__isnull=True) | Q(completed_on__gt=on))
        .select_related("project__responsible_unit", "project__contact_person", "owner")
        .order_by("due_date", "project__name", "pk")
    )
