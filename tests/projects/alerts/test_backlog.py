"""The first scan of a backlog: one summary per recipient, and the reviewers' escalations
as the policy chooses (docs/alerts.md)."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.alerts import delivery, ledger
from projects.alerts.messages import TitleStamps, alert_title
from projects.alerts.owed import Alert
from projects.choices import ReviewerEscalations
from projects.models import (
    Notification,
    NotificationSettings,
    Project,
    Reminder,
    ReminderPolicy,
    ResponsibleUnit,
    WebhookChannel,
)
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import MilestoneFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind
D = datetime.date
TUESDAY = D(2026, 10, 13)  # an ordinary working day, after the National Day holiday


def person(name, role=Role.STAFF):
    return with_role(UserFactory(username=name, email=f"{name}@example.com"), role)


def overdue(owner, days, *, on=TUESDAY, **project_fields):
    """A milestone of a project in preliminary work, ``days`` overdue on ``on``."""
    project_fields.setdefault("stage", Project.Stage.PRELIMINARY)
    project = ProjectFactory(contact_person=owner, **project_fields)
    return MilestoneFactory(
        project=project, due_date=on - datetime.timedelta(days=days), owner=owner
    )


class Town:
    """Two staff with a backlog, a leader over every project, a unit with its robot and
    two reviewers: one a member of the unit, one of no unit."""

    def __init__(self, robot_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"):
        self.unit = ResponsibleUnit.objects.create(name="规划建设办", kind="department")
        self.robot = WebhookChannel.objects.create(
            responsible_unit=self.unit, kind=WebhookChannel.Kind.WECOM, url=robot_url
        )
        self.leader = person("leader", Role.LEADER)
        self.member = person("member-reviewer", Role.REVIEWER)
        self.unit.members.add(self.member)
        self.outsider = person("outsider-reviewer", Role.REVIEWER)
        self.a, self.b = person("staff-a"), person("staff-b")
        in_unit = {"responsible_unit": self.unit, "supervising_leader": self.leader}
        self.a_milestones = [overdue(self.a, days, **in_unit) for days in (60, 40, 20)]
        self.b_milestones = [
            overdue(self.b, days, supervising_leader=self.leader) for days in (10, 2)
        ]


def summaries():
    """Return each summary's recipient address and count, by kind."""
    return {
        (row.kind, row.address): row.summary["count"]
        for row in Reminder.objects.filter(kind__in=[Kind.BACKLOG, Kind.ESCALATION_SUMMARY])
    }


def test_the_first_scan_sums_up_the_backlog_once_per_recipient():
    """Five milestones overdue before the first scan: no notice or escalation each, one
    summary to each owner, the unit's robot, the leader (those 7 days overdue) and each
    reviewer (those 30 days overdue), by email and the bell; the day is recorded."""
    town = Town()
    result = ledger.scan(on=TUESDAY)
    assert ReminderPolicy.current().alerts_switched_on == TUESDAY
    address = lambda user: f"user:{user.pk}"  # noqa: E731
    assert summaries() == {
        (Kind.BACKLOG, address(town.a)): 3,
        (Kind.BACKLOG, address(town.b)): 2,
        (Kind.BACKLOG, f"webhook:{town.robot.pk}"): 3,
        (Kind.BACKLOG, address(town.leader)): 4,
        (Kind.BACKLOG, address(town.member)): 2,
        (Kind.BACKLOG, address(town.outsider)): 2,
    }
    assert result["created"] == Reminder.objects.count() == 6
    assert Notification.objects.count() == 5
    assert set(Notification.objects.values_list("kind", flat=True)) == {Kind.BACKLOG}
    # The most overdue first, and the staff member's own overdue projects as the link.
    row = Reminder.objects.get(recipient=town.a)
    assert row.summary["milestones"] == [milestone.pk for milestone in town.a_milestones]
    assert row.period == TUESDAY and row.days == -60
    notice = Notification.objects.get(user=town.a)
    # The title gives the count and the switch-on day (in the site's language).
    assert "3" in notice.title and "2026-10-13" in notice.title
    assert notice.url == reverse("projects:list") + "?overdue=on&mine=on"
    assert (
        Notification.objects.get(user=town.leader).url == reverse("projects:list") + "?overdue=on"
    )


def test_a_second_scan_and_the_next_days_add_no_summary_and_no_flood():
    """Exactly once: the same day adds nothing; the next working day brings only the
    usual overdue notices of the milestones due then; an escalation past its threshold
    by the switch-on day never comes, a later one comes on its day."""
    town = Town()
    ledger.scan(on=TUESDAY)
    assert ledger.scan(on=TUESDAY)["created"] == 0
    assert Notification.objects.count() == 5
    for day in (D(2026, 10, 14), D(2026, 10, 15), D(2026, 10, 16)):
        ledger.scan(on=day)
    kinds = set(Reminder.objects.filter(owed_on__gt=TUESDAY).values_list("kind", flat=True))
    assert kinds <= {Kind.OVERDUE}
    assert Reminder.objects.filter(kind=Kind.BACKLOG).count() == 6
    # Every overdue milestone's notice once in three working days, to its owner and the
    # unit's robot: 3 rows for A's (owner and robot each), 2 for B's.
    assert Reminder.objects.filter(kind=Kind.OVERDUE).count() == 3 * 2 + 2
    # B's milestone due 11 October reaches 7 days overdue on Sunday 18 October: the
    # leader is told of it on Monday, of it only.
    ledger.scan(on=D(2026, 10, 19))
    (escalation,) = Reminder.objects.filter(kind=Kind.ESCALATION)
    assert escalation.milestone == town.b_milestones[1] and escalation.recipient == town.leader


@pytest.mark.parametrize(
    ("scope", "members", "outsiders"),
    [
        (ReviewerEscalations.OWN_UNITS, 2, 0),
        (ReviewerEscalations.DAILY_SUMMARY, 2, 2),
        (ReviewerEscalations.EVERY, 2, 2),
    ],
)
def test_the_reviewers_backlog_follows_their_scope(scope, members, outsiders):
    ReminderPolicy.objects.create(reviewer_escalations=scope)
    town = Town()
    ledger.scan(on=TUESDAY)
    counts = summaries()
    assert counts.get((Kind.BACKLOG, f"user:{town.member.pk}"), 0) == members
    assert counts.get((Kind.BACKLOG, f"user:{town.outsider.pk}"), 0) == outsiders


def escalated(scope):
    """Two milestones of the unit's projects and one of no unit reach 30 days overdue in
    the National Day holiday (alerts switched on long before): the scan of Thursday
    8 October escalates them to the reviewers as ``scope`` says."""
    ReminderPolicy.objects.create(alerts_switched_on=D(2026, 1, 5), reviewer_escalations=scope)
    town = Town()
    Reminder.objects.all().delete()
    MilestoneFactory.reset_sequence()
    for milestone in [*town.a_milestones, *town.b_milestones]:
        milestone.delete()
    for days in (1, 2):
        overdue(town.a, 0, on=D(2026, 9, days), responsible_unit=town.unit)
    overdue(town.b, 0, on=D(2026, 9, 3))
    ledger.scan(on=D(2026, 10, 8))
    return town


def test_reviewers_get_only_their_units_escalations():
    town = escalated(ReviewerEscalations.OWN_UNITS)
    rows = Reminder.objects.filter(kind=Kind.ESCALATION, subject__endswith=":reviewers")
    assert set(rows.values_list("recipient", flat=True)) == {town.member.pk}
    assert rows.count() == 2
    assert not Reminder.objects.filter(kind=Kind.ESCALATION_SUMMARY).exists()


def test_reviewers_get_every_escalation():
    town = escalated(ReviewerEscalations.EVERY)
    rows = Reminder.objects.filter(kind=Kind.ESCALATION, subject__endswith=":reviewers")
    assert sorted(rows.values_list("recipient", flat=True)) == sorted(
        [town.member.pk] * 3 + [town.outsider.pk] * 3
    )


def test_reviewers_get_one_summary_a_day_of_the_escalations():
    """One alert each, listing the three milestones escalated since the last working
    day; a second scan adds nothing, the next day has nothing new to say."""
    town = escalated(ReviewerEscalations.DAILY_SUMMARY)
    assert not Reminder.objects.filter(subject__endswith=":reviewers").exists()
    assert summaries() == {
        (Kind.ESCALATION_SUMMARY, f"user:{town.member.pk}"): 3,
        (Kind.ESCALATION_SUMMARY, f"user:{town.outsider.pk}"): 3,
    }
    assert ledger.scan(on=D(2026, 10, 8))["created"] == 0
    ledger.scan(on=D(2026, 10, 9))
    assert Reminder.objects.filter(kind=Kind.ESCALATION_SUMMARY).count() == 2
    notice = Notification.objects.get(user=town.outsider, kind=Kind.ESCALATION_SUMMARY)
    assert "3" in notice.title and "2026-10-08" in notice.title


def test_the_policy_edited_in_the_admin_takes_effect(admin_client):
    """An administrator narrows the reviewers' escalations to their own units and sets
    the switch-on day: the next scan follows both."""
    policy = ReminderPolicy.objects.create()
    page = admin_client.get(reverse("admin:projects_reminderpolicy_change", args=[policy.pk]))
    assert 'name="reviewer_escalations"' in page.content.decode()
    fields = {
        field: getattr(policy, field)
        for field in (
            "days_before",
            "overdue_every_working_days",
            "escalate_to_leader_after_days",
            "escalate_to_reviewers_after_days",
            "problem_escalate_after_working_days",
            "report_reminder_day",
        )
    }
    answer = admin_client.post(
        reverse("admin:projects_reminderpolicy_change", args=[policy.pk]),
        {
            **fields,
            "on_due_day": "on",
            "alerts_switched_on": "2026-10-13",
            "reviewer_escalations": ReviewerEscalations.OWN_UNITS,
        },
    )
    assert answer.status_code == 302
    policy.refresh_from_db()
    assert policy.reviewer_escalations == ReviewerEscalations.OWN_UNITS
    town = Town()
    ledger.scan(on=TUESDAY)
    assert (Kind.BACKLOG, f"user:{town.outsider.pk}") not in summaries()
    assert summaries()[(Kind.BACKLOG, f"user:{town.member.pk}")] == 2


def test_summaries_follow_the_email_settings():
    """A staff member who switched off overdue emails gets the summary in the bell only."""
    town = Town()
    NotificationSettings.objects.create(user=town.a, email_overdue=False)
    ledger.scan(on=TUESDAY)
    assert not Reminder.objects.filter(recipient=town.a).exists()
    assert Notification.objects.get(user=town.a).kind == Kind.BACKLOG
    assert Reminder.objects.filter(recipient=town.b, kind=Kind.BACKLOG).exists()


def test_a_summary_escapes_the_names_on_every_channel(robots, settings):
    """A project named with markup: escaped in the HTML email, as typed in the text, made
    inert in the robot's markdown."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    town = Town(robot_url=robots.url("/robot"))
    Project.objects.filter(pk=town.a_milestones[0].project_id).update(name="<b>x</b> *y*")
    result = ledger.scan(on=TUESDAY)
    assert delivery.deliver(result["owed"]) == 6
    (message,) = [email for email in mail.outbox if email.to == ["staff-a@example.com"]]
    assert "<b>x</b> *y*" in message.body
    assert "3" in message.subject and "<" not in message.subject
    html = message.alternatives[0][0]
    assert "&lt;b&gt;x&lt;/b&gt; *y*" in html and "<b>x</b>" not in html
    assert "/projects/?overdue=on&amp;mine=on" in html
    (payload,) = robots.received["/robot"]
    text = payload["markdown"]["content"]
    assert "＜b＞x＜/b＞ ＊y＊" in text
    assert "<b>" not in text and "*y*" not in text
    assert all(milestone.title in text for milestone in town.a_milestones)


def test_a_summary_lists_ten_and_counts_the_rest(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = person("busy")
    for days in range(1, 13):
        overdue(owner, days)
    delivery.deliver(ledger.scan(on=TUESDAY)["owed"])
    (message,) = mail.outbox
    listed = [line for line in message.body.splitlines() if line.startswith("- 2026-")]
    assert len(listed) == 10 and listed[0].startswith("- 2026-10-01 ")  # 12 days overdue
    assert " 2 " in message.body.split(listed[-1])[1].splitlines()[1]  # "and 2 more"


def test_a_backlog_costs_the_same_queries_whatever_its_size():
    def queries(count):
        owner = person(f"owner-{count}")
        for days in range(1, count + 1):
            overdue(owner, days)
        with CaptureQueriesContext(connection) as captured:
            ledger.scan(on=TUESDAY)
        Reminder.objects.all().delete()
        Notification.objects.all().delete()
        ReminderPolicy.objects.all().delete()
        return len(captured)

    assert queries(3) == queries(30)


def test_the_first_scan_in_a_year_without_known_holidays():
    """4 January 2027: Monday to Friday count, and the backlog is summed up."""
    owner = person("owner")
    overdue(owner, 10, on=D(2027, 1, 4))
    result = ledger.scan(on=D(2027, 1, 4))
    assert result["working_day"] and result["unknown_years"] == [2027]
    assert summaries() == {(Kind.BACKLOG, f"user:{owner.pk}"): 1}


def test_title_stamps_give_the_rendered_titles():
    """The titles a scan stamps are those each alert's own rendering gives, for names
    with spaces, line breaks and markup."""
    owner = person("owner")
    milestone = overdue(owner, 3)
    Project.objects.filter(pk=milestone.project_id).update(name="  a\n<b>b</b>  c ")
    milestone.refresh_from_db()
    milestone.title = "x\t*y*\n"
    project = milestone.project
    stamps = TitleStamps()
    for kind, days in (
        (Kind.UPCOMING, 3),
        (Kind.DUE, 0),
        (Kind.OVERDUE, -3),
        (Kind.ESCALATION, -9),
    ):
        alert = Alert(kind, "s", TUESDAY, days, project, milestone, user=owner)
        assert stamps.title(alert) == alert_title(alert)
        assert stamps.url(alert) == project.get_absolute_url()
    funds = Alert(Kind.FUNDS_IDLE, "f", TUESDAY.replace(day=1), 0, project, user=owner)
    assert stamps.title(funds) == alert_title(funds)
