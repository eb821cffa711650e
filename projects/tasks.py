"""Celery tasks: thin interfaces over projects.alerts. Tasks take ids, are safe to run
twice (the ledger decides what is still owed) and retry transient failures."""

from celery import shared_task

from . import alerts, selectors

#: Retries back off exponentially with jitter up to 10 minutes: 8 tries fit well inside
#: the broker's visibility timeout (1 hour), so Redis does not redeliver a task that is
#: merely waiting for its retry.
RETRY = {
    "autoretry_for": alerts.TRANSIENT_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def deliver_reminders(reminder_ids: list[int]) -> int:
    """Send the given reminders that are still owed; return how many were sent."""
    return alerts.deliver(reminder_ids)


def _scan(scans) -> dict:
    result = alerts.scan(on=selectors.today(), scans=scans)
    return {key: value for key, value in result.items() if key != "owed"} | {
        "owed": len(result["owed"])
    }


@shared_task(acks_late=True)
def scan_deadlines() -> dict:
    """Record and queue the milestone alerts of today (a working day)."""
    return _scan(("deadlines",))


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
