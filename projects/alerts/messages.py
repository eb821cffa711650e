"""What an alert says: its one-line title and the context its templates render, in the
site's language, whatever the channel."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .. import selectors
from ..briefing.figures import briefing_url, monthly_briefing
from ..models import Reminder

Kind = Reminder.Kind


def alert_title(item) -> str:
    """Return the one-line title of an alert or reminder, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("emails/reminder_subject.txt", {"item": item}).strip()


def alert_url(alert) -> str:
    """Return the path of the page an alert is about."""
    if alert.project is not None:
        return alert.project.get_absolute_url()
    if alert.kind == Kind.BRIEFING:
        return briefing_url(alert.period)
    return reverse("projects:dashboard")


def message_context(reminder) -> dict:
    """Return what the templates of ``reminder`` render: its project's address, the
    digest's attention lists or the briefing's figures, and the settings page."""
    context = {"reminder": reminder, "item": reminder, "site_url": settings.SITE_URL}
    if reminder.kind == Kind.DIGEST:
        context["attention"] = selectors.attention(user=reminder.recipient, on=reminder.owed_on)
    if reminder.kind == Kind.BRIEFING:
        context["briefing"] = monthly_briefing(month=reminder.period)
        context["briefing_url"] = settings.SITE_URL + briefing_url(reminder.period)
    if reminder.project_id:
        context["project_url"] = settings.SITE_URL + reminder.project.get_absolute_url()
    context["settings_url"] = settings.SITE_URL + reverse("projects:notification_settings")
    return context
