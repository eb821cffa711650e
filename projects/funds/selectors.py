"""What the pages read of a project's money (资金): per funding source the planned amount
and the allocated (下达), arrived (到位) and paid (支付) sums as of a day, the project's
payment rate and its light (ProjectQuerySet.with_money), the entries, the paid amounts
by month, the town's totals by source, the bridging funds' spending rate (衔接资金支出率)
and the projects whose money is idle or behind the progress. Every sum is computed in
SQL and every page costs the same number of queries whatever the portfolio's size."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..choices import FundEntryKind
from ..models import (
    FundEntry,
    Funding,
    FundingSource,
    IndicatorValue,
    Project,
    TrafficLightThresholds,
)
from ..querysets import Light, PaymentReason
from ..rules import may
from ..selectors import cents

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")
#: The indicator of the work report's bridging funds' spending rate (report_data.py).
BRIDGING_INDICATOR = "bridging_funds_spending_rate"
#: How many projects a list of idle or behind projects shows on the overview.
LIST_LENGTH = 100


def money(value) -> Decimal:
    """Return a sum as SQL returned it (SQLite: a float) as a Decimal in 万元, two places;
    zero for a sum of no entries."""
    return ZERO if value is None else cents(value)


def rate(paid: Decimal, arrived: Decimal) -> float | None:
    """Return the payment rate (支出率) paid / arrived as a share; None when nothing arrived:
    the rule of ProjectQuerySet.with_money's ``payment_rate``, for sums read in Python."""
    return float(paid / arrived) if arrived > 0 else None


@dataclass(frozen=True)
class Figures:
    """Allocated, arrived and paid (万元) with the rate and the notes on their order: the
    order allocated ≥ arrived ≥ paid is not forced, only pointed out."""

    allocated: Decimal
    arrived: Decimal
    paid: Decimal

    @property
    def payment_rate(self) -> float | None:
        return rate(self.paid, self.arrived)

    @property
    def paid_beyond_arrived(self) -> bool:
        return self.paid > self.arrived

    @property
    def arrived_beyond_allocated(self) -> bool:
        return self.arrived > self.allocated


def _figures(row: dict, prefix: str = "") -> Figures:
    return Figures(
        allocated=money(row[f"{prefix}allocated"]),
        arrived=money(row[f"{prefix}arrived"]),
        paid=money(row[f"{prefix}paid"]),
    )


def _sums(prefix: str = "", condition: Q | None = None) -> dict:
    """Return the Sum aggregates of the three kinds (optionally under ``condition``)."""
    condition = condition or Q()
    return {
        f"{prefix}{kind.value}": Sum("amount", filter=condition & Q(kind=kind))
        for kind in FundEntryKind
    }


def _entry_sum(kind: str, on: datetime.date, *, of: str = "funding"):
    """Return the sum of the entries of ``kind`` dated up to ``on`` of the row ``of``
    names (``funding``, or ``funding__source``), zero without any, as a subquery."""
    total = (
        FundEntry.objects.filter(**{of: OuterRef("pk")}, kind=kind, date__lte=on)
        .order_by()
        .values(of)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)


@dataclass(frozen=True)
class SourceRow:
    """One funding row of a project: its source, planned amount and figures."""

    funding: Funding
    figures: Figures


@dataclass
class ProjectFunds:
    """The money section of a project's page and of its funds page."""

    project: Project
    on: datetime.date
    rows: list[SourceRow]
    totals: Figures
    planned: Decimal | None
    payment_rate: float | None
    payment_light: str
    payment_light_reason: str
    physical_progress: Decimal | None
    first_arrival: datetime.date | None
    may_edit: bool

    @property
    def payment_light_display(self) -> str:
        return Light(self.payment_light).label

    @property
    def payment_light_reason_display(self) -> str:
        return PaymentReason(self.payment_light_reason).label


def funding_rows(project, *, on: datetime.date):
    """Return the project's funding rows with their source and their sums up to ``on``
    (``allocated``, ``arrived``, ``paid``), in one query."""
    return (
        Funding.objects.filter(project=project)
        .select_related("source")
        .annotate(
            allocated=_entry_sum(FundEntryKind.ALLOCATED, on),
            arrived=_entry_sum(FundEntryKind.ARRIVED, on),
            paid=_entry_sum(FundEntryKind.PAID, on),
        )
        .order_by("source__name", "pk")
    )


def project_funds(project, *, user, on):
    """Return the money of ``project`` as of ``on``: each funding row with its figures,
    the totals, the payment rate and its light, the physical progress beside it. Three
    queries whatever the size of the portfolio."""
    rows = [
        SourceRow(funding=funding, figures=_figures(vars(funding)))
        for funding in funding_rows(project, on=on)
    ]
    figures = (
        Project.objects.filter(pk=project.pk)
        .with_money(on=on)
        .values(
            "money_allocated",
            "money_arrived",
            "money_paid",
            "payment_rate",
            "payment_light",
            "payment_light_reason",
            "money_physical_progress",
            "first_arrival",
        )
        .get()
    )
    planned_amounts = [row.funding.amount for row in rows if row.funding.amount is not None]
    return ProjectFunds(
        project=project,
        on=on,
        rows=rows,
        totals=Figures(
            allocated=money(figures["money_allocated"]),
            arrived=money(figures["money_arrived"]),
            paid=money(figures["money_paid"]),
        ),
        planned=sum(planned_amounts, ZERO) if planned_amounts else None,
        payment_rate=figures["payment_rate"],
        payment_light=figures["payment_light"],
        payment_light_reason=figures["payment_light_reason"],
        physical_progress=figures["money_physical_progress"],
        first_arrival=figures["first_arrival"],
        may_edit=may(user, "projects.change_project", project),
    )


def project_entries(project):
    """Return the entries of ``project``, by source, then date."""
    return (
        FundEntry.objects.filter(funding__project=project)
        .select_related("funding__source", "recorded_by")
        .order_by("funding__source__name", "date", "kind", "pk")
    )


@dataclass(frozen=True)
class MonthPaid:
    month: datetime.date
    paid: Decimal


def paid_by_month(*, year: int, project=None, bridging: bool = False) -> list[MonthPaid]:
    """Return the amounts paid in each month of ``year`` (12 rows, zero where nothing was
    paid): of ``project``, or of the whole town; ``bridging`` counts only the sources
    flagged as bridging funds. One query."""
    entries = FundEntry.objects.filter(
        kind=FundEntryKind.PAID,
        date__gte=datetime.date(year, 1, 1),
        date__lt=datetime.date(year + 1, 1, 1),
    )
    if project is not None:
        entries = entries.filter(funding__project=project)
    if bridging:
        entries = entries.filter(funding__source__is_bridging_fund=True)
    sums = entries.aggregate(
        **{
            f"m{month}": Sum(
                "amount",
                filter=Q(
                    date__gte=datetime.date(year, month, 1),
                    date__lt=datetime.date(year + (month == 12), month % 12 + 1, 1),
                ),
            )
            for month in range(1, 13)
        }
    )
    return [
        MonthPaid(month=datetime.date(year, month, 1), paid=money(sums[f"m{month}"]))
        for month in range(1, 13)
    ]


@dataclass(frozen=True)
class SourceTotals:
    """The town's money of one funding source."""

    source: FundingSource
    planned: Decimal | None
    figures: Figures


def totals_by_source(*, on: datetime.date) -> list[SourceTotals]:
    """Return every funding source with money or a funding row, with the town's planned
    amount (Σ Funding.amount) and its allocated / arrived / paid up to ``on``. One query."""
    planned = (
        Funding.objects.filter(source=OuterRef("pk"))
        .order_by()
        .values("source")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    sources = (
        # Exists, not a join: the sums run once per source, not once per funding row.
        FundingSource.objects.filter(Exists(Funding.objects.filter(source=OuterRef("pk"))))
        .annotate(
            planned=Subquery(planned, output_field=MONEY),
            allocated=_entry_sum(FundEntryKind.ALLOCATED, on, of="funding__source"),
            arrived=_entry_sum(FundEntryKind.ARRIVED, on, of="funding__source"),
            paid=_entry_sum(FundEntryKind.PAID, on, of="funding__source"),
        )
        .order_by("name")
    )
    return [
        SourceTotals(
            source=source,
            planned=None if source.planned is None else money(source.planned),
            figures=_figures(vars(source)),
        )
        for source in sources
    ]


def sum_of(rows: list[SourceTotals]) -> Figures:
    """Return the town's total over the sources' totals."""
    return Figures(
        allocated=sum((row.figures.allocated for row in rows), ZERO),
        arrived=sum((row.figures.arrived for row in rows), ZERO),
        paid=sum((row.figures.paid for row in rows), ZERO),
    )


def projects_by_payment_reason(reason: str, *, on: datetime.date, thresholds=None):
    """Return the projects whose payment light has ``reason`` on ``on`` (idle funds,
    progress ahead of the money) with their figures, the lowest rate first."""
    return (
        Project.objects.existing_on(on)
        .with_money(on=on, thresholds=thresholds)
        .filter(payment_light_reason=reason)
        .select_related("responsible_unit", "contact_person")
        .order_by("payment_rate", "name")
    )


@dataclass(frozen=True)
class BridgingRate:
    """The bridging funds' spending rate (衔接资金支出率): live for ``year`` as of a day,
    and the work report's own figure with its source."""

    year: int
    figures: Figures
    reported: IndicatorValue | None

    @property
    def rate(self) -> float | None:
        return self.figures.payment_rate


def reported_bridging_rate() -> IndicatorValue | None:
    """Return the latest actual of the report's bridging-funds spending rate, or None."""
    return (
        IndicatorValue.objects.filter(
            indicator__code=BRIDGING_INDICATOR, value_kind=IndicatorValue.ValueKind.ACTUAL
        )
        .select_related("indicator")
        .order_by("-year")
        .first()
    )


def bridging_condition(year: int, on: datetime.date) -> Q:
    """The entries of the bridging funds dated in ``year`` up to ``on``."""
    return Q(
        funding__source__is_bridging_fund=True,
        date__gte=datetime.date(year, 1, 1),
        date__lte=min(on, datetime.date(year, 12, 31)),
    )


@dataclass
class TownMoney:
    """The town's money at a glance (the dashboard and the overview)."""

    on: datetime.date
    year: Figures
    all_time: Figures
    bridging: BridgingRate
    idle_count: int
    behind_count: int
    month_paid: Decimal = ZERO
    sources: list = field(default_factory=list)


def town_money(
    *, on: datetime.date, month: datetime.date | None = None, thresholds=None
) -> TownMoney:
    """Return the town's allocated / arrived / paid up to ``on``, this year's and in all,
    the bridging funds' rate of ``on``'s year beside the report's, the number of projects
    with idle funds and with progress ahead of the money, and (with ``month``, its first
    day) the amount paid in that month. Three queries."""
    year_start = datetime.date(on.year, 1, 1)
    month_paid = {}
    if month is not None:
        next_month = datetime.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        month_paid["month_paid"] = Sum(
            "amount", filter=Q(date__gte=month, date__lt=next_month, kind=FundEntryKind.PAID)
        )
    sums = FundEntry.objects.filter(date__lte=on).aggregate(
        **_sums(),
        **_sums("year_", Q(date__gte=year_start)),
        **_sums("bridging_", bridging_condition(on.year, on)),
        **month_paid,
    )
    counts = (
        Project.objects.existing_on(on)
        .with_money(on=on, thresholds=thresholds, select=())
        .aggregate(
            idle=Count("pk", filter=Q(payment_light_reason=PaymentReason.IDLE)),
            behind=Count("pk", filter=Q(payment_light_reason=PaymentReason.BEHIND_PROGRESS)),
        )
    )
    return TownMoney(
        on=on,
        year=_figures(sums, "year_"),
        all_time=_figures(sums),
        bridging=BridgingRate(
            year=on.year, figures=_figures(sums, "bridging_"), reported=reported_bridging_rate()
        ),
        idle_count=counts["idle"],
        behind_count=counts["behind"],
        month_paid=money(sums.get("month_paid")),
    )


def dashboard_money(*, user, on):
    """Return the dashboard's money row: the town's figures (every role reads them)."""
    return town_money(on=on)


@dataclass
class FundOverview:
    """The town-wide funds page (/funds/)."""

    money: TownMoney
    sources: list[SourceTotals]
    totals: Figures
    idle: list[Project]
    behind: list[Project]
    months: list[MonthPaid]
    thresholds: TrafficLightThresholds


def fund_overview(*, on: datetime.date) -> FundOverview:
    """Return the town-wide funds page: totals by source, the projects with idle funds and
    with progress ahead of the money (the first LIST_LENGTH of each), the town's paid
    amounts by month of the year. Constant queries whatever the size."""
    sources = totals_by_source(on=on)
    thresholds = TrafficLightThresholds.current()
    lists = {
        reason: list(projects_by_payment_reason(reason, on=on, thresholds=thresholds)[:LIST_LENGTH])
        for reason in (PaymentReason.IDLE, PaymentReason.BEHIND_PROGRESS)
    }
    return FundOverview(
        money=town_money(on=on, thresholds=thresholds),
        sources=sources,
        totals=sum_of(sources),
        idle=lists[PaymentReason.IDLE],
        behind=lists[PaymentReason.BEHIND_PROGRESS],
        months=paid_by_month(year=on.year),
        thresholds=thresholds,
    )
