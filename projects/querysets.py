"""The portfolio's computed figures, each defined once as a queryset annotation.

Every figure is computed in SQL through correlated subqueries, so annotations compose
without multiplying rows, and a page costs the same number of queries at 10 projects
as at 10,000. Amounts are in 万元. Shares are fractions (0.5 = 50 %); gaps are in
percentage points.
"""

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.utils.translation import gettext_lazy as _

from shanwang.db_functions import DaysBetween

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
    """Why a project has its light; each reason belongs to exactly one light."""

    FAR_BEHIND = "far_behind", _("far behind schedule pace")
    MILESTONE_FAR_OVERDUE = "milestone_far_overdue", _("a milestone is long overdue")
    BEHIND = "behind", _("behind schedule pace")
    MILESTONE_OVERDUE = "milestone_overdue", _("a milestone is overdue")
    ON_PACE = "on_pace", _("on or ahead of schedule pace")
    NO_BASIS = "no_basis", _("no plan or investment to measure pace against")
    INACTIVE = "inactive", _("not in an active stage")


LIGHT_OF_REASON = {
    LightReason.FAR_BEHIND: Light.RED,
    LightReason.MILESTONE_FAR_OVERDUE: Light.RED,
    LightReason.BEHIND: Light.YELLOW,
    LightReason.MILESTONE_OVERDUE: Light.YELLOW,
    LightReason.ON_PACE: Light.GREEN,
    LightReason.NO_BASIS: Light.NONE,
    LightReason.INACTIVE: Light.NONE,
}


def elapsed_share_of_year(on: datetime.date) -> float:
    """Return the share of ``on``'s year that has elapsed by the end of day ``on``.

    share = (day of the year of ``on``) / (days in the year: 365, or 366 in a leap year)
    """
    year_start = datetime.date(on.year, 1, 1)
    days_in_year = (datetime.date(on.year + 1, 1, 1) - year_start).days
    return ((on - year_start).days + 1) / days_in_year


def _as_float(expression):
    return Cast(expression, FloatField())


class ProjectQuerySet(models.QuerySet):
    def managed_by(self, user):
        """Return the projects ``user`` answers for: as contact person or through a unit.

        The SQL form of the ``manages_project`` rule in projects/rules.py.
        """
        from .rules import responsible_unit_ids

        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(contact_person=user) | Q(responsible_unit__in=responsible_unit_ids(user))
        )

    def editable_by(self, user):
        """Return the projects ``user`` may change (the ``can_edit_project`` rule)."""
        from .rules import can_edit_any_project, is_staff_member

        if can_edit_any_project(user):
            return self
        if is_staff_member(user):
            return self.managed_by(user)
        return self.none()

    def with_investment(self, *, year: int):
        """Annotate the investment figures of ``year``.

        - ``cumulative_investment`` = Σ investment completed in approved reports, all months;
        - ``year_completed_investment`` = the same sum over the months of ``year``;
        - ``year_planned_investment`` = the annual plan's planned investment for ``year``,
          NULL when the project has no plan for that year;
        - ``year_completed_share`` = completed / planned this year, NULL without a plan
          with a planned investment above zero.
        Only approved reports count: a draft or returned figure is not official.
        """
        from .models import AnnualPlan, ProgressReport

        approved = ProgressReport.objects.filter(
            project=OuterRef("pk"), status=ProgressReport.Status.APPROVED
        )
        this_year = approved.filter(
            month__gte=datetime.date(year, 1, 1), month__lt=datetime.date(year + 1, 1, 1)
        )
        plan = AnnualPlan.objects.filter(project=OuterRef("pk"), year=year)
        return self.annotate(
            cumulative_investment=_sum_of_investment(approved),
            year_completed_investment=_sum_of_investment(this_year),
            year_planned_investment=Subquery(plan.values("planned_investment")[:1]),
        ).annotate(
            year_completed_share=Case(
                When(
                    year_planned_investment__gt=0,
                    then=_as_float("year_completed_investment")
                    / _as_float("year_planned_investment"),
                ),
                default=Value(None),
                output_field=FloatField(),
            )
        )

    def with_schedule_pace(self, *, on: datetime.date):
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
        than planned has been spent.
        """
        annual = Q(year_planned_investment__gt=0)
        duration = Q(
            planned_start__isnull=False,
            planned_completion__isnull=False,
            total_investment__gt=0,
        )
        days_done = DaysBetween("planned_start", on) + 1
        days_planned = DaysBetween("planned_start", "planned_completion") + 1
        duration_elapsed = Greatest(
            Value(0.0), Least(Value(1.0), _as_float(days_done) / _as_float(days_planned))
        )
        return (
            self.with_investment(year=on.year)
            .annotate(
                pace_basis=Case(
                    When(annual, then=Value(PaceBasis.ANNUAL_PLAN.value)),
                    When(duration, then=Value(PaceBasis.PLANNED_DURATION.value)),
                    default=Value(None),
                    output_field=models.CharField(),
                ),
                pace_elapsed_share=Case(
                    When(annual, then=Value(elapsed_share_of_year(on))),
                    When(duration, then=duration_elapsed),
                    default=Value(None),
                    output_field=FloatField(),
                ),
                pace_completed_share=Case(
                    When(
                        annual,
                        then=_as_float("year_completed_investment")
                        / _as_float("year_planned_investment"),
                    ),
                    When(
                        duration,
                        then=_as_float("cumulative_investment") / _as_float("total_investment"),
                    ),
                    default=Value(None),
                    output_field=FloatField(),
                ),
            )
            .annotate(pace_gap_points=(F("pace_completed_share") - F("pace_elapsed_share")) * 100.0)
        )

    def with_milestone_summary(self, *, on: datetime.date):
        """Annotate overdue and next milestones as of day ``on``.

        - ``overdue_milestone_count``: milestones not completed whose due date is before ``on``;
        - ``oldest_overdue_title`` / ``oldest_overdue_due`` / ``max_days_overdue``: the
          longest-overdue one, and ``on`` minus its due date in days;
        - ``next_milestone_title`` / ``next_milestone_due``: the first milestone not
          completed that is due on or after ``on``.
        """
        from .models import Milestone

        open_milestones = Milestone.objects.filter(
            project=OuterRef("pk"), completed_on__isnull=True
        ).order_by("due_date", "pk")
        overdue = open_milestones.filter(due_date__lt=on)
        upcoming = open_milestones.filter(due_date__gte=on)
        overdue_count = (
            overdue.order_by().values("project").annotate(count=Count("pk")).values("count")
        )
        return self.annotate(
            overdue_milestone_count=Coalesce(Subquery(overdue_count), Value(0)),
            oldest_overdue_title=Subquery(overdue.values("title")[:1]),
            oldest_overdue_due=Subquery(overdue.values("due_date")[:1]),
            max_days_overdue=DaysBetween("oldest_overdue_due", on),
            next_milestone_title=Subquery(upcoming.values("title")[:1]),
            next_milestone_due=Subquery(upcoming.values("due_date")[:1]),
        )

    def with_traffic_light(self, *, on: datetime.date, thresholds=None):
        """Annotate ``light`` and ``light_reason`` (红黄绿灯预警) as of day ``on``.

        Only projects in an active stage (preliminary, under construction) get a light.
        With Y, R the points-behind thresholds and D the overdue-days threshold
        (admin-editable, defaults 10, 30 and 30), the first rule that holds wins:
        red — more than R points behind pace, or a milestone more than D days overdue;
        yellow — Y to R points behind, or any milestone overdue;
        green — pace known and less than Y points behind;
        none — no pace basis (no plan, no investment) and nothing overdue.
        """
        from .models import Project, TrafficLightThresholds

        thresholds = thresholds or TrafficLightThresholds.current()
        red_gap = -(thresholds.red_points_behind + _EPSILON)
        yellow_gap = -(thresholds.yellow_points_behind - _EPSILON)
        reason = Case(
            When(~Q(stage__in=Project.ACTIVE_STAGES), then=Value(LightReason.INACTIVE.value)),
            When(pace_gap_points__lt=red_gap, then=Value(LightReason.FAR_BEHIND.value)),
            When(
                max_days_overdue__gt=thresholds.red_days_overdue,
                then=Value(LightReason.MILESTONE_FAR_OVERDUE.value),
            ),
            When(pace_gap_points__lte=yellow_gap, then=Value(LightReason.BEHIND.value)),
            When(overdue_milestone_count__gt=0, then=Value(LightReason.MILESTONE_OVERDUE.value)),
            When(pace_gap_points__isnull=False, then=Value(LightReason.ON_PACE.value)),
            default=Value(LightReason.NO_BASIS.value),
            output_field=models.CharField(),
        )
        light = Case(
            *(
                When(light_reason=reason_value, then=Value(light_value.value))
                for reason_value, light_value in LIGHT_OF_REASON.items()
            ),
            output_field=models.CharField(),
        )
        return (
            self.with_schedule_pace(on=on)
            .with_milestone_summary(on=on)
            .annotate(light_reason=reason)
            .annotate(light=light)
        )


def _sum_of_investment(reports):
    total = reports.order_by().values("project").annotate(total=Sum("investment_completed"))
    return Coalesce(
        Subquery(total.values("total"), output_field=MONEY),
        Value(Decimal("0.00")),
        output_field=MONEY,
    )
