"""The four role groups exist after every migrate, with their default permissions."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from projects.roles import ensure_role_groups
from projects.rules import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def codenames(role):
    return set(Group.objects.get(name=role.value).permissions.values_list("codename", flat=True))


def test_every_role_has_its_group():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


def test_default_permissions():
    assert {"add_user", "change_project", "delete_village"} <= codenames(Role.ADMINISTRATOR)
    assert {"view_project", "view_village"} <= codenames(Role.LEADER)
    assert not {code for code in codenames(Role.LEADER) if not code.startswith("view_")}
    assert {"change_project", "change_progressreport"} <= codenames(Role.REVIEWER)
    assert "add_progressreport" not in codenames(Role.REVIEWER)
    assert {"add_progressreport", "add_reportphoto"} <= codenames(Role.STAFF)
    assert "change_village" not in codenames(Role.STAFF)


def test_groups_changed_by_admins_are_kept():
    leader = Group.objects.get(name=Role.LEADER.value)
    leader.permissions.clear()
    ensure_role_groups()
    assert not leader.permissions.exists()


def test_a_user_without_a_role_reads_nothing(client):
    client.force_login(UserFactory())
    assert client.get(reverse("projects:dashboard")).status_code == 403
    assert client.get(reverse("projects:list")).status_code == 403
