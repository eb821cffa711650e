"""What an alert says: its one-line title and the context its templates render, in the
site's language, whatever the channel.

Every text a user typed (a milestone's title, a project's name) reaches three kinds of
reader: the HTML of an email (Django's autoescaping), the plain text of an email and
its subject (no markup, no line breaks: a header must be one line), and the markdown
of a group-chat robot, which escapes nothing of its own: ``markdown_text`` neutralises
every markdown sign in it, and the robot template gets only neutralised texts.
"""

import re
from types import SimpleNamespace

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from shanwang import formatting

from .. import selectors
from ..briefing.figures import briefing_url, monthly_briefing
from ..choices import SupervisionLevel
from ..models import Milestone, ProblemTransition, Project, Reminder, SupervisionOrderTransition
from ..models.alerts import SUPERVISION_NOTICES

Kind = Reminder.Kind
#: The summaries (owed.deadline_alerts): one alert listing a recipient's milestones.
SUMMARY_KINDS = (Kind.BACKLOG, Kind.ESCALATION_SUMMARY)
#: The notices of a report's review steps, recorded by ``ledger.record_review_step``.
REVIEW_KINDS = (Kind.REPORT_SUBMITTED, Kind.REPORT_RETURNED, Kind.REPORT_APPROVED)
#: The monthly funds alerts (owed.funds_alerts): their messages give the project's money.
FUNDS_KINDS = (Kind.FUNDS_IDLE, Kind.FUNDS_BEHIND_PROGRESS)
#: The subject of a 督办 step's notices, by the step's model: the ledger has no column
#: for the step (a problem's or an order's), so its subject names it.
STEP_SUBJECTS = {ProblemTransition: "problem-step", SupervisionOrderTransition: "order-step"}

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
    context = {"item": item, "step": supervision_step(item)}
    with translation.override(settings.LANGUAGE_CODE):
        return one_line(render_to_string("emails/reminder_subject.txt", context))


class TitleStamps:
    """The titles and links of many alerts, each shape rendered once.

    A scan owes thousands of alerts whose titles differ only in the names a user typed
    (a project's, a milestone's, an approval's): the title template is rendered once per
    kind, days and dates with a stand-in mark for each name, and each alert's title is
    that stamp with its own names put back, then put on one line, which is what
    rendering it would give (the subject templates write these names as they are, with
    no filter, autoescaping off). Alerts with any other text (a problem, an order, a
    step, a summary) are rendered one by one."""

    MARKS = {"\ue000": "project", "\ue001": "milestone", "\ue002": "approval"}
    FILL = re.compile("[\ue000-\ue002]")

    def __init__(self):
        self.stamps: dict[tuple, str] = {}
        self.project_path = reverse("projects:detail", args=[0]).removesuffix("0/")

    def title(self, alert) -> str:
        """Return ``alert_title(alert)``."""
        if alert.problem or alert.order or alert.review_step or alert.supervision_step:
            return alert_title(alert)
        if alert.summary is not None or alert.project is None:
            return alert_title(alert)
        milestone, approval = alert.milestone, alert.approval_item
        shape = (
            alert.kind,
            alert.days,
            alert.period,
            milestone and milestone.due_date,
            milestone is None,
            approval is None,
        )
        if shape not in self.stamps:
            self.stamps[shape] = alert_title(_stand_in(alert))
        names = {
            "project": alert.project.name,
            "milestone": milestone.title if milestone else "",
            "approval": approval.name if approval else "",
        }
        filled = self.FILL.sub(lambda mark: names[self.MARKS[mark.group()]], self.stamps[shape])
        return one_line(filled)

    def url(self, alert) -> str:
        """Return ``alert_url(alert)``, a project's page without a ``reverse`` each."""
        others = alert.summary or alert.approval_item or alert.review_step
        if alert.project and not (others or alert.problem or alert.order):
            return f"{self.project_path}{alert.project.pk}/"
        return alert_url(alert)


def _stand_in(alert):
    """Return ``alert`` with a mark in place of each name a user typed (TitleStamps)."""
    marks = {name: mark for mark, name in TitleStamps.MARKS.items()}
    milestone, approval = alert.milestone, alert.approval_item
    return SimpleNamespace(
        kind=alert.kind,
        days=alert.days,
        period=alert.period,
        summary=None,
        problem=None,
        supervision_order=None,
        supervision_step=None,
        review_step=None,
        project=SimpleNamespace(name=marks["project"]),
        milestone=milestone
        and SimpleNamespace(title=marks["milestone"], due_date=milestone.due_date),
        approval_item=approval and SimpleNamespace(name=marks["approval"]),
    )


def step_subject(step) -> str:
    """Return the ledger subject of the notices of a problem's or an order's step."""
    return f"{STEP_SUBJECTS[type(step)]}:{step.pk}"


def supervision_step(item):
    """Return the problem's or order's step a 督办 notice is about: the alert's own, or
    the one a ledger row's subject names (None for any other alert)."""
    if hasattr(item, "supervision_step"):  # an alert, before the ledger records it
        return item.supervision_step
    if item.kind not in SUPERVISION_NOTICES:
        return None
    if not hasattr(item, "_supervision_step"):  # read once per row
        prefix, _, pk = item.subject.partition(":")
        models = {name: model for model, name in STEP_SUBJECTS.items()}
        model = models.get(prefix)
        item._supervision_step = (
            model.objects.select_related("acting_user").filter(pk=pk).first()
            if model is not None and pk.isdigit()
            else None
        )
    return item._supervision_step


def review_url(kind: str, report) -> str:
    """Return the path a review notice leads to: the edit form of a returned report (to
    fix it), the report's page otherwise (to review it, or to see it approved)."""
    if kind == Kind.REPORT_RETURNED:
        return reverse("projects:report_edit", kwargs={"report_pk": report.pk})
    return reverse("projects:report", kwargs={"pk": report.pk})


def alert_url(alert) -> str:
    """Return the path of the page an alert is about."""
    if alert.summary is not None:
        return summary_url(alert.summary)
    if alert.review_step is not None:
        return review_url(alert.kind, alert.review_step.report)
    if alert.problem is not None:
        return alert.problem.get_absolute_url()
    if alert.supervision_order is not None:
        return alert.supervision_order.get_absolute_url()
    if alert.approval_item is not None:
        return alert.approval_item.project.get_absolute_url() + "#approvals"
    if alert.project is not None:
        return alert.project.get_absolute_url()
    if alert.kind == Kind.BRIEFING:
        return briefing_url(alert.period)
    return reverse("projects:dashboard")


def summary_url(summary: dict) -> str:
    """Return the path of the project list a summary leads to: the projects with an
    overdue milestone, the recipient's own when the summary holds only theirs."""
    query = "?overdue=on&mine=on" if summary.get("mine") else "?overdue=on"
    return reverse("projects:list") + query


def summary_items(summary: dict) -> list[Milestone]:
    """Return the milestones a summary lists, the most overdue first, with their projects."""
    return list(
        Milestone.objects.filter(pk__in=summary["milestones"])
        .select_related("project")
        .order_by("due_date", "pk")
    )


def _summary_context(reminder, *, text=lambda value: value) -> dict:
    """Return a summary's count, items and link; ``text`` passes each user's text (the
    robots' ``markdown_text``)."""
    summary = reminder.summary
    items = [
        {
            "due_date": milestone.due_date,
            "days": (reminder.owed_on - milestone.due_date).days,
            "project": text(milestone.project.name),
            "milestone": text(milestone.title),
        }
        for milestone in summary_items(summary)
    ]
    return {
        "summary": {
            "count": summary["count"],
            "items": items,
            "more": max(summary["count"] - len(items), 0),
        },
        "list_url": settings.SITE_URL + summary_url(summary),
    }


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
    if reminder.problem_id or reminder.supervision_order_id:
        item = reminder.problem or reminder.supervision_order
        context |= {
            "problem": reminder.problem,
            "order": reminder.supervision_order,
            "comment": _step_comment(reminder),
            "item_url": settings.SITE_URL + item.get_absolute_url(),
        }
    if reminder.approval_item_id:
        approval = reminder.approval_item
        context |= {
            "approval": approval,
            "item_url": settings.SITE_URL + approval.project.get_absolute_url() + "#approvals",
        }
    if reminder.kind in FUNDS_KINDS and reminder.project_id:
        context |= _funds_context(reminder)
    if reminder.kind in SUMMARY_KINDS and reminder.summary:
        context |= _summary_context(reminder)
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
    if reminder.problem_id or reminder.supervision_order_id:
        context |= _supervision_robot_context(reminder)
    if reminder.approval_item_id:
        approval = reminder.approval_item
        context |= {
            "project": markdown_text(reminder.project.name),
            "approval": markdown_text(approval.name),
            # Our label, no user's text: lazy, rendered in the site's language.
            "approval_status": approval.Status(approval.status).label,
            "planned_date": approval.planned_date,
            "item_url": settings.SITE_URL + approval.project.get_absolute_url() + "#approvals",
        }
    if reminder.kind in FUNDS_KINDS and reminder.project_id:
        context |= _funds_context(reminder)
        context["project"] = markdown_text(reminder.project.name)
    if reminder.project_id:
        context["project_url"] = settings.SITE_URL + reminder.project.get_absolute_url()
    if reminder.kind in SUMMARY_KINDS and reminder.summary:
        context |= _summary_context(reminder, text=markdown_text)
    return context


def _funds_context(reminder) -> dict:
    """Return a funds alert's figures, written out (our numbers, no user's text): the
    project's money as of the day the alert was owed, and the link to its funds page."""
    money = (
        Project.objects.filter(pk=reminder.project_id)
        .with_money(on=reminder.owed_on)
        .values("money_arrived", "money_paid", "payment_rate", "money_physical_progress")
        .get()
    )
    return {
        "funds": {
            "arrived": formatting.amount(money["money_arrived"]),
            "paid": formatting.amount(money["money_paid"]),
            "rate": formatting.percent(money["payment_rate"]),
            "progress": formatting.percent_of_hundred(money["money_physical_progress"]),
        },
        "item_url": settings.SITE_URL
        + reverse("projects:funds", kwargs={"pk": reminder.project_id}),
    }


def _step_comment(reminder) -> str:
    """Return the comment of the step a 督办 notice is about (none for an order's issue,
    whose comment is the order's text, shown as such)."""
    step = supervision_step(reminder)
    if step is None or reminder.kind == Kind.ORDER_ISSUED:
        return ""
    return step.comment


def _supervision_robot_context(reminder) -> dict:
    """Return the robot's lines of a problem or an order, each user's text neutralised."""
    problem, order = reminder.problem, reminder.supervision_order
    item = problem or order
    unit = item.responsible_unit
    return {
        "project": markdown_text(reminder.project.name),
        "problem": markdown_text(problem.description) if problem else "",
        "order": markdown_text(order.content) if order else "",
        # Our label, no user's text: lazy, so the template renders it in the site's language.
        "level": SupervisionLevel(item.level).label,
        "unit": markdown_text(unit.name) if unit else "",
        "deadline": problem.deadline if problem else order.reply_deadline,
        "comment": markdown_text(_step_comment(reminder)),
        "item_url": settings.SITE_URL + item.get_absolute_url(),
    }
