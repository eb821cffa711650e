"""What a delivery channel is: the addresses it owes an alert to, and how it sends."""


class Channel:
    """One way of delivering alerts. ``code`` is its ``Reminder.Channel`` value.

    A channel owes an alert to at most one address (``address_for``); ``open`` and
    ``close`` bracket a batch (one SMTP connection for all of a batch's emails);
    ``send`` delivers one ledger row or raises: a transient error (``OSError``,
    ``smtplib.SMTPException``) is retried, a permanent one fails the row.
    """

    code: str = ""

    def address_for(self, alert, preferences) -> str | None:
        """Return the ledger address of ``alert`` on this channel, or None when the
        channel owes it nothing. ``preferences`` are the user's NotificationSettings."""
        raise NotImplementedError

    def open(self) -> None:
        """Acquire what a batch shares; an error here leaves the whole batch owed."""

    def close(self) -> None:
        """Release what ``open`` acquired."""

    def send(self, reminder) -> None:
        """Deliver one reminder."""
        raise NotImplementedError


class PermanentFailure(Exception):
    """The other end refused for good (a wrong or revoked address): retrying cannot help."""
