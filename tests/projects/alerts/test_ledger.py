"""Who gets which alert on which day, on China's working days, exactly once."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from projects.alerts import delivery, ledger
from projects.alerts.workdays import WorkingDays, years_without_holidays
from projects.choices import ReviewerEscalations
from projects.models import (
    CalendarDay,
    Milestone,
    Notification,
    NotificationSettings,
    ProgressReport,
    Project,
    Reminder,
    ReminderPolicy,
    ResponsibleUnit,
    WebhookChannel,
)
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import MilestoneFactory, ProgressReportFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind
D = datetime.date

# 2026 in China: 1–7 October is the National Day holiday, Saturday 10 October is an
# adjusted working day; Tuesday 13 October is an ordinary working day.
TUESDAY = D(2026, 10, 13)


def person(name, role=Role.STAFF):
    return with_role(UserFactory(username=name, email=f"{name}@example.com"), role)


@pytest.fixture
def owner():
    return person("owner")


def milestone_due(due, owner, **project_fields):
    """A milestone of a project in preliminary work (so no monthly report is owed)."""
    project_fields.setdefault("stage", Project.Stage.PRELIMINARY)
    project = ProjectFactory(contact_person=owner, **project_fields)
    return MilestoneFactory(project=project, due_date=due, owner=owner)


def owed(on):
    ledger.scan(on=on)
    return set(Reminder.objects.filter(owed_on=on).values_list("kind", "address", "days", "period"))


class TestWorkingDays:
    def test_official_holidays_and_adjusted_weekends(self):
        calendar = WorkingDays(D(2026, 9, 1), D(2026, 10, 31))
        assert not calendar.is_working_day(D(2026, 10, 1))  # National Day
        assert calendar.is_working_day(D(2026, 10, 10))  # a Saturday worked
        assert not calendar.is_working_day(D(2026, 10, 11))  # an ordinary Sunday
        assert calendar.previous_working_day(D(2026, 10, 8)) == D(2026, 9, 30)

    def test_the_admins_table_overrides_the_package(self):
        CalendarDay.objects.create(date=TUESDAY, is_working_day=False, name="临时放假")
        CalendarDay.objects.create(date=D(2026, 10, 11), is_working_day=True, name="调休")
        calendar = WorkingDays(TUESDAY, TUESDAY)
        assert not calendar.is_working_day(TUESDAY)
        assert calendar.is_working_day(D(2026, 10, 11))

    def test_an_unknown_year_falls_back_to_monday_to_friday_with_a_warning(self, caplog):
        calendar = WorkingDays(D(2027, 1, 1), D(2027, 1, 8))
        with caplog.at_level(logging.WARNING):
            assert calendar.is_working_day(D(2027, 1, 1))  # a Friday
            assert not calendar.is_working_day(D(2027, 1, 2))
        assert "2027" in caplog.text
        assert calendar.unknown_years == {2027}
        assert years_without_holidays([2026, 2027]) == [2027]
        CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")
        assert years_without_holidays([2027]) == []
        assert not WorkingDays(D(2027, 1, 1), D(2027, 1, 1)).is_working_day(D(2027, 1, 1))

    def test_new_years_day_2027_still_scans(self, owner):
        """On 1 January 2027 the scan works (Monday to Friday) and says why."""
        milestone_due(D(2027, 1, 4), owner)
        result = ledger.scan(on=D(2027, 1, 1))
        assert result["working_day"] and result["unknown_years"] == [2027]
        assert result["created"] == 1


class TestDeadlines:
    def test_days_before_due_day_and_overdue_every_three_working_days(self, owner):
        milestone = milestone_due(TUESDAY, owner)
        address = f"user:{owner.pk}"
        assert owed(D(2026, 10, 12)) == {(Kind.UPCOMING, address, 1, D(2026, 10, 12))}
        assert owed(TUESDAY) == {(Kind.DUE, address, 0, TUESDAY)}
        # Overdue on the 1st, 4th and 7th working day after the due date.
        assert owed(D(2026, 10, 14)) == {(Kind.OVERDUE, address, -1, D(2026, 10, 14))}
        assert owed(D(2026, 10, 15)) == set()
        assert owed(D(2026, 10, 16)) == set()
        assert owed(D(2026, 10, 19)) == {(Kind.OVERDUE, address, -6, D(2026, 10, 19))}
        assert Reminder.objects.filter(milestone=milestone).count() == 4

    def test_seven_and_three_days_before(self, owner):
        milestone_due(D(2026, 10, 23), owner)  # a Friday
        assert {kind for kind, *_ in owed(D(2026, 10, 16))} == {Kind.UPCOMING}
        assert {days for _, _, days, _ in owed(D(2026, 10, 20))} == {3}

    def test_a_holidays_alerts_go_out_on_the_next_working_day(self, owner):
        """7 and 3 days before 9 October fall in the National Day holiday: no scan sends
        anything then, and the nearest notice goes out on Thursday 8 October."""
        milestone_due(D(2026, 10, 9), owner)
        for holiday in (D(2026, 10, 2), D(2026, 10, 6)):
            assert ledger.scan(on=holiday)["working_day"] is False
        assert owed(D(2026, 10, 8)) == {(Kind.UPCOMING, f"user:{owner.pk}", 1, D(2026, 10, 8))}

    def test_an_adjusted_working_saturday_sends(self, owner):
        milestone_due(D(2026, 10, 11), owner)  # due on a Sunday
        assert owed(D(2026, 10, 10)) == {(Kind.UPCOMING, f"user:{owner.pk}", 1, D(2026, 10, 10))}

    def test_escalation_to_the_leader_and_then_the_reviewers(self, owner):
        """With every escalation to the reviewers chosen (the default is a daily summary)."""
        ReminderPolicy.objects.create(reviewer_escalations=ReviewerEscalations.EVERY)
        leader, reviewer = person("leader", Role.LEADER), person("reviewer", Role.REVIEWER)
        milestone_due(D(2026, 9, 1), owner, supervising_leader=leader)
        escalations = lambda on: {  # noqa: E731
            address for kind, address, _, _ in owed(on) if kind == Kind.ESCALATION
        }
        assert escalations(D(2026, 9, 7)) == set()
        assert escalations(D(2026, 9, 8)) == {f"user:{leader.pk}"}
        assert escalations(D(2026, 9, 30)) == set()  # already escalated: once only
        assert escalations(D(2026, 10, 8)) == {f"user:{reviewer.pk}"}

    def test_completed_milestones_cancel_what_is_owed(self, owner):
        milestone = milestone_due(TUESDAY, owner)
        ledger.scan(on=TUESDAY)
        milestone.completed_on = TUESDAY
        milestone.save()
        result = ledger.scan(on=TUESDAY)
        assert result["cancelled"] == 1 and result["owed"] == []
        assert Reminder.objects.get().status == Reminder.Status.CANCELLED

    def test_a_second_scan_the_same_day_adds_nothing(self, owner):
        for index in range(3):
            milestone_due(TUESDAY, person(f"owner{index}"))
        first = ledger.scan(on=TUESDAY)
        second = ledger.scan(on=TUESDAY)
        assert first["created"] == 3 and second["created"] == 0
        assert sorted(first["owed"]) == sorted(second["owed"])
        assert Notification.objects.count() == 3

    def test_email_switched_off_leaves_the_bell(self, owner):
        NotificationSettings.objects.create(user=owner, email_deadlines=False)
        milestone_due(TUESDAY, owner)
        ledger.scan(on=TUESDAY)
        assert not Reminder.objects.exists()
        assert Notification.objects.get(user=owner).kind == Kind.DUE


class TestReportsAndDigest:
    def test_report_reminder_on_the_20th_and_overdue_on_the_1st(self, owner):
        project = ProjectFactory(contact_person=owner, stage=Project.Stage.UNDER_CONSTRUCTION)
        ProjectFactory(contact_person=owner, stage=Project.Stage.PLANNING)
        assert owed(D(2026, 10, 20)) == {(Kind.REPORT_DUE, f"user:{owner.pk}", 0, D(2026, 10, 1))}
        # 1 November 2026 is a Sunday: the overdue notice waits for Monday the 2nd.
        assert ledger.scan(on=D(2026, 11, 1))["working_day"] is False
        assert {kind for kind, *_ in owed(D(2026, 11, 2))} == {Kind.REPORT_OVERDUE}
        ProgressReportFactory(
            project=project, month=D(2026, 10, 1), status=ProgressReport.Status.SUBMITTED
        )
        # Both the October reminder and its overdue notice are moot now.
        assert ledger.cancel_moot() == 2

    def test_weekly_digest_on_the_first_working_day_of_the_week(self):
        leader, reviewer = person("leader", Role.LEADER), person("reviewer", Role.REVIEWER)
        person("staff")
        NotificationSettings.objects.create(user=reviewer, digest="never")
        # The week of 5 October is a holiday until Thursday 8 October.
        assert owed(D(2026, 10, 8)) == {(Kind.DIGEST, f"user:{leader.pk}", 0, D(2026, 10, 5))}
        # 9 October is October's second working day: only the monthly briefing is owed.
        assert {kind for kind, *_ in owed(D(2026, 10, 9))} == {Kind.BRIEFING}
        assert Notification.objects.filter(user=reviewer, kind=Kind.DIGEST).exists()


class TestDelivery:
    def test_emails_in_chinese_once_in_one_connection(self, owner, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        milestone = milestone_due(TUESDAY, owner)
        milestone.title = "主体封顶"
        milestone.save()
        result = ledger.scan(on=TUESDAY)
        assert delivery.deliver(result["owed"]) == 1
        assert delivery.deliver(result["owed"]) == 0  # already sent: nothing twice
        message = mail.outbox[0]
        assert message.subject == f"【节点提醒】{milestone.project.name}“主体封顶”今日到期"
        assert "今日到期" in message.body and "/projects/" in message.body
        assert "/notifications/settings/" in message.body
        html = message.alternatives[0]
        assert html[1] == "text/html" and "主体封顶" in html[0]
        reminder = Reminder.objects.get()
        assert (reminder.status, reminder.attempts) == (Reminder.Status.SENT, 1)

    def test_a_failed_send_stays_owed_with_its_error(self, owner, settings):
        """The mail server down: the row stays owed with its error and the time of its
        next try, and deliver() raises nothing."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
        milestone_due(TUESDAY, owner)
        result = ledger.scan(on=TUESDAY)
        assert delivery.deliver(result["owed"]) == 0
        reminder = Reminder.objects.get()
        assert reminder.status == Reminder.Status.OWED
        assert reminder.attempts == 1 and reminder.last_error
        assert reminder.next_attempt_at > timezone.now()

    def test_send_reminders_command(self, owner, settings, capsys):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        milestone_due(TUESDAY, owner)
        call_command("send_reminders", "--date", "2026-10-13", "--dry-run")
        assert "Dry run" in capsys.readouterr().out
        assert not Reminder.objects.exists() and not mail.outbox
        call_command("send_reminders", "--date", "2026-10-13")
        assert "Sent 1 of 1" in capsys.readouterr().out
        assert len(mail.outbox) == 1
        call_command("send_reminders", "--date", "2026-10-13")
        assert len(mail.outbox) == 1


@pytest.mark.parametrize("kind", ["wecom", "dingtalk"])
def test_group_chat_robots_get_their_units_alerts(owner, robots, kind):
    unit = ResponsibleUnit.objects.create(name="测试单位", kind="department")
    WebhookChannel.objects.create(responsible_unit=unit, kind=kind, url=robots.url("/robot"))
    milestone_due(TUESDAY, None, responsible_unit=unit, total_investment=Decimal(1))
    result = ledger.scan(on=TUESDAY)
    assert delivery.deliver(result["owed"]) == 1
    (payload,) = robots.received["/robot"]
    assert payload["msgtype"] == "markdown"
    text = payload["markdown"]["content" if kind == "wecom" else "text"]
    assert "今日到期" in text
    if kind == "dingtalk":
        assert "今日到期" in payload["markdown"]["title"]
    # A wrong or revoked robot address fails for good: recorded, not retried forever.
    robots.answers["/robot"] = 93000
    Reminder.objects.update(status=Reminder.Status.OWED)
    assert delivery.deliver(result["owed"]) == 0
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.FAILED and "93000" in reminder.last_error


def test_milestones_without_anyone_to_tell_are_skipped():
    MilestoneFactory(due_date=TUESDAY)
    assert ledger.scan(on=TUESDAY)["created"] == 0
    assert Milestone.objects.count() == 1
