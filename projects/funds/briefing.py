"""The briefing's 资金 section and its sheet: the town's money by source as of the
briefing's day (allocated / arrived / paid / rate), the amount paid in the month, the
bridging funds' spending rate (衔接资金支出率) beside the work report's, and the projects
whose money is idle (资金沉淀)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl.styles import Font

from shanwang.formatting import XLSX_SHARE
from shanwang.spreadsheets.files import Column, add_table

from ..models import Project, TrafficLightThresholds
from ..querysets import PaymentReason
from . import selectors

#: How many idle-funds projects the briefing lists (their count is given in full).
IDLE_LISTED = 50


@dataclass
class FundsSection:
    """The 资金 section of the briefing of ``month`` as of ``as_of``."""

    month: datetime.date
    as_of: datetime.date
    sources: list[selectors.SourceTotals]
    totals: selectors.Figures
    month_paid: Decimal
    bridging: selectors.BridgingRate
    idle: list[Project]
    idle_count: int
    behind_count: int
    thresholds: TrafficLightThresholds


def section(*, month, as_of) -> FundsSection:
    """Return the 资金 section of the briefing of ``month`` (its first day) as of
    ``as_of``: the figures count the entries dated up to ``as_of``."""
    thresholds = TrafficLightThresholds.current()
    sources = selectors.totals_by_source(on=as_of)
    town = selectors.town_money(on=as_of, month=month, thresholds=thresholds)
    idle = selectors.projects_by_payment_reason(PaymentReason.IDLE, on=as_of, thresholds=thresholds)
    return FundsSection(
        month=month,
        as_of=as_of,
        sources=sources,
        totals=selectors.sum_of(sources),
        month_paid=town.month_paid,
        bridging=town.bridging,
        idle=list(idle[:IDLE_LISTED]),
        idle_count=town.idle_count,
        behind_count=town.behind_count,
        thresholds=thresholds,
    )


def sheet(workbook, briefing) -> None:
    """Add the 资金 sheet: the sources' figures with the total, then the month's payments,
    the bridging funds' rate and the idle-funds projects under it."""
    funds: FundsSection | None = briefing.funds
    if funds is None:
        return
    columns = [
        Column(_("funding source"), width=28),
        Column(_("planned (10k yuan)"), kind="amount", width=16),
        Column(_("allocated (10k yuan)"), kind="amount", width=16),
        Column(_("arrived (10k yuan)"), kind="amount", width=16),
        Column(_("paid (10k yuan)"), kind="amount", width=16),
        Column(_("payment rate"), kind="number", width=12),
    ]
    rows = [
        (
            row.source.name,
            row.planned,
            row.figures.allocated,
            row.figures.arrived,
            row.figures.paid,
            row.figures.payment_rate,
        )
        for row in funds.sources
    ]
    totals = funds.totals
    rows.append(
        (_("Total"), None, totals.allocated, totals.arrived, totals.paid, totals.payment_rate)
    )
    bridging = funds.bridging
    rows += [
        (),
        (_("Paid in the month (10k yuan)"), None, None, None, funds.month_paid, None),
        (
            _("Bridging funds spending rate %(year)d") % {"year": bridging.year},
            None,
            None,
            bridging.figures.arrived,
            bridging.figures.paid,
            bridging.rate,
        ),
    ]
    if bridging.reported is not None:
        rows.append(
            (
                _("Work report, %(year)d: %(value)s%%")
                % {"year": bridging.reported.year, "value": bridging.reported.value.normalize()}
                + f" · {bridging.reported.source_note}",
            )
        )
    rows += [
        (),
        (_("Projects with idle funds: %(count)d") % {"count": funds.idle_count},),
        *(
            (
                project.name,
                None,
                project.money_allocated,
                project.money_arrived,
                project.money_paid,
                project.payment_rate,
            )
            for project in funds.idle
        ),
    ]
    table = add_table(workbook, _("Funds"), columns, rows)
    for row in range(2, table.max_row + 1):
        table.cell(row=row, column=6).number_format = XLSX_SHARE
    table.cell(row=len(funds.sources) + 2, column=1).font = Font(bold=True)
