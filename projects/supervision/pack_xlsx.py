"""The scheduling meeting's pack as an Excel workbook: one sheet per part of the pack
(the units' counts and their problems on two), written with the project's table helper
(dates as dates, counts as numbers, every text cell inert, so nothing runs as a formula)."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from shanwang.people import person_name
from shanwang.spreadsheets.files import Column, add_table, new_workbook, workbook_bytes

from ..seeding import demo
from .pack import MeetingPack


def _yes(flag: bool) -> str:
    return _("yes") if flag else ""


def pack_filename(pack: MeetingPack, extension: str) -> str:
    """Return the file name of the pack's workbook or PDF, e.g. 调度会材料-2024-05-03.xlsx
    (调度会材料-2024-05-03-演示数据.xlsx while demo records exist)."""
    return demo.marked_file_name(f"{_('Scheduling meeting pack')}-{pack.on:%Y-%m-%d}.{extension}")


def pack_workbook(pack: MeetingPack) -> bytes:
    """Return the pack as an .xlsx file, in the active language."""
    workbook = new_workbook()
    for write in (
        _attention_sheet,
        _units_sheet,
        _problems_sheet,
        _decisions_sheet,
        _milestones_sheet,
    ):
        write(workbook, pack)
    demo.mark_workbook(workbook)
    return workbook_bytes(workbook)


def _note(pack: MeetingPack) -> str:
    """The line above each sheet's table: whose pack, as of which day."""
    day = date_format(pack.on, "DATE_FORMAT")
    if pack.meeting is not None:
        return _("%(meeting)s · as of %(day)s") % {"meeting": pack.meeting, "day": day}
    return _("Scheduling meeting pack · as of %(day)s") % {"day": day}


def _attention_sheet(workbook, pack: MeetingPack) -> None:
    columns = [
        Column(_("light"), width=8),
        Column(_("project"), width=36),
        Column(_("stage"), width=10),
        Column(_("reason"), width=50),
        Column(_("responsible unit"), width=20),
        Column(_("contact person"), width=12),
        Column(_("supervising leader"), width=12),
    ]
    rows = [
        (
            project.get_light_display(),
            project.name,
            project.get_stage_display(),
            project.light_explanation(),
            project.responsible_unit,
            person_name(project.contact_person),
            person_name(project.supervising_leader),
        )
        for project in pack.red_and_yellow
    ]
    add_table(workbook, _("Red and yellow projects"), columns, rows, note=_note(pack))


def _unit_name(unit) -> str:
    return unit.name if unit is not None else _("not yet assigned")


def _units_sheet(workbook, pack: MeetingPack) -> None:
    columns = [
        Column(_("responsible unit"), width=30),
        Column(_("open problems"), kind="number", width=12),
        Column(_("overdue"), kind="number", width=12),
    ]
    rows = [(_unit_name(group.unit), group.open_count, group.overdue_count) for group in pack.units]
    add_table(workbook, _("Problems by unit"), columns, rows, note=_note(pack))


def _problems_sheet(workbook, pack: MeetingPack) -> None:
    columns = [
        Column(_("responsible unit"), width=20),
        Column(_("project"), width=30),
        Column(_("problem description"), width=50),
        Column(_("supervision level"), width=12),
        Column(_("status"), width=14),
        Column(_("deadline"), kind="date", width=12),
        Column(_("overdue"), width=8),
        Column(_("person responsible"), width=12),
    ]
    rows = [
        (
            _unit_name(group.unit),
            problem.project.name,
            problem.description,
            problem.get_level_display(),
            problem.get_status_display(),
            problem.deadline,
            _yes(problem.overdue),
            person_name(problem.responsible_person),
        )
        for group in pack.units
        for problem in group.problems
    ]
    add_table(workbook, _("Open problems"), columns, rows, note=_note(pack))


def _decision_row(item_label, item, text: str, deadline) -> tuple:
    """A previous decision's row, the same for a problem and an order: what it is, on
    which project, the decision, its level, whose it is, by when, where it stands."""
    return (
        item_label,
        item.project.name,
        text,
        item.get_level_display(),
        item.responsible_unit,
        person_name(item.responsible_person),
        deadline,
        item.get_status_display(),
        _yes(item.overdue),
    )


def _decisions_sheet(workbook, pack: MeetingPack) -> None:
    columns = [
        Column(_("item"), width=12),
        Column(_("project"), width=30),
        Column(_("decision"), width=50),
        Column(_("supervision level"), width=12),
        Column(_("responsible unit"), width=20),
        Column(_("person responsible"), width=12),
        Column(_("deadline"), kind="date", width=12),
        Column(_("status"), width=14),
        Column(_("overdue"), width=8),
    ]
    rows = [
        *(
            _decision_row(_("problem"), problem, problem.description, problem.deadline)
            for problem in pack.previous_problems
        ),
        *(
            _decision_row(_("supervision order"), order, order.content, order.reply_deadline)
            for order in pack.previous_orders
        ),
    ]
    if pack.previous_meeting is not None:
        note = _("Decisions of %(meeting)s, status as of %(day)s") % {
            "meeting": pack.previous_meeting,
            "day": date_format(pack.on, "DATE_FORMAT"),
        }
    else:
        note = _("No earlier meeting is recorded.")
    add_table(workbook, _("Previous decisions"), columns, rows, note=note)


def _milestones_sheet(workbook, pack: MeetingPack) -> None:
    columns = [
        Column(_("due date"), kind="date", width=12),
        Column(_("project"), width=36),
        Column(_("milestone"), width=30),
        Column(_("responsible unit"), width=20),
        Column(_("responsible person"), width=12),
    ]
    rows = [
        (
            milestone.due_date,
            milestone.project.name,
            milestone.title,
            milestone.project.responsible_unit,
            person_name(milestone.owner or milestone.project.contact_person),
        )
        for milestone in pack.milestones
    ]
    note = _("Milestones open and due from %(first)s to %(last)s") % {
        "first": date_format(pack.on, "DATE_FORMAT"),
        "last": date_format(pack.last_milestone_day, "DATE_FORMAT"),
    }
    add_table(workbook, _("Milestones due"), columns, rows, note=note)
