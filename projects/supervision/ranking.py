"""The responsible units' monthly ranking (考核): five on-time rates per unit, a weighted
score out of 100, the top and bottom units marked, and the items behind every figure.

A month M is measured as of its last day. The items of a unit, one indicator each:

1. ``problems_on_time``: its problems whose deadline falls in M; on time when first
   resolved (the earliest step to 已办结) by the end of the deadline day;
2. ``replies_on_time``: the supervision orders to it whose reply deadline falls in M; on
   time when first replied by the end of the reply deadline;
3. ``reports_on_time``: its projects under construction at the end of M (the portfolio as
   it stood then, ProjectQuerySet.as_of); on time when the report for M was filed by the
   end of M (ReportQuerySet.filed_for);
4. ``milestones_on_time``: the milestones of its projects due in M; on time when
   completed on or before the due date;
5. ``schedule_pace``: its projects in an active stage at the end of M with a pace basis
   and some time elapsed (ProjectQuerySet.with_schedule_pace); each counts
   min(1, completed share / elapsed share), and the figure is their mean.

A rate is None when the unit had no item for it. score = 100 × Σ(weight × rate) / Σ weight
over the rates that are not None (AssessmentWeights, admin-editable). Each indicator is
one grouped SQL query, the five sent as one (UNION ALL), so the ranking costs two queries
(the weights and its figures) however many units and projects there are; ranking_items
reads the same querysets for one unit.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Least, TruncDate
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from shanwang.models import FIRST_YEAR

from ..choices import OrderStatus, ProblemStatus
from ..models import (
    INDICATORS,
    AssessmentWeights,
    Milestone,
    Problem,
    ProblemTransition,
    ProgressReport,
    Project,
    ResponsibleUnit,
    SupervisionOrder,
    SupervisionOrderTransition,
)

#: The indicators whose rate is a share of items on time (the pace is a mean).
COUNTED = ("problems_on_time", "replies_on_time", "reports_on_time", "milestones_on_time")
TOP, BOTTOM = "top", "bottom"
#: The rows the dashboard shows when no unit is marked.
DASHBOARD_ROWS = 3
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def month_end(month: datetime.date) -> datetime.date:
    """Return the last day of ``month``'s month."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_before(on: datetime.date) -> datetime.date:
    """Return the first day of the month before ``on``'s."""
    return (on.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def is_over(month: datetime.date, *, today: datetime.date) -> bool:
    """Return whether ``month`` has ended by ``today``: only a month that is over is ranked
    (its reports are due by its last day)."""
    return month_end(month) < today


def parse_month(text: str | None, *, today: datetime.date) -> datetime.date:
    """Return the first day of the month ``text`` names (YYYY-MM); the month before
    ``today``'s when it is empty. Raise ValidationError with a message for the user when
    it names no month, or one that is not over by ``today``."""
    if not text:
        return month_before(today)
    match = MONTH_PATTERN.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < FIRST_YEAR:
        raise ValidationError(
            _("Give the month as year and month, for example %(example)s.")
            % {"example": f"{month_before(today):%Y-%m}"},
            code="invalid",
        )
    month = datetime.date(int(match[1]), int(match[2]), 1)
    if not is_over(month, today=today):
        raise ValidationError(
            _(
                # Translators: %(month)s尚未结束，月度考核排名待月末后生成。
                "%(month)s is not over yet: a month is ranked once it has ended."
            )
            % {"month": date_format(month, "YEAR_MONTH_FORMAT")},
            code="not_over",
        )
    return month


@dataclass(frozen=True)
class Figure:
    """One indicator of one unit: ``counted`` items, ``on_time`` of them (None for the pace,
    a mean) and ``rate`` as a share (0.75 = 75 %), None when nothing was counted."""

    indicator: str
    counted: int = 0
    on_time: int | None = None
    rate: float | None = None


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    weight: int


@dataclass
class UnitRow:
    """A unit's line of the ranking: its five figures, its score, rank and mark."""

    unit_id: int
    name: str
    sort_key: str
    figures: list[Figure]
    score: float | None = None
    rank: int | None = None
    mark: str = ""

    def figure(self, indicator: str) -> Figure:
        return next(figure for figure in self.figures if figure.indicator == indicator)

    @property
    def is_top(self) -> bool:
        return self.mark == TOP

    @property
    def is_bottom(self) -> bool:
        return self.mark == BOTTOM


@dataclass
class Ranking:
    """The ranking of ``month`` (its first day), measured as of ``as_of``, its last day."""

    month: datetime.date
    as_of: datetime.date
    indicators: list[Indicator]
    marked: int
    rows: list[UnitRow] = field(default_factory=list)

    def row_of(self, unit_id: int) -> UnitRow | None:
        return next((row for row in self.rows if row.unit_id == unit_id), None)

    @property
    def highlighted(self) -> list[UnitRow]:
        """The rows the dashboard shows: the marked ones, or, with none marked, the first
        few ranked."""
        marked = [row for row in self.rows if row.mark]
        return marked or [row for row in self.rows if row.rank is not None][:DASHBOARD_ROWS]


def score_of(figures: list[Figure], weights: dict[str, int]) -> float | None:
    """Return 100 × Σ(weight × rate) / Σ weight over the figures with a rate; None when no
    weighted figure has one."""
    weighted = [(weights[f.indicator], f.rate) for f in figures if f.rate is not None]
    total = sum(weight for weight, _rate in weighted)
    if not total:
        return None
    return 100 * sum(weight * rate for weight, rate in weighted) / total


def unit_ranking(*, month: datetime.date, weights: AssessmentWeights | None = None) -> Ranking:
    """Return the ranking of the units with at least one item in ``month`` (any day of
    it), with the weights in force: by score, highest first, ties by the unit's name in
    pinyin; the top and bottom ``weights.marked`` units marked (each end gets at most half
    of the ranked units, so that no unit is marked at both). Units whose items all fall on
    indicators weighted zero are listed last, without score or rank."""
    month = month.replace(day=1)
    last = month_end(month)
    weights = weights or AssessmentWeights.current()
    units, found = {}, {}
    for row in _figures_by_unit(_indicator_items(month, last)):
        units[row["unit"]] = (row["unit_name"], row["unit_sort"])
        found[row["unit"], row["indicator"]] = _figure(row)
    weight_of = weights.as_dict()
    rows = []
    for unit_id, (name, sort_key) in units.items():
        figures = [
            found.get((unit_id, indicator)) or _nothing(indicator) for indicator in INDICATORS
        ]
        rows.append(
            UnitRow(
                unit_id=unit_id,
                name=name,
                sort_key=sort_key,
                figures=figures,
                score=score_of(figures, weight_of),
            )
        )
    # Rounded for the order: the same rates summed in another order may differ in the
    # last bits of a float.
    rows.sort(
        key=lambda row: (
            row.score is None,
            -round(row.score, 9) if row.score is not None else 0,
            row.sort_key,
            row.name,
        )
    )
    scored = [row for row in rows if row.score is not None]
    for rank, row in enumerate(scored, start=1):
        row.rank = rank
    ends = min(weights.marked, len(scored) // 2)
    for row in scored[:ends]:
        row.mark = TOP
    for row in scored[len(scored) - ends :]:
        row.mark = BOTTOM
    return Ranking(
        month=month,
        as_of=last,
        indicators=[
            Indicator(
                name=name,
                label=str(AssessmentWeights._meta.get_field(name).verbose_name),
                weight=weight_of[name],
            )
            for name in INDICATORS
        ],
        marked=weights.marked,
        rows=rows,
    )


def dashboard_ranking(*, on: datetime.date) -> Ranking | None:
    """Return the ranking of the month before ``on``'s, or None when no unit had items."""
    ranking = unit_ranking(month=month_before(on))
    return ranking if ranking.rows else None


def ranking_items(*, month: datetime.date, unit: ResponsibleUnit, user=None) -> dict[str, list]:
    """Return, per indicator in the table's order, the unit's items of ``month`` that its
    figure counts, each with ``on_time`` (True or False; for the pace, ``pace_ratio``, the
    share it counts). With ``user``, a problem or an order they may not see has
    ``visible`` False (the page then names only its project)."""
    month = month.replace(day=1)
    last = month_end(month)
    items = {}
    for name, (queryset, unit_path) in _indicator_items(month, last).items():
        rows = queryset.filter(**{unit_path: unit})
        if name == "problems_on_time":
            rows = _with_visibility(rows, Problem, user).select_related(
                "project", "responsible_person"
            )
            rows = rows.order_by("deadline", "pk")
        elif name == "replies_on_time":
            rows = _with_visibility(rows, SupervisionOrder, user).select_related(
                "project", "responsible_person"
            )
            rows = rows.order_by("reply_deadline", "pk")
        elif name == "milestones_on_time":
            rows = rows.select_related("project").order_by("due_date", "pk")
        else:
            rows = rows.order_by("name_sort", "name")
        items[name] = list(rows)
    return items


# The items of each indicator ------------------------------------------------------------


def _indicator_items(month: datetime.date, last: datetime.date) -> dict:
    """Return, per indicator, the queryset of the items it counts (each with ``on_time``
    or ``pace_ratio``) and the path from an item to its unit."""
    return {
        "problems_on_time": (_problems_due(month, last), "responsible_unit"),
        "replies_on_time": (_orders_due(month, last), "responsible_unit"),
        "reports_on_time": (_reports_due(month, last), "responsible_unit"),
        "milestones_on_time": (_milestones_due(month, last), "project__responsible_unit"),
        "schedule_pace": (_paced_projects(last), "responsible_unit"),
    }


def _done_by_end_of(day_field: str):
    """True when ``done_on`` (the day, in the town's time, of the first step that did the
    item) is on or before the day in ``day_field``; False otherwise, never done included."""
    return Case(
        When(Q(done_on__lte=F(day_field)), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _problems_due(month, last):
    resolved = ProblemTransition.objects.filter(
        problem=OuterRef("pk"), to_status=ProblemStatus.RESOLVED
    ).order_by("at", "pk")
    return (
        Problem.objects.filter(
            deadline__gte=month, deadline__lte=last, responsible_unit__isnull=False
        )
        .annotate(first_resolved_at=Subquery(resolved.values("at")[:1]))
        .annotate(done_on=TruncDate("first_resolved_at"))
        .annotate(on_time=_done_by_end_of("deadline"))
    )


def _orders_due(month, last):
    replied = SupervisionOrderTransition.objects.filter(
        order=OuterRef("pk"), to_status=OrderStatus.REPLIED
    ).order_by("at", "pk")
    return (
        SupervisionOrder.objects.filter(reply_deadline__gte=month, reply_deadline__lte=last)
        .annotate(first_replied_at=Subquery(replied.values("at")[:1]))
        .annotate(done_on=TruncDate("first_replied_at"))
        .annotate(on_time=_done_by_end_of("reply_deadline"))
    )


def _reports_due(month, last):
    filed = ProgressReport.objects.filed_for(project=OuterRef("pk"), month=month, on=last)
    report = ProgressReport.objects.filter(project=OuterRef("pk"), month=month)
    return (
        Project.objects.as_of(last)
        .filter(stage_as_of=Project.Stage.UNDER_CONSTRUCTION, responsible_unit__isnull=False)
        .annotate(on_time=Exists(filed), report_id=Subquery(report.values("pk")[:1]))
    )


def _milestones_due(month, last):
    return Milestone.objects.filter(
        due_date__gte=month, due_date__lte=last, project__responsible_unit__isnull=False
    ).annotate(
        on_time=Case(
            When(completed_on__lte=F("due_date"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _paced_projects(last):
    return (
        Project.objects.as_of(last)
        .filter(stage_as_of__in=Project.ACTIVE_STAGES, responsible_unit__isnull=False)
        .with_schedule_pace(
            on=last, select=("pace_basis", "pace_elapsed_share", "pace_completed_share")
        )
        .filter(pace_basis__isnull=False, pace_elapsed_share__gt=0)
        .annotate(
            pace_ratio=Least(
                Value(1.0),
                F("pace_completed_share") / F("pace_elapsed_share"),
                output_field=FloatField(),
            )
        )
    )


def _figures_by_unit(indicators: dict):
    """Return the rows {unit, unit_name, unit_sort, indicator, counted, on_time_count,
    mean} of every unit with items, one per indicator it has items for: the indicators'
    grouped queries in one (UNION ALL), so that the ranking costs one query for its
    figures whatever the size."""
    parts = []
    for indicator, (queryset, unit_path) in indicators.items():
        if indicator in COUNTED:
            aggregates = {
                "counted": Count("pk"),
                "on_time_count": Count("pk", filter=Q(on_time=True)),
                # Typed: PostgreSQL reads a bare NULL of a UNION as text.
                "mean": Cast(Value(None), FloatField()),
            }
        else:
            aggregates = {
                "counted": Count("pk"),
                "on_time_count": Cast(Value(None), IntegerField()),
                "mean": Avg("pace_ratio"),
            }
        parts.append(
            queryset.order_by()
            .values(
                unit=F(unit_path),
                unit_name=F(f"{unit_path}__name"),
                unit_sort=F(f"{unit_path}__name_sort"),
                indicator=Value(indicator, output_field=CharField()),
            )
            .annotate(**aggregates)
        )
    first, *others = parts
    return first.union(*others, all=True)


def _figure(row: dict) -> Figure:
    counted, indicator = row["counted"], row["indicator"]
    if indicator in COUNTED:
        return Figure(indicator, counted, row["on_time_count"], row["on_time_count"] / counted)
    return Figure(indicator, counted, None, float(row["mean"]))


def _nothing(indicator: str) -> Figure:
    """The figure of an indicator the unit had no item for: no rate."""
    return Figure(indicator, 0, 0 if indicator in COUNTED else None, None)


def _with_visibility(rows, model, user):
    if user is None:
        return rows.annotate(visible=Value(True, output_field=BooleanField()))
    seen = model.objects.visible_to(user).values("pk")
    return rows.annotate(
        visible=Case(
            When(pk__in=seen, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
