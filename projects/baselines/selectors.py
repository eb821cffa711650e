"""What the pages read of the plan baselines: the years and their baselines, a year's
projects with original, adjusted, live plan and actual side by side (one annotated query
whatever the size), and a project's own comparison for its page."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from ..choices import BaselineKind, ReportStatus
from ..models import AnnualPlan, PlanBaseline, PlanBaselineEntry, ProgressReport, Project
from ..querysets import MONEY, start_of_next_day
from ..selectors import cents

#: Rows per page of a year's comparison.
PAGE_SIZE = 50
#: No planned investment: below any real one (the plans' constraint keeps them ≥ 0), so a
#: plan or entry without an amount compares unequal to one with an amount, in SQL.
_NO_AMOUNT = Value(Decimal("-1.00"), output_field=MONEY)


@dataclass
class YearBaselines:
    """A plan year: its baselines (None when not frozen) and how many annual plans it has."""

    year: int
    original: PlanBaseline | None = None
    adjusted: PlanBaseline | None = None
    plans: int = 0

    @property
    def latest(self) -> PlanBaseline | None:
        """The baseline the live plan is measured against: the adjustment once frozen."""
        return self.adjusted or self.original

    @property
    def next_kind(self) -> str | None:
        """The baseline an administrator may freeze next for the year, None when both are."""
        if self.original is None:
            return BaselineKind.ORIGINAL
        if self.adjusted is None:
            return BaselineKind.ADJUSTED
        return None


def year_baselines(year: int, *, as_of: datetime.date | None = None) -> YearBaselines:
    """Return the baselines of ``year`` (only those frozen by the end of ``as_of`` when
    given: a briefing of a past month does not know of a later one)."""
    baselines = PlanBaseline.objects.filter(year=year).select_related("frozen_by")
    if as_of is not None:
        baselines = baselines.filter(frozen_at__lt=start_of_next_day(as_of))
    found = YearBaselines(year=year)
    for baseline in baselines:
        setattr(found, baseline.kind, baseline)
    return found


def plan_count(year: int) -> int:
    """Return how many annual plans ``year`` has: what a freeze would copy."""
    return AnnualPlan.objects.filter(year=year).count()


def baseline_years(*, on: datetime.date) -> list[YearBaselines]:
    """Return the years with annual plans or baselines, and the year of ``on``, newest
    first, each with its baselines (who froze them, when, why, how many entries)."""
    years: dict[int, YearBaselines] = {on.year: YearBaselines(year=on.year)}
    for row in AnnualPlan.objects.order_by().values("year").annotate(count=Count("pk")):
        years.setdefault(row["year"], YearBaselines(year=row["year"])).plans = row["count"]
    for baseline in PlanBaseline.objects.select_related("frozen_by").annotate(
        entry_count=Count("entries")
    ):
        year = years.setdefault(baseline.year, YearBaselines(year=baseline.year))
        setattr(year, baseline.kind, baseline)
    return [years[year] for year in sorted(years, reverse=True)]


def _entry_figure(baseline: PlanBaseline | None, name: str, output_field):
    if baseline is None:
        # Typed: PostgreSQL cannot subtract an untyped NULL.
        return Cast(Value(None), output_field=output_field)
    entries = PlanBaselineEntry.objects.filter(baseline=baseline, project=OuterRef("pk"))
    return Subquery(entries.order_by().values(name)[:1], output_field=output_field)


def _in_baseline(baseline: PlanBaseline | None):
    if baseline is None:
        return Value(False)
    return Exists(PlanBaselineEntry.objects.filter(baseline=baseline, project=OuterRef("pk")))


def _difference(minuend: str, subtrahend: str):
    return ExpressionWrapper(F(minuend) - F(subtrahend), output_field=MONEY)


def year_comparison(
    baselines: YearBaselines,
    *,
    through: datetime.date | None = None,
    projects: QuerySet | None = None,
) -> QuerySet:
    """Return the projects of the year of ``baselines`` (with an annual plan or an entry
    in one of them), annotated, one SQL query whatever the size:

    - ``original_investment`` / ``adjusted_investment``: the planned investment each
      baseline holds, NULL when the project is not in it (or the baseline not frozen);
      ``in_original`` / ``in_adjusted`` whether it is;
    - ``year_planned_investment``: the live plan's; ``has_plan`` whether there is one;
    - ``year_completed_investment``: the approved reports of the year (up to ``through``);
    - ``adjustment`` = adjusted − original, ``drift`` = live − the latest baseline
      (NULL when either side has no amount), and ``moved``: the live plan's investment is
      not the latest baseline's (a plan added, removed or with another amount; False
      before any baseline).
    """
    year = baselines.year
    latest = baselines.latest
    plans = AnnualPlan.objects.filter(project=OuterRef("pk"), year=year)
    in_year = Exists(plans)
    frozen = [baseline for baseline in (baselines.original, baselines.adjusted) if baseline]
    if frozen:
        in_year |= Exists(
            PlanBaselineEntry.objects.filter(baseline__in=frozen, project=OuterRef("pk"))
        )
    latest_field = "adjusted_investment" if baselines.adjusted else "original_investment"
    queryset = (
        (Project.objects.all() if projects is None else projects)
        .filter(in_year)
        .with_investment(
            year=year,
            through=through,
            select={"year_planned_investment", "year_completed_investment"},
        )
        .annotate(
            original_investment=_entry_figure(baselines.original, "planned_investment", MONEY),
            adjusted_investment=_entry_figure(baselines.adjusted, "planned_investment", MONEY),
            in_original=_in_baseline(baselines.original),
            in_adjusted=_in_baseline(baselines.adjusted),
            has_plan=Exists(plans),
        )
        .annotate(adjustment=_difference("adjusted_investment", "original_investment"))
    )
    if latest is None:
        return queryset.annotate(
            drift=Value(None, output_field=MONEY), moved=Value(False)
        ).select_related("responsible_unit")
    return (
        queryset.alias(
            live_or_none=Coalesce("year_planned_investment", _NO_AMOUNT),
            latest_or_none=Coalesce(latest_field, _NO_AMOUNT),
        )
        .annotate(
            drift=_difference("year_planned_investment", latest_field),
            moved=ExpressionWrapper(
                ~Q(live_or_none=F("latest_or_none")), output_field=BooleanField()
            ),
        )
        .select_related("responsible_unit")
    )


def moved_filter(queryset: QuerySet, baselines: YearBaselines) -> QuerySet:
    """Return the projects of a year_comparison() whose live plan moved from the latest
    baseline (none before any baseline)."""
    return queryset.filter(moved=True) if baselines.latest else queryset.none()


def comparison_totals(queryset: QuerySet) -> dict:
    """Return the sums of a year_comparison(), in 万元 with two decimals: original,
    adjusted, live plan, actual; a sum of nothing recorded is None (unknown, not zero)."""
    # The moved rows are summed as ones: an aggregate's filter cannot name an annotation
    # of the query it wraps.
    sums = (
        queryset.order_by()
        .annotate(moved_one=Case(When(moved=True, then=Value(1)), default=Value(0)))
        .aggregate(
            count=Count("pk"),
            moved=Sum("moved_one"),
            original=Sum("original_investment"),
            adjusted=Sum("adjusted_investment"),
            live=Sum("year_planned_investment"),
            actual=Sum("year_completed_investment"),
        )
    )
    totals = {name: cents(sums[name]) for name in ("original", "adjusted", "live", "actual")}
    totals["actual"] = totals["actual"] if totals["actual"] is not None else cents(Decimal(0))
    totals["adjustment"] = _minus(totals["adjusted"], totals["original"])
    totals["count"] = sums["count"]
    totals["moved"] = sums["moved"] or 0
    return totals


def _minus(left: Decimal | None, right: Decimal | None) -> Decimal | None:
    return None if left is None or right is None else left - right


# A project's own page -----------------------------------------------------------------


@dataclass
class ProjectYear:
    """One year of a project: what each baseline holds, the live plan and the actual."""

    year: int
    baselines: YearBaselines
    original: PlanBaselineEntry | None = None
    adjusted: PlanBaselineEntry | None = None
    plan: AnnualPlan | None = None
    actual: Decimal = field(default_factory=lambda: cents(Decimal(0)))

    @property
    def adjustment(self) -> Decimal | None:
        """adjusted − original, when both hold an amount."""
        return _minus(_amount(self.adjusted), _amount(self.original))

    @property
    def latest(self) -> PlanBaselineEntry | None:
        return self.adjusted if self.baselines.adjusted else self.original

    @property
    def drift(self) -> Decimal | None:
        """live − the latest baseline, when both hold an amount."""
        return _minus(_amount(self.plan), _amount(self.latest))

    @property
    def moved(self) -> bool:
        """The live plan's investment is not the latest baseline's."""
        if self.baselines.latest is None:
            return False
        return _amount(self.plan) != _amount(self.latest)

    @property
    def goals_moved(self) -> bool:
        """The live plan's physical goals are not the latest baseline's."""
        if self.baselines.latest is None:
            return False
        return _goals(self.plan) != _goals(self.latest)


def _amount(row) -> Decimal | None:
    return None if row is None else row.planned_investment


def _goals(row) -> str:
    return "" if row is None else row.physical_goals


def project_baselines(project, *, user, on) -> list[ProjectYear] | None:
    """Return the year of ``on`` and the year before for ``project``, each with its
    baselines' entries, live plan and actual (four queries), leaving out a year with
    neither a baseline nor a plan; None when neither year has one."""
    years = [on.year, on.year - 1]
    baselines = {year: YearBaselines(year=year) for year in years}
    for baseline in PlanBaseline.objects.filter(year__in=years):
        setattr(baselines[baseline.year], baseline.kind, baseline)
    rows = {year: ProjectYear(year=year, baselines=baselines[year]) for year in years}
    for entry in PlanBaselineEntry.objects.filter(
        project=project, baseline__year__in=years
    ).select_related("baseline"):
        setattr(rows[entry.baseline.year], entry.baseline.kind, entry)
    for plan in AnnualPlan.objects.filter(project=project, year__in=years):
        rows[plan.year].plan = plan
    for row in (
        ProgressReport.objects.filter(
            project=project,
            status=ReportStatus.APPROVED,
            month__gte=datetime.date(min(years), 1, 1),
            month__lt=datetime.date(max(years) + 1, 1, 1),
        )
        .order_by()
        .values("month__year")
        .annotate(total=Sum("investment_completed"))
    ):
        rows[row["month__year"]].actual = cents(row["total"])
    shown = [
        row for row in rows.values() if row.plan is not None or row.baselines.latest is not None
    ]
    return shown or None
