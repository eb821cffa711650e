"""What a delivery channel is: the addresses it owes an alert to, and how it sends."""


class Channel:
    """One way of delivering alerts. ``code`` is its ``Reminder.Channel`` value.

    A channel owes an alert to at most one address (``address_for``); ``open`` and
    ``close`` bracket a batch (one SMTP connection for all of a batch's emails), opened
    when the batch meets its first row of the channel; ``send`` delivers one ledger row
    or raises: ``PermanentFailure`` (or an SMTP 5xx) fails the row, anything else is
    tried again later (``TransientFailure``, ``OSError``, ``smtplib.SMTPException``).
    """

    code: str = ""

    def address_for(self, alert, preferences) -> str | None:
        """Return the ledger address of ``alert`` on this channel, or None when the
        channel owes it nothing. ``preferences`` are the user's NotificationSettings."""
        raise NotImplementedError

    def open(self) -> None:
        """Acquire what a batch shares; an error here leaves the channel's rows of the
        batch owed, to be tried again later, and the other channels' rows go on."""

    def close(self) -> None:
        """Release what ``open`` acquired."""

    def send(self, reminder) -> str | None:
        """Deliver one reminder; return a warning for the ledger when the other end took
        it without confirming it, None otherwise."""
        raise NotImplementedError


class PermanentFailure(Exception):
    """The other end refused for good (a wrong or revoked address): retrying cannot help."""


class TransientFailure(Exception):
    """The other end could not be reached or was busy: a later try may succeed."""
