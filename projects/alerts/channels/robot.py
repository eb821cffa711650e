"""Alerts to the group-chat robots of a responsible unit (企业微信, 钉钉), in their
markdown formats."""

import json
import urllib.request

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from ...models import Reminder, WebhookChannel
from ..messages import alert_title, message_context
from .base import Channel, PermanentFailure


class RobotRefused(PermanentFailure):
    """A group-chat robot answered with an error code: a wrong or revoked address."""


class RobotChannel(Channel):
    code = Reminder.Channel.WEBHOOK

    def address_for(self, alert, preferences):
        if alert.webhook is None:
            return None
        return f"webhook:{alert.webhook.pk}"

    def send(self, reminder):
        context = message_context(reminder)
        title = alert_title(reminder)
        with translation.override(settings.LANGUAGE_CODE):
            text = render_to_string("emails/reminder_robot.md", context).strip()
        if reminder.webhook.kind == WebhookChannel.Kind.DINGTALK:
            payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        else:
            payload = {"msgtype": "markdown", "markdown": {"content": text}}
        request = urllib.request.Request(
            reminder.webhook.url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read() or b"{}")
        # Both robots answer {"errcode": 0, ...} on success, HTTP 200 either way.
        if answer.get("errcode", 0) != 0:
            raise RobotRefused(f"robot refused the message: {answer}")
