"""Log records as one JSON object per line, for production logs on stdout.

systemd's journal (or any process manager) collects stdout; ``jq`` or a log shipper reads
the lines. Audit records (``shanwang.audit``), already JSON, are embedded as objects and
gunicorn's access-log records become named fields, so nothing has to be parsed twice.
Secrets in URLs (calendar-feed keys) are masked (``shanwang.log_redaction``).
"""

import datetime
import json
import logging
from collections.abc import Mapping

from celery import current_task

from .log_redaction import redact

AUDIT_LOGGER = "shanwang.audit"
ACCESS_LOGGER = "gunicorn.access"

#: gunicorn's access-log atoms (gunicorn.glogging.Logger.atoms) kept, under these names.
ACCESS_FIELDS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "f": "referer",
    "a": "user_agent",
}

#: Characters json.dumps(ensure_ascii=False) leaves as they are but str.splitlines() and
#: some log readers take for line breaks; escaped, so that one record stays one line.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class JsonLineFormatter(logging.Formatter):
    """Format a record as a single line of JSON (UTC time, level, logger, message)."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
        }
        if record.name == ACCESS_LOGGER and isinstance(record.args, Mapping):
            atoms = record.args
            entry["http"] = {name: atoms.get(atom) for atom, name in ACCESS_FIELDS.items()}
            entry["message"] = f"{atoms.get('m')} {atoms.get('U')} {atoms.get('s')}"
        elif record.name == AUDIT_LOGGER and (audit := _audit_record(record.getMessage())):
            entry["message"] = f"audit: {audit.get('event')}"
            entry["audit"] = audit
        else:
            entry["message"] = record.getMessage()
        task = current_task
        if task and task.request.id:
            entry["task"] = {"name": task.name, "id": task.request.id}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Chinese stays readable in the journal; every control character is escaped; a
        # calendar-feed key is masked wherever it appears (a path, a traceback).
        return redact(json.dumps(entry, ensure_ascii=False, default=str).translate(_LINE_BREAKS))


def _audit_record(message: str) -> dict | None:
    """Return the audit record a shanwang.audit message holds (a JSON object), if any."""
    try:
        record = json.loads(message)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None
