"""The portfolio's computed figures, each defined once as a queryset annotation.

Every figure is computed in SQL through correlated subqueries, so annotations compose
without multiplying rows, and a page costs the same number of queries at 10 projects
as at 10,000. Amounts are in 万元. Shares are fractions (0.5 = 50 %); gaps are in
percentage points.
"""

import calendar
import datetime
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Expression,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanwang.db_functions import DaysBetween
from shanwang.pinyin import PinyinQuerySet

from .choices import (
    ApprovalStatus,
    FundEntryKind,
    OrderStatus,
    ProblemStatus,
    ReportStatus,
    SupervisionLevel,
)
from .rules import (
    can_edit_any_project,
    is_administrator,
    is_leader,
    is_reviewer,
    is_staff_member,
    responsible_unit_ids,
)

MONEY = models.DecimalField(max_digits=16, decimal_places=2)
# Float arithmetic may land a hair off a threshold (29.999999); compare with this slack.
_EPSILON = 1e-6


class PaceBasis(models.TextChoices):
    """What a project's schedule pace is measured against."""

    ANNUAL_PLAN = "annual_plan", _("this year's planned investment")
    PLANNED_DURATION = "planned_duration", _("total investment over the planned duration")


class Light(models.TextChoices):
    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")
    NONE = "none", _("no light")


class LightReason(models.TextChoices):
    """Why a project has its light. Each fixed reason belongs to one light
    (LIGHT_OF_REASON); an overdue problem's reason has the light the thresholds set for
    its level (light_of_reason)."""

    LISTED_PROBLEM_OVERDUE = (
        "listed_problem_overdue",
        _("an item listed for supervision is overdue"),
    )
    KEY_PROBLEM_OVERDUE = "key_problem_overdue", _("a key problem is overdue")
    PROBLEM_OVERDUE = "problem_overdue", _("a problem is overdue")
    FAR_BEHIND = "far_behind", _("far behind schedule pace")
    MILESTONE_FAR_OVERDUE = "milestone_far_overdue", _("a milestone is long overdue")
    BEHIND = "behind", _("behind schedule pace")
    MILESTONE_OVERDUE = "milestone_overdue", _("a milestone is overdue")
    # Statistics registration (入库纳统): started at or above the threshold, not registered.
    NOT_REGISTERED_LONG = (
        "not_registered_long",
        _("started long ago and not statistics-registered"),
    )
    NOT_REGISTERED = "not_registered", _("started and not statistics-registered")
    ON_PACE = "on_pace", _("on or ahead of schedule pace")
    NO_BASIS = "no_basis", _("no plan or investment to measure pace against")
    INACTIVE = "inactive", _("not in an active stage")


LIGHT_OF_REASON = {
    LightReason.FAR_BEHIND: Light.RED,
    LightReason.MILESTONE_FAR_OVERDUE: Light.RED,
    LightReason.BEHIND: Light.YELLOW,
    LightReason.MILESTONE_OVERDUE: Light.YELLOW,
    LightReason.NOT_REGISTERED_LONG: Light.RED,
    LightReason.NOT_REGISTERED: Light.YELLOW,
    LightReason.ON_PACE: Light.GREEN,
    LightReason.NO_BASIS: Light.NONE,
    LightReason.INACTIVE: Light.NONE,
}

#: The reason a problem overdue on the day gives its project, by the problem's level.
REASON_OF_PROBLEM_LEVEL = {
    SupervisionLevel.LISTED: LightReason.LISTED_PROBLEM_OVERDUE,
    SupervisionLevel.KEY: LightReason.KEY_PROBLEM_OVERDUE,
    SupervisionLevel.NORMAL: LightReason.PROBLEM_OVERDUE,
}


def light_of_reason(thresholds) -> dict[LightReason, Light]:
    """Return the light of every reason under ``thresholds``: the fixed reasons' own, and
    for an overdue problem's reason the light the thresholds set for its level."""
    problem_lights = thresholds.problem_lights()
    return LIGHT_OF_REASON | {
        reason: Light(problem_lights[level]) for level, reason in REASON_OF_PROBLEM_LEVEL.items()
    }


def elapsed_share_of_year(on: datetime.date) -> float:
    """Return the share of ``on``'s year that has elapsed by the end of day ``on``.

    share = (day of the year of ``on``) / (days in the year: 365, or 366 in a leap year)
    """
    year_start = datetime.date(on.year, 1, 1)
    days_in_year = (datetime.date(on.year + 1, 1, 1) - year_start).days
    return ((on - year_start).days + 1) / days_in_year


def months_later(day: datetime.date, months: int) -> datetime.date:
    """Return the day ``months`` calendar months after ``day``, on the last day of the
    month when it is shorter (2024-01-31 + 1 month = 2024-02-29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def latest_start_months_before(on: datetime.date, months: int) -> datetime.date:
    """Return the latest start whose ``months`` calendar months (months_later) have
    passed by day ``on``: a start on or before it is ``months`` months old on ``on``.

    Starts on the 29th to 31st all reach a short month's last day: on 2024-02-29 a
    start of 2024-01-31 is one month old, on 2024-02-28 not yet."""
    start = months_later(on, -months)
    while months_later(start + datetime.timedelta(days=1), months) <= on:
        start += datetime.timedelta(days=1)
    return start


def _truth(condition: Q):
    """``condition`` as a boolean figure: False, not NULL, where a NULL column leaves it
    unknown in SQL (no total investment, no start)."""
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _as_float(expression):
    return Cast(expression, FloatField())


def start_of_next_day(day: datetime.date) -> datetime.datetime:
    """Return the first instant after ``day`` in the town's time: a figure "as of ``day``"
    counts what was recorded before it."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


def _state_before(steps, *, before: datetime.datetime, from_field: str, to_field: str, current):
    """Return the state a row was in at the instant ``before``, read from its recorded
    ``steps`` (a workflow's transitions): the ``to_field`` of the latest step before then;
    with none, the ``from_field`` of the first step after; with no step at all, the row's
    ``current`` state (a row entered without steps, as an import does)."""
    earlier = steps.filter(at__lt=before).order_by("-at", "-pk")
    later = steps.filter(at__gte=before).order_by("at", "pk")
    return Coalesce(
        Subquery(earlier.values(to_field)[:1]),
        Subquery(later.values(from_field)[:1]),
        F(current),
        output_field=models.CharField(),
    )


class ProjectQuerySet(PinyinQuerySet):
    def managed_by(self, user):
        """Return the projects ``user`` answers for: as contact person or through a unit.

        The SQL form of the ``manages_project`` rule in projects/rules.py.
        """
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(contact_person=user) | Q(responsible_unit__in=responsible_unit_ids(user))
        )

    def editable_by(self, user):
        """Return the projects ``user`` may change (the ``can_edit_project`` rule)."""
        if can_edit_any_project(user):
            return self
        if is_staff_member(user):
            return self.managed_by(user)
        return self.none()

    def existing_on(self, day: datetime.date):
        """Return the projects recorded by the end of ``day`` (the town's time): a figure
        as of a past day leaves out the projects created after it."""
        return self.filter(created_at__lt=start_of_next_day(day))

    def as_of(self, day: datetime.date):
        """Return the projects as they stood at the end of ``day``: those created later
        left out, and ``stage_as_of``, each project's stage then, annotated from its
        StageTransition history (see _state_before): the ``to_stage`` of its latest
        transition by the end of ``day``; with none, the ``from_stage`` of its first one
        after; with none at all, its stage now.

        The figures annotated after it read ``stage_as_of`` for the stage: only projects
        active on ``day`` get a light (with_traffic_light). Two subqueries per row, one
        SQL query whatever the size.
        """
        steps = self._related("stage_transitions").objects.filter(project=OuterRef("pk"))
        return self.existing_on(day).annotate(
            stage_as_of=_state_before(
                steps,
                before=start_of_next_day(day),
                from_field="from_stage",
                to_field="to_stage",
                current="stage",
            )
        )

    def _stage_field(self) -> str:
        """Return what the figures read as the project's stage: its stage on the day of
        as_of() when the queryset went through it, else its stage now."""
        return "stage_as_of" if "stage_as_of" in self.query.annotations else "stage"

    def _related(self, name: str):
        """Return the model behind the project's relation ``name``: the queryset reads the
        models it needs through the project, so that it imports none (the models import it)."""
        return self.model._meta.get_field(name).related_model

    def _figures(self, select, **figures):
        """Annotate ``figures`` in order; those not named in ``select`` (when given) only
        as aliases: usable in filters and sorts, not computed for every row read."""
        queryset = self
        for name, expression in figures.items():
            if select is None or name in select:
                queryset = queryset.annotate(**{name: expression})
            else:
                queryset = queryset.alias(**{name: expression})
        return queryset

    def with_investment(self, *, year: int, through: datetime.date | None = None, select=None):
        """Annotate the investment figures of ``year``, counting only the reports of months
        up to ``through`` when given (a briefing of a past month ignores later reports).
        With ``select``, only the figures it names are read back (see _figures).

        - ``cumulative_investment`` = Σ investment completed in approved reports, all months;
        - ``year_completed_investment`` = the same sum over the months of ``year``;
        - ``year_planned_investment`` = the annual plan's planned investment for ``year``,
          NULL when the project has no plan for that year;
        - ``year_completed_share`` = completed / planned this year, NULL without a plan
          with a planned investment above zero.
        Only approved reports count: a draft or returned figure is not official.
        """
        approved = self._related("progress_reports").objects.filter(
            project=OuterRef("pk"), status=ReportStatus.APPROVED
        )
        if through is not None:
            approved = approved.filter(month__lte=through)
        this_year = approved.filter(
            month__gte=datetime.date(year, 1, 1), month__lt=datetime.date(year + 1, 1, 1)
        )
        # order_by(): the plan's default ordering would join and sort the projects again.
        plan = (
            self._related("annual_plans")
            .objects.filter(project=OuterRef("pk"), year=year)
            .order_by()
        )
        return self._figures(
            select,
            cumulative_investment=_sum_of_investment(approved),
            year_completed_investment=_sum_of_investment(this_year),
            year_planned_investment=Subquery(plan.values("planned_investment")[:1]),
            year_completed_share=_Let(
                Case(
                    When(_annual_basis(), then=_as_float(_COMPLETED) / _as_float(_PLANNED)),
                    default=Value(None),
                    output_field=FloatField(),
                ),
                planned=F("year_planned_investment"),
                completed=F("year_completed_investment"),
            ),
        )

    def with_money(self, *, on: datetime.date, thresholds=None, select=None):
        """Annotate the money of the project's funding sources (资金) as of day ``on``,
        and the payment rate's own light (not the project's light); with ``select``, only
        the figures it names are read back (see _figures).

        - ``money_allocated`` / ``money_arrived`` / ``money_paid`` = Σ FundEntry.amount of
          the kind (下达 / 到位 / 支付) dated up to ``on``, over all the project's sources;
        - ``payment_rate`` = paid / arrived (支出率, a share), NULL when nothing arrived;
        - ``first_arrival``: the date of the first money arrived, up to ``on``;
        - ``money_physical_progress``: the physical progress (%) of the latest approved
          report of a month up to ``on``, NULL without one;
        - ``payment_light_reason`` / ``payment_light``, the first rule that holds, with N
          the idle months, P the idle paid percent and A the points (admin-editable):
          none — nothing arrived;
          red (资金沉淀) — the first money arrived N months or more before ``on`` (N
          calendar months have passed since, latest_start_months_before) and less than
          P % of what arrived is paid;
          yellow (进度超前于资金) — the physical progress exceeds the payment rate (in %)
          by more than A points;
          green otherwise.
        The order allocated ≥ arrived ≥ paid is not forced: each sum stands on its own.
        One SQL query whatever the size (correlated subqueries, bound once by _Let).
        """
        thresholds = thresholds or apps.get_model("projects", "TrafficLightThresholds").current()
        funding = self._related("fundings")
        entries = (
            funding._meta.get_field("entries")
            .related_model.objects.filter(funding__project=OuterRef("pk"), date__lte=on)
            .order_by()
        )
        arrivals = entries.filter(kind=FundEntryKind.ARRIVED)
        latest_report = (
            self._related("progress_reports")
            .objects.filter(project=OuterRef("pk"), status=ReportStatus.APPROVED, month__lte=on)
            .order_by("-month")
        )
        # The latest first arrival that is N months old on ``on`` (the registration's rule).
        cutoff = latest_start_months_before(on, thresholds.idle_funds_months)
        arrived, paid = _as_float(_ARRIVED), _as_float(_PAID)
        # Products instead of the rate: no division, and exact on the boundary.
        idle = LessThan(
            paid * Value(100.0),
            arrived * Value(float(thresholds.idle_funds_paid_percent)) - Value(_EPSILON),
        )
        ahead = GreaterThan(
            _as_float(_PROGRESS) * arrived - paid * Value(100.0),
            arrived * Value(float(thresholds.progress_ahead_of_money_points)) + Value(_EPSILON),
        )
        reason = Case(
            When(
                LessThanOrEqual(_ARRIVED, Value(0)), then=Value(PaymentReason.NOTHING_ARRIVED.value)
            ),
            When(
                LessThanOrEqual(_FIRST_ARRIVAL, Value(cutoff)) & idle,
                then=Value(PaymentReason.IDLE.value),
            ),
            When(ahead, then=Value(PaymentReason.BEHIND_PROGRESS.value)),
            default=Value(PaymentReason.ON_TRACK.value),
            output_field=models.CharField(),
        )
        light = Case(
            *(
                When(
                    Exact(_Bound("reason", models.CharField()), reason_value.value),
                    then=Value(light_value.value),
                )
                for reason_value, light_value in LIGHT_OF_PAYMENT_REASON.items()
            ),
            output_field=models.CharField(),
        )
        return self._figures(
            select,
            money_allocated=_sum_of_money(entries.filter(kind=FundEntryKind.ALLOCATED)),
            money_arrived=_sum_of_money(arrivals),
            money_paid=_sum_of_money(entries.filter(kind=FundEntryKind.PAID)),
            first_arrival=Subquery(arrivals.order_by("date").values("date")[:1]),
            money_physical_progress=Subquery(latest_report.values("physical_progress")[:1]),
            payment_rate=_Let(
                Case(
                    When(GreaterThan(_ARRIVED, Value(0)), then=paid / arrived),
                    default=Value(None),
                    output_field=FloatField(),
                ),
                arrived=F("money_arrived"),
                paid=F("money_paid"),
            ),
            payment_light_reason=_Let(
                reason,
                arrived=F("money_arrived"),
                paid=F("money_paid"),
                first_arrival=F("first_arrival"),
                progress=F("money_physical_progress"),
            ),
            payment_light=_Let(light, reason=F("payment_light_reason")),
        )

    def with_schedule_pace(self, *, on: datetime.date, select=None):
        """Annotate the schedule pace (序时进度) on day ``on``.

        Two bases, the first that applies:
        1. ``annual_plan`` when this year's planned investment P > 0:
           elapsed = day of the year / days in the year (leap years have 366);
           completed = investment completed this year / P.
        2. ``planned_duration`` when planned start S, planned completion E and total
           investment T > 0 are known:
           elapsed = clamp((on - S + 1) / (E - S + 1), 0, 1) (0 before the start);
           completed = cumulative investment / T.
        Otherwise every pace field is NULL. ``pace_gap_points`` = (completed - elapsed) × 100:
        negative means behind pace. Completed shares are not capped: 1.2 means 20 % more
        than planned has been spent. Only reports of months up to ``on`` count.
        """
        investment = {
            "planned": F("year_planned_investment"),
            "completed": F("year_completed_investment"),
            "cumulative": F("cumulative_investment"),
        }
        return self.with_investment(year=on.year, through=on, select=select)._figures(
            select,
            pace_basis=_Let(_pace_basis(), planned=investment["planned"]),
            pace_elapsed_share=_Let(_pace_elapsed_share(on), planned=investment["planned"]),
            pace_completed_share=_Let(_pace_completed_share(), **investment),
            pace_gap_points=_Let(_pace_gap_points(on), **investment),
        )

    def with_milestone_summary(self, *, on: datetime.date, select=None):
        """Annotate overdue and next milestones as of day ``on``.

        A milestone is open on ``on`` when it was not completed by then (no completion
        date, or a later one), so a past day's figures stay as they stood.

        - ``overdue_milestone_count``: milestones open on ``on`` whose due date is before it;
        - ``oldest_overdue_title`` / ``oldest_overdue_due`` / ``max_days_overdue``: the
          longest-overdue one, and ``on`` minus its due date in days;
        - ``next_milestone_title`` / ``next_milestone_due``: the first milestone open on
          ``on`` that is due on or after ``on``.
        """
        open_milestones = (
            self._related("milestones")
            .objects.filter(project=OuterRef("pk"))
            .filter(Q(completed_on__isnull=True) | Q(completed_on__gt=on))
            .order_by("due_date", "pk")
        )
        overdue = open_milestones.filter(due_date__lt=on)
        upcoming = open_milestones.filter(due_date__gte=on)
        overdue_count = (
            overdue.order_by().values("project").annotate(count=Count("pk")).values("count")
        )
        return self._figures(
            select,
            overdue_milestone_count=Coalesce(Subquery(overdue_count), Value(0)),
            oldest_overdue_title=Subquery(overdue.values("title")[:1]),
            oldest_overdue_due=Subquery(overdue.values("due_date")[:1]),
            max_days_overdue=DaysBetween("oldest_overdue_due", on),
            next_milestone_title=Subquery(upcoming.values("title")[:1]),
            next_milestone_due=Subquery(upcoming.values("due_date")[:1]),
        )

    def with_problem_summary(self, *, on: datetime.date, thresholds=None, select=None):
        """Annotate the project's problems overdue on day ``on`` (问题台账): unresolved at
        the end of that day and past their deadline (ProblemQuerySet.overdue_on: on a past
        day, recorded by then and in their status then, read from their steps).

        - ``overdue_problem_count``: how many;
        - ``overdue_problem_description`` / ``_level`` / ``_deadline`` / ``_unit`` (its
          responsible unit's name): the one that decides the light, the most severe by the
          light ``thresholds`` set for its level (red, then yellow, then none), then the
          oldest deadline;
        - ``overdue_problem_days``: ``on`` minus its deadline, in days.
        With ``select``, only the figures it names are read back (see _figures).
        """
        # The thresholds' model is looked up in the registry: it imports this module.
        thresholds = thresholds or apps.get_model("projects", "TrafficLightThresholds").current()
        overdue = self._related("problems").objects.overdue_on(on).filter(project=OuterRef("pk"))
        deciding = overdue.order_by(*_problem_severity(thresholds), "deadline", "pk")
        overdue_count = (
            overdue.order_by().values("project").annotate(count=Count("pk")).values("count")
        )
        return self._figures(
            select,
            overdue_problem_count=Coalesce(Subquery(overdue_count), Value(0)),
            overdue_problem_description=Subquery(deciding.values("description")[:1]),
            overdue_problem_level=Subquery(deciding.values("level")[:1]),
            overdue_problem_deadline=Subquery(deciding.values("deadline")[:1]),
            overdue_problem_unit=Subquery(deciding.values("responsible_unit__name")[:1]),
            overdue_problem_days=DaysBetween("overdue_problem_deadline", on),
        )

    def _registration_rules(self, *, on: datetime.date, thresholds, stage: bool = True) -> dict:
        """The rules of statistics registration (入库纳统) as of day ``on``, as conditions
        on the project's own columns (no subquery), defined once:

        - ``due``: the project must be registered: total investment at least the
          threshold, started (actual start on or before ``on``) and, with ``stage``, not
          cancelled (its stage on the day of as_of() when the queryset went through it);
        - ``registered``: registered as of ``on``: marked registered, with no date or a
          date on or before ``on``;
        - ``unregistered``: due and not registered;
        - ``red`` / ``yellow``: unregistered and started at least the thresholds' red /
          yellow number of calendar months before ``on`` (latest_start_months_before).
        """
        started = Q(actual_start__isnull=False, actual_start__lte=on)
        due = Q(total_investment__gte=thresholds.registration_threshold) & started
        if stage:
            due &= ~Q(**{self._stage_field(): self.model.Stage.CANCELLED})
        registered = Q(statistics_registered=True) & (
            Q(statistics_registered_on__isnull=True) | Q(statistics_registered_on__lte=on)
        )
        unregistered = due & ~registered
        months = {
            "red": thresholds.registration_red_months,
            "yellow": thresholds.registration_yellow_months,
        }
        return {
            "due": due,
            "registered": registered,
            "unregistered": unregistered,
            **{
                light: unregistered & Q(actual_start__lte=latest_start_months_before(on, count))
                for light, count in months.items()
            },
        }

    def _thresholds(self, thresholds):
        # The thresholds' model is looked up in the registry: it imports this module.
        return thresholds or apps.get_model("projects", "TrafficLightThresholds").current()

    def registration_due(self, *, on: datetime.date, thresholds=None):
        """Return the projects that must be statistics-registered as of day ``on``
        (the ``due`` rule of _registration_rules), registered or not."""
        rules = self._registration_rules(on=on, thresholds=self._thresholds(thresholds))
        return self.filter(rules["due"])

    def unregistered_on(self, *, on: datetime.date, thresholds=None):
        """Return the projects started and not registered as of day ``on`` (开工未入库):
        due and not registered (_registration_rules)."""
        rules = self._registration_rules(on=on, thresholds=self._thresholds(thresholds))
        return self.filter(rules["unregistered"])

    def with_registration(self, *, on: datetime.date, thresholds=None, select=None):
        """Annotate the statistics registration (入库纳统) as of day ``on``, by the rules
        of _registration_rules, from the project's own columns (no subquery):

        - ``registration_due`` / ``registered_as_of``: whether it must be / is registered;
        - ``days_since_start``: ``on`` minus the actual start, in days (NULL without one);
        - ``registration_light``: none when not due; green when registered, or not yet
          registered within the yellow months; yellow from the yellow months after the
          start, red from the red months (defaults 1 and 2, calendar months);
        - ``registration_threshold``: the threshold in 万元 (a float), for the words.
        With ``select``, only the figures it names are read back (see _figures).
        """
        thresholds = self._thresholds(thresholds)
        rules = self._registration_rules(on=on, thresholds=thresholds)
        return self._figures(
            select,
            registration_due=_truth(rules["due"]),
            registered_as_of=_truth(rules["registered"]),
            days_since_start=DaysBetween("actual_start", on),
            registration_light=Case(
                When(~rules["due"], then=Value(Light.NONE.value)),
                When(rules["registered"], then=Value(Light.GREEN.value)),
                When(rules["red"], then=Value(Light.RED.value)),
                When(rules["yellow"], then=Value(Light.YELLOW.value)),
                default=Value(Light.GREEN.value),
                output_field=models.CharField(),
            ),
            registration_threshold=Value(
                float(thresholds.registration_threshold), output_field=FloatField()
            ),
        )

    def with_traffic_light(self, *, on: datetime.date, thresholds=None, select=None):
        """Annotate ``light`` and ``light_reason`` (红黄绿灯预警) as of day ``on``, and every
        figure they rest on; with ``select``, only the figures it names are read back.

        Only projects in an active stage (preliminary, under construction) get a light:
        their stage on the day of as_of() when the queryset went through it first.
        With Y, R the points-behind thresholds, D the overdue-days threshold (defaults 10,
        30 and 30) and the light an overdue problem gives by its level (defaults: listed
        red, key yellow, ordinary none), all admin-editable, the first rule that holds wins:
        red — a problem overdue (with_problem_summary) whose level gives red, more than R
        points behind pace, a milestone more than D days overdue, or started and not
        statistics-registered for the red months (with_registration);
        yellow — a problem overdue whose level gives yellow, Y to R points behind, any
        milestone overdue, or started and not registered for the yellow months;
        green — pace known and less than Y points behind;
        none — no pace basis (no plan, no investment) and nothing overdue.
        An overdue problem's reason names its level: the deciding problem's (the most
        severe, then the oldest deadline).
        """
        # The thresholds' model is looked up in the registry: it imports this module.
        thresholds = thresholds or apps.get_model("projects", "TrafficLightThresholds").current()
        lights = light_of_reason(thresholds)
        red_gap = -(thresholds.red_points_behind + _EPSILON)
        yellow_gap = -(thresholds.yellow_points_behind - _EPSILON)
        days_overdue = DaysBetween(_OLDEST_OVERDUE_DUE, on)
        # Only active projects reach these rules: no need to read the stage again.
        registration = self._registration_rules(on=on, thresholds=thresholds, stage=False)

        def problem_rules(light):
            # The deciding problem is the most severe: when its level gives ``light``, no
            # other overdue problem gives a more severe one.
            return [
                When(Exact(_PROBLEM_LEVEL, Value(level.value)), then=Value(reason.value))
                for level, reason in REASON_OF_PROBLEM_LEVEL.items()
                if lights[reason] == light
            ]

        red_problems, yellow_problems = problem_rules(Light.RED), problem_rules(Light.YELLOW)
        # No problem reads when no level gives a light.
        problem_level = (
            {"problem_level": F("overdue_problem_level")} if red_problems or yellow_problems else {}
        )
        # The rules read the row's figures bound once (see _Let), not the subqueries again.
        active_reason = Case(
            *red_problems,
            When(
                LessThan(_pace_gap_points(on), red_gap),
                then=Value(LightReason.FAR_BEHIND.value),
            ),
            When(
                GreaterThan(days_overdue, thresholds.red_days_overdue),
                then=Value(LightReason.MILESTONE_FAR_OVERDUE.value),
            ),
            When(registration["red"], then=Value(LightReason.NOT_REGISTERED_LONG.value)),
            *yellow_problems,
            When(
                LessThanOrEqual(_pace_gap_points(on), yellow_gap),
                then=Value(LightReason.BEHIND.value),
            ),
            # An oldest overdue milestone exists exactly when the overdue count is above 0.
            When(
                IsNull(_OLDEST_OVERDUE_DUE, False),
                then=Value(LightReason.MILESTONE_OVERDUE.value),
            ),
            When(registration["yellow"], then=Value(LightReason.NOT_REGISTERED.value)),
            When(IsNull(_pace_gap_points(on), False), then=Value(LightReason.ON_PACE.value)),
            default=Value(LightReason.NO_BASIS.value),
            output_field=models.CharField(),
        )
        # Projects out of the active stages read no figure at all; the others read the
        # plan, the oldest overdue milestone and the deciding overdue problem's level,
        # then only the investment sum their pace basis needs: this year's with a plan,
        # the cumulative one without.
        reason = Case(
            When(
                ~Q(**{f"{self._stage_field()}__in": self.model.ACTIVE_STAGES}),
                then=Value(LightReason.INACTIVE.value),
            ),
            default=_Let(
                _Let(
                    active_reason,
                    planned=_PLANNED,
                    oldest_overdue_due=_OLDEST_OVERDUE_DUE,
                    **({"problem_level": _PROBLEM_LEVEL} if problem_level else {}),
                    completed=Case(
                        When(_annual_basis(), then=F("year_completed_investment")),
                        default=Value(None),
                        output_field=MONEY,
                    ),
                    cumulative=Case(
                        When(_annual_basis(), then=Value(None)),
                        default=F("cumulative_investment"),
                        output_field=MONEY,
                    ),
                ),
                planned=F("year_planned_investment"),
                oldest_overdue_due=F("oldest_overdue_due"),
                **problem_level,
            ),
            output_field=models.CharField(),
        )
        reason_bound = _Bound("reason", models.CharField())
        light = Case(
            *(
                When(Exact(reason_bound, reason_value), then=Value(light_value.value))
                for reason_value, light_value in lights.items()
            ),
            output_field=models.CharField(),
        )
        return (
            self.with_schedule_pace(on=on, select=select)
            .with_milestone_summary(on=on, select=select)
            .with_problem_summary(on=on, thresholds=thresholds, select=select)
            .with_registration(on=on, thresholds=thresholds, select=select)
            ._figures(
                select,
                light_reason=reason,
                light=_Let(light, reason=F("light_reason")),
            )
        )


class ReportQuerySet(models.QuerySet):
    def filed(self, *, on: datetime.date | None = None):
        """Return the reports filed (submitted or approved): now, or with ``on`` at the end
        of that day, by their review steps (see _state_before), so that a report filed
        later does not count for a past day."""
        if on is None:
            return self.filter(status__in=ReportStatus.filed())
        steps = self.model._meta.get_field("transitions").related_model.objects.filter(
            report=OuterRef("pk")
        )
        status_then = _state_before(
            steps,
            before=start_of_next_day(on),
            from_field="from_status",
            to_field="to_status",
            current="status",
        )
        return self.alias(status_as_of=status_then).filter(status_as_of__in=ReportStatus.filed())

    def filed_for(self, *, project, month, on: datetime.date | None = None):
        """Return the reports that count as filed for ``month`` of ``project`` (submitted
        or approved; by the end of day ``on`` when given): the one definition behind the
        missing-report lists, the report alerts and their cancellation. ``project`` and
        ``month`` may be ``OuterRef``s."""
        return self.filter(project=project, month=month).filed(on=on)


class SupervisionQuerySet(models.QuerySet):
    """What problems (问题台账) and supervision orders (督办单) share: who sees them, and
    their status at the end of a past day, read from their recorded steps."""

    #: The statuses of a row not yet done with (overridden by each model's queryset).
    unresolved_statuses: tuple = ()

    def visible_to(self, user):
        """Return the rows ``user`` sees: administrators, leaders and reviewers every
        one; a staff member those of their units and of the projects they answer for.
        The SQL form of the ``sees_supervision_item`` rule in projects/rules.py."""
        if is_administrator(user) or is_leader(user) or is_reviewer(user):
            return self
        if is_staff_member(user):
            units = responsible_unit_ids(user)
            return self.filter(
                Q(responsible_unit__in=units)
                | Q(project__contact_person=user)
                | Q(project__responsible_unit__in=units)
            )
        return self.none()

    def with_status_on(self, on: datetime.date):
        """Annotate ``status_on``: the status at the end of day ``on``, from the rows'
        transitions (see _state_before); today and later, the status now."""
        if on >= timezone.localdate():
            return self.annotate(status_on=F("status"))
        steps = self.model._meta.get_field("transitions").related_model.objects.filter(
            **{self._transition_fk(): OuterRef("pk")}
        )
        return self.annotate(
            status_on=_state_before(
                steps,
                before=start_of_next_day(on),
                from_field="from_status",
                to_field="to_status",
                current="status",
            )
        )

    def _transition_fk(self) -> str:
        return self.model._meta.get_field("transitions").field.name

    def existing_on(self, day: datetime.date):
        return self.filter(created_at__lt=start_of_next_day(day))

    def _status_filter(self, on: datetime.date, statuses) -> Q:
        """The condition "the status on day ``on`` is one of ``statuses``", for a
        queryset that went through with_status_on, or on the status now for today."""
        if on >= timezone.localdate():
            return Q(status__in=statuses)
        return Q(status_on__in=statuses)

    def _on(self, on: datetime.date):
        queryset = self.existing_on(on)
        if on < timezone.localdate():
            queryset = queryset.with_status_on(on)
        return queryset


class ProblemQuerySet(SupervisionQuerySet):
    unresolved_statuses = ProblemStatus.unresolved()

    def open_on(self, on: datetime.date):
        """Return the problems on the ledger at the end of day ``on``: recorded by then
        and not struck off by then (a resolved one awaiting verification is still open)."""
        return self._on(on).filter(self._status_filter(on, ProblemStatus.open()))

    def unresolved_on(self, on: datetime.date):
        """Return the problems not resolved at the end of day ``on``."""
        return self._on(on).filter(self._status_filter(on, ProblemStatus.unresolved()))

    def overdue_on(self, on: datetime.date):
        """Return the problems unresolved on day ``on`` past their deadline: the rule of
        Problem.is_overdue_on, behind the lights, the alerts, the dashboard and the pack."""
        return self.unresolved_on(on).filter(deadline__lt=on)


class SupervisionOrderQuerySet(SupervisionQuerySet):
    unresolved_statuses = OrderStatus.awaiting_reply()

    def awaiting_reply_on(self, on: datetime.date):
        """Return the orders whose unit owes a reply at the end of day ``on``."""
        return self._on(on).filter(self._status_filter(on, OrderStatus.awaiting_reply()))

    def overdue_on(self, on: datetime.date):
        """Return the orders whose reply is late on day ``on`` (SupervisionOrder.is_overdue_on)."""
        return self.awaiting_reply_on(on).filter(reply_deadline__lt=on)


def _sum_of_investment(reports):
    total = reports.order_by().values("project").annotate(total=Sum("investment_completed"))
    return Coalesce(
        Subquery(total.values("total"), output_field=MONEY),
        Value(Decimal("0.00")),
        output_field=MONEY,
    )


# Figures bound once per row -------------------------------------------------------------


class _Bound(Expression):
    """A value bound once per row by the enclosing _Let, by name."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self):
        return f"{self.__class__.__name__}({self.name!r})"

    def as_sql(self, compiler, connection):
        return f"{_LET_ALIAS}.{connection.ops.quote_name(self.name)}", []

    def get_group_by_cols(self):
        return []


_LET_ALIAS = "bound_figures"


class _Let(Expression):
    """``body`` computed over ``bindings`` evaluated once per row:
    ``(SELECT body FROM (SELECT binding AS name, ... OFFSET 0) AS bound_figures)``.

    SQL has no per-row variables: a figure derived from a correlated subquery otherwise
    repeats the subquery's text wherever it is used, and PostgreSQL runs every copy (the
    traffic light read each investment sum a dozen times per project). OFFSET 0 keeps
    PostgreSQL from folding the bindings back into the body. A nested _Let sees its own
    bindings: the innermost alias wins, as SQL scoping says.
    """

    def __init__(self, body, **bindings):
        super().__init__(output_field=body.output_field)
        self.body = body
        self.names = list(bindings)
        self.bindings = list(bindings.values())

    def get_source_expressions(self):
        return [*self.bindings, self.body]

    def set_source_expressions(self, expressions):
        *self.bindings, self.body = expressions

    def as_sql(self, compiler, connection):
        body_sql, body_params = compiler.compile(self.body)
        columns, binding_params = [], []
        for name, binding in zip(self.names, self.bindings, strict=True):
            sql, params = compiler.compile(binding)
            columns.append(f"{sql} AS {connection.ops.quote_name(name)}")
            binding_params.extend(params)
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        sql = f"(SELECT {body_sql} FROM (SELECT {', '.join(columns)}{fence}) {_LET_ALIAS})"
        return sql, (*body_params, *binding_params)


_PLANNED = _Bound("planned", MONEY)
_COMPLETED = _Bound("completed", MONEY)
_CUMULATIVE = _Bound("cumulative", MONEY)
_OLDEST_OVERDUE_DUE = _Bound("oldest_overdue_due", models.DateField())
_PROBLEM_LEVEL = _Bound("problem_level", models.CharField())


def _problem_severity(thresholds) -> list:
    """The order of a project's overdue problems, most severe first: 0 for a level whose
    overdue problem makes the project red under ``thresholds``, 1 yellow, 2 no light;
    nothing to order by when no level gives a light (a constant would be read as a
    column's position)."""
    rank = {Light.RED.value: 0, Light.YELLOW.value: 1}
    ranks = [
        When(level=level, then=Value(rank[light]))
        for level, light in thresholds.problem_lights().items()
        if light in rank
    ]
    if not ranks:
        return []
    return [Case(*ranks, default=Value(2), output_field=IntegerField())]


def _annual_basis():
    # Value(0), not 0: a bare 0 would be bound as a decimal, which SQLite passes as the
    # text '0', and a bound value has no column type to turn it back into a number.
    return GreaterThan(_PLANNED, Value(0))


def _duration_basis():
    return Q(planned_start__isnull=False, planned_completion__isnull=False, total_investment__gt=0)


def _pace_basis():
    return Case(
        When(_annual_basis(), then=Value(PaceBasis.ANNUAL_PLAN.value)),
        When(_duration_basis(), then=Value(PaceBasis.PLANNED_DURATION.value)),
        default=Value(None),
        output_field=models.CharField(),
    )


def _pace_elapsed_share(on: datetime.date):
    days_done = DaysBetween("planned_start", on) + 1
    days_planned = DaysBetween("planned_start", "planned_completion") + 1
    return Case(
        When(_annual_basis(), then=Value(elapsed_share_of_year(on))),
        When(
            _duration_basis(),
            then=Greatest(
                Value(0.0), Least(Value(1.0), _as_float(days_done) / _as_float(days_planned))
            ),
        ),
        default=Value(None),
        output_field=FloatField(),
    )


def _pace_completed_share():
    return Case(
        When(_annual_basis(), then=_as_float(_COMPLETED) / _as_float(_PLANNED)),
        When(_duration_basis(), then=_as_float(_CUMULATIVE) / _as_float("total_investment")),
        default=Value(None),
        output_field=FloatField(),
    )


def _pace_gap_points(on: datetime.date):
    return (_pace_completed_share() - _pace_elapsed_share(on)) * Value(100.0)


# Money (资金) -----------------------------------------------------------------------------


class PaymentReason(models.TextChoices):
    """Why a project's payment rate has its light (with_money)."""

    IDLE = "idle", _("money arrived long ago is not being paid out (idle funds)")
    BEHIND_PROGRESS = "behind_progress", _("the physical progress is ahead of the payments")
    ON_TRACK = "on_track", _("payments keep up with the money and the progress")
    NOTHING_ARRIVED = "nothing_arrived", _("no money has arrived yet")


LIGHT_OF_PAYMENT_REASON = {
    PaymentReason.IDLE: Light.RED,
    PaymentReason.BEHIND_PROGRESS: Light.YELLOW,
    PaymentReason.ON_TRACK: Light.GREEN,
    PaymentReason.NOTHING_ARRIVED: Light.NONE,
}


def _sum_of_money(entries):
    total = entries.values("funding__project").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)


_ARRIVED = _Bound("arrived", MONEY)
_PAID = _Bound("paid", MONEY)
_FIRST_ARRIVAL = _Bound("first_arrival", models.DateField())
_PROGRESS = _Bound("progress", models.DecimalField(max_digits=5, decimal_places=2))


class ApprovalItemQuerySet(models.QuerySet):
    """Pre-construction approvals (前期手续)."""

    def unsettled(self):
        """Return the items neither obtained nor marked not applicable."""
        return self.exclude(status__in=ApprovalStatus.settled())

    def overdue_on(self, on: datetime.date):
        """Return the items still unsettled after their planned date, as of ``on``: the
        rule of ApprovalItem.is_overdue_on, behind the alerts, the pages and the briefing."""
        return self.unsettled().filter(planned_date__lt=on)

    def blocking_start(self):
        """Return the items that stop their project entering 在建: needed to start and
        unsettled (workflows.needs_approvals; ApprovalItem.blocks_start of one row)."""
        return self.unsettled().filter(needed_for_start=True)

    def as_of(self, day: datetime.date):
        """Return the items as they stood at the end of ``day``: those created later left
        out, ``status_then`` and ``planned_date_then`` read from each item's history (its
        latest version by then; an item without one, bulk-created, reads its values now).
        Two subqueries per row, one SQL query whatever the size (the briefing)."""
        end = start_of_next_day(day)
        versions = self.model.history.model.objects.filter(
            id=OuterRef("pk"), history_date__lt=end
        ).order_by("-history_date", "-history_id")
        known = Exists(versions)
        return self.filter(created_at__lt=end).annotate(
            status_then=Case(
                When(known, then=Subquery(versions.values("status")[:1])),
                default=F("status"),
            ),
            planned_date_then=Case(
                When(known, then=Subquery(versions.values("planned_date")[:1])),
                default=F("planned_date"),
            ),
        )

    def overdue_as_of(self, day: datetime.date):
        """Return the items unsettled after their planned date at the end of ``day``, as
        they stood then (as_of): the rule of overdue_on, on the day's values."""
        return (
            self.as_of(day)
            .exclude(status_then__in=ApprovalStatus.settled())
            .filter(planned_date_then__lt=day)
        )
