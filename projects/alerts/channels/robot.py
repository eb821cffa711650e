"""Alerts to the group-chat robots of a responsible unit (企业微信, 钉钉), in their
markdown formats.

The server POSTs where an administrator pointed a robot, so the address is checked
again before each message (https on a host of ``ROBOT_WEBHOOK_HOSTS`` only: a robot
whose address is no longer allowed fails without a request), no redirect is followed,
and the ledger keeps the answer's status, never its body. Certificates are checked
against the system's authorities, or the file OpenSSL's ``SSL_CERT_FILE`` names.
"""

import http.client
import json
import logging
import ssl
import urllib.error
import urllib.request
from http import HTTPStatus
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from shanwang.validators import AllowedHostURLValidator

from ...models import Reminder, WebhookChannel
from ..messages import alert_title, one_line, robot_context
from .base import Channel, PermanentFailure, TransientFailure

logger = logging.getLogger(__name__)

#: Seconds to reach a robot's server (TCP and TLS): one that cannot be reached must not
#: hold the batch up.
CONNECT_TIMEOUT = 5
#: Seconds to wait for its answer once connected.
READ_TIMEOUT = 10
#: The most of an answer read: a robot answers a line of JSON.
ANSWER_BYTES = 64 * 1024
#: Codes that mean "busy, later": WeCom -1 (system busy) and 45009 (too many messages a
#: minute), DingTalk 130101 (sending too fast).
BUSY_CODES = {-1, 45009, 130101}

allowed_address = AllowedHostURLValidator("ROBOT_WEBHOOK_HOSTS")


class RobotRefused(PermanentFailure):
    """A group-chat robot answered with an error code: a wrong or revoked address."""


class RobotUnreachable(TransientFailure):
    """A robot's server could not be reached, did not answer in time, or was busy."""


class _Connection(http.client.HTTPSConnection):
    """An HTTPS connection made within CONNECT_TIMEOUT that then waits READ_TIMEOUT."""

    def connect(self):
        self.timeout = CONNECT_TIMEOUT
        super().connect()
        self.sock.settimeout(READ_TIMEOUT)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, request):
        return self.do_open(_Connection, request, context=self._context)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx then reaches send() as an HTTPError


def robot_opener() -> urllib.request.OpenerDirector:
    """Return an opener that speaks https only (no http, ftp or file handler) and
    follows no redirect."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),  # the environment's proxy, as every client
        _HTTPSHandler(context=ssl.create_default_context()),
        _NoRedirect(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


class RobotChannel(Channel):
    code = Reminder.Channel.WEBHOOK

    def __init__(self):
        self.opener = None
        # host:port of the robot servers that could not be reached in this batch: their
        # other rows are marked at once instead of each waiting for the timeout.
        self.unreachable: dict[str, str] = {}

    def address_for(self, alert, preferences):
        if alert.webhook is None:
            return None
        return f"webhook:{alert.webhook.pk}"

    def open(self):
        self.opener = robot_opener()

    def send(self, reminder):
        url = reminder.webhook.url
        try:
            allowed_address(url)
        except ValidationError:
            raise RobotRefused(
                _("Not sent: the robot's address is not an allowed https address (%(hosts)s).")
                % {"hosts": "、".join(allowed_address.hosts())}
            ) from None
        server = urlsplit(url).netloc.lower()
        if server in self.unreachable:
            raise RobotUnreachable(
                _("Not tried: %(server)s was unreachable earlier in this batch (%(error)s).")
                % {"server": server, "error": self.unreachable[server]}
            )
        context = robot_context(reminder)
        with translation.override(settings.LANGUAGE_CODE):
            text = render_to_string("emails/reminder_robot.md", context).strip()
        if reminder.webhook.kind == WebhookChannel.Kind.DINGTALK:
            title = alert_title(reminder)  # the chat list's plain-text preview
            payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        else:
            payload = {"msgtype": "markdown", "markdown": {"content": text}}
        request = urllib.request.Request(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        body = self._post(request, server)
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            # The robot took the POST: posting again would repeat the message in the
            # chat. Sent, then, with the doubt on the row.
            return _("Sent, but the robot's answer was not JSON: delivery is not confirmed.")
        # Both robots answer {"errcode": 0, ...} on success, HTTP 200 either way.
        code = answer.get("errcode", 0)
        if code == 0:
            return None
        code = code if isinstance(code, int) else "?"
        logger.warning("Robot %s answered errcode %s", reminder.webhook.pk, code)
        if code in BUSY_CODES:
            raise RobotUnreachable(
                _("The robot is busy (error code %(code)s): tried again later.") % {"code": code}
            )
        raise RobotRefused(
            _("The robot refused the message (error code %(code)s).") % {"code": code}
        )

    def _post(self, request, server) -> bytes:
        """POST ``request``; return the answer's body, or raise with its status only."""
        if self.opener is None:
            self.open()
        try:
            with self.opener.open(request, timeout=CONNECT_TIMEOUT) as response:
                return response.read(ANSWER_BYTES)
        except urllib.error.HTTPError as error:
            error.close()
            raise self._refusal(error) from None
        except (urllib.error.URLError, TimeoutError) as error:
            reason = one_line(getattr(error, "reason", None) or error)[:200]
            self.unreachable[server] = reason
            raise RobotUnreachable(
                _("The robot's server %(server)s could not be reached: %(reason)s")
                % {"server": server, "reason": reason}
            ) from None
        except (OSError, http.client.HTTPException) as error:
            # Not the error's text: a server that is no web server answers anything.
            raise RobotUnreachable(
                _("The robot's server %(server)s gave no valid answer (%(error)s).")
                % {"server": server, "error": type(error).__name__}
            ) from None

    @staticmethod
    def _refusal(error: urllib.error.HTTPError) -> Exception:
        """Return the failure an HTTP error status means: a redirect or a 4xx for good,
        a 5xx, 408 or 429 for later; with the status and its standard reason, nothing
        the server wrote (neither its body nor its own reason phrase)."""
        try:
            status = f"HTTP {error.code} {HTTPStatus(error.code).phrase}"
        except ValueError:
            status = f"HTTP {error.code}"
        if 300 <= error.code < 400:
            return RobotRefused(
                _("The robot's server answered %(status)s: redirects are not followed.")
                % {"status": status}
            )
        message = _("The robot's server answered %(status)s.") % {"status": status}
        if error.code >= 500 or error.code in (408, 429):
            return RobotUnreachable(message)
        return RobotRefused(message)
