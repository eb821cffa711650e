"""Secrets that travel in URLs, masked before a log line is written.

A phone subscribes to its user's calendar feed at ``/calendar/<key>.ics``
(projects/alerts/urls.py): whoever reads the key reads that user's deadlines, so no log
keeps it. The filter is on the app's console handler (shanwang/settings.py) and on
gunicorn's loggers (deploy/gunicorn.conf.py); the JSON formatter masks its lines as well.
"""

import logging
import re
from collections.abc import Mapping

#: The path of a calendar feed, its key in between.
SECRET_IN_URL = re.compile(r"(/calendar/)[^/\s?#\"'\\]+(\.ics)")
REDACTED = r"\1[redacted]\2"


def redact(text: str) -> str:
    """Return ``text`` with every calendar-feed key in it masked."""
    return SECRET_IN_URL.sub(REDACTED, text)


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Mask the secrets of URLs in a record's message and arguments (Django's "Not Found:
    <path>", runserver's and gunicorn's request lines), keeping its arguments' shape:
    gunicorn's access log passes a mapping of its fields."""

    def filter(self, record):
        record.msg = _redacted(record.msg)
        args = record.args
        if isinstance(args, dict):
            # In place: gunicorn's mapping (SafeAtoms) answers "-" for a header not sent.
            for name, value in args.items():
                args[name] = _redacted(value)
        elif isinstance(args, Mapping):
            record.args = {name: _redacted(value) for name, value in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_redacted(value) for value in args)
        return True
