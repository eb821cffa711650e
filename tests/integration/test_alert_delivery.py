"""Deadline alerts reach every owner exactly once, through real faults.

Real processes, nothing of ours mocked: the PostgreSQL test database, Redis as the
broker, Celery workers started as subprocesses (prefork) and an SMTP server on loopback
that counts what it accepts. Each scenario prints one line,
``fault=<name> due=N sent=N lost=N duplicated=N``: due is the emails the ledger owes,
sent the distinct (recipient, subject) pairs the SMTP server accepted, lost the owed
ones it never accepted and duplicated those it accepted more than once.
"""

import datetime
import math
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from projects import tasks
from projects.alerts import delivery, ledger, messages
from projects.models import Reminder, WebhookChannel
from tests.factories import MilestoneFactory, ProjectFactory, ResponsibleUnitFactory, UserFactory
from tests.integration.conftest import TableLock, other_sessions, wait_until
from tests.projects.alerts.robots import closed_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Tuesday 10 March 2026 and the Wednesday after are ordinary working days in China's 2026
# calendar; so is the Monday before, hence no weekly digest and no monthly report is owed.
DUE_DAY = datetime.date(2026, 3, 10)
NEXT_DAY = datetime.date(2026, 3, 11)
OWNERS = 30


@dataclass(frozen=True)
class Tally:
    due: int
    sent: int
    lost: int
    duplicated: int
    unexpected: int

    @classmethod
    def of(cls, owed: set, received) -> "Tally":
        return cls(
            due=len(owed),
            sent=len(received),
            lost=len(owed - set(received)),
            duplicated=sum(1 for copies in received.values() if copies > 1),
            unexpected=len(set(received) - owed),
        )

    def __str__(self):
        return f"due={self.due} sent={self.sent} lost={self.lost} duplicated={self.duplicated}"


def ledger_emails(*, exclude=()) -> set[tuple[str, str]]:
    """Return the (recipient, subject) of every email the ledger owes or has sent."""
    reminders = (
        Reminder.objects.filter(channel=Reminder.Channel.EMAIL)
        .exclude(status=Reminder.Status.CANCELLED)
        .select_related("recipient", "project", "milestone")
    )
    return {
        (reminder.recipient.email, messages.alert_title(reminder))
        for reminder in reminders
        if reminder.recipient.email not in exclude
    }


def owed_unsent() -> int:
    return Reminder.objects.filter(status=Reminder.Status.OWED).count()


def batches(reminder_ids) -> int:
    return math.ceil(len(reminder_ids) / delivery.BATCH_SIZE)


def wait_delivered(workers, *, tasks: int, timeout: float = 60):
    """Wait until the workers finished ``tasks`` delivery tasks and nothing is owed."""
    workers.wait(
        lambda: workers.succeeded() >= tasks and owed_unsent() == 0,
        timeout=timeout,
        what=f"{tasks} delivery task(s) to finish with nothing left owed",
    )


def scan_in_thread(on: datetime.date, *, queue: bool = True) -> dict:
    """Run a scan in this thread's own database session, as a second beat would."""
    try:
        return ledger.scan(on=on, queue=tasks.queue_delivery if queue else None)
    finally:
        connection.close()


def overlapping_scans(on: datetime.date, *, queue: bool = True) -> list[dict]:
    """Run two scans whose transactions overlap: both are let go only once both wait
    to write the ledger."""
    with ThreadPoolExecutor(2) as pool, TableLock(Reminder) as lock:
        scans = [pool.submit(scan_in_thread, on, queue=queue) for _ in range(2)]
        wait_until(
            lambda: lock.waiting() == 2,
            timeout=30,
            what="both scans to wait to write the ledger",
            check=lambda: [scan.result() for scan in scans if scan.done()],
        )
        lock.release()
        return [scan.result(timeout=60) for scan in scans]


def assert_exactly_once(tally: Tally, *, due: int = OWNERS):
    assert (tally.due, tally.lost, tally.duplicated, tally.unexpected) == (due, 0, 0, 0)


@pytest.fixture
def milestones_due(settings):
    """Open milestones due on DUE_DAY, each with an owner who has an email address."""
    # Hashing 30 passwords the production way would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return [
        MilestoneFactory(
            due_date=DUE_DAY,
            owner=UserFactory(username=f"owner{number}", email=f"owner{number}@example.test"),
        )
        for number in range(OWNERS)
    ]


@pytest.fixture
def fault_line(capsys, mail_server):
    """Print the scenario's line when it ends, passed or not, and keep its tally."""

    @contextmanager
    def report(fault: str, *, refused=()):
        outcome = SimpleNamespace(tally=None)
        try:
            yield outcome
        finally:
            try:
                outcome.tally = Tally.of(ledger_emails(exclude=refused), mail_server.snapshot())
                line = f"fault={fault} {outcome.tally}"
            except Exception as error:  # keep the scenario's own failure in view
                line = f"fault={fault} (no tally: {error!r})"
            with capsys.disabled():
                print(f"\n{line}")

    return report


def test_baseline_each_reminder_is_emailed_once(milestones_due, workers, fault_line):
    """A scan queues delivery and the worker emails every owed reminder once; a second
    scan the same day, and the same batch delivered again by the broker, send nothing."""
    with fault_line("baseline") as outcome:
        workers.start()
        first = tasks.scan_and_queue(on=DUE_DAY)
        assert len(first["owed"]) == OWNERS
        wait_delivered(workers, tasks=batches(first["owed"]))

        second = tasks.scan_and_queue(on=DUE_DAY)
        assert (second["created"], second["owed"]) == (0, [])
        tasks.queue_delivery(first["owed"])
        wait_delivered(workers, tasks=2 * batches(first["owed"]))
    assert_exactly_once(outcome.tally)


def test_smtp_421_is_retried_with_backoff(milestones_due, workers, mail_server, fault_line):
    """The mail server answering 421 (service not available) twice: those two rows wait
    for their next try and the rest of the batch goes on; the retry sweep sends them
    once their time has come, and every reminder goes out exactly once."""
    mail_server.refuse_data = 2
    with fault_line("smtp_421") as outcome:
        workers.start()
        result = tasks.scan_and_queue(on=DUE_DAY)
        workers.wait(
            lambda: workers.succeeded() >= batches(result["owed"]),
            timeout=60,
            what="the first delivery to end",
        )
        waiting = Reminder.objects.filter(status=Reminder.Status.OWED)
        assert len(mail_server.snapshot()) == OWNERS - 2
        assert [("421" in r.last_error, r.next_attempt_at > timezone.now()) for r in waiting] == [
            (True, True),
            (True, True),
        ]
        assert tasks.retry_reminders() == 0  # not yet their time
        waiting.update(next_attempt_at=timezone.now())  # as the backoff had passed
        assert tasks.retry_reminders() == 2
        wait_delivered(workers, tasks=batches(result["owed"]) + 1)
    assert_exactly_once(outcome.tally)
    assert workers.retries() == []  # the ledger retries, not the task
    attempts = sum(Reminder.objects.values_list("attempts", flat=True))
    assert attempts == OWNERS + 2  # the ledger keeps the failed tries too


def test_bad_rows_do_not_stop_the_others(
    milestones_due, robots, workers, mail_server, fault_line, settings
):
    """One batch meets a title with a line break, a robot answering HTTP 200 without JSON
    and a robot whose host is down: every other row is delivered exactly once, the
    robot that took the POST is not posted to again, and the one that is down waits
    for its retry."""
    down = f"localhost:{closed_port()}"
    settings.ROBOT_WEBHOOK_HOSTS = [robots.host, down]
    workers.env["ROBOT_WEBHOOK_HOSTS"] = ",".join(settings.ROBOT_WEBHOOK_HOSTS)
    broken = milestones_due[0]
    broken.title = "第一行\n第二行"
    broken.save()
    unit = ResponsibleUnitFactory()
    paths = {"down": None, "not json": "/not-json", "first": "/first", "second": "/second"}
    robots.answers["/not-json"] = "not json"
    webhooks = {
        name: WebhookChannel.objects.create(
            responsible_unit=unit,
            kind="wecom",
            url=robots.url(path) if path else f"https://{down}/robot",
        )
        for name, path in paths.items()
    }
    for _ in range(3):
        MilestoneFactory(project=ProjectFactory(responsible_unit=unit), due_date=DUE_DAY)
    with fault_line("bad_rows") as outcome:
        workers.start()
        result = tasks.scan_and_queue(on=DUE_DAY)
        assert len(result["owed"]) == OWNERS + 3 * len(webhooks)
        workers.wait(
            lambda: workers.succeeded() >= batches(result["owed"]),
            timeout=60,
            what="the batch to be delivered",
        )
        again = tasks.scan_and_queue(on=DUE_DAY)  # the next run owes the robot that is down
        workers.wait(
            lambda: workers.succeeded() >= batches(result["owed"]) + batches(again["owed"]),
            timeout=60,
            what="the next run to end",
        )
    assert_exactly_once(outcome.tally)
    assert sorted(len(messages) for messages in robots.received.values()) == [3, 3, 3]
    statuses = {
        name: set(webhook.reminders.values_list("status", "attempts"))
        for name, webhook in webhooks.items()
    }
    assert statuses == {
        "down": {(Reminder.Status.OWED, 1)},
        "not json": {(Reminder.Status.SENT, 1)},
        "first": {(Reminder.Status.SENT, 1)},
        "second": {(Reminder.Status.SENT, 1)},
    }
    assert all(
        "JSON" in error
        for error in webhooks["not json"].reminders.values_list("last_error", flat=True)
    )


def test_worker_killed_mid_batch(milestones_due, workers, mail_server, fault_line):
    """A worker killed (SIGKILL to all its processes) while the server has not yet
    accepted the message in flight: a new worker and the next scan send the rest, and
    every reminder goes out exactly once."""
    mail_server.hold_at = 6  # never released: the client dies waiting for the answer
    with fault_line("worker_killed") as outcome:
        crashed = workers.start()
        tasks.scan_and_queue(on=DUE_DAY)
        workers.wait(mail_server.holding.is_set, timeout=60, what="the 6th message to arrive")
        crashed.kill()
        wait_until(lambda: other_sessions() == 0, timeout=30, what="its sessions to end")
        assert len(mail_server.snapshot()) == 5

        workers.start()
        again = tasks.scan_and_queue(on=DUE_DAY)
        assert len(again["owed"]) == OWNERS - 5
        wait_delivered(workers, tasks=batches(again["owed"]))
    assert_exactly_once(outcome.tally)


def test_worker_killed_between_send_and_commit_repeats_that_one_message(
    milestones_due, workers, mail_server, fault_line
):
    """The known window: a worker killed after the server accepted a message and before
    the ledger committed it as sent. That reminder is still owed and goes out a second
    time; nothing else is repeated or lost (at most one duplicate per batch in flight)."""
    mail_server.hold_at = 6
    with fault_line("worker_killed_after_send") as outcome:
        crashed = workers.start()
        tasks.scan_and_queue(on=DUE_DAY)
        workers.wait(mail_server.holding.is_set, timeout=60, what="the 6th message to arrive")
        with TableLock(Reminder) as lock:
            mail_server.release.set()  # the server accepts it; marking it sent must wait
            workers.wait(lambda: lock.waiting() == 1, timeout=30, what="the worker's UPDATE")
            in_the_window = mail_server.accepted[-1]
            crashed.kill()
        wait_until(lambda: other_sessions() == 0, timeout=30, what="its sessions to end")

        workers.start()
        again = tasks.scan_and_queue(on=DUE_DAY)
        assert len(again["owed"]) == OWNERS - 5
        wait_delivered(workers, tasks=batches(again["owed"]))
    tally = outcome.tally
    assert (tally.due, tally.lost, tally.duplicated, tally.unexpected) == (OWNERS, 0, 1, 0)
    assert mail_server.snapshot()[in_the_window] == 2


def test_redis_restarted_loses_queued_tasks_not_reminders(
    milestones_due, workers, broker, fault_line
):
    """Redis restarted without saving loses the queued tasks, not the reminders: the
    ledger still owes them and the next scan sends them once. A worker connected across
    a second restart carries on with the next day's overdue notices."""
    broker.require_restartable()
    with fault_line("redis_restarted") as outcome:
        first = tasks.scan_and_queue(on=DUE_DAY)  # no worker yet: the task waits in Redis
        assert broker.queued() == batches(first["owed"])
        broker.restart()
        assert broker.queued() == 0

        workers.start()
        again = tasks.scan_and_queue(on=DUE_DAY)
        assert again["owed"] == first["owed"]
        wait_delivered(workers, tasks=batches(again["owed"]))

        broker.restart()
        next_day = tasks.scan_and_queue(on=NEXT_DAY)
        assert next_day["created"] == OWNERS  # one overdue notice per milestone
        expected = batches(again["owed"]) + batches(next_day["owed"])
        wait_delivered(workers, tasks=expected, timeout=90)
    assert_exactly_once(outcome.tally, due=2 * OWNERS)


def test_two_beats_at_once_send_each_reminder_once(milestones_due, workers, fault_line):
    """Two beats running the same scan at once, their transactions overlapping, each
    queue the whole batch; two workers deliver both batches at once, and each reminder
    still goes out once."""
    with fault_line("two_beats") as outcome:
        workers.start()
        workers.start()
        first, second = overlapping_scans(DUE_DAY)
        assert len(first["owed"]) == OWNERS and second["owed"] == first["owed"]
        wait_delivered(workers, tasks=2 * batches(first["owed"]))
    assert_exactly_once(outcome.tally)


def test_a_recipient_refused_for_good_does_not_hold_back_the_batch(
    milestones_due, workers, mail_server, fault_line
):
    """A recipient the mail server refuses for good (550) does not hold back the
    reminders queued after it: they all go out in the batch's first attempt."""
    result = tasks.scan_and_queue(on=DUE_DAY)  # no worker yet: the task waits in Redis
    refused = Reminder.objects.get(pk=result["owed"][0]).recipient.email
    mail_server.refuse_recipients.add(refused)
    with fault_line("smtp_550_first_recipient", refused={refused}) as outcome:
        workers.start()
        workers.wait(
            lambda: workers.succeeded() or workers.retries(),
            timeout=60,
            what="the batch's first attempt to end",
        )
    assert_exactly_once(outcome.tally, due=OWNERS - 1)


def test_a_batch_is_sent_over_one_smtp_connection(milestones_due, mail_server, settings):
    """deliver() sends a batch over one SMTP connection."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mail_server.port
    result = ledger.scan(on=DUE_DAY)
    assert delivery.deliver(result["owed"]) == OWNERS
    assert len(mail_server.peers) == 1


def test_overlapping_scans_count_each_new_reminder_once(uses_postgresql, milestones_due):
    """Two scans whose transactions overlap report, between them, as many new
    reminders as the ledger gained."""
    first, second = overlapping_scans(DUE_DAY, queue=False)
    assert Reminder.objects.count() == OWNERS
    assert first["created"] + second["created"] == OWNERS
