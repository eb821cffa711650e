"""Approvals through the alert ledger: an approval unsettled past its planned date is
owed its notices once (to its responsible person, else the project's contact person,
and the unit's robot), escalated to the supervising leader like a milestone, cancelled
once settled; its messages name it, the robot's with every user text neutralised."""

import datetime
import inspect

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from projects import tasks
from projects.alerts import ledger, messages
from projects.alerts.owed import SCANS
from projects.approvals import services
from projects.models import ApprovalItem, Reminder, WebhookChannel

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind
D = datetime.date
# Monday 9 November 2026 is the planned date; Tuesday 10 November the first working day
# after it, Monday 16 November seven days after it (the leader's escalation).
PLANNED = D(2026, 11, 9)
HOSTILE = "施工许可[点我](https://evil.example/x) *急*"


@pytest.fixture(name="approval")
def approval_fixture(cast):
    WebhookChannel.objects.create(
        responsible_unit=cast.unit_a,
        kind=WebhookChannel.Kind.WECOM,
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=unit-a",
    )
    return services.approval_update(
        cast.item("施工许可"),
        user=cast.administrator,
        planned_date=PLANNED,
        responsible_person=cast.staff_a,
        status=ApprovalItem.Status.IN_PROGRESS,
    )


def owed(on, approval) -> set:
    ledger.scan(on=on, scans=("approvals",))
    rows = Reminder.objects.filter(owed_on=on, approval_item=approval)
    return set(rows.values_list("kind", "address", "subject", "status"))


def test_an_overdue_approval_is_owed_once_to_its_person_and_the_robot(cast, approval):
    robot = WebhookChannel.objects.get()
    subject = f"approval:{approval.pk}"
    expected = {
        (Kind.OVERDUE, f"user:{cast.staff_a.pk}", subject, Reminder.Status.OWED),
        (Kind.OVERDUE, f"webhook:{robot.pk}", subject, Reminder.Status.OWED),
    }
    assert owed(D(2026, 11, 10), approval) == expected
    assert ledger.scan(on=D(2026, 11, 10), scans=("approvals",))["created"] == 0
    assert owed(D(2026, 11, 10), approval) == expected


def test_without_a_person_the_contact_person_is_told(cast, approval):
    services.approval_update(approval, user=cast.administrator, responsible_person=None)
    addresses = {address for _kind, address, *_rest in owed(D(2026, 11, 10), approval)}
    assert f"user:{cast.contact.pk}" in addresses


def test_the_leader_is_told_once_a_week_after_the_planned_date(cast, approval):
    assert not Reminder.objects.filter(recipient=cast.leader).exists()
    ledger.scan(on=D(2026, 11, 13), scans=("approvals",))
    assert not Reminder.objects.filter(recipient=cast.leader).exists()
    ledger.scan(on=D(2026, 11, 16), scans=("approvals",))
    ledger.scan(on=D(2026, 11, 17), scans=("approvals",))
    escalations = Reminder.objects.filter(recipient=cast.leader, kind=Kind.ESCALATION)
    assert list(escalations.values_list("subject", "period")) == [
        (f"approval:{approval.pk}:leader", PLANNED)
    ]


def test_settling_the_approval_cancels_what_is_still_owed(cast, approval):
    ledger.scan(on=D(2026, 11, 10), scans=("approvals",))
    services.approval_update(
        approval,
        user=cast.staff_a,
        status=ApprovalItem.Status.OBTAINED,
        actual_date=D(2026, 11, 10),
    )
    assert ledger.scan(on=D(2026, 11, 11), scans=("approvals",))["cancelled"] == 2
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.CANCELLED}
    assert ledger.scan(on=D(2026, 11, 12), scans=("approvals",))["created"] == 0


def test_the_daily_deadline_task_runs_the_approvals_scan():
    assert "approvals" in SCANS
    assert '"approvals"' in inspect.getsource(tasks.scan_deadlines)


def test_the_messages_name_the_approval_and_neutralise_user_text(cast, approval):
    ApprovalItem.objects.filter(pk=approval.pk).update(name=HOSTILE)
    ledger.scan(on=D(2026, 11, 10), scans=("approvals",))
    robot_row = Reminder.objects.get(channel=Reminder.Channel.WEBHOOK)
    email_row = Reminder.objects.get(channel=Reminder.Channel.EMAIL)
    with translation.override("en"):
        title = messages.alert_title(email_row)
        assert HOSTILE in title and cast.project.name in title
        assert "已超过计划日期1天" in title
        context = messages.robot_context(robot_row)
        robot = render_to_string("emails/reminder_robot.md", context)
        text = render_to_string("emails/reminder.txt", messages.message_context(email_row))
    assert "](https://evil" not in robot and "[点我]" not in robot
    assert "#approvals" in robot and "#approvals" in text
    assert HOSTILE in text
