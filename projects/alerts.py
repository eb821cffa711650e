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
from django.db.models import Exists, F, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

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
        for project in _projects_missing_report(month).select_related("contact_person"):
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
    User = get_user_model()
    readers = User.objects.filter(
        is_active=True, groups__name__in=[Role.LEADER.value, Role.REVIEWER.value]
    ).distinct()
    for user in readers:
        yield Alert(Kind.DIGEST, "digest", monday, 0, None, user=user)


def _projects_missing_report(month: datetime.date):
    filed = ProgressReport.objects.filter(
        project=OuterRef("pk"),
        month=month,
        status__in=[ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED],
    )
    return Project.objects.filter(stage=Project.Stage.UNDER_CONSTRUCTION).filter(~Exists(filed))


def _reviewers():
    return get_user_model().objects.filter(is_active=True, groups__name=Role.REVIEWER.value)


def _webhooks_by_unit() -> dict[int, list[WebhookChannel]]:
    by_unit: dict[int, list[WebhookChannel]] = {}
    for webhook in WebhookChannel.objects.filter(is_active=True):
        by_unit.setdefault(webhook.responsible_unit_id, []).append(webhook)
    return by_unit


SCANS = {"deadlines": deadline_alerts, "reports": report_alerts, "digest": digest_alerts}


# The ledger -----------------------------------------------------------------------------


def scan(*, on: datetime.date, scans=tuple(SCANS), queue: bool = True) -> dict:
    """Record what is owed on ``on`` in the ledger and the in-app notifications, cancel
    what became moot, and (with ``queue``) queue delivery of everything still owed.

    Returns counts: created, cancelled, owed (all unsent rows up to ``on``) and whether
    ``on`` is a working day. A second scan on the same day creates nothing new.
    """
    calendar = WorkingDays(on - datetime.timedelta(days=400), on)
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
    reminders, notices = [], []
    for alert in alerts:
        if alert.webhook is not None:
            address, channel = f"webhook:{alert.webhook.pk}", Reminder.Channel.WEBHOOK
        else:
            address, channel = f"user:{alert.user.pk}", Reminder.Channel.EMAIL
            notices.append(
                Notification(
                    user=alert.user,
                    kind=alert.kind,
                    key=f"{alert.kind}|{alert.subject}|{alert.period}",
                    title=alert_title(alert),
                    url=alert.project.get_absolute_url() if alert.project else reverse("home"),
                )
            )
            if not preferences.get(alert.user.pk, default).wants_email(alert.kind):
                continue
        reminders.append(
            Reminder(
                channel=channel,
                recipient=alert.user,
                webhook=alert.webhook,
                address=address,
                kind=alert.kind,
                project=alert.project,
                milestone=alert.milestone,
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
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=1000)
    Notification.objects.bulk_create(notices, ignore_conflicts=True, batch_size=1000)
    return Reminder.objects.filter(scan_id=scan_id).count()


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
    if reminder.project_id:
        context["project_url"] = settings.SITE_URL + reminder.project.get_absolute_url()
    context["settings_url"] = settings.SITE_URL + reverse("projects:notification_settings")
    return context


def email_reminder(reminder, connection) -> None:
    """Send one reminder as a Chinese email, plain text and HTML."""
    context = _context(reminder)
    subject = alert_title(reminder)
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string("emails/reminder.txt", context)
        html = render_to_string("emails/reminder.html", context)
    message = EmailMultiAlternatives(
        subject, text, to=[reminder.recipient.email], connection=connection
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
