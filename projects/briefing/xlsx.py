"""The monthly briefing as an Excel workbook: one sheet per part, written with the
project's table helper (amounts in 万元 as numbers with thousands separators and two
decimals, dates as dates, every text cell inert), plus shares in percent and points with
one decimal: the number formats of shanwang/formatting.py, so that a cell shows what the
page does while it stays a number."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font

from shanwang.formatting import (
    XLSX_AMOUNT,
    XLSX_COUNT,
    XLSX_DATE,
    XLSX_MONTH,
    XLSX_POINTS,
    XLSX_SHARE,
)
from shanwang.people import person_name
from shanwang.spreadsheets.files import (
    XLSX_TYPE,
    Column,
    add_table,
    inert,
    new_workbook,
    workbook_bytes,
)

from .. import glossary
from ..approvals import briefing as approvals_briefing
from ..baselines import briefing as baselines_briefing
from ..funds import briefing as funds_briefing
from ..seeding import demo
from .figures import Briefing

#: A score out of 100, with one decimal (not signed, unlike points ahead or behind).
XLSX_SCORE = "0.0"

__all__ = ["XLSX_TYPE", "briefing_filename", "briefing_workbook", "workbook_attachment"]


def briefing_filename(briefing: Briefing, extension: str) -> str:
    """Return the file name of the briefing's workbook or PDF, e.g. 项目调度月报-2024-05.xlsx
    (项目调度月报-2024-05-演示数据.xlsx while demo records exist)."""
    return demo.marked_file_name(f"{_('Project briefing')}-{briefing.month:%Y-%m}.{extension}")


def workbook_attachment(briefing: Briefing) -> tuple[str, bytes, str]:
    """Return the briefing's workbook as an email attachment: name, content, type."""
    return briefing_filename(briefing, "xlsx"), briefing_workbook(briefing), XLSX_TYPE


def briefing_workbook(briefing: Briefing) -> bytes:
    """Return the briefing as an .xlsx file, in the active language."""
    workbook = new_workbook()
    for write in (
        _summary_sheet,
        _stage_sheet,
        _registered_sheet,
        _ranking_sheet,
        _assessment_sheet,
        baselines_briefing.sheet,
        approvals_briefing.sheet,
        funds_briefing.sheet,
        _attention_sheet,
        _milestone_sheet,
        _missing_sheet,
        _income_sheet,
        _glossary_sheet,
    ):
        write(workbook, briefing)
    demo.mark_workbook(workbook)
    return workbook_bytes(workbook)


def _sheet_title(text: str) -> str:
    # Excel allows none of []:*?/\ in a sheet's name (add_table cuts it to 31 characters).
    return "".join(" " if character in "[]:*?/\\" else character for character in text)


def _format_columns(sheet, formats: dict[int, str], rows: int) -> None:
    """Give the data cells of the numbered columns a number format (the header is row 1)."""
    for column, number_format in formats.items():
        for row in range(2, rows + 2):
            sheet.cell(row=row, column=column).number_format = number_format


def _bold_last_row(sheet, columns: int) -> None:
    for column in range(1, columns + 1):
        sheet.cell(row=sheet.max_row, column=column).font = Font(bold=True)


def _total_investment_label(totals) -> str:
    """The label of a sum of total investments: a partial sum says what it sums."""
    if totals.total_investment_is_partial:
        return _(
            # Translators: 已填报总投资的%(count)d个项目总投资合计（万元）
            "Total investment of the %(count)d projects that record it (10k yuan)"
        ) % {"count": totals.with_total_investment}
    return _("Total investment (10k yuan)")


def _summary_sheet(workbook, briefing: Briefing) -> None:
    pace = briefing.pace
    figures = [
        (_("Projects followed"), briefing.totals.count, XLSX_COUNT),
        (_("Projects under construction"), briefing.stage_count("under_construction"), XLSX_COUNT),
        (_total_investment_label(briefing.totals), briefing.totals.total_investment, XLSX_AMOUNT),
        (_("Planned investment this year (10k yuan)"), pace["planned"], XLSX_AMOUNT),
        (_("Completed this year, projects with a plan (10k yuan)"), pace["completed"], XLSX_AMOUNT),
        (
            _("Completed this year, all projects (10k yuan)"),
            briefing.totals.year_completed,
            XLSX_AMOUNT,
        ),
        (_("Completed this month (10k yuan)"), briefing.month_completed, XLSX_AMOUNT),
        (_("Completed since the start (10k yuan)"), briefing.totals.cumulative, XLSX_AMOUNT),
        (_("Share of the plan completed"), pace["completed_share"], XLSX_SHARE),
        (_("Schedule pace (share of the year elapsed)"), pace["elapsed_share"], XLSX_SHARE),
        (_("Ahead (+) or behind (−) schedule pace, points"), pace["gap_points"], XLSX_POINTS),
        (_("Statistics-registered projects"), briefing.registered["count"], XLSX_COUNT),
        *_reported_registration(briefing.registered["reported"]),
        (_("Red lights"), briefing.light_counts.get("red", 0), XLSX_COUNT),
        (_("Yellow lights"), briefing.light_counts.get("yellow", 0), XLSX_COUNT),
        (_("Green lights"), briefing.light_counts.get("green", 0), XLSX_COUNT),
        (_("Milestones due next month"), len(briefing.milestones_next_month), XLSX_COUNT),
        (_("Reports not filed this month"), len(briefing.missing_reports), XLSX_COUNT),
    ]
    sheet = add_table(
        workbook,
        _sheet_title(_("Summary")),
        [
            Column(_("figure"), width=90),
            Column(_("value"), kind="number", width=18),
            Column(_("source"), width=60),
        ],
        [(label, value, *source) for label, value, _format, *source in figures],
    )
    for row, (_label, value, number_format, *_source) in enumerate(figures, start=2):
        if value is not None:
            sheet.cell(row=row, column=2).number_format = number_format
    # Title, date and the summary sentences above the figures.
    sentences = briefing.summary()
    sheet.insert_rows(1, amount=len(sentences) + 3)
    title = _("Shanwang Town project briefing, %(month)s") % {
        "month": date_format(briefing.month, "YEAR_MONTH_FORMAT")
    }
    sheet.cell(row=1, column=1, value=inert(title)).font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1, value=inert(_("Figures as of")))
    sheet.cell(row=2, column=2, value=briefing.as_of).number_format = XLSX_DATE
    for row, sentence in enumerate(sentences, start=3):
        cell = sheet.cell(row=row, column=1, value=inert(sentence))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = None


def _reported_registration(reported: dict | None) -> list[tuple]:
    """The work report's statistics registration, as rows of the summary with their
    source, while the projects marked registered do not explain it."""
    if reported is None:
        return []
    figures = {"year": reported["year"]}
    return [
        (
            _(
                # Translators: %(year)d年入库纳统项目（工作报告）
                "Statistics-registered projects in %(year)d (work report)"
            )
            % figures,
            reported["count"],
            XLSX_COUNT,
            reported["source"],
        ),
        (
            _(
                # Translators: %(year)d年入库纳统项目总投资（工作报告，万元）
                "Total investment of the projects statistics-registered in %(year)d "
                "(work report, 10k yuan)"
            )
            % figures,
            reported["total_investment"],
            XLSX_AMOUNT,
            reported["source"],
        ),
        (
            _(
                # Translators: 其中已逐项登记的项目
                "Of them, marked registered one by one"
            ),
            reported["recorded"],
            XLSX_COUNT,
        ),
    ]


def _stage_sheet(workbook, briefing: Briefing) -> None:
    columns = [
        Column(_("stage"), width=16),
        Column(_("number of projects"), kind="number", width=12),
        Column(_("total investment (10k yuan)"), kind="amount", width=18),
        Column(_("planned this year (10k yuan)"), kind="amount", width=18),
        Column(_("completed this year (10k yuan)"), kind="amount", width=18),
        Column(_("completed since the start (10k yuan)"), kind="amount", width=20),
        # The total investment of a stage sums only the projects that record one.
        Column(_("projects that record their total investment"), kind="number", width=16),
    ]
    rows = [
        (
            row.label,
            row.count,
            row.total_investment,
            row.year_planned,
            row.year_completed,
            row.cumulative,
            row.with_total_investment,
        )
        for row in [*briefing.stages, briefing.totals]
    ]
    sheet = add_table(workbook, _sheet_title(_("By stage")), columns, rows)
    _bold_last_row(sheet, len(columns))


def _registered_sheet(workbook, briefing: Briefing) -> None:
    columns = [
        Column(_("project"), width=40),
        Column(_("registration year"), kind="number", width=12),
        Column(_("stage"), width=12),
        Column(_("total investment (10k yuan)"), kind="amount", width=18),
        Column(_("completed this year (10k yuan)"), kind="amount", width=18),
        Column(_("completed since the start (10k yuan)"), kind="amount", width=20),
    ]
    rows = [
        (
            project.name,
            project.statistics_registered_year,
            project.get_stage_display(),
            project.total_investment,
            project.year_completed_investment,
            project.cumulative_investment,
        )
        for project in briefing.registered_projects
    ]
    registered = briefing.registered
    known = registered["with_total_investment"]
    rows.append(
        (
            _(
                # Translators: 合计（总投资为已填报总投资的%(count)d个项目合计）
                "Total (total investment of the %(count)d projects that record it)"
            )
            % {"count": known}
            if 0 < known < registered["count"]
            else _("Total"),
            None,
            None,
            registered["total_investment"],
            registered["year_completed"],
            registered["cumulative"],
        )
    )
    sheet = add_table(workbook, _sheet_title(_("Statistics-registered")), columns, rows)
    _bold_last_row(sheet, len(columns))


def _ranking_sheet(workbook, briefing: Briefing) -> None:
    columns = [
        Column(_("rank"), kind="number", width=6),
        Column(_("project"), width=40),
        Column(_("stage"), width=12),
        Column(_("planned this year (10k yuan)"), kind="amount", width=16),
        Column(_("completed this year (10k yuan)"), kind="amount", width=16),
        Column(_("completed since the start (10k yuan)"), kind="amount", width=18),
        Column(_("share completed"), kind="number", width=12),
        Column(_("schedule pace"), kind="number", width=12),
        Column(_("points ahead (+) or behind (−)"), kind="number", width=14),
        Column(_("light"), width=10),
    ]
    rows = [
        (
            project.pace_rank,
            project.name,
            project.get_stage_display(),
            project.year_planned_investment,
            project.year_completed_investment,
            project.cumulative_investment,
            project.pace_completed_share,
            project.pace_elapsed_share,
            project.pace_gap_points,
            project.get_light_display(),
        )
        for project in briefing.pace_ranking
    ]
    sheet = add_table(workbook, _sheet_title(_("Pace ranking")), columns, rows)
    _format_columns(sheet, {7: XLSX_SHARE, 8: XLSX_SHARE, 9: XLSX_POINTS}, len(rows))


def _assessment_sheet(workbook, briefing: Briefing) -> None:
    """考核: the units' ranking of the month, its rates as shares, the score in points out
    of 100; an empty table with a note while the month is under way."""
    ranking = briefing.ranking
    indicators = ranking.indicators if ranking else []
    columns = [
        Column(_("rank"), kind="number", width=6),
        Column(_("responsible unit"), width=30),
        *(
            Column(
                _("%(indicator)s (weight %(weight)d)")
                % {"indicator": indicator.label, "weight": indicator.weight},
                kind="number",
                width=16,
            )
            for indicator in indicators
        ),
        Column(_("score"), kind="number", width=10),
        Column(_("marked"), width=10),
    ]
    marks = {"top": _("top"), "bottom": _("bottom")}
    rows = [
        (
            row.rank,
            row.name,
            *(figure.rate for figure in row.figures),
            row.score,
            marks.get(row.mark, ""),
        )
        for row in (ranking.rows if ranking else [])
    ]
    note = "" if ranking else _("The units are ranked once the month is over.")
    sheet = add_table(workbook, _sheet_title(_("Unit ranking")), columns, rows, note=note)
    share_columns = range(3, 3 + len(indicators))
    _format_columns(
        sheet,
        {**dict.fromkeys(share_columns, XLSX_SHARE), 3 + len(indicators): XLSX_SCORE},
        len(rows),
    )


def _attention_sheet(workbook, briefing: Briefing) -> None:
    columns = [
        Column(_("light"), width=8),
        Column(_("project"), width=36),
        Column(_("reason"), width=40),
        Column(_("problems named in the reports"), width=50),
        Column(_("report month"), kind="date", width=10),
        Column(_("responsible unit"), width=20),
        Column(_("contact person"), width=12),
        Column(_("supervising leader"), width=12),
    ]
    rows = [
        (
            project.get_light_display(),
            project.name,
            project.light_explanation(),
            project.report_problems,
            project.report_problems_month,
            project.responsible_unit,
            person_name(project.contact_person),
            person_name(project.supervising_leader),
        )
        for project in briefing.red_and_yellow
    ]
    sheet = add_table(workbook, _sheet_title(_("Red and yellow")), columns, rows)
    _format_columns(sheet, {5: XLSX_MONTH}, len(rows))
    for row in range(2, len(rows) + 2):
        for column in (3, 4):
            sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")


def _milestone_sheet(workbook, briefing: Briefing) -> None:
    columns = [
        Column(_("due date"), kind="date", width=12),
        Column(_("project"), width=36),
        Column(_("milestone"), width=30),
        Column(_("responsible unit"), width=20),
        Column(_("responsible person"), width=12),
        Column(_("completed on"), kind="date", width=12),
    ]
    rows = [
        (
            milestone.due_date,
            milestone.project.name,
            milestone.title,
            milestone.project.responsible_unit,
            person_name(milestone.owner or milestone.project.contact_person),
            milestone.completed_on,
        )
        for milestone in briefing.milestones_next_month
    ]
    add_table(workbook, _sheet_title(_("Milestones next month")), columns, rows)


def _missing_sheet(workbook, briefing: Briefing) -> None:
    columns = [
        Column(_("project"), width=40),
        Column(_("responsible unit"), width=24),
        Column(_("contact person"), width=14),
    ]
    rows = [
        (project.name, project.responsible_unit, person_name(project.contact_person))
        for project in briefing.missing_reports
    ]
    add_table(workbook, _sheet_title(_("Reports not filed")), columns, rows)


def _income_sheet(workbook, briefing: Briefing) -> None:
    columns = [
        Column(_("village"), width=24),
        Column(_("year"), kind="number", width=8),
        Column(_("amount (10k yuan)"), kind="amount", width=18),
        Column(_("growth"), kind="number", width=10),
    ]
    town = [
        (
            _("Town total (work report)"),
            row["year"],
            row["amount"],
            row["growth"] / 100 if row["growth"] is not None else None,
        )
        for row in briefing.town_income
    ]
    villages = [
        (income.village.name, income.year, income.amount, income.growth)
        for income in briefing.village_incomes
    ]
    sheet = add_table(workbook, _sheet_title(_("Collective income")), columns, [*town, *villages])
    _format_columns(sheet, {4: XLSX_SHARE}, len(town) + len(villages))


def _glossary_sheet(workbook, briefing: Briefing) -> None:
    """名词解释: the words of the pace figures, as on the page."""
    columns = [Column(_("term"), width=20), Column(_("meaning"), width=100)]
    rows = [[str(term.word), str(term.definition)] for term in glossary.TERMS]
    add_table(workbook, _sheet_title(_("Terms explained")), columns, rows)
