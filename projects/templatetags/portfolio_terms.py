"""The glossary's words for templates: ``{% term "schedule_pace" %}`` (序时进度),
``{{ points|pace_gap }}`` (滞后27.6个百分点) and ``{% glossary %}``, the 名词解释 block; the
coloured status badges, ``{{ report|badge:"status" }}``; and a form's error summary,
``{{ form|error_summary }}``."""

from django import template
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shanwang.forms import FormError
from shanwang.forms import error_summary as form_error_summary

from .. import glossary as terms
from ..choices import ApprovalStatus, OrderStatus, ProblemStatus, SupervisionLevel
from ..models import (
    ApprovalItem,
    Notification,
    Problem,
    ProgressReport,
    Project,
    Reminder,
    SupervisionOrder,
)
from ..querysets import Light

register = template.Library()


@register.simple_tag
def term(code: str) -> str:
    """Return the word of a glossary term."""
    return terms.term(code)


@register.filter
def pace_gap(gap_points) -> str:
    """Return a gap in percentage points as words: 超前3.4个百分点, 滞后27.6个百分点."""
    return terms.pace_gap(gap_points)


@register.inclusion_tag("partials/glossary.html")
def glossary():
    """Render the 名词解释: every term of the glossary with its definition."""
    return {"terms": terms.TERMS}


# Status badges, coloured in one place. Bootstrap's text-bg-* classes pair each background
# with a text colour of enough contrast; the badge always says its status in words, so the
# colour is never the only signal.
NEUTRAL = "text-bg-secondary"
BADGE_CLASSES: dict[type[models.TextChoices], dict[str, str]] = {
    ProgressReport.Status: {
        ProgressReport.Status.DRAFT: "text-bg-secondary",
        ProgressReport.Status.SUBMITTED: "text-bg-info",
        ProgressReport.Status.RETURNED: "text-bg-warning",
        ProgressReport.Status.APPROVED: "text-bg-success",
    },
    Reminder.Status: {
        Reminder.Status.OWED: "text-bg-info",
        Reminder.Status.SENT: "text-bg-success",
        Reminder.Status.CANCELLED: "text-bg-light",
        Reminder.Status.FAILED: "text-bg-danger",
    },
    Reminder.Kind: {
        Reminder.Kind.UPCOMING: "text-bg-info",
        Reminder.Kind.DUE: "text-bg-warning",
        Reminder.Kind.OVERDUE: "text-bg-danger",
        Reminder.Kind.ESCALATION: "text-bg-danger",
        Reminder.Kind.BACKLOG: "text-bg-danger",
        Reminder.Kind.ESCALATION_SUMMARY: "text-bg-danger",
        Reminder.Kind.REPORT_DUE: "text-bg-info",
        Reminder.Kind.REPORT_OVERDUE: "text-bg-danger",
        Reminder.Kind.DIGEST: "text-bg-light",
        Reminder.Kind.BRIEFING: "text-bg-light",
        Reminder.Kind.REPORT_SUBMITTED: "text-bg-info",
        Reminder.Kind.REPORT_RETURNED: "text-bg-warning",
        Reminder.Kind.REPORT_APPROVED: "text-bg-success",
        Reminder.Kind.PROBLEM_ASSIGNED: "text-bg-info",
        Reminder.Kind.PROBLEM_RETURNED: "text-bg-warning",
        Reminder.Kind.ORDER_ISSUED: "text-bg-info",
        Reminder.Kind.ORDER_REPLIED: "text-bg-success",
        Reminder.Kind.ORDER_RETURNED: "text-bg-warning",
        Reminder.Kind.FUNDS_IDLE: "text-bg-warning",
        Reminder.Kind.FUNDS_BEHIND_PROGRESS: "text-bg-warning",
    },
    ApprovalStatus: {
        ApprovalStatus.NOT_STARTED: "text-bg-secondary",
        ApprovalStatus.IN_PROGRESS: "text-bg-primary",
        ApprovalStatus.OBTAINED: "text-bg-success",
        ApprovalStatus.NOT_APPLICABLE: "text-bg-light",
    },
    ProblemStatus: {
        ProblemStatus.PENDING: "text-bg-secondary",
        ProblemStatus.ASSIGNED: "text-bg-info",
        ProblemStatus.IN_PROGRESS: "text-bg-primary",
        ProblemStatus.RESOLVED: "text-bg-warning",
        ProblemStatus.STRUCK_OFF: "text-bg-success",
    },
    OrderStatus: {
        OrderStatus.ISSUED: "text-bg-info",
        OrderStatus.REPLIED: "text-bg-warning",
        OrderStatus.RETURNED: "text-bg-danger",
        OrderStatus.ACCEPTED: "text-bg-success",
    },
    # A level's badge shows its colour (蓝/黄/红) as its background.
    SupervisionLevel: {
        SupervisionLevel.NORMAL: "text-bg-primary",
        SupervisionLevel.KEY: "text-bg-warning",
        SupervisionLevel.LISTED: "text-bg-danger",
    },
    Project.Stage: {
        Project.Stage.PLANNING: "text-bg-light",
        Project.Stage.PRELIMINARY: "text-bg-info",
        Project.Stage.UNDER_CONSTRUCTION: "text-bg-primary",
        Project.Stage.COMPLETED: "text-bg-success",
        Project.Stage.IN_OPERATION: "text-bg-dark",
        Project.Stage.SUSPENDED: "text-bg-warning",
        Project.Stage.CANCELLED: "text-bg-secondary",
    },
    Light: {
        Light.GREEN: "text-bg-success",
        Light.YELLOW: "text-bg-warning",
        Light.RED: "text-bg-danger",
        Light.NONE: "text-bg-light",
    },
}

#: Which choices each badge shows: (model, attribute) -> its choices.
BADGE_CHOICES: dict[tuple[type[models.Model], str], type[models.TextChoices]] = {
    (ProgressReport, "status"): ProgressReport.Status,
    (Project, "stage"): Project.Stage,
    (Project, "light"): Light,
    (Reminder, "status"): Reminder.Status,
    (Notification, "kind"): Reminder.Kind,
    (Problem, "status"): ProblemStatus,
    (SupervisionOrder, "status"): OrderStatus,
    (ApprovalItem, "status"): ApprovalStatus,
}

#: A level's colour in words, beside the level: the colour is never the only signal.
COLOUR_NAMES = {
    "blue": _("colour blue"),
    "yellow": _("colour yellow"),
    "red": _("colour red"),
}
#: The county ledger's overdue mark.
OVERDUE = _("overdue")


def badge_class(choices: type[models.TextChoices], value: str) -> str:
    """Return the Bootstrap class of the badge of ``value`` among ``choices``."""
    return BADGE_CLASSES[choices].get(value, NEUTRAL)


@register.filter
def badge(obj, attribute: str) -> str:
    """Return the coloured badge of ``obj``'s ``attribute`` (a report's status, a
    project's stage or light, a reminder's status, a notice's kind), in words:
    ``{{ report|badge:"status" }}``."""
    choices = BADGE_CHOICES[type(obj)._meta.concrete_model, attribute]
    return _badge(choices, attribute, getattr(obj, attribute))


@register.filter
def report_status_badge(status: str) -> str:
    """Return the coloured badge of a report status given as a value (an annotation)."""
    return _badge(ProgressReport.Status, "status", status)


def _badge(choices: type[models.TextChoices], attribute: str, value: str) -> str:
    return format_html(
        '<span class="badge {}" data-badge="{}-{}">{}</span>',
        badge_class(choices, value),
        attribute,
        value,
        dict(choices.choices).get(value, value),
    )


@register.filter
def level_badge(item) -> str:
    """Return the badge of a problem's or an order's level in its colour and words:
    ``{{ problem|level_badge }}`` gives 红 · 挂牌督办."""
    level = SupervisionLevel(item.level)
    return format_html(
        '<span class="badge {}" data-level="{}">{} · {}</span>',
        badge_class(SupervisionLevel, level),
        level.value,
        COLOUR_NAMES[level.colour],
        level.label,
    )


def status_badge(item, *, overdue: bool) -> str:
    """Return the badge of a problem's or an order's status, marked when it is late."""
    choices = BADGE_CHOICES[type(item)._meta.concrete_model, "status"]
    badge = format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        badge_class(choices, item.status),
        item.status,
        dict(choices.choices).get(item.status, item.status),
    )
    if overdue:
        badge = format_html(
            '{} <span class="badge text-bg-danger" data-overdue="1">{}</span>', badge, OVERDUE
        )
    return badge


@register.filter(name="status_badge")
def status_badge_filter(item, overdue=False) -> str:
    """``{{ problem|status_badge:overdue }}``: the status badge, with the overdue mark."""
    return status_badge(item, overdue=bool(overdue))


@register.filter
def error_summary(form) -> list[FormError]:
    """Return the form's errors for the summary at its top (shanwang.forms)."""
    return form_error_summary(form)
