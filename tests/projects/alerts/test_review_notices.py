"""The review loop tells people, through the alert ledger: a submitted report its
reviewers, a returned one its author and the project's contact person (with the
reviewer's comment and the edit form's link), an approved one its author; by the bell,
by email as each user chose, and by the group-chat robot of the project's unit; exactly
once per review step, whatever the calls and scans."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from projects import services, tasks
from projects.alerts import delivery, ledger, notifications
from projects.models import (
    Notification,
    ProgressReport,
    Project,
    Reminder,
    ReportTransition,
    WebhookChannel,
)
from projects.rules import Role
from shanwang.celery import app as celery_app
from tests.conftest import with_role
from tests.factories import (
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=review-robot"
HOSTILE_COMMENT = '<img src=x onerror="alert(1)">\n请补充[现场照片](https://evil.example/x) *急*'


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


class Town:
    """A unit with a staff author, a contact person, two reviewers (one of whom edited
    the report), a retired reviewer, an administrator, and a draft report."""

    def __init__(self, *, robot_url: str | None = ROBOT, contact_is_author: bool = False):
        self.unit = ResponsibleUnitFactory()
        self.author = self.person("author", Role.STAFF)
        self.unit.members.add(self.author)
        self.contact = self.author if contact_is_author else self.person("contact", Role.STAFF)
        self.reviewer = self.person("reviewer", Role.REVIEWER)
        self.second_reviewer = self.person("reviewer2", Role.REVIEWER)
        self.retired = self.person("retired", Role.REVIEWER, is_active=False)
        self.administrator = self.person("office", Role.ADMINISTRATOR)
        self.webhook = None
        if robot_url:
            self.webhook = WebhookChannel.objects.create(
                responsible_unit=self.unit, kind=WebhookChannel.Kind.WECOM, url=robot_url
            )
        self.project = ProjectFactory(
            name="东山路<改造>",
            responsible_unit=self.unit,
            contact_person=self.contact,
            stage=Project.Stage.UNDER_CONSTRUCTION,
        )
        self.report = ProgressReportFactory(
            project=self.project,
            month=datetime.date(2026, 9, 1),
            status=ProgressReport.Status.DRAFT,
        )

    @staticmethod
    def person(name, role, **fields):
        user = UserFactory(username=f"{name}", email=f"{name}@example.test", **fields)
        return with_role(user, role)

    def step(self, transition, user, comment=""):
        services.progress_report_transition(
            report=self.report, transition=transition, acting_user=user, comment=comment
        )
        return ReportTransition.objects.filter(report=self.report).order_by("pk").last()


def recipients(step, channel=None) -> set:
    rows = Reminder.objects.filter(review_step=step)
    if channel:
        rows = rows.filter(channel=channel)
    return {(row.channel, row.recipient_id, row.webhook_id) for row in rows}


def bell(step) -> dict:
    """Return the bell's notices of ``step`` by user id."""
    return {
        notice.user_id: notice
        for notice in Notification.objects.filter(key__contains=f"|review:{step.pk}|")
    }


def test_a_submitted_report_tells_every_active_reviewer_but_its_authors():
    """Submitted: the reviewers who may approve it (bell and email) and the unit's robot;
    not the author, not a reviewer who edited the report, not a retired reviewer."""
    town = Town()
    town.report.narrative = "第二审核人改过"
    town.report._history_user = town.second_reviewer  # four eyes: now one of its authors
    town.report.save()
    step = town.step("submit", town.author)
    reviewer = town.reviewer.pk
    assert recipients(step) == {
        ("email", reviewer, None),
        ("webhook", None, town.webhook.pk),
    }
    (notice,) = bell(step).values()
    assert notice.user_id == reviewer and notice.kind == Kind.REPORT_SUBMITTED
    assert notice.url == reverse("projects:report", kwargs={"pk": town.report.pk})
    # Who, which project, which month (its words come from the catalogue).
    assert all(part in notice.title for part in ("author", "东山路<改造>", "2026年9月"))
    assert Reminder.objects.get(review_step=step, channel="email").subject == f"review:{step.pk}"


def test_a_returned_report_tells_its_author_and_the_contact_with_the_comment():
    town = Town()
    town.step("submit", town.author)
    step = town.step("return", town.reviewer, comment="请补充现场照片")
    assert recipients(step) == {
        ("email", town.author.pk, None),
        ("email", town.contact.pk, None),
        ("webhook", None, town.webhook.pk),
    }
    notices = bell(step)
    assert set(notices) == {town.author.pk, town.contact.pk}
    edit_form = reverse("projects:report_edit", kwargs={"report_pk": town.report.pk})
    assert {notice.url for notice in notices.values()} == {edit_form}
    assert {notice.body for notice in notices.values()} == {"请补充现场照片"}
    assert notices[town.author.pk].kind == Kind.REPORT_RETURNED


def test_an_author_who_is_also_the_contact_is_told_once():
    town = Town(robot_url=None, contact_is_author=True)
    town.step("submit", town.author)
    step = town.step("return", town.reviewer, comment="数字不对")
    assert recipients(step) == {("email", town.author.pk, None)}
    assert list(bell(step)) == [town.author.pk]


def test_an_approved_report_tells_its_author():
    town = Town()
    town.step("submit", town.author)
    step = town.step("approve", town.administrator)
    assert recipients(step) == {
        ("email", town.author.pk, None),
        ("webhook", None, town.webhook.pk),
    }
    (notice,) = bell(step).values()
    assert notice.user_id == town.author.pk and notice.kind == Kind.REPORT_APPROVED
    assert notice.url == reverse("projects:report", kwargs={"pk": town.report.pk})


def test_a_step_is_recorded_once_whatever_the_calls_and_scans():
    town = Town()
    step = town.step("submit", town.author)
    rows, notices = Reminder.objects.count(), Notification.objects.count()
    assert ledger.record_review_step(step) == 0
    ledger.scan(on=datetime.date(2026, 10, 13))  # a working day: the scans add no review row
    assert Reminder.objects.filter(review_step__isnull=False).count() == rows
    assert Notification.objects.filter(key__contains="review:").count() == notices


def test_email_reviews_off_keeps_the_bell_but_not_the_email():
    town = Town(robot_url=None)
    notifications.settings_save(user=town.reviewer, data={"email_reviews": False})
    step = town.step("submit", town.author)
    assert recipients(step) == {("email", town.second_reviewer.pk, None)}
    assert set(bell(step)) == {town.reviewer.pk, town.second_reviewer.pk}


def test_the_journey_makes_four_steps_notices():
    """Submit, return, submit again, approve: four steps, each with its own notices."""
    town = Town(robot_url=None)
    steps = [
        town.step("submit", town.author),
        town.step("return", town.reviewer, comment="请补充"),
        town.step("submit", town.author),
        town.step("approve", town.reviewer),
    ]
    kinds = [
        set(Reminder.objects.filter(review_step=step).values_list("kind", flat=True))
        for step in steps
    ]
    assert kinds == [
        {Kind.REPORT_SUBMITTED},
        {Kind.REPORT_RETURNED},
        {Kind.REPORT_SUBMITTED},
        {Kind.REPORT_APPROVED},
    ]
    assert len({row.subject for row in Reminder.objects.all()}) == 4
    assert Notification.objects.filter(user=town.author).count() == 2  # returned, approved


def test_a_submitted_notice_still_owed_is_cancelled_once_the_report_is_reviewed(mailbox):
    """The reviewers are not asked for a review already done: their owed "submitted"
    emails are cancelled by the next step (the author's notices stay owed)."""
    town = Town(robot_url=None)
    submitted = town.step("submit", town.author)
    approved = town.step("approve", town.reviewer)
    statuses = set(Reminder.objects.filter(review_step=submitted).values_list("status", flat=True))
    assert statuses == {Reminder.Status.CANCELLED}
    assert Reminder.objects.get(review_step=approved).status == Reminder.Status.OWED
    owed = list(Reminder.objects.values_list("pk", flat=True))
    assert delivery.deliver(owed) == 1
    assert [message.to for message in mailbox] == [[town.author.email]]


def test_the_step_is_queued_after_commit_and_delivered(
    mailbox, monkeypatch, django_capture_on_commit_callbacks
):
    """Nothing is queued inside the transaction; once it commits, the ledger's signal
    reaches the tasks, which deliver the rows."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    town = Town(robot_url=None)
    town.step("submit", town.author)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        step = town.step("return", town.reviewer, comment="请补充")
    assert mailbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert sorted(message.to[0] for message in mailbox) == [
        town.author.email,
        town.contact.email,
    ]
    assert set(Reminder.objects.filter(review_step=step).values_list("status", flat=True)) == {
        Reminder.Status.SENT
    }


def test_a_lost_queue_is_made_good_by_the_retry_sweep(mailbox, monkeypatch):
    """A review notice is due at once: when its queueing after commit was lost (the
    broker down), the ten-minute retry sweep sends it."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    town = Town(robot_url=None)
    town.step("submit", town.author)  # on_commit does not run here: nothing was queued
    assert tasks.retry_reminders() == 2
    assert len(mailbox) == 2


def test_the_comment_is_escaped_in_html_email_and_plain_in_the_subject(mailbox, settings):
    town = Town(robot_url=None, contact_is_author=True)
    town.step("submit", town.author)
    step = town.step("return", town.reviewer, comment=HOSTILE_COMMENT)
    assert delivery.deliver([Reminder.objects.get(review_step=step).pk]) == 1
    (message,) = mailbox
    assert "\n" not in message.subject
    assert all(part in message.subject for part in ("reviewer", "东山路<改造>", "2026年9月"))
    html = message.alternatives[0][0]
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "东山路&lt;改造&gt;" in html
    edit_form = reverse("projects:report_edit", kwargs={"report_pk": town.report.pk})
    assert f'href="{settings.SITE_URL}{edit_form}"' in html
    assert HOSTILE_COMMENT in message.body
    assert f"{settings.SITE_URL}{edit_form}" in message.body


@pytest.mark.parametrize("kind", ["wecom", "dingtalk"])
def test_the_comment_is_neutralised_in_the_robots_markdown(robots, kind):
    town = Town(robot_url=robots.url("/unit"))
    WebhookChannel.objects.filter(pk=town.webhook.pk).update(kind=kind)
    town.step("submit", town.author)
    step = town.step("return", town.reviewer, comment=HOSTILE_COMMENT)
    row = Reminder.objects.get(review_step=step, channel=Reminder.Channel.WEBHOOK)
    assert delivery.deliver([row.pk]) == 1
    (payload,) = robots.received["/unit"]
    text = payload["markdown"].get("content") or payload["markdown"]["text"]
    assert re.findall(r"\]\(", text) == ["]("]  # the report's link, nothing else
    assert "<img" not in text and "https://evil" not in text and "*急*" not in text
    assert "［现场照片］（https：//evil.example/x）" in text
    assert "东山路＜改造＞" in text
    edit_form = reverse("projects:report_edit", kwargs={"report_pk": town.report.pk})
    assert text.rstrip().endswith(f"{edit_form})")
    if kind == "dingtalk":
        assert "\n" not in payload["markdown"]["title"]


def test_the_settings_page_offers_the_review_emails(client):
    town = Town(robot_url=None)
    client.force_login(town.author)
    page = client.get(reverse("projects:notification_settings")).content.decode()
    assert 'name="email_reviews"' in page
    data = {
        "email_deadlines": "on",
        "email_overdue": "on",
        "email_reports": "on",
        "digest": "weekly",
    }
    client.post(reverse("projects:notification_settings"), data)
    assert notifications.settings_for(town.author).email_reviews is False


def test_the_bell_shows_the_comment_escaped_and_links_to_the_edit_form(client):
    town = Town(robot_url=None, contact_is_author=True)
    town.step("submit", town.author)
    town.step("return", town.reviewer, comment=HOSTILE_COMMENT)
    client.force_login(town.author)
    page = client.get(reverse("projects:notifications")).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page
    edit_form = reverse("projects:report_edit", kwargs={"report_pk": town.report.pk})
    assert f'href="{edit_form}"' in page
