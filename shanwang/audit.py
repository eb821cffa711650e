"""The audit log: security-relevant events as one JSON object per line.

Log-ins, failed log-ins, denied access, imports and approvals go to the
``shanwang.audit`` logger with the user, the client IP and the UTC time. Every value
is JSON-encoded, so user input (a username with a newline, say) cannot forge a line.
"""

import contextvars
import datetime
import json
import logging

from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.utils import timezone

logger = logging.getLogger("shanwang.audit")

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def client_ip(request) -> str | None:
    """Return the client's address as the web server saw it.

    Behind nginx, the proxy must set REMOTE_ADDR (uwsgi/gunicorn with the real-IP module)
    rather than our trusting X-Forwarded-For, which any client can send.
    """
    return request.META.get("REMOTE_ADDR")


class AuditContextMiddleware:
    """Make the client IP of the current request available to audit_log()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def audit_log(event: str, *, user=None, username: str | None = None, **details) -> None:
    """Write one audit record for ``event`` by ``user`` (or a claimed ``username``)."""
    record = {
        "event": event,
        "at": timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds"),
        "user": username if user is None else user.get_username(),
        "user_id": getattr(user, "pk", None),
        "ip": _client_ip.get(),
        **details,
    }
    # ASCII escapes keep even U+2028 and other line breaks inside the one line.
    logger.info(json.dumps(record, ensure_ascii=True, default=str))


@receiver(auth_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_log("login", user=user)


@receiver(auth_signals.user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log("logout", user=user)


@receiver(auth_signals.user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_log("login_failed", username=str(credentials.get("username", "")))
