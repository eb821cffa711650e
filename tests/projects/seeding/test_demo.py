"""Demo data is clearly marked, idempotent and removable without touching real records."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from projects.models import AnnualPlan, Milestone, ProgressReport, Project, ResponsibleUnit
from projects.seeding import demo

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 7, 15)


def snapshot():
    return {
        "users": get_user_model().objects.count(),
        "plans": AnnualPlan.objects.count(),
        "milestones": Milestone.objects.count(),
        "reports": ProgressReport.objects.count(),
        "units": ResponsibleUnit.objects.count(),
        "contacts": Project.objects.filter(contact_person__isnull=False).count(),
    }


def test_seed_is_marked_idempotent_and_removable():
    call_command("load_report_data")
    before = snapshot()
    created = demo.seed(today=TODAY)
    assert created["user"] == len(demo.DEMO_USERS)
    assert created["progress report"] > 0 and created["milestone"] > 0
    assert not ProgressReport.objects.filter(is_demo=False).exists()
    assert not Milestone.objects.filter(is_demo=False).exists()
    assert all(
        title.startswith("【演示】") for title in Milestone.objects.values_list("title", flat=True)
    )
    after_first = snapshot()
    assert sum(demo.seed(today=TODAY).values()) == 0
    assert snapshot() == after_first
    demo.remove()
    assert snapshot() == before
    # The report's own plans survive.
    assert AnnualPlan.objects.filter(year=2024, is_demo=False).exists()


def test_demo_accounts_can_log_in_with_their_roles(client):
    demo.seed(today=TODAY)
    response = client.post(
        "/accounts/login/", {"username": "demo-staff", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    users = get_user_model().objects.filter(username__startswith="demo-")
    roles = {user.username: set(user.groups.values_list("name", flat=True)) for user in users}
    assert roles == {
        "demo-admin": {"管理员"},
        "demo-leader": {"领导"},
        "demo-reviewer": {"审核人"},
        "demo-staff": {"工作人员"},
        "demo-staff2": {"工作人员"},
    }
    assert users.get(username="demo-admin").is_superuser


@override_settings(DEBUG=False)
def test_refused_in_production_without_force():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")


def test_remove_command(capsys):
    demo.seed(today=TODAY)
    call_command("seed_demo", "--remove")
    assert not demo.demo_users().exists()
    assert "Removed" in capsys.readouterr().out
