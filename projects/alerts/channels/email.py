"""Alerts by email: plain text and HTML in the site's language, one SMTP connection per
batch; the monthly briefing has its own text and carries its workbook."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from ...briefing.xlsx import workbook_attachment
from ...models import Reminder
from ..messages import alert_title, message_context
from .base import Channel


class EmailChannel(Channel):
    code = Reminder.Channel.EMAIL

    def __init__(self):
        self.connection = None

    def address_for(self, alert, preferences):
        if alert.user is None or not preferences.wants_email(alert.kind):
            return None
        return f"user:{alert.user.pk}"

    def open(self):
        self.connection = get_connection()
        self.connection.open()

    def close(self):
        if self.connection is not None:
            self.connection.close()

    def send(self, reminder):
        context = message_context(reminder)
        briefing = context.get("briefing")
        template = "briefing" if briefing else "reminder"
        with translation.override(settings.LANGUAGE_CODE):
            text = render_to_string(f"emails/{template}.txt", context)
            html = render_to_string(f"emails/{template}.html", context)
            attachments = [workbook_attachment(briefing)] if briefing else []
        message = EmailMultiAlternatives(
            alert_title(reminder),
            text,
            to=[reminder.recipient.email],
            connection=self.connection,
            attachments=attachments,
        )
        message.attach_alternative(html, "text/html")
        message.send()
