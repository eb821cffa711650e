"""Celery tasks: thin interfaces over projects.alerts. Tasks take ids, are safe to run
twice (the ledger decides what is still owed) and retry transient failures."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import selectors
from .alerts import delivery, ledger

#: A row's own failures are kept and retried by the ledger (delivery.py,
#: retry_reminders); the task itself retries only when the database was lost. Backoff is
#: exponential with jitter up to 10 minutes: 8 tries fit well inside the broker's
#: visibility timeout (1 hour), so Redis does not redeliver a task merely waiting.
RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def deliver_reminders(reminder_ids: list[int]) -> int:
    """Send the given reminders that are still owed; return how many were sent."""
    return delivery.deliver(reminder_ids)


@shared_task(acks_late=True)
def retry_reminders() -> int:
    """Queue the owed reminders whose next try has come (every 10 minutes, by the beat);
    return how many."""
    due = delivery.due_for_retry()
    queue_delivery(due)
    return len(due)


def queue_delivery(reminder_ids: list[int]) -> None:
    """Queue the owed reminders for delivery in batches (one SMTP connection each)."""
    for start in range(0, len(reminder_ids), delivery.BATCH_SIZE):
        deliver_reminders.delay(reminder_ids[start : start + delivery.BATCH_SIZE])


def queue_owed_reminders(sender, *, reminder_ids: list[int], **kwargs) -> None:
    """Queue the rows a review step owes (``ledger.reminders_owed``, sent after commit)."""
    queue_delivery(reminder_ids)


def scan_and_queue(*, on, scans=tuple(ledger.SCANS)) -> dict:
    """Scan the ledger on ``on`` and queue what is owed once the scan has committed."""
    return ledger.scan(on=on, scans=scans, queue=queue_delivery)


def _scan(scans) -> dict:
    result = scan_and_queue(on=selectors.today(), scans=scans)
    return {key: value for key, value in result.items() if key != "owed"} | {
        "owed": len(result["owed"])
    }


@shared_task(acks_late=True)
def scan_deadlines() -> dict:
    """Record and queue the deadline alerts of today (a working day): milestones, and the
    problems and supervision orders of 督办, the pre-construction approvals, and once a
    month the funds (idle, or behind the progress)."""
    return _scan(("deadlines", "supervision", "approvals", "funds"))


@shared_task(acks_late=True)
def scan_monthly_reports() -> dict:
    """Record and queue the monthly report reminders of today (a working day)."""
    return _scan(("reports",))


@shared_task(acks_late=True)
def send_weekly_digest() -> dict:
    """Record and queue the weekly digest, on the week's first working day."""
    return _scan(("digest",))


@shared_task(acks_late=True)
def send_monthly_briefing() -> dict:
    """Record and queue last month's briefing (月报), on the month's second working day."""
    return _scan(("briefing",))
