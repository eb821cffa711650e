"""Create the four role groups with their model-level permissions.

Object-level rules (a staff member changes only the projects they answer for) live in
projects/rules.py; these permissions only open the doors the rules then guard.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DOMAIN_APPS = ("projects", "villages")

ROLE_PERMISSIONS = {
    "管理员": "all",
    "领导": [],
    "审核人": [
        "projects.change_project",
        "projects.add_milestone",
        "projects.change_milestone",
        "projects.delete_milestone",
        "projects.add_annualplan",
        "projects.change_annualplan",
        "projects.add_funding",
        "projects.change_funding",
        "projects.change_progressreport",
    ],
    "工作人员": [
        "projects.change_project",
        "projects.add_milestone",
        "projects.change_milestone",
        "projects.add_progressreport",
        "projects.change_progressreport",
        "projects.add_reportphoto",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    domain = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        if codenames == "all":
            permissions = Permission.objects.filter(
                content_type__app_label__in=(*DOMAIN_APPS, "auth", "django_celery_beat")
            )
        else:
            permissions = list(domain.filter(codename__startswith="view_"))
            for label in codenames:
                app_label, codename = label.split(".")
                permissions.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
        group.permissions.set(permissions)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("projects", "0002_workflows_and_photo_validation"),
        ("villages", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
