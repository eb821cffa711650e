"""Delivery: send the ledger's owed rows, one at a time, each through its channel.

Delivery locks a row, sends, marks it sent and commits, row by row, so a crash leaves
the rest owed for the next try and a second worker finds nothing left to send. One
window remains: a worker killed after the other end accepted a message and before the
row's commit sends it twice.

One row's failure never stops the batch: it is recorded on that row. A permanent one
(SMTP 5xx, a robot's refusal, an address no longer allowed) fails the row at once; any
other leaves it owed, not tried before ``next_attempt_at`` (backing off exponentially),
and fails it at the MAX_ATTEMPTS-th try. ``tasks.retry_reminders`` queues the rows whose
time has come. A channel that cannot be opened (the mail server down) marks its own rows
so and lets the other channels' rows go.
"""

import datetime
import logging
import smtplib

from django.core.mail import BadHeaderError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Reminder
from .channels import channels_for_a_batch
from .channels.base import PermanentFailure, TransientFailure

logger = logging.getLogger(__name__)

#: Errors worth another try: the mail server, the network or a robot may come back.
#: Any other error is tried again too (a bug fixed by then), logged with its traceback.
TRANSIENT_ERRORS = (TransientFailure, OSError)  # smtplib's and urllib's errors among them
#: Tries of a row before it fails for good: with the backoff below they span about ten
#: hours, a night's outage of the mail server.
MAX_ATTEMPTS = 8
#: The wait after the first failed try, doubled after each next one, up to the cap.
RETRY_BACKOFF = datetime.timedelta(minutes=5)
RETRY_BACKOFF_MAX = datetime.timedelta(hours=6)
#: Rows per delivery task: one SMTP connection each.
BATCH_SIZE = 50


def backoff(attempts: int) -> datetime.timedelta:
    """Return how long a row waits for its next try after ``attempts`` failed ones."""
    return min(RETRY_BACKOFF * 2 ** max(attempts - 1, 0), RETRY_BACKOFF_MAX)


def due_for_retry(*, now: datetime.datetime | None = None) -> list[int]:
    """Return the ids of the owed reminders whose next try has come, in delivery order."""
    return list(
        Reminder.objects.filter(
            status=Reminder.Status.OWED, next_attempt_at__lte=now or timezone.now()
        )
        .order_by("channel", "address", "pk")
        .values_list("pk", flat=True)
    )


def send_again(reminder_ids) -> list[int]:
    """Put the given reminders that failed for good back in the ledger as owed, their
    tries counted afresh (an administrator fixed the address or the server); return
    their ids, to be queued for delivery."""
    failed = Reminder.objects.filter(pk__in=reminder_ids, status=Reminder.Status.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    failed.update(status=Reminder.Status.OWED, attempts=0, next_attempt_at=None)
    return ids


def deliver(reminder_ids: list[int]) -> int:
    """Send the reminders that are still owed and due, one row at a time; return how
    many were sent. A row's failure is recorded on the row and the batch goes on."""
    batch = _Batch()
    try:
        return sum(_deliver_one(reminder_id, batch) for reminder_id in reminder_ids)
    finally:
        batch.close()


class _Batch:
    """The channels of one batch, each opened at its first row."""

    def __init__(self):
        self.channels = channels_for_a_batch()
        self.opened: dict[str, Exception | None] = {}  # code: None, or what opening met

    def channel(self, code: str):
        if code not in self.opened:
            try:
                self.channels[code].open()
                self.opened[code] = None
            except Exception as error:
                logger.warning("Could not open the %s channel: %s", code, error)
                self.opened[code] = error
        if (error := self.opened[code]) is not None:
            raise TransientFailure(
                _("Not tried: the channel could not be opened (%(error)s).")
                % {"error": _error_text(error)}
            )
        return self.channels[code]

    def close(self):
        for code, error in self.opened.items():
            if error is None:
                try:
                    self.channels[code].close()
                except Exception as close_error:  # every row is recorded already
                    logger.warning("Could not close the %s channel: %s", code, close_error)


def _deliver_one(reminder_id: int, batch: _Batch) -> int:
    with transaction.atomic():
        # of=("self",): PostgreSQL locks no row of a nullable outer join.
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "webhook", "project", "milestone", "approval_item")
            .filter(pk=reminder_id, status=Reminder.Status.OWED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
            .first()
        )
        if reminder is None:
            return 0  # sent, cancelled, waiting for its retry, or being sent by another worker
        try:
            # A savepoint: a query that fails while sending leaves the row's lock usable.
            with transaction.atomic():
                warning = batch.channel(reminder.channel).send(reminder)
        except Exception as error:
            _record_failure(reminder, error)
            return 0
        reminder.status = Reminder.Status.SENT
        reminder.sent_at = timezone.now()
        reminder.attempts += 1
        reminder.next_attempt_at = None
        if warning:
            reminder.last_error = warning[:500]
        reminder.save(
            update_fields=["status", "sent_at", "attempts", "next_attempt_at", "last_error"]
        )
        return 1


def _record_failure(reminder: Reminder, error: Exception) -> None:
    """Record a failed try on the (locked) row: failed for good, or owed with the time
    of its next try."""
    reminder.attempts += 1
    message = _error_text(error)
    if not isinstance(error, (*TRANSIENT_ERRORS, PermanentFailure, BadHeaderError)):
        logger.exception("Reminder %s: unexpected error while sending", reminder.pk)
    if is_permanent(error):
        reminder.status, reminder.next_attempt_at = Reminder.Status.FAILED, None
        logger.warning("Reminder %s failed for good: %s", reminder.pk, message)
    elif reminder.attempts >= MAX_ATTEMPTS:
        reminder.status, reminder.next_attempt_at = Reminder.Status.FAILED, None
        message = _("Gave up after %(attempts)d tries: %(error)s") % {
            "attempts": reminder.attempts,
            "error": message,
        }
        logger.warning("Reminder %s failed for good: %s", reminder.pk, message)
    else:
        reminder.next_attempt_at = timezone.now() + backoff(reminder.attempts)
        logger.info("Reminder %s to be tried again: %s", reminder.pk, message)
    reminder.last_error = message[:500]
    reminder.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])


def _error_text(error: Exception) -> str:
    return str(error) or type(error).__name__


def is_permanent(error: Exception) -> bool:
    """Return whether retrying cannot help: the server refused for good (SMTP 5xx, a
    channel's own refusal) or the message cannot be made (a header with a line break).
    A refused address must not hold back the rest."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, PermanentFailure | BadHeaderError)
