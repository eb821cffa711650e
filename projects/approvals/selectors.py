"""What the pages read of the approvals (前期手续): a project's checklist, the town-wide
list, the dashboard's overdue items. Each reads a constant number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import F, QuerySet

from ..models import ApprovalItem, ApprovalTemplate, Project
from ..rules import may

#: What a row of an approvals list shows of its people and places.
ITEM_RELATIONS = (
    "project__responsible_unit",
    "project__contact_person",
    "responsible_person",
    "document",
)
#: How many overdue approvals the dashboard names.
DASHBOARD_ITEMS = 5


@dataclass(frozen=True)
class ChecklistRow:
    """One approval of a project's checklist, with whether it is late on the day and
    whether it still holds the start of construction back."""

    item: ApprovalItem
    overdue: bool
    blocks_start: bool


@dataclass(frozen=True)
class ProjectApprovals:
    """The approvals section of a project page: the checklist, what blocks the start,
    whether the category has a template and what the user may do."""

    rows: list[ChecklistRow]
    blocking: list[str]
    has_template: bool
    may_apply: bool
    may_edit: bool

    @property
    def overdue_count(self) -> int:
        return sum(row.overdue for row in self.rows)


def project_approvals(project: Project, *, user, on: datetime.date) -> ProjectApprovals:
    """Return the project page's checklist (two queries however many items)."""
    items = list(
        project.approvals.select_related("responsible_person", "document").order_by(
            "position", "pk"
        )
    )
    rows = [
        ChecklistRow(
            item=item,
            overdue=item.is_overdue_on(on),
            blocks_start=item.blocks_start,
        )
        for item in items
    ]
    return ProjectApprovals(
        rows=rows,
        blocking=[row.item.name for row in rows if row.blocks_start],
        has_template=ApprovalTemplate.objects.filter(category=project.category).exists(),
        may_apply=may(user, "projects.apply_approvals_template", project),
        may_edit=may(user, "projects.change_project", project),
    )


def approval_list() -> QuerySet[ApprovalItem]:
    """Return every project's approvals as the town-wide list shows them: the earliest
    planned first (those without a date last), then by project."""
    return ApprovalItem.objects.select_related(*ITEM_RELATIONS).order_by(
        F("planned_date").asc(nulls_last=True), "project__name", "position", "pk"
    )


def approval_detail() -> QuerySet[ApprovalItem]:
    """Return approvals with what their edit page shows."""
    return ApprovalItem.objects.select_related(*ITEM_RELATIONS)


@dataclass(frozen=True)
class DashboardApprovals:
    """The dashboard's approvals past their planned date: how many, and the first few."""

    count: int
    items: list[ApprovalItem]
    on: datetime.date


def dashboard_overdue(*, user, on: datetime.date) -> DashboardApprovals:
    """Return the approvals still unsettled after their planned date (two queries)."""
    overdue = ApprovalItem.objects.overdue_on(on)
    return DashboardApprovals(
        count=overdue.count(),
        items=list(
            overdue.select_related(
                "project", "responsible_person", "project__contact_person"
            ).order_by("planned_date", "project__name", "pk")[:DASHBOARD_ITEMS]
        ),
        on=on,
    )


def days_overdue(item: ApprovalItem, on: datetime.date) -> int:
    """Return how many days ``item`` is past its planned date on ``on`` (0 if it is not)."""
    if item.planned_date is None or item.planned_date >= on:
        return 0
    return (on - item.planned_date).days
