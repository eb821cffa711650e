"""Who may do what: the roles and every object-level permission, defined once.

Model-level permissions come from the role groups (ModelBackend); object-level ones
(``user.has_perm("projects.change_project", project)``) come from the predicates here
(rules' ObjectPermissionBackend). Views, templates, querysets, the admin and exports
all ask through these names. ``ProjectQuerySet.managed_by`` is the SQL form of
``manages_project`` below; the permission-matrix test keeps the two in agreement.
"""

import rules
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ReportStatus


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
def submitted_the_report(user, report):
    return report is not None and report.submitted_by_id == user.pk


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
can_review_report = report_is_submitted & (is_administrator | is_reviewer) & ~submitted_the_report
can_edit_milestone = can_edit_any_project | (is_staff_member & manages_milestone_project)

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
# The admin site
rules.add_perm("shanwang.use_admin", is_administrator | is_reviewer)
# Spreadsheet imports touch many records at once: administrators only.
rules.add_perm("projects.import_workbook", is_administrator)
