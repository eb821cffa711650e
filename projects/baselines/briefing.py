"""The briefing's baseline section (original, adjusted, live plan and actual of the year,
and the projects whose live plan moved from the latest baseline), its 计划基线 sheet, and
the workbook of a year's comparison (the page's export)."""

import datetime
from dataclasses import dataclass

from django.db.models import F
from django.db.models.functions import Abs
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from shanwang.people import person_name
from shanwang.spreadsheets.files import Column, add_table, new_workbook, workbook_bytes

from ..models import Project
from . import selectors
from .selectors import YearBaselines

#: How many moved plans the briefing's page and PDF list (the sheet lists every one).
MOVED_SHOWN = 30


@dataclass
class BaselineSection:
    """The year's plan as frozen and as it stands, as of the briefing's day."""

    year: int
    baselines: YearBaselines
    #: comparison_totals(): original, adjusted, adjustment, live, actual, count, moved.
    totals: dict
    #: The projects whose live plan is not the latest baseline's, the largest moves first
    #: (the first MOVED_SHOWN; totals["moved"] counts them all).
    moved: list[Project]
    #: All of them, for the sheet (a queryset, read when the sheet is written).
    moved_rows: object = None

    @property
    def moved_not_shown(self) -> int:
        return self.totals["moved"] - len(self.moved)


def section(*, month: datetime.date, as_of: datetime.date) -> BaselineSection:
    """Return the baseline section of the briefing of ``month`` as of ``as_of``: the
    baselines frozen by then, the projects recorded by then, the reports up to then; the
    live plan as it stands now (its history is not read back)."""
    baselines = selectors.year_baselines(month.year, as_of=as_of)
    rows = selectors.year_comparison(
        baselines, through=as_of, projects=Project.objects.existing_on(as_of)
    )
    totals = selectors.comparison_totals(rows)
    moved = moved_first(selectors.moved_filter(rows, baselines))
    return BaselineSection(
        year=month.year,
        baselines=baselines,
        totals=totals,
        moved=list(moved[:MOVED_SHOWN]) if totals["moved"] else [],
        moved_rows=moved,
    )


def moved_first(rows):
    """Order comparison rows by the size of the move, plans added or removed first."""
    return rows.order_by(Abs(F("drift")).desc(nulls_first=True), "name", "pk")


def _columns() -> list[Column]:
    return [
        Column(_("project"), width=36),
        Column(_("responsible unit"), width=20),
        Column(_("original plan (10k yuan)"), kind="amount", width=16),
        Column(_("mid-year adjustment (10k yuan)"), kind="amount", width=16),
        Column(_("adjusted − original (10k yuan)"), kind="amount", width=16),
        Column(_("live plan (10k yuan)"), kind="amount", width=16),
        Column(_("live − latest baseline (10k yuan)"), kind="amount", width=16),
        Column(_("completed this year (10k yuan)"), kind="amount", width=16),
    ]


def _row(project) -> tuple:
    return (
        project.name,
        str(project.responsible_unit or ""),
        project.original_investment,
        project.adjusted_investment,
        project.adjustment,
        project.year_planned_investment,
        project.drift,
        project.year_completed_investment,
    )


def _total_row(totals: dict) -> tuple:
    return (
        _("Total, %(count)d projects of the year") % {"count": totals["count"]},
        "",
        totals["original"],
        totals["adjusted"],
        totals["adjustment"],
        totals["live"],
        None,
        totals["actual"],
    )


def baselines_note(baselines: YearBaselines) -> str:
    """Say which baselines of the year there are: who froze them, when."""
    parts = []
    for baseline in (baselines.original, baselines.adjusted):
        if baseline is not None:
            parts.append(
                _("%(baseline)s frozen on %(date)s by %(person)s")
                % {
                    "baseline": baseline.get_kind_display(),
                    "date": date_format(baseline.frozen_at.date(), "Y-m-d"),
                    "person": person_name(baseline.frozen_by),
                }
            )
    if not parts:
        return _("No baseline of %(year)d has been frozen yet.") % {"year": baselines.year}
    return "; ".join(parts)


def _sheet_title(text: str) -> str:
    # Excel allows none of []:*?/\ in a sheet's name.
    return "".join(" " if character in "[]:*?/\\" else character for character in text)


def sheet(workbook, briefing) -> None:
    """Add the 计划基线 sheet: the projects whose plan moved, then the year's totals."""
    found = briefing.baselines
    if found is None:
        return
    rows = [
        *(_row(project) for project in found.moved_rows.iterator(chunk_size=2000)),
        _total_row(found.totals),
    ]
    _add_comparison(
        workbook,
        _("Plan baselines"),
        rows,
        note=f"{found.year}: {baselines_note(found.baselines)}",
    )


def year_workbook(baselines: YearBaselines, rows, totals: dict) -> bytes:
    """Return a year's comparison (every project of ``rows``, then the totals) as .xlsx."""
    workbook = new_workbook()
    _add_comparison(
        workbook,
        _("Plan baselines %(year)d") % {"year": baselines.year},
        [*(_row(project) for project in rows.iterator(chunk_size=2000)), _total_row(totals)],
        note=baselines_note(baselines),
    )
    return workbook_bytes(workbook)


def _add_comparison(workbook, title: str, rows: list[tuple], *, note: str) -> None:
    """Add the sheet of comparison ``rows`` (the last one the totals, in bold) under its
    note and header."""
    columns = _columns()
    sheet = add_table(workbook, _sheet_title(title), columns, rows, note=note)
    # Counted, not sheet.max_row, which scans every cell (slow at 10,000 rows).
    last = len(rows) + 2
    for column in range(1, len(columns) + 1):
        sheet.cell(row=last, column=column).font = Font(bold=True)
