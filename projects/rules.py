"""Who may do what: the roles and every object-level permission, defined once.

Model-level permissions come from the role groups (ModelBackend); object-level ones come
from the predicates here. Views, templates, services and the admin ask them through
``may(user, "projects.change_progressreport", report)``, which tests the rule set
itself: ``user.has_perm()`` answers yes to a superuser whatever the rules say, and the
report rules (four eyes, an approved report is immutable) hold for superusers too.
``ProjectQuerySet.managed_by`` is the SQL form of ``manages_project`` below; the
permission-matrix test keeps the two in agreement.
"""

import rules
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ReportStatus

#: What a monthly report says: whoever set one of these wrote or edited the report.
REPORT_CONTENT_FIELDS = (
    "physical_progress",
    "investment_completed",
    "narrative",
    "problems",
    "deviation_explanation",
)


def may(user, permission: str, obj=None) -> bool:
    """Return whether the rules below give ``user`` ``permission`` on ``obj``, for a
    superuser as for anyone (no shortcut); a permission they do not name is refused."""
    return rules.has_perm(permission, user, obj)


class Role(models.TextChoices):
    """The role groups; the value is the group's name, as admins see it."""

    ADMINISTRATOR = "管理员", _("administrator")
    LEADER = "领导", _("leader")
    REVIEWER = "审核人", _("reviewer")
    STAFF = "工作人员", _("staff")


def responsible_unit_ids(user) -> frozenset[int]:
    """Return the ids of the responsible units ``user`` belongs to (cached on the user)."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_responsible_unit_ids"):
        user._responsible_unit_ids = frozenset(user.responsible_units.values_list("pk", flat=True))
    return user._responsible_unit_ids


@rules.predicate
def is_administrator(user):
    return user.is_active and (user.is_superuser or _in_group(user, Role.ADMINISTRATOR))


@rules.predicate
def is_reviewer(user):
    return _in_group(user, Role.REVIEWER)


@rules.predicate
def is_leader(user):
    return _in_group(user, Role.LEADER)


@rules.predicate
def is_staff_member(user):
    return _in_group(user, Role.STAFF)


def _in_group(user, role: Role) -> bool:
    if not user.is_authenticated:
        return False
    # The same per-user cache as rules.is_group_member: one query per request.
    if not hasattr(user, "_group_names_cache"):
        user._group_names_cache = set(user.groups.values_list("name", flat=True))
    return role.value in user._group_names_cache


@rules.predicate
def manages_project(user, project):
    """The user is the project's contact person or belongs to its responsible unit."""
    if project is None or not user.is_authenticated:
        return False
    return project.contact_person_id == user.pk or (
        project.responsible_unit_id is not None
        and project.responsible_unit_id in responsible_unit_ids(user)
    )


@rules.predicate
def manages_report_project(user, report):
    return report is not None and manages_project(user, report.project)


@rules.predicate
def manages_milestone_project(user, milestone):
    return milestone is not None and manages_project(user, milestone.project)


@rules.predicate
def manages_document_project(user, document):
    return document is not None and manages_project(user, document.project)


@rules.predicate
def document_report_is_locked(user, document):
    """The document belongs to a report under review or approved: part of what the
    reviewer saw, so its author may no longer change or remove it."""
    return (
        document is not None
        and document.report_id is not None
        and document.report.status not in ReportStatus.open()
    )


def report_author_ids(report) -> frozenset[int]:
    """Return the ids of the users who wrote or edited ``report``: who submitted it, who
    saved a version whose project, month, figures or text differ from the version before
    (its history, the first version included), who attached its photos and who set its
    quantities of physical targets."""
    authors = {report.submitted_by_id}
    previous = None
    for user_id, *content in report.history.order_by("history_date", "history_id").values_list(
        "history_user_id", "project_id", "month", *REPORT_CONTENT_FIELDS
    ):
        if content != previous:
            authors.add(user_id)
        previous = content
    authors |= set(report.photos.values_list("uploaded_by_id", flat=True))
    # Who set a quantity the report gives for a physical target wrote it too.
    authors |= set(
        report.quantities.model.history.filter(report_id=report.pk).values_list(
            "history_user_id", flat=True
        )
    )
    authors.discard(None)
    return frozenset(authors)


@rules.predicate
def wrote_the_report(user, report):
    """The user submitted the report or wrote or edited its content (four eyes: they may
    not review it)."""
    if report is None or not user.is_authenticated:
        return False
    return report.submitted_by_id == user.pk or user.pk in report_author_ids(report)


@rules.predicate
def report_is_open(user, report):
    """A draft or returned report can still be edited; a submitted or approved one not."""
    return report is not None and report.status in ReportStatus.open()


@rules.predicate
def report_is_submitted(user, report):
    return report is not None and report.status == ReportStatus.SUBMITTED


has_role = is_administrator | is_leader | is_reviewer | is_staff_member
can_edit_any_project = is_administrator | is_reviewer
can_edit_project = can_edit_any_project | (is_staff_member & manages_project)
can_report_on_project = is_administrator | (is_staff_member & manages_project)
can_edit_report = report_is_open & (is_administrator | (is_staff_member & manages_report_project))
can_review_report = report_is_submitted & (is_administrator | is_reviewer) & ~wrote_the_report
can_edit_milestone = can_edit_any_project | (is_staff_member & manages_milestone_project)
can_edit_document = can_edit_any_project | (
    is_staff_member & manages_document_project & ~document_report_is_locked
)

# Reading: every role reads the whole portfolio; a user without a role reads nothing.
rules.add_perm("projects.read_portfolio", has_role)
# The monthly briefing (月报) is written for the town's leaders and those who review.
rules.add_perm("projects.read_briefing", is_administrator | is_leader | is_reviewer)
# Projects
rules.add_perm("projects.change_project", can_edit_project)
rules.add_perm("projects.assign_project", can_edit_any_project)  # unit, contact, leader
rules.add_perm("projects.suspend_project", can_edit_any_project)
rules.add_perm("projects.cancel_project", is_administrator)
# Milestones
rules.add_perm("projects.add_milestone", can_edit_project)
rules.add_perm("projects.change_milestone", can_edit_milestone)
# Monthly reports
rules.add_perm("projects.add_progressreport", can_report_on_project)
rules.add_perm("projects.change_progressreport", can_edit_report)
rules.add_perm("projects.submit_progressreport", can_edit_report)
rules.add_perm("projects.review_progressreport", can_review_report)
rules.add_perm("projects.review_any_report", is_administrator | is_reviewer)
# A photo's file as uploaded keeps its EXIF (the GPS position, the camera): administrators
# only; everyone else sees the served copy without it.
rules.add_perm("projects.view_photo_original", is_administrator)
# Documents (批复文件, 合同, 验收资料): downloads for every reader, never anonymous.
rules.add_perm("projects.add_document", can_edit_project)
rules.add_perm("projects.change_document", can_edit_document)
rules.add_perm("projects.delete_document", can_edit_document)
rules.add_perm("projects.view_document", has_role)
# The admin site
rules.add_perm("shanwang.use_admin", is_administrator | is_reviewer)
# Spreadsheet imports touch many records at once: administrators only.
rules.add_perm("projects.import_workbook", is_administrator)


# 督办: the problem ledger, supervision orders, the scheduling meeting, the ranking ----------


@rules.predicate
def sees_supervision_item(user, item):
    """The user sees the problem or supervision order: administrators, leaders and
    reviewers every one; a staff member those of their units and of the projects they
    answer for. The rule form of ``SupervisionQuerySet.visible_to`` (projects/querysets.py)."""
    if item is None or not user.is_authenticated:
        return False
    if is_administrator(user) or is_leader(user) or is_reviewer(user):
        return True
    if not is_staff_member(user):
        return False
    units = responsible_unit_ids(user)
    return (
        (item.responsible_unit_id is not None and item.responsible_unit_id in units)
        or item.project.contact_person_id == user.pk
        or (
            item.project.responsible_unit_id is not None
            and item.project.responsible_unit_id in units
        )
    )


@rules.predicate
def acts_for_item(user, item):
    """The user acts for the problem or order: its responsible person, or a staff member
    of its responsible unit."""
    if item is None or not user.is_authenticated:
        return False
    if item.responsible_person_id is not None and item.responsible_person_id == user.pk:
        return True
    return (
        is_staff_member(user)
        and item.responsible_unit_id is not None
        and item.responsible_unit_id in responsible_unit_ids(user)
    )


@rules.predicate
def resolved_the_problem(user, problem):
    """The user resolved the problem (four eyes: someone else strikes it off)."""
    return (
        problem is not None
        and problem.resolved_by_id is not None
        and problem.resolved_by_id == user.pk
    )


@rules.predicate
def issued_the_order(user, order):
    return order is not None and order.issued_by_id is not None and order.issued_by_id == user.pk


supervises = is_administrator | is_leader | is_reviewer
can_raise_problem = supervises | (is_staff_member & manages_project)
can_act_on_item = is_administrator | (has_role & acts_for_item)

rules.add_perm("projects.read_supervision", has_role)
rules.add_perm("projects.read_ranking", has_role)
# Problems (问题台账): raised on a project; assigned, sent back and struck off by those
# who supervise; worked on by the responsible unit.
rules.add_perm("projects.view_problem", has_role & sees_supervision_item)
rules.add_perm("projects.raise_problem", can_raise_problem)
rules.add_perm("projects.assign_problem", supervises)
rules.add_perm("projects.change_problem", supervises)
rules.add_perm("projects.act_on_problem", can_act_on_item)
rules.add_perm("projects.return_problem", supervises)
rules.add_perm("projects.strike_off_problem", supervises & ~resolved_the_problem)
# Supervision orders (督办单)
rules.add_perm("projects.view_order", has_role & sees_supervision_item)
rules.add_perm("projects.issue_order", supervises)
rules.add_perm("projects.change_supervisionorder", supervises)
rules.add_perm("projects.reply_order", can_act_on_item)
rules.add_perm("projects.accept_order", supervises | (has_role & issued_the_order))
# The scheduling meeting (调度会)
rules.add_perm("projects.record_meeting", supervises)
rules.add_perm("projects.change_schedulingmeeting", supervises)

# 入库纳统: statistics registration (projects/registration/): recorded by whoever may
# change the project, cleared (a registration entered by mistake) by administrators.
rules.add_perm("projects.record_registration", can_edit_project)
rules.add_perm("projects.clear_registration", is_administrator)


# 前期手续: pre-construction approvals (projects/approvals/) ------------------------------


@rules.predicate
def manages_approval_project(user, item):
    return item is not None and manages_project(user, item.project)


# A project's checklist is made from its category's template, and items are added to or
# removed from it, by reviewers and administrators; whoever may change the project
# (its unit's staff, its contact person) keeps each item up to date.
rules.add_perm("projects.apply_approvals_template", can_edit_any_project)
rules.add_perm("projects.add_approvalitem", can_edit_any_project)
rules.add_perm("projects.delete_approvalitem", can_edit_any_project)
rules.add_perm(
    "projects.change_approvalitem",
    can_edit_any_project | (is_staff_member & manages_approval_project),
)
# The templates by category: administrators.
rules.add_perm("projects.change_approvaltemplate", is_administrator)


# The annual plan's baselines (年初计划 / 中期调整): frozen by administrators only, never
# changed afterwards; read by every role (projects.read_portfolio).
rules.add_perm("projects.freeze_baseline", is_administrator)
