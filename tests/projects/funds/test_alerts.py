"""The funds alerts through the ledger (owed.funds_alerts): idle funds and payments
behind the progress, owed once a month per project to its contact person and its
supervising leader, with the project's figures in the message and the user's text
neutralised in the robots' markdown."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from projects.alerts import delivery, ledger, messages
from projects.choices import FundEntryKind
from projects.models import Notification, Project, Reminder
from projects.rules import Role
from tests.cast import person
from tests.factories import ProgressReportFactory

from .factories import entry, funding

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind
R, P = FundEntryKind.ARRIVED, FundEntryKind.PAID
# Working days: Monday 2 and Tuesday 3 March 2026, Wednesday 1 April 2026.
MONDAY, TUESDAY, APRIL = (
    datetime.date(2026, 3, 2),
    datetime.date(2026, 3, 3),
    datetime.date(2026, 4, 1),
)


@pytest.fixture
def town():
    contact = person("contact", Role.STAFF, email="contact@example.cn")
    leader = person("leader", Role.LEADER, email="leader@example.cn")
    idle = Project.objects.create(
        name="山王村*道路*[改造](http://x)", contact_person=contact, supervising_leader=leader
    )
    row = funding(idle)
    entry(row, R, datetime.date(2025, 10, 1), "200")
    entry(row, P, datetime.date(2025, 12, 1), "20")
    behind = Project.objects.create(name="闪冲村供水", contact_person=contact)
    row = funding(behind)
    entry(row, R, datetime.date(2026, 2, 1), "100")
    ProgressReportFactory(
        project=behind, month=datetime.date(2026, 2, 1), physical_progress=Decimal("60")
    )
    fine = Project.objects.create(name="林场村苗圃", contact_person=contact)
    entry(funding(fine), R, datetime.date(2025, 1, 1), "10")
    entry(funding(fine, "村集体"), P, datetime.date(2025, 2, 1), "10")
    cancelled = Project.objects.create(
        name="已取消项目", contact_person=contact, stage=Project.Stage.CANCELLED
    )
    entry(funding(cancelled), R, datetime.date(2025, 1, 1), "10")
    return {"contact": contact, "leader": leader, "idle": idle, "behind": behind}


def owed(**filters):
    return sorted(
        Reminder.objects.filter(**filters).values_list("kind", "subject", "period", "recipient")
    )


def test_owed_once_a_month_to_the_contact_person_and_the_leader(town):
    ledger.scan(on=MONDAY, scans=("funds",))
    contact, leader = town["contact"].pk, town["leader"].pk
    idle, behind = town["idle"].pk, town["behind"].pk
    march = datetime.date(2026, 3, 1)
    assert owed() == sorted(
        [
            (Kind.FUNDS_IDLE, f"funds:{idle}:idle", march, contact),
            (Kind.FUNDS_IDLE, f"funds:{idle}:idle", march, leader),
            (Kind.FUNDS_BEHIND_PROGRESS, f"funds:{behind}:behind", march, contact),
        ]
    )
    assert Notification.objects.count() == 3
    assert ledger.scan(on=TUESDAY, scans=("funds",))["created"] == 0
    assert Notification.objects.count() == 3
    ledger.scan(on=APRIL, scans=("funds",))
    assert len(owed(period=datetime.date(2026, 4, 1))) == 3


def test_the_message_gives_the_figures_and_neutralises_the_name(town, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ledger.scan(on=MONDAY, scans=("funds",))
    reminder = Reminder.objects.filter(kind=Kind.FUNDS_IDLE, recipient=town["leader"]).get()
    with translation.override("en"):
        context = messages.message_context(reminder)
    assert context["funds"]["paid"].startswith("20.00")
    assert context["funds"]["rate"] == "10.0%"
    assert context["item_url"].endswith(f"/projects/{town['idle'].pk}/funds/")
    robot = messages.robot_context(reminder)
    assert "*" not in robot["project"] and "](" not in robot["project"]
    assert robot["funds"]["arrived"].startswith("200.00")
    assert town["idle"].name in messages.alert_title(reminder)
    assert delivery.deliver([reminder.pk]) == 1
    (message,) = mail.outbox
    assert "10.0%" in message.body and "200.00" in message.body
