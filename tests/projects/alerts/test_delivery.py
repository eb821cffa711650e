"""Delivery through faults and hostile text: one row's failure is recorded on that row
and the batch goes on; a user's text is plain text in every channel; robots are reached
only at allowed https addresses, and the ledger keeps their status, never their answer.

Real servers on loopback: an https robot server (tests/projects/alerts/robots.py), a
plain http server standing for an internal service, a closed port for a host that is
down, and a silent one for a host that hangs.
"""

import datetime
import http.server
import re
import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from projects import tasks
from projects.alerts import delivery, ledger
from projects.alerts.channels import robot
from projects.alerts.messages import markdown_text
from projects.models import Project, Reminder, WebhookChannel
from projects.rules import Role
from shanwang.celery import app as celery_app
from shanwang.validators import AllowedHostURLValidator
from tests.conftest import with_role
from tests.factories import MilestoneFactory, ProjectFactory, ResponsibleUnitFactory, UserFactory
from tests.projects.alerts.robots import SECRET, Silent, closed_port

pytestmark = pytest.mark.django_db
Status = Reminder.Status

# Tuesday 13 October 2026, an ordinary working day in China's calendar.
TUESDAY = datetime.date(2026, 10, 13)
HOSTILE_TITLE = '<meta http-equiv="refresh" content="0;url=https://evil.example/">\n<img src=x>'
MARKDOWN_TITLE = "[点我](https://evil.example/x)\n> ![图](https://evil.example/i.png) *急* #标题"


def owner_due(title="节点", name=None, email=True):
    """A milestone titled ``title`` due on TUESDAY, owned by a user with an address."""
    number = UserFactory._meta.model.objects.count()
    owner = UserFactory(
        username=f"owner{number}", email=f"owner{number}@example.test" if email else ""
    )
    project = ProjectFactory(contact_person=owner, stage=Project.Stage.PRELIMINARY)
    if name:
        project.name = name
        project.save()
    return MilestoneFactory(project=project, due_date=TUESDAY, owner=owner, title=title)


def robots_due(*urls, kind="wecom", title="节点", name=None):
    """A milestone due on TUESDAY of a unit with a robot at each of ``urls``."""
    unit = ResponsibleUnitFactory()
    webhooks = [
        WebhookChannel.objects.create(responsible_unit=unit, kind=kind, url=url) for url in urls
    ]
    project = ProjectFactory(
        responsible_unit=unit, stage=Project.Stage.PRELIMINARY, total_investment=Decimal(1)
    )
    if name:
        project.name = name
        project.save()
    MilestoneFactory(project=project, due_date=TUESDAY, title=title)
    return webhooks


def row(webhook=None, **filters) -> Reminder:
    if webhook is not None:
        filters["webhook"] = webhook
    return Reminder.objects.get(**filters)


def robot_text(payload) -> str:
    return payload["markdown"].get("content") or payload["markdown"]["text"]


class InternalService(http.server.BaseHTTPRequestHandler):
    """A plain http service inside the network: it must never be asked anything."""

    requests: list = []

    def do_POST(self):
        InternalService.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(SECRET.encode())

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def internal_service():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), InternalService)
    InternalService.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


# A user's text is plain text in every channel (finding 4) --------------------------------


def test_markdown_text_neutralises_every_markdown_sign():
    text = markdown_text(
        "[链接](http://e.vil/) <b>*粗*</b> _斜_ `码` #题 !图 ~~删~~ |表| \\ &lt;\r\n> 引"
    )
    assert not set(text) & set("[]()<>*_`#!~|\\&\r\n")
    assert "://" not in text
    assert text.startswith("［链接］（http：//e.vil/）")


@pytest.mark.parametrize("kind", ["wecom", "dingtalk"])
def test_a_robots_message_carries_no_markup_from_a_title(robots, kind):
    """A milestone titled with a markdown link, image and quote on two lines reaches the
    chat as text: the message's only link is the one to the project."""
    (webhook,) = robots_due(robots.url("/r"), kind=kind, title=MARKDOWN_TITLE, name="项目_[a](b)")
    assert delivery.deliver(ledger.scan(on=TUESDAY)["owed"]) == 1
    (payload,) = robots.received["/r"]
    text = robot_text(payload)
    project_url = re.search(r"\]\((http[^)]*)\)$", text).group(1)
    assert re.findall(r"\]\(", text) == ["]("]  # the project's link, nothing else
    assert project_url.endswith(webhook.responsible_unit.projects.get().get_absolute_url())
    assert "![" not in text and "evil.example/x)" not in text and "https://evil" not in text
    assert "［点我］（https：//evil.example/x）" in text
    assert len(text.splitlines()) == 5  # heading, project, milestone, due date, link
    if kind == "dingtalk":
        assert "\n" not in payload["markdown"]["title"]


def test_emails_escape_a_titles_markup_and_keep_the_subject_on_one_line(mailbox):
    """A title with markup and a line break: the subject is one line (no BadHeaderError),
    the HTML part shows the markup as text, the plain part carries it as typed."""
    milestone = owner_due(title=HOSTILE_TITLE)
    assert delivery.deliver(ledger.scan(on=TUESDAY)["owed"]) == 1
    (message,) = mailbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert '<meta http-equiv="refresh" content="0;url=https://evil.example/"> <img src=x>' in (
        message.subject
    )
    html = message.alternatives[0][0]
    assert "<meta http-equiv" not in html and "<img" not in html
    assert "&lt;meta http-equiv=&quot;refresh&quot;" in html
    assert milestone.title in message.body
    assert row().status == Status.SENT


def test_the_digest_escapes_titles_and_names(mailbox):
    """The weekly digest lists overdue milestones: their titles and projects' names
    are text in its HTML part."""
    with_role(UserFactory(username="leader", email="leader@example.test"), Role.LEADER)
    owner_due(title=HOSTILE_TITLE, name="<script>alert(1)</script>")
    # Monday 19 October 2026: the week's first working day, the milestone overdue.
    result = ledger.scan(on=datetime.date(2026, 10, 19), scans=("digest",))
    assert delivery.deliver(result["owed"]) == 1
    html = mailbox[0].alternatives[0][0]
    assert "<img" not in html and "<script" not in html and "<meta http" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# One bad row does not stop delivery (finding 5) ------------------------------------------


def test_one_bad_row_does_not_stop_the_batch(robots, mailbox, settings):
    """A batch meets a robot that is down, one answering HTTP 200 without JSON, one
    refusing and a title with a line break; every other row is sent once, each failure
    is on its own row, and the robot that took the message is not posted to again."""
    down = f"localhost:{closed_port()}"
    settings.ROBOT_WEBHOOK_HOSTS = [robots.host, down]
    unreachable, not_json, refusing, fine = robots_due(
        f"https://{down}/r", robots.url("/not-json"), robots.url("/refusing"), robots.url("/fine")
    )
    robots.answers |= {"/not-json": "not json", "/refusing": 93000}
    owner_due(title="第一行\n第二行")
    owed = ledger.scan(on=TUESDAY)["owed"]
    assert len(owed) == 5

    assert delivery.deliver(owed) == 3
    assert (row(unreachable).status, row(unreachable).attempts) == (Status.OWED, 1)
    assert row(unreachable).next_attempt_at > timezone.now()
    assert row(not_json).status == Status.SENT and "JSON" in row(not_json).last_error
    assert row(refusing).status == Status.FAILED and "93000" in row(refusing).last_error
    assert row(fine).status == Status.SENT and row(fine).last_error == ""
    assert row(channel=Reminder.Channel.EMAIL).status == Status.SENT
    assert mailbox[0].subject.endswith("“第一行 第二行”今日到期")

    Reminder.objects.filter(pk__in=owed).update(next_attempt_at=None)
    assert delivery.deliver(owed) == 0  # the robot is still down; nothing sent twice
    assert [len(robots.received[path]) for path in ("/not-json", "/refusing", "/fine")] == [
        1,
        1,
        1,
    ]
    assert len(mailbox) == 1 and row(unreachable).attempts == 2


def test_a_hanging_robot_host_costs_one_timeout_per_batch(robots, settings, monkeypatch):
    """Two robots on a host that takes the connection and never answers: the first waits
    for the connect timeout, the second is marked at once, and the third robot, on
    another host, still gets its message."""
    monkeypatch.setattr(robot, "CONNECT_TIMEOUT", 0.5)
    silent = Silent()
    settings.ROBOT_WEBHOOK_HOSTS = [robots.host, silent.host]
    first, second, fine = robots_due(silent.url("/a"), silent.url("/b"), robots.url("/fine"))
    started = time.monotonic()
    try:
        assert delivery.deliver(ledger.scan(on=TUESDAY)["owed"]) == 1
    finally:
        silent.stop()
    assert time.monotonic() - started < 5
    assert len(silent.accepted) == 1
    assert row(first).status == row(second).status == Status.OWED
    assert row(second).last_error.startswith("未发送")  # "Not tried" in the site language
    assert row(fine).status == Status.SENT


def test_the_mail_server_down_holds_back_only_the_emails(robots, mail_server_down):
    """The SMTP connection cannot be opened: the batch's emails wait for their retry and
    its robot messages go out."""
    owner_due()
    owner_due()
    (webhook,) = robots_due(robots.url("/fine"))
    assert delivery.deliver(ledger.scan(on=TUESDAY)["owed"]) == 1
    assert row(webhook).status == Status.SENT
    emails = Reminder.objects.filter(channel=Reminder.Channel.EMAIL)
    assert {(r.status, r.attempts) for r in emails} == {(Status.OWED, 1)}
    assert all(r.last_error and r.next_attempt_at for r in emails)


def test_the_backoff_doubles_up_to_its_cap():
    assert [delivery.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        5,
        10,
        20,
        40,
        80,
        160,
        320,
        360,
    ]


def test_a_row_waits_for_its_retry_and_fails_after_the_last_try(mail_server_down):
    """A row that keeps failing is skipped until its next try has come, each try waiting
    longer, and fails for good at the MAX_ATTEMPTS-th."""
    owner_due()
    owed = ledger.scan(on=TUESDAY)["owed"]
    waits = []
    for attempt in range(1, delivery.MAX_ATTEMPTS):
        before = timezone.now()
        assert delivery.deliver(owed) == 0
        reminder = row()
        assert (reminder.status, reminder.attempts) == (Status.OWED, attempt)
        waits.append(reminder.next_attempt_at - before)
        assert delivery.deliver(owed) == 0  # not yet due: not tried
        assert row().attempts == attempt
        Reminder.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    assert waits == sorted(waits) and waits[0] >= delivery.RETRY_BACKOFF
    assert delivery.deliver(owed) == 0
    reminder = row()
    assert (reminder.status, reminder.attempts) == (Status.FAILED, delivery.MAX_ATTEMPTS)
    assert reminder.next_attempt_at is None and reminder.last_error


def test_retry_reminders_queues_the_rows_whose_time_has_come(mailbox, monkeypatch):
    """The sweep sends the owed rows whose next try has come, and only those."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    due, waiting = owner_due(), owner_due()
    ledger.scan(on=TUESDAY)
    now = timezone.now()
    Reminder.objects.filter(milestone=due).update(
        attempts=1, next_attempt_at=now - datetime.timedelta(minutes=1)
    )
    Reminder.objects.filter(milestone=waiting).update(
        attempts=1, next_attempt_at=now + datetime.timedelta(minutes=5)
    )
    assert tasks.retry_reminders() == 1
    assert [message.to for message in mailbox] == [[due.owner.email]]
    assert row(milestone=due).status == Status.SENT
    assert row(milestone=waiting).status == Status.OWED
    assert tasks.retry_reminders() == 0


def test_administrators_see_the_failed_alerts_on_the_dashboard(admin_client, client):
    """The dashboard counts the alerts that failed for good, for administrators, with a
    link to them in the ledger; a reviewer sees no such count."""
    owner_due()
    owner_due()
    ledger.scan(on=TUESDAY)
    Reminder.objects.update(status=Status.FAILED, last_error="refused")
    page = admin_client.get(reverse("projects:dashboard")).content.decode()
    link = reverse("admin:projects_reminder_changelist") + "?status__exact=failed"
    assert 'data-testid="failed-reminders"' in page and f'href="{link}"' in page
    assert re.search(r"\b2\b", page.split('data-testid="failed-reminders"')[1].split("</a>")[0])
    ledger_page = admin_client.get(link)
    assert ledger_page.status_code == 200 and ledger_page.context["cl"].result_count == 2

    reviewer = with_role(UserFactory(username="reviewer"), Role.REVIEWER)
    client.force_login(reviewer)
    assert (
        'data-testid="failed-reminders"'
        not in client.get(reverse("projects:dashboard")).content.decode()
    )


# Robots only at allowed https addresses (finding 6) --------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/robot",
        "http://[::1]:{port}/robot",
        "ftp://127.0.0.1:{port}/robot",
        "https://127.0.0.1:{port}/robot",
    ],
)
def test_a_robot_address_no_longer_allowed_fails_without_a_request(robots, internal_service, url):
    """A robot saved before the rule, or whose host was struck from the setting, fails
    for good at send time, and the server asks nothing of the address."""
    url = url.format(port=internal_service)
    with pytest.raises(ValidationError) as refused:
        WebhookChannel(
            responsible_unit=ResponsibleUnitFactory(), kind="wecom", url=url
        ).full_clean()
    assert "url" in refused.value.message_dict
    (webhook,) = robots_due(url)  # as a row written before the rule
    assert delivery.deliver(ledger.scan(on=TUESDAY)["owed"]) == 0
    reminder = row(webhook)
    assert (reminder.status, reminder.attempts) == (Status.FAILED, 1)
    assert "https" in reminder.last_error and SECRET not in reminder.last_error
    assert InternalService.requests == []


def test_a_robot_struck_from_the_setting_is_not_asked(robots, settings):
    (webhook,) = robots_due(robots.url("/r"))
    settings.ROBOT_WEBHOOK_HOSTS = ["qyapi.weixin.qq.com"]
    assert delivery.deliver(ledger.scan(on=TUESDAY)["owed"]) == 0
    assert row(webhook).status == Status.FAILED and robots.received == {}


def test_a_redirect_is_not_followed(robots, internal_service):
    (webhook,) = robots_due(robots.url("/moved"))
    robots.answers["/moved"] = ("redirect", f"http://127.0.0.1:{internal_service}/internal")
    assert delivery.deliver(ledger.scan(on=TUESDAY)["owed"]) == 0
    reminder = row(webhook)
    assert reminder.status == Status.FAILED and "302" in reminder.last_error
    assert InternalService.requests == []


@pytest.mark.parametrize(
    ("answer", "status", "shown"),
    [
        ("secret", Status.OWED, "HTTP 500 Internal Server Error"),
        (("status", 404), Status.FAILED, "HTTP 404 Not Found"),
        (("status", 429), Status.OWED, "HTTP 429"),
        (93000, Status.FAILED, "93000"),
        (45009, Status.OWED, "45009"),
    ],
)
def test_the_ledger_keeps_a_robots_status_never_its_answer(robots, answer, status, shown):
    """Whatever the server wrote (its body, its own reason phrase, a robot's errmsg)
    stays out of the ledger, which reviewers read: only the status or code is kept."""
    (webhook,) = robots_due(robots.url("/r"))
    robots.answers["/r"] = answer
    assert delivery.deliver(ledger.scan(on=TUESDAY)["owed"]) == 0
    reminder = row(webhook)
    assert reminder.status == status and shown in reminder.last_error
    assert SECRET not in reminder.last_error and "s3cret" not in reminder.last_error


def test_a_setting_entry_with_a_port_allows_that_port_only(settings):
    settings.ROBOT_WEBHOOK_HOSTS = ["localhost:8443", "qyapi.weixin.qq.com"]
    allowed = AllowedHostURLValidator("ROBOT_WEBHOOK_HOSTS")
    for url in (
        "https://localhost:8443/send",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        "https://qyapi.weixin.qq.com:443/cgi-bin/webhook/send",
    ):
        allowed(url)
    for url in (
        "http://localhost:8443/send",
        "https://localhost/send",
        "https://localhost:9443/send",
        "https://qyapi.weixin.qq.com:8443/send",
        "ftp://qyapi.weixin.qq.com/send",
        "https://user:pw@qyapi.weixin.qq.com/send",
    ):
        with pytest.raises(ValidationError):
            allowed(url)


def test_an_administrator_sends_failed_alerts_again_from_the_ledger(
    admin_client, mailbox, monkeypatch, django_capture_on_commit_callbacks
):
    """The ledger's action puts failed rows back as owed, tries counted afresh, and
    queues them: the dashboard's count of failed alerts can be acted on."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    failed, sent = owner_due(), owner_due()
    ledger.scan(on=TUESDAY)
    Reminder.objects.filter(milestone=failed).update(
        status=Status.FAILED, attempts=delivery.MAX_ATTEMPTS, last_error="refused"
    )
    Reminder.objects.filter(milestone=sent).update(status=Status.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:projects_reminder_changelist"),
            {
                "action": "send_again",
                "_selected_action": list(Reminder.objects.values_list("pk", flat=True)),
            },
        )

    assert response.status_code == 302
    assert row(milestone=failed).status == Status.SENT
    assert row(milestone=failed).attempts == 1
    assert row(milestone=sent).status == Status.SENT
    assert [message.to for message in mailbox] == [[failed.owner.email]]
