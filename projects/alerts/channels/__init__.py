"""The delivery channels, keyed by ``Reminder.Channel``: the ledger asks each channel
which address it owes an alert to, delivery sends each row through its channel. A new
channel (SMS, say) is one module here with a ``Channel`` subclass, one entry below and
one ``Reminder.Channel`` choice."""

from .email import EmailChannel
from .robot import RobotChannel

CHANNELS = {channel.code: channel for channel in (EmailChannel, RobotChannel)}


def channels_for_a_batch() -> dict:
    """Return a fresh instance of every channel, for one batch."""
    return {code: channel() for code, channel in CHANNELS.items()}
