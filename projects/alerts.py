"""Deadline alerts that never miss and never repeat.

The database, not the broker, is the record of what is owed and what was sent: a scan
writes one ``Reminder`` row per (address, kind, subject, period) under a unique
constraint, cancels what became moot, and queues every row still owed (new or left
over from a lost message) after its transaction commits. Delivery locks a row, sends,
marks it sent and commits, row by row, so a crash leaves the rest owed for the next
try and a second worker finds nothing left to send. One window remains: a worker killed
after the mail server accepted a message and before the row's commit sends it twice.
A permanent refusal (SMTP 5xx, a wrong robot address) marks the row failed and the
batch goes on; a transient one stops the batch for a retry.

Scans run only on working days (China's official calendar, see workdays.py); a day's
window reaches back to the previous working day, so a holiday's alerts go out on the
next working day.
"""

import datetime
import json
import logging
import smtplib
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .briefing import briefing_url, monthly_briefing
from .briefing_xlsx import workbook_attachment
from .models import (
    Milestone,
    Notification,
    NotificationSettings,
    ProgressReport,
    Project,
    Reminder,
    ReminderPolicy,
    WebhookChannel,
)
from .rules import Role
from .selectors import projects_missing_report
from .workdays import WorkingDays

logger = logging.getLogger(__name__)
Kind = Reminder.Kind

#: Errors worth another try: the mail server or the network may come back.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, urllib.error.URLError)
BATCH_SIZE = 50


@dataclass(frozen=True)
class Alert:
    """One alert owed to a user or a group-chat robot."""

    kind: str
    subject: str
    period: datetime.date
    days: int
    project: Project
    milestone: Milestone | None = None
    user: object = None
    webhook: WebhookChannel | None = None


# What is owed ---------------------------------------------------------------------------


def deadline_alerts(on: datetime.date, calendar: WorkingDays, policy: ReminderPolicy):
    """Yield the milestone alerts owed on working day ``on``: coming, due, overdue and the
    escalations, for milestones not completed."""
    window_start = calendar.previous_working_day(on)  # exclusive
    lead = max(policy.days_before_list(), default=0)
    milestones = Milestone.objects.filter(
        completed_on__isnull=True, due_date__lte=on + datetime.timedelta(days=lead)
    ).select_related("owner", "project__contact_person", "project__supervising_leader")
    reviewers = list(_reviewers())
    webhooks = _webhooks_by_unit()
    for milestone in milestones.iterator(chunk_size=2000):
        project, due = milestone.project, milestone.due_date
        person = milestone.owner or project.contact_person
        subject = f"milestone:{milestone.pk}"
        owed = []
        # Notices that fell on holidays go out on the next working day: only the nearest
        # of them, and none when the milestone is due by then (the due notice says it).
        upcoming = [
            days
            for days in policy.days_before_list()
            if due > on and window_start < due - datetime.timedelta(days=days) <= on
        ]
        if upcoming:
            days = min(upcoming)
            owed.append((Kind.UPCOMING, subject, due - datetime.timedelta(days=days), days))
        if policy.on_due_day and window_start < due <= on:
            owed.append((Kind.DUE, subject, due, 0))
        if due < on:
            late = calendar.working_days_after(due, on)
            if late >= 1 and (late - 1) % policy.overdue_every_working_days == 0:
                owed.append((Kind.OVERDUE, subject, on, (due - on).days))
        for kind, key, period, days in owed:
            if person is not None:
                yield Alert(kind, key, period, days, project, milestone, user=person)
            for webhook in webhooks.get(project.responsible_unit_id, ()):
                yield Alert(kind, key, period, days, project, milestone, webhook=webhook)
        overdue_days = (on - due).days
        if overdue_days >= policy.escalate_to_leader_after_days and project.supervising_leader:
            yield Alert(
                Kind.ESCALATION,
                f"{subject}:leader",
                due,
                -overdue_days,
                project,
                milestone,
                user=project.supervising_leader,
            )
        if overdue_days >= policy.escalate_to_reviewers_after_days:
            for reviewer in reviewers:
                yield Alert(
                    Kind.ESCALATION,
                    f"{subject}:reviewers",
                    due,
                    -overdue_days,
                    project,
                    milestone,
                    user=reviewer,
                )


def report_alerts(on: datetime.date, calendar: WorkingDays, policy: ReminderPolicy):
    """Yield the monthly report alerts owed on ``on``: a reminder on the policy's day
    (default the 20th) for this month, an overdue notice on the 1st for last month;
    each for projects under construction whose report is not yet submitted."""
    window_start = calendar.previous_working_day(on)
    this_month = on.replace(day=1)
    reminder_day = this_month.replace(day=policy.report_reminder_day)
    checks = []
    if window_start < reminder_day <= on:
        checks.append((Kind.REPORT_DUE, this_month, (reminder_day - on).days))
    if window_start < this_month <= on:
        last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
        checks.append((Kind.REPORT_OVERDUE, last_month, -(on - this_month).days - 1))
    for kind, month, days in checks:
        for project in projects_missing_report(month).select_related("contact_person"):
            if project.contact_person is not None:
                yield Alert(
                    kind,
                    f"project:{project.pk}:report",
                    month,
                    days,
                    project,
                    user=project.contact_person,
                )


def digest_alerts(on: datetime.date, calendar: WorkingDays, policy: ReminderPolicy | None = None):
    """Yield the weekly digest, owed to leaders and reviewers on the week's first
    working day."""
    monday = on - datetime.timedelta(days=on.weekday())
    if calendar.next_working_day(monday) != on:
        return
    for user in _leaders_and_reviewers():
        yield Alert(Kind.DIGEST, "digest", monday, 0, None, user=user)


def briefing_alerts(on: datetime.date, calendar: WorkingDays, policy: ReminderPolicy | None = None):
    """Yield last month's briefing (月报), owed to leaders and reviewers on the month's
    second working day; its period is the first day of the month it briefs."""
    first = calendar.next_working_day(on.replace(day=1))
    if calendar.next_working_day(first + datetime.timedelta(days=1)) != on:
        return
    last_month = (on.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for user in _leaders_and_reviewers():
        yield Alert(Kind.BRIEFING, "briefing", last_month, 0, None, user=user)


def _leaders_and_reviewers():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.LEADER.value, Role.REVIEWER.value])
        .distinct()
    )


def _reviewers():
    return get_user_model().objects.filter(is_active=True, groups__name=Role.REVIEWER.value)


def _webhooks_by_unit() -> dict[int, list[WebhookChannel]]:
    by_unit: dict[int, list[WebhookChannel]] = {}
    for webhook in WebhookChannel.objects.filter(is_active=True):
        by_unit.setdefault(webhook.responsible_unit_id, []).append(webhook)
    return by_unit


SCANS = {
    "deadlines": deadline_alerts,
    "reports": report_alerts,
    "digest": digest_alerts,
    "briefing": briefing_alerts,
}


# The ledger -----------------------------------------------------------------------------


def scan(*, on: datetime.date, scans=tuple(SCANS), queue: bool = True) -> dict:
    """Record what is owed on ``on`` in the ledger and the in-app notifications, cancel
    what became moot, and (with ``queue``) queue delivery of everything still owed.

    Returns counts: created, cancelled, owed (all unsent rows up to ``on``) and whether
    ``on`` is a working day. A second scan on the same day creates nothing new.
    """
    # Back to the oldest open milestone: overdue notices count working days since it.
    oldest_open = Milestone.objects.filter(completed_on__isnull=True).aggregate(
        oldest=Min("due_date")
    )["oldest"]
    start = on - datetime.timedelta(days=400)
    calendar = WorkingDays(min(start, oldest_open or start), on)
    if not calendar.is_working_day(on):
        return {"working_day": False, "created": 0, "cancelled": 0, "owed": []}
    policy = ReminderPolicy.current()
    alerts = [alert for name in scans for alert in SCANS[name](on, calendar, policy)]
    with transaction.atomic():
        created = _record(alerts, on=on)
        cancelled = cancel_moot()
        owed = list(
            Reminder.objects.filter(status=Reminder.Status.OWED, owed_on__lte=on)
            .order_by("channel", "address", "pk")
            .values_list("pk", flat=True)
        )
        if queue and owed:
            transaction.on_commit(lambda: queue_delivery(owed))
    return {
        "working_day": True,
        "created": created,
        "cancelled": cancelled,
        "owed": owed,
        "unknown_years": sorted(calendar.unknown_years),
    }


def _record(alerts: list[Alert], *, on: datetime.date) -> int:
    users = {alert.user.pk for alert in alerts if alert.user is not None}
    preferences = {
        settings_row.user_id: settings_row
        for settings_row in NotificationSettings.objects.filter(user__in=users)
    }
    default = NotificationSettings()
    recorded, noticed = _already_recorded(alerts)
    reminders, notices = [], []
    # One alert goes to many people (an escalation to every reviewer): its title and link
    # are worked out once per alert, not once per recipient.
    titles: dict[str, tuple[str, str]] = {}
    for alert in alerts:
        if alert.webhook is not None:
            address, channel = f"webhook:{alert.webhook.pk}", Reminder.Channel.WEBHOOK
        else:
            address, channel = f"user:{alert.user.pk}", Reminder.Channel.EMAIL
            key = f"{alert.kind}|{alert.subject}|{alert.period}"
            if (alert.user.pk, key) not in noticed:
                if key not in titles:
                    titles[key] = (alert_title(alert), _alert_url(alert))
                title, url = titles[key]
                notices.append(
                    Notification(
                        user_id=alert.user.pk, kind=alert.kind, key=key, title=title, url=url
                    )
                )
            if not preferences.get(alert.user.pk, default).wants_email(alert.kind):
                continue
        if (address, str(alert.kind), alert.subject, alert.period) in recorded:
            continue
        reminders.append(
            # Ids, not instances: a scan writes a hundred thousand rows at district scale.
            Reminder(
                channel=channel,
                recipient_id=alert.user and alert.user.pk,
                webhook_id=alert.webhook and alert.webhook.pk,
                address=address,
                kind=alert.kind,
                project_id=alert.project and alert.project.pk,
                milestone_id=alert.milestone and alert.milestone.pk,
                subject=alert.subject,
                period=alert.period,
                days=alert.days,
                owed_on=on,
            )
        )
    # Rows that already existed are skipped and keep their own scan id, so counting this
    # scan's id gives exactly the rows it added, even when scans overlap.
    scan_id = uuid.uuid4()
    for reminder in reminders:
        reminder.scan_id = scan_id
    # One statement each (PostgreSQL inserts from arrays; SQLite splits by its own limit):
    # a scan costs the same number of queries however many alerts it writes.
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
    Notification.objects.bulk_create(notices, ignore_conflicts=True)
    return Reminder.objects.filter(scan_id=scan_id).count()


def _already_recorded(alerts: list[Alert]) -> tuple[set, set]:
    """Return the ledger rows (address, kind, subject, period) and the notices (user id,
    key) that earlier scans made for these milestone and project alerts, in two queries.

    Day after day a scan owes nearly the same alerts (every escalation of every overdue
    milestone, to every reviewer): leaving the recorded ones out before building rows
    keeps a scan of 100,000 milestones short. The unique constraints still decide when
    scans overlap."""
    milestones = {alert.milestone.pk for alert in alerts if alert.milestone is not None}
    projects = {alert.project.pk for alert in alerts if alert.milestone is None and alert.project}
    if not (milestones or projects):
        return set(), set()
    periods = {alert.period for alert in alerts}
    recorded = set(
        Reminder.objects.filter(
            Q(milestone__in=milestones) | Q(project__in=projects, milestone__isnull=True),
            period__in=periods,
        ).values_list("address", "kind", "subject", "period")
    )
    users = {alert.user.pk for alert in alerts if alert.user is not None}
    keys = {f"{alert.kind}|{alert.subject}|{alert.period}" for alert in alerts if alert.project}
    noticed = set(
        Notification.objects.filter(user__in=users, key__in=keys).values_list("user", "key")
    )
    return recorded, noticed


def _alert_url(alert: Alert) -> str:
    if alert.project is not None:
        return alert.project.get_absolute_url()
    if alert.kind == Kind.BRIEFING:
        return briefing_url(alert.period)
    return reverse("home")


def cancel_moot() -> int:
    """Cancel owed alerts that no longer apply: the milestone was completed, or the
    month's report has been submitted."""
    done = Reminder.objects.filter(
        status=Reminder.Status.OWED, milestone__completed_on__isnull=False
    )
    filed = ProgressReport.objects.filter(
        project=OuterRef("project"),
        month=OuterRef("period"),
        status__in=[ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED],
    )
    reported = Reminder.objects.filter(
        status=Reminder.Status.OWED, kind__in=[Kind.REPORT_DUE, Kind.REPORT_OVERDUE]
    ).filter(Exists(filed))
    return done.update(status=Reminder.Status.CANCELLED) + reported.update(
        status=Reminder.Status.CANCELLED
    )


def queue_delivery(reminder_ids: list[int]) -> None:
    """Queue the owed reminders for delivery in batches (one SMTP connection each)."""
    from .tasks import deliver_reminders

    for start in range(0, len(reminder_ids), BATCH_SIZE):
        deliver_reminders.delay(reminder_ids[start : start + BATCH_SIZE])


# Delivery -------------------------------------------------------------------------------


def deliver(reminder_ids: list[int]) -> int:
    """Send the reminders that are still owed, one row at a time; return how many were
    sent. A transient error stops the batch and is raised for a retry, the row that met
    it and the ones after it staying owed."""
    sent = 0
    connection = get_connection()
    try:
        connection.open()  # one connection for the whole batch
    except TRANSIENT_ERRORS as error:
        Reminder.objects.filter(pk__in=reminder_ids, status=Reminder.Status.OWED).update(
            attempts=F("attempts") + 1, last_error=str(error)[:500]
        )
        raise
    try:
        for reminder_id in reminder_ids:
            sent += _deliver_one(reminder_id, connection)
    finally:
        connection.close()
    return sent


def _deliver_one(reminder_id: int, connection) -> int:
    try:
        with transaction.atomic():
            # of=("self",): PostgreSQL locks no row of a nullable outer join.
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "webhook", "project", "milestone")
                .filter(pk=reminder_id, status=Reminder.Status.OWED)
                .first()
            )
            if reminder is None:
                return 0  # sent, cancelled, or being sent by another worker
            if reminder.channel == Reminder.Channel.WEBHOOK:
                post_to_robot(reminder)
            else:
                email_reminder(reminder, connection)
            reminder.status = Reminder.Status.SENT
            reminder.sent_at = timezone.now()
            reminder.attempts += 1
            reminder.save(update_fields=["status", "sent_at", "attempts"])
            return 1
    except Exception as error:
        failed = is_permanent(error)
        if not failed and not isinstance(error, TRANSIENT_ERRORS):
            raise
        Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.OWED).update(
            status=Reminder.Status.FAILED if failed else Reminder.Status.OWED,
            attempts=F("attempts") + 1,
            last_error=str(error)[:500],
        )
        if failed:
            logger.warning("Reminder %s failed for good: %s", reminder_id, error)
            return 0
        raise


class RobotRefused(Exception):
    """A group-chat robot answered with an error code: a wrong or revoked address."""


def is_permanent(error: Exception) -> bool:
    """Return whether retrying cannot help: the server refused for good (SMTP 5xx, an
    HTTP 4xx, a robot's error code). A refused address must not hold back the rest."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    if isinstance(error, urllib.error.HTTPError):
        return 400 <= error.code < 500
    return isinstance(error, RobotRefused)


def alert_title(item) -> str:
    """Return the one-line title of an alert or reminder, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("emails/reminder_subject.txt", {"item": item}).strip()


def _context(reminder) -> dict:
    context = {"reminder": reminder, "item": reminder, "site_url": settings.SITE_URL}
    if reminder.kind == Kind.DIGEST:
        from . import selectors

        context["attention"] = selectors.attention(user=reminder.recipient, on=reminder.owed_on)
    if reminder.kind == Kind.BRIEFING:
        context["briefing"] = monthly_briefing(month=reminder.period)
        context["briefing_url"] = settings.SITE_URL + briefing_url(reminder.period)
    if reminder.project_id:
        context["project_url"] = settings.SITE_URL + reminder.project.get_absolute_url()
    context["settings_url"] = settings.SITE_URL + reverse("projects:notification_settings")
    return context


def email_reminder(reminder, connection) -> None:
    """Send one reminder as a Chinese email, plain text and HTML; the monthly briefing
    has its own text and carries its workbook."""
    context = _context(reminder)
    subject = alert_title(reminder)
    briefing = context.get("briefing")
    template = "briefing" if briefing else "reminder"
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
        attachments = [workbook_attachment(briefing)] if briefing else []
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[reminder.recipient.email],
        connection=connection,
        attachments=attachments,
    )
    message.attach_alternative(html, "text/html")
    message.send()


def post_to_robot(reminder) -> None:
    """Post one reminder to a WeCom or DingTalk group robot in its markdown format."""
    context = _context(reminder)
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
