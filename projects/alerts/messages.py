"""What an alert says: its one-line title and the context its templates render, in the
site's language, whatever the channel.

Every text a user typed (a milestone's title, a project's name) reaches three kinds of
reader: the HTML of an email (Django's autoescaping), the plain text of an email and
its subject (no markup, no line breaks: a header must be one line), and the markdown
of a group-chat robot, which escapes nothing of its own: ``markdown_text`` neutralises
every markdown sign in it, and the robot template gets only neutralised texts.
"""

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .. import selectors
from ..briefing.figures import briefing_url, monthly_briefing
from ..models import Reminder

Kind = Reminder.Kind
#: The notices of a report's review steps, recorded by ``ledger.record_review_step``.
REVIEW_KINDS = (Kind.REPORT_SUBMITTED, Kind.REPORT_RETURNED, Kind.REPORT_APPROVED)

#: Markdown's signs, each replaced by its full-width form, which reads the same in a
#: Chinese text and means nothing to the robots' renderers (WeCom and DingTalk honour no
#: backslash escape): no link, image, emphasis, heading, quote, code or HTML tag can be
#: made of a user's text. "&" goes too, so no entity (``&lt;``) turns back into a sign.
MARKDOWN_SIGNS = str.maketrans({sign: chr(ord(sign) + 0xFEE0) for sign in "[]()<>*_`#!~|\\&"})
#: Line breaks, tabs and every other control or separator character: a line break in a
#: user's text would end a quote or start a list in markdown, or a header in email.
BREAKS = re.compile(r"[\s\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text) -> str:
    """Return ``text`` on one line: every run of line breaks and spaces becomes a space."""
    return BREAKS.sub(" ", str(text)).strip()


def markdown_text(text) -> str:
    """Return ``text`` as plain text inside the robots' markdown: on one line, with every
    markdown sign replaced by its full-width form and no bare address made a link."""
    # "http://x" becomes "http：//x": the robots' clients link bare addresses too.
    return one_line(text).translate(MARKDOWN_SIGNS).replace("://", "：//")


def alert_title(item) -> str:
    """Return the one-line title of an alert or reminder, in the site's language: an
    email's subject, the bell's notice, a robot's heading (plain text, not HTML)."""
    with translation.override(settings.LANGUAGE_CODE):
        return one_line(render_to_string("emails/reminder_subject.txt", {"item": item}))


def review_url(kind: str, report) -> str:
    """Return the path a review notice leads to: the edit form of a returned report (to
    fix it), the report's page otherwise (to review it, or to see it approved)."""
    if kind == Kind.REPORT_RETURNED:
        return reverse("projects:report_edit", kwargs={"report_pk": report.pk})
    return reverse("projects:report", kwargs={"pk": report.pk})


def alert_url(alert) -> str:
    """Return the path of the page an alert is about."""
    if alert.review_step is not None:
        return review_url(alert.kind, alert.review_step.report)
    if alert.project is not None:
        return alert.project.get_absolute_url()
    if alert.kind == Kind.BRIEFING:
        return briefing_url(alert.period)
    return reverse("projects:dashboard")


def message_context(reminder) -> dict:
    """Return what the email templates of ``reminder`` render: its title, its project's
    address, the digest's attention lists or the briefing's figures, and the settings
    page. The HTML templates autoescape every text; the plain ones hold no markup."""
    context = {
        "reminder": reminder,
        "item": reminder,
        "title": alert_title(reminder),
        "site_url": settings.SITE_URL,
    }
    if reminder.kind == Kind.DIGEST:
        context["attention"] = selectors.attention(user=reminder.recipient, on=reminder.owed_on)
    if reminder.kind == Kind.BRIEFING:
        context["briefing"] = monthly_briefing(month=reminder.period)
        context["briefing_url"] = settings.SITE_URL + briefing_url(reminder.period)
    if reminder.project_id:
        context["project_url"] = settings.SITE_URL + reminder.project.get_absolute_url()
    if reminder.review_step_id:
        step = reminder.review_step
        context["comment"] = step.comment
        context["report_url"] = settings.SITE_URL + review_url(reminder.kind, step.report)
    context["settings_url"] = settings.SITE_URL + reverse("projects:notification_settings")
    return context


def robot_context(reminder) -> dict:
    """Return what the robot template of ``reminder`` renders: every user's text already
    passed through ``markdown_text``, and nothing else of the row to render raw."""
    milestone = reminder.milestone
    context = {"title": markdown_text(alert_title(reminder))}
    if milestone is not None:
        context |= {
            "project": markdown_text(reminder.project.name),
            "milestone": markdown_text(milestone.title),
            "due_date": milestone.due_date,
        }
    if reminder.review_step_id:
        step = reminder.review_step
        context |= {
            "project": markdown_text(reminder.project.name),
            "month": step.report.month,
            "comment": markdown_text(step.comment),
            "report_url": settings.SITE_URL + review_url(reminder.kind, step.report),
        }
    if reminder.project_id:
        context["project_url"] = settings.SITE_URL + reminder.project.get_absolute_url()
    return context
