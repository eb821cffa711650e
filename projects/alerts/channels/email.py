"""Alerts by email: plain text and HTML in the site's language, one SMTP connection per
batch; the monthly briefing has its own text and carries its workbook."""

import contextlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ...briefing.xlsx import workbook_attachment
from ...models import Reminder
from ..messages import message_context
from .base import Channel, TransientFailure


class EmailChannel(Channel):
    code = Reminder.Channel.EMAIL

    def __init__(self):
        self.connection = None
        self.unreachable = None  # the error met reconnecting, once met in this batch

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
        if self.unreachable is not None:
            raise TransientFailure(
                _("Not tried: the mail server was unreachable earlier in this batch (%(error)s).")
                % {"error": self.unreachable}
            )
        try:
            self.connection.open()  # again after a dropped connection; else nothing
        except OSError as error:
            self.unreachable = error
            raise
        context = message_context(reminder)
        briefing = context.get("briefing")
        template = "briefing" if briefing else "reminder"
        with translation.override(settings.LANGUAGE_CODE):
            text = render_to_string(f"emails/{template}.txt", context)
            html = render_to_string(f"emails/{template}.html", context)
            attachments = [workbook_attachment(briefing)] if briefing else []
        message = EmailMultiAlternatives(
            context["title"],  # one line: a line break in a header is refused
            text,
            to=[reminder.recipient.email],
            connection=self.connection,
            attachments=attachments,
        )
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as error:
            # 421: the server closes the connection; the next row opens a new one.
            if getattr(error, "smtp_code", 421) == 421:
                with contextlib.suppress(OSError):
                    self.connection.close()
            raise
        return None
