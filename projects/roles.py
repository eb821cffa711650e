"""The role groups and their model-level permissions, kept present after every migrate.

Object-level rules (a staff member changes only the projects they answer for) live in
projects/rules.py; these permissions only open the doors the rules then guard. A group
that is missing is created with these defaults; an existing group is left as admins
have set it.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from .rules import Role

DOMAIN_APPS = ("projects", "villages")
ADMINISTRATOR_APPS = (*DOMAIN_APPS, "auth", "django_celery_beat", "axes")

ROLE_PERMISSIONS = {
    Role.ADMINISTRATOR: None,  # every permission of ADMINISTRATOR_APPS
    Role.LEADER: [],
    Role.REVIEWER: [
        "projects.change_project",
        "projects.add_milestone",
        "projects.change_milestone",
        "projects.delete_milestone",
        "projects.add_annualplan",
        "projects.change_annualplan",
        "projects.add_funding",
        "projects.change_funding",
        "projects.change_progressreport",
        # 督办: problems, supervision orders and meetings (the services hold the rules)
        "projects.add_problem",
        "projects.change_problem",
        "projects.strike_off_problem",
        "projects.add_supervisionorder",
        "projects.change_supervisionorder",
        "projects.add_schedulingmeeting",
        "projects.change_schedulingmeeting",
        # 前期手续: each project's approvals (projects/approvals/services.py holds the rules)
        "projects.add_approvalitem",
        "projects.change_approvalitem",
        "projects.delete_approvalitem",
        # 实物工作量: each project's physical targets (projects/targets/services.py)
        "projects.add_physicaltarget",
        "projects.change_physicaltarget",
        "projects.delete_physicaltarget",
    ],
    Role.STAFF: [
        "projects.change_project",
        "projects.add_milestone",
        "projects.change_milestone",
        "projects.add_progressreport",
        "projects.change_progressreport",
        "projects.add_reportphoto",
    ],
}


def default_permissions(role: Role):
    """Return the permissions a new group for ``role`` starts with: reading everything
    of the domain, plus the role's own."""
    if ROLE_PERMISSIONS[role] is None:
        return Permission.objects.filter(content_type__app_label__in=ADMINISTRATOR_APPS)
    permissions = list(
        Permission.objects.filter(
            content_type__app_label__in=DOMAIN_APPS, codename__startswith="view_"
        )
    )
    for label in ROLE_PERMISSIONS[role]:
        app_label, codename = label.split(".")
        permissions.append(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return permissions


def ensure_role_groups(**kwargs) -> None:
    """Create each missing role group with its default permissions (a post_migrate hook,
    so the groups also come back after a test database is flushed)."""
    # The permissions of apps later in INSTALLED_APPS may not exist yet: make them now.
    for app_label in ADMINISTRATOR_APPS:
        create_permissions(apps.get_app_config(app_label), verbosity=0)
    for role in Role:
        group, created = Group.objects.get_or_create(name=role.value)
        if created:
            group.permissions.set(default_permissions(role))
