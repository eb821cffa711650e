"""The ledger of alerts, the record of what is owed and what was sent.

The database, not the broker, keeps it: a scan writes one ``Reminder`` row per
(address, kind, subject, period) under a unique constraint, cancels what became moot,
and hands every row still owed (new or left over from a lost message) to ``queue``
after its transaction commits (the tasks queue them for delivery.py).

Scans run only on working days (China's official calendar, see workdays.py); a day's
window reaches back to the previous working day, so a holiday's alerts go out on the
next working day.
"""

import datetime
import uuid
from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Q

from ..models import (
    Milestone,
    Notification,
    NotificationSettings,
    ProgressReport,
    Reminder,
    ReminderPolicy,
)
from .channels import CHANNELS
from .messages import alert_title, alert_url
from .owed import SCANS, Alert, Kind
from .workdays import WorkingDays


def scan(
    *,
    on: datetime.date,
    scans=tuple(SCANS),
    queue: Callable[[list[int]], None] | None = None,
) -> dict:
    """Record what is owed on ``on`` in the ledger and the in-app notifications, cancel
    what became moot, and (with ``queue``) pass the ids of everything still owed to
    ``queue`` once the transaction has committed.

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
        if queue is not None and owed:
            transaction.on_commit(lambda: queue(owed))
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
    channels = [channel() for channel in CHANNELS.values()]
    recorded, noticed = _already_recorded(alerts)
    reminders, notices = [], []
    # One alert goes to many people (an escalation to every reviewer): its title and link
    # are worked out once per alert, not once per recipient.
    titles: dict[str, tuple[str, str]] = {}
    for alert in alerts:
        user_preferences = default
        if alert.user is not None:
            user_preferences = preferences.get(alert.user.pk, default)
            key = f"{alert.kind}|{alert.subject}|{alert.period}"
            if (alert.user.pk, key) not in noticed:
                if key not in titles:
                    titles[key] = (alert_title(alert), alert_url(alert))
                title, url = titles[key]
                notices.append(
                    Notification(
                        user_id=alert.user.pk, kind=alert.kind, key=key, title=title, url=url
                    )
                )
        for channel in channels:
            address = channel.address_for(alert, user_preferences)
            if address is None or (address, str(alert.kind), alert.subject, alert.period) in (
                recorded
            ):
                continue
            reminders.append(
                # Ids, not instances: a scan writes a hundred thousand rows at district scale.
                Reminder(
                    channel=channel.code,
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


def cancel_moot() -> int:
    """Cancel owed alerts that no longer apply: the milestone was completed, or the
    month's report has been submitted."""
    done = Reminder.objects.filter(
        status=Reminder.Status.OWED, milestone__completed_on__isnull=False
    )
    filed = ProgressReport.objects.filed_for(project=OuterRef("project"), month=OuterRef("period"))
    reported = Reminder.objects.filter(
        status=Reminder.Status.OWED, kind__in=[Kind.REPORT_DUE, Kind.REPORT_OVERDUE]
    ).filter(Exists(filed))
    return done.update(status=Reminder.Status.CANCELLED) + reported.update(
        status=Reminder.Status.CANCELLED
    )
