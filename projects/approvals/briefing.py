"""The briefing's 前期手续 section and its sheet: the approvals of the projects in
preliminary work by status, and the approvals overdue, as they stood at the end of the
briefing's day (``as_of``), read from the items' history (ApprovalItemQuerySet.as_of)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from shanwang.people import person_name
from shanwang.spreadsheets.files import Column, add_table

from ..choices import ApprovalStatus
from ..models import ApprovalItem, Project


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class OverdueApproval:
    project: Project
    name: str
    planned_date: datetime.date
    days_overdue: int
    person: str


@dataclass(frozen=True)
class ApprovalsSection:
    """The approvals of the projects in preliminary work (前期) by status, how many such
    projects there were, and every approval overdue, on ``as_of``."""

    as_of: datetime.date
    preliminary_projects: int
    by_status: list[StatusCount]
    overdue: list[OverdueApproval]

    @property
    def total(self) -> int:
        return sum(row.count for row in self.by_status)


def section(*, month: datetime.date, as_of: datetime.date) -> ApprovalsSection:
    """Return the briefing's 前期手续 section as of the end of ``as_of`` (three queries)."""
    preliminary = Project.objects.as_of(as_of).filter(stage_as_of=Project.Stage.PRELIMINARY)
    counts = dict(
        ApprovalItem.objects.as_of(as_of)
        .filter(project__in=preliminary.values("pk"))
        .values_list("status_then")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("status_then", "count")
    )
    overdue = (
        ApprovalItem.objects.overdue_as_of(as_of)
        .filter(project__in=Project.objects.existing_on(as_of).values("pk"))
        .select_related("project", "responsible_person", "project__contact_person")
        .order_by("planned_date_then", "project__name", "position", "pk")
    )
    return ApprovalsSection(
        as_of=as_of,
        preliminary_projects=preliminary.count(),
        by_status=[
            StatusCount(status.value, str(status.label), counts.get(status.value, 0))
            for status in ApprovalStatus
        ],
        overdue=[
            OverdueApproval(
                project=item.project,
                name=item.name,
                planned_date=item.planned_date_then,
                days_overdue=(as_of - item.planned_date_then).days,
                person=person_name(item.responsible_person or item.project.contact_person),
            )
            for item in overdue
        ],
    )


def sheet(workbook, briefing) -> None:
    """Write the section's sheet: the counts by status in its note, then the overdue
    approvals, a row each."""
    approvals = briefing.approvals
    if approvals is None:
        return
    columns = [
        Column(_("project"), width=36),
        Column(_("approval"), width=24),
        Column(_("planned date"), kind="date", width=12),
        Column(_("days overdue"), kind="number", width=10),
        Column(_("responsible person"), width=14),
    ]
    rows = [
        (row.project.name, row.name, row.planned_date, row.days_overdue, row.person)
        for row in approvals.overdue
    ]
    counts = "；".join(f"{row.label} {row.count}" for row in approvals.by_status)
    note = _(
        "Projects in preliminary work: %(projects)d; their approvals: %(counts)s. "
        "Below: the approvals overdue on %(day)s."
    ) % {
        "projects": approvals.preliminary_projects,
        "counts": counts,
        "day": approvals.as_of.isoformat(),
    }
    add_table(workbook, _("Pre-construction approvals"), columns, rows, note=note)
