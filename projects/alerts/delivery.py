"""Delivery: send the ledger's owed rows, one at a time, each through its channel.

Delivery locks a row, sends, marks it sent and commits, row by row, so a crash leaves
the rest owed for the next try and a second worker finds nothing left to send. One
window remains: a worker killed after the other end accepted a message and before the
row's commit sends it twice. A permanent refusal (SMTP 5xx, a wrong robot address)
marks the row failed and the batch goes on; a transient one stops the batch for a retry.
"""

import logging
import smtplib
import urllib.error

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import Reminder
from .channels import channels_for_a_batch
from .channels.base import PermanentFailure

logger = logging.getLogger(__name__)

#: Errors worth another try: the mail server or the network may come back.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, urllib.error.URLError)
#: Rows per delivery task: one SMTP connection each.
BATCH_SIZE = 50


def deliver(reminder_ids: list[int]) -> int:
    """Send the reminders that are still owed, one row at a time; return how many were
    sent. A transient error stops the batch and is raised for a retry, the row that met
    it and the ones after it staying owed."""
    sent = 0
    channels = channels_for_a_batch()
    try:
        for channel in channels.values():
            channel.open()  # one connection for the whole batch
    except TRANSIENT_ERRORS as error:
        for channel in channels.values():
            channel.close()
        Reminder.objects.filter(pk__in=reminder_ids, status=Reminder.Status.OWED).update(
            attempts=F("attempts") + 1, last_error=str(error)[:500]
        )
        raise
    try:
        for reminder_id in reminder_ids:
            sent += _deliver_one(reminder_id, channels)
    finally:
        for channel in channels.values():
            channel.close()
    return sent


def _deliver_one(reminder_id: int, channels: dict) -> int:
    try:
        with transaction.atomic():
            # of=("self",): PostgreSQL locks no row of a nullable outer join.
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "webhook", "project", "milestone")
                .filter(pk=reminder_id, status=Reminder.Status.OWED)
                .first()
            )
            if reminder is None:
                return 0  # sent, cancelled, or being sent by another worker
            channels[reminder.channel].send(reminder)
            reminder.status = Reminder.Status.SENT
            reminder.sent_at = timezone.now()
            reminder.attempts += 1
            reminder.save(update_fields=["status", "sent_at", "attempts"])
            return 1
    except Exception as error:
        failed = is_permanent(error)
        if not failed and not isinstance(error, TRANSIENT_ERRORS):
            raise
        Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.OWED).update(
            status=Reminder.Status.FAILED if failed else Reminder.Status.OWED,
            attempts=F("attempts") + 1,
            last_error=str(error)[:500],
        )
        if failed:
            logger.warning("Reminder %s failed for good: %s", reminder_id, error)
            return 0
        raise


def is_permanent(error: Exception) -> bool:
    """Return whether retrying cannot help: the server refused for good (SMTP 5xx, an
    HTTP 4xx, a channel's own refusal). A refused address must not hold back the rest."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    if isinstance(error, urllib.error.HTTPError):
        return 400 <= error.code < 500
    return isinstance(error, PermanentFailure)
