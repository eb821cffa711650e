"""The ledger of alerts, the record of what is owed and what was sent.

The database, not the broker, keeps it: a scan writes one ``Reminder`` row per
(address, kind, subject, period) under a unique constraint, cancels what became moot,
and hands every row still owed (new or left over from a lost message) to ``queue``
after its transaction commits (the tasks queue them for delivery.py).

Scans run only on working days (China's official calendar, see workdays.py); a day's
window reaches back to the previous working day, so a holiday's alerts go out on the
next working day.

A report's review steps (submitted, returned, approved) are recorded by
``record_review_step`` when the step is taken, not by a scan: the same rows and notices,
one per (address, kind, step), and ``reminders_owed`` sent after the commit, which the
app connects to the tasks' queue (the domain does not import the tasks). The steps of
the 督办 loop (a problem assigned or sent back, an order issued, replied or sent back)
are recorded the same way, by ``record_supervision_step``.
"""

import datetime
import uuid
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.dispatch import Signal
from django.utils import timezone

from ..choices import ApprovalStatus, OrderStatus, ProblemStatus
from ..models import (
    ApprovalItem,
    Milestone,
    Notification,
    NotificationSettings,
    Problem,
    ProblemTransition,
    ProgressReport,
    Reminder,
    ReminderPolicy,
    ReportTransition,
    SupervisionOrder,
    SupervisionOrderTransition,
    WebhookChannel,
)
from ..rules import Role, report_author_ids
from .channels import CHANNELS
from .messages import TitleStamps, step_subject
from .owed import SCANS, Alert, Kind, responsible_people
from .workdays import WorkingDays

#: Sent once the transaction that recorded a review step's notices has committed, with
#: ``reminder_ids``: the step's ledger rows still owed, to be delivered now.
#: ``ProjectsConfig.ready`` connects ``tasks.queue_owed_reminders`` to it.
reminders_owed = Signal()

#: A notice's title is cut to its column (a project's name may be long).
TITLE_LENGTH = Notification._meta.get_field("title").max_length

#: The notice each review step's new status makes.
REVIEW_NOTICES = {
    ProgressReport.Status.SUBMITTED: Kind.REPORT_SUBMITTED,
    ProgressReport.Status.RETURNED: Kind.REPORT_RETURNED,
    ProgressReport.Status.APPROVED: Kind.REPORT_APPROVED,
}


#: The notices of a problem's or an order's deadline, cancelled once the item is settled.
DEADLINE_KINDS = (Kind.UPCOMING, Kind.DUE, Kind.OVERDUE, Kind.ESCALATION)
SETTLED_PROBLEMS = tuple(
    status for status in ProblemStatus if status not in ProblemStatus.unresolved()
)
SETTLED_ORDERS = tuple(
    status for status in OrderStatus if status not in OrderStatus.awaiting_reply()
)
#: The notice each order step's new status makes.
ORDER_NOTICES = {
    OrderStatus.ISSUED: Kind.ORDER_ISSUED,
    OrderStatus.REPLIED: Kind.ORDER_REPLIED,
    OrderStatus.RETURNED: Kind.ORDER_RETURNED,
}


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
    # Back to the oldest open deadline: overdue notices count working days since it.
    start = on - datetime.timedelta(days=400)
    oldest_open = [
        Milestone.objects.filter(completed_on__isnull=True).aggregate(oldest=Min("due_date")),
        Problem.objects.filter(status__in=ProblemStatus.unresolved()).aggregate(
            oldest=Min("deadline")
        ),
        SupervisionOrder.objects.filter(status__in=OrderStatus.awaiting_reply()).aggregate(
            oldest=Min("reply_deadline")
        ),
        ApprovalItem.objects.unsettled().aggregate(oldest=Min("planned_date")),
    ]
    calendar = WorkingDays(min(start, *(row["oldest"] or start for row in oldest_open)), on)
    if not calendar.is_working_day(on):
        return {"working_day": False, "created": 0, "cancelled": 0, "owed": []}
    with transaction.atomic():
        policy = ReminderPolicy.current()
        if "deadlines" in scans:
            policy = _switch_on(policy, on=on)
        alerts = [alert for name in scans for alert in SCANS[name](on, calendar, policy)]
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


def _switch_on(policy: ReminderPolicy, *, on: datetime.date) -> ReminderPolicy:
    """Return the policy with its switch-on day, set to ``on`` by the first scan of the
    milestones (the milestones overdue then are the backlog, summed up once)."""
    if policy.alerts_switched_on is None:
        policy.alerts_switched_on = on
        policy.save()
    return policy


def _record(alerts: list[Alert], *, on: datetime.date) -> int:
    users = {alert.user.pk for alert in alerts if alert.user is not None}
    preferences = {
        settings_row.user_id: settings_row
        for settings_row in NotificationSettings.objects.filter(user__in=users)
    }
    default = NotificationSettings()
    channels = [channel() for channel in CHANNELS.values()]
    recorded, noticed = _already_recorded(alerts)
    now = timezone.now()
    reminders, notices = [], []
    # One alert goes to many people (an escalation to every reviewer): its title and link
    # are worked out once per alert, not once per recipient.
    titles: dict[str, tuple[str, str]] = {}
    stamps = TitleStamps()
    for alert in alerts:
        user_preferences = default
        if alert.user is not None:
            user_preferences = preferences.get(alert.user.pk, default)
            key = f"{alert.kind}|{alert.subject}|{alert.period}"
            if (alert.user.pk, key) not in noticed:
                if alert.summary is not None:  # its own count: no title shared
                    title, url = stamps.title(alert)[:TITLE_LENGTH], stamps.url(alert)
                else:
                    if key not in titles:
                        titles[key] = (stamps.title(alert)[:TITLE_LENGTH], stamps.url(alert))
                    title, url = titles[key]
                step = alert.review_step or alert.supervision_step
                notices.append(
                    Notification(
                        user_id=alert.user.pk,
                        kind=alert.kind,
                        key=key,
                        title=title,
                        # A step's comment (the reviewer's words), shown in the bell.
                        body=step.comment if step else "",
                        url=url,
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
                    review_step_id=alert.review_step and alert.review_step.pk,
                    problem_id=alert.problem and alert.problem.pk,
                    supervision_order_id=alert.order and alert.order.pk,
                    approval_item_id=alert.approval_item and alert.approval_item.pk,
                    subject=alert.subject,
                    period=alert.period,
                    days=alert.days,
                    summary=alert.summary,
                    owed_on=on,
                    # A step's notice is due at once: should the queueing after the
                    # commit be lost (the broker down), the retry sweep
                    # (tasks.retry_reminders, every ten minutes) sends it.
                    next_attempt_at=now if alert.review_step or alert.supervision_step else None,
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
    key) that earlier scans made for these milestone, problem, order and project alerts,
    in two queries.

    Day after day a scan owes nearly the same alerts (every escalation of every overdue
    milestone, to every reviewer): leaving the recorded ones out before building rows
    keeps a scan of 100,000 milestones short. The unique constraints still decide when
    scans overlap."""
    milestones = {alert.milestone.pk for alert in alerts if alert.milestone is not None}
    problems = {alert.problem.pk for alert in alerts if alert.problem is not None}
    orders = {alert.order.pk for alert in alerts if alert.order is not None}
    approvals = {alert.approval_item.pk for alert in alerts if alert.approval_item is not None}
    projects = {
        alert.project.pk
        for alert in alerts
        if alert.project
        and not (alert.milestone or alert.problem or alert.order or alert.approval_item)
    }
    if not (milestones or problems or orders or approvals or projects):
        return set(), set()
    periods = {alert.period for alert in alerts}
    recorded = set(
        Reminder.objects.filter(
            Q(milestone__in=milestones)
            | Q(problem__in=problems)
            | Q(supervision_order__in=orders)
            | Q(approval_item__in=approvals)
            | Q(project__in=projects, milestone__isnull=True),
            period__in=periods,
        ).values_list("address", "kind", "subject", "period")
    )
    users = {alert.user.pk for alert in alerts if alert.user is not None}
    keys = {f"{alert.kind}|{alert.subject}|{alert.period}" for alert in alerts if alert.project}
    noticed = set(
        Notification.objects.filter(user__in=users, key__in=keys).values_list("user", "key")
    )
    return recorded, noticed


def record_review_step(step: ReportTransition) -> int:
    """Record the notices of a report's review step: submitted, to the reviewers who may
    approve it (never its authors); returned, to its author and the project's contact
    person, with the reviewer's comment and the edit form's link; approved, to its
    author. Each by the bell, by email (as the user's settings say) and to the group-chat
    robots of the project's responsible unit. Once the transaction commits, send
    ``reminders_owed`` with the step's rows still owed.

    Exactly once per step: the rows' subject is the step's, under the ledger's unique
    constraints, so a second call adds nothing. Returns how many ledger rows it added."""
    kind = REVIEW_NOTICES.get(step.to_status)
    if kind is None:
        return 0
    report = step.report
    project = report.project
    subject = f"review:{step.pk}"
    alerts = [
        Alert(kind, subject, report.month, 0, project, user=person, review_step=step)
        for person in _review_recipients(step, kind)
    ] + [
        Alert(kind, subject, report.month, 0, project, webhook=webhook, review_step=step)
        for webhook in WebhookChannel.objects.filter(
            responsible_unit_id=project.responsible_unit_id, is_active=True
        ).order_by("pk")
    ]
    with transaction.atomic():
        _cancel_stale_reviews(report_id=report.pk)
        created = _record(alerts, on=timezone.localdate())
        owed = list(
            Reminder.objects.filter(review_step=step, status=Reminder.Status.OWED)
            .order_by("channel", "address", "pk")
            .values_list("pk", flat=True)
        )
        if owed:
            # robust: a broker that is down must not undo the step (already committed);
            # the rows stay owed for the retry sweep.
            transaction.on_commit(
                lambda: reminders_owed.send(sender=ReportTransition, reminder_ids=owed),
                robust=True,
            )
    return created


def record_supervision_step(step: ProblemTransition | SupervisionOrderTransition) -> int:
    """Record the notices of a step of the 督办 loop: a problem assigned or sent back to
    be dealt with again, an order issued or its reply sent back, each to the item's
    responsible person (else the active members of its unit) and the unit's group-chat
    robots; an order replied to, to its issuer. Never to the one who took the step. By
    the bell, by email (as the user's settings say: ``email_supervision``) and robot;
    once the transaction commits, send ``reminders_owed`` with the step's rows still owed.

    Exactly once per step: the rows' subject names the step, under the ledger's unique
    constraints, so a second call adds nothing. Returns how many ledger rows it added."""
    kind = supervision_notice_kind(step)
    if kind is None:
        return 0
    if isinstance(step, ProblemTransition):
        item, about, rows = step.problem, {"problem": step.problem}, {"problem": step.problem}
    else:
        item, about, rows = step.order, {"order": step.order}, {"supervision_order": step.order}
    subject = step_subject(step)
    period = timezone.localdate(step.at)
    people, webhooks = _supervision_recipients(step, item, kind)
    alerts = [
        Alert(kind, subject, period, 0, item.project, user=person, supervision_step=step, **about)
        for person in people
    ] + [
        Alert(kind, subject, period, 0, item.project, webhook=robot, supervision_step=step, **about)
        for robot in webhooks
    ]
    with transaction.atomic():
        created = _record(alerts, on=timezone.localdate())
        owed = list(
            Reminder.objects.filter(subject=subject, status=Reminder.Status.OWED, **rows)
            .order_by("channel", "address", "pk")
            .values_list("pk", flat=True)
        )
        if owed:
            # robust: a broker that is down must not undo the step; the rows stay owed
            # for the retry sweep.
            transaction.on_commit(
                lambda: reminders_owed.send(sender=type(step), reminder_ids=owed), robust=True
            )
    return created


def supervision_notice_kind(step: ProblemTransition | SupervisionOrderTransition) -> str | None:
    """Return the notice a 督办 step makes, or None for a step that tells no one (a
    problem recorded, started, its progress, resolved or struck off; an order accepted)."""
    if isinstance(step, ProblemTransition):
        if step.to_status == ProblemStatus.ASSIGNED:
            return Kind.PROBLEM_ASSIGNED
        if (step.from_status, step.to_status) == (
            ProblemStatus.RESOLVED,
            ProblemStatus.IN_PROGRESS,
        ):
            return Kind.PROBLEM_RETURNED
        return None
    return ORDER_NOTICES.get(step.to_status)


def _supervision_recipients(step, item, kind: str) -> tuple[list, list]:
    """Return the active users and the robots a 督办 step's notice goes to, never the
    one who took the step."""
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    if kind == Kind.ORDER_REPLIED:
        people, webhooks = list(users.filter(pk=item.issued_by_id)), []
    else:
        unit = item.responsible_unit_id
        members = {unit: list(users.filter(responsible_units=unit))} if unit else {}
        people = responsible_people(item, members)
        robots = WebhookChannel.objects.filter(responsible_unit=unit, is_active=True)
        webhooks = list(robots.order_by("pk")) if unit else []
    return [person for person in people if person.pk != step.acting_user_id], webhooks


def _review_recipients(step: ReportTransition, kind: str) -> list:
    """Return the active users a review step's notice goes to, never the one who took it."""
    report = step.report
    users = get_user_model().objects.filter(is_active=True).exclude(pk=step.acting_user_id)
    if kind == Kind.REPORT_SUBMITTED:
        # Reviewers are not scoped to units (rules.can_review_report): every reviewer,
        # but none who wrote the report (four eyes).
        users = users.filter(groups__name=Role.REVIEWER.value).exclude(
            pk__in=report_author_ids(report)
        )
    elif kind == Kind.REPORT_RETURNED:
        users = users.filter(pk__in=[report.submitted_by_id, report.project.contact_person_id])
    else:
        users = users.filter(pk=report.submitted_by_id)
    return list(users.distinct().order_by("pk"))


def _cancel_stale_reviews(*, report_id: int | None = None) -> int:
    """Cancel the owed "submitted" notices of a report reviewed since (or returned and
    submitted again): the reviewers are not asked for a review already done. Returned
    and approved notices stay owed: what they say stays true and is news to the author."""
    later = ReportTransition.objects.filter(
        report=OuterRef("review_step__report"), pk__gt=OuterRef("review_step")
    )
    stale = Reminder.objects.filter(
        status=Reminder.Status.OWED, kind=Kind.REPORT_SUBMITTED, review_step__isnull=False
    )
    if report_id is not None:
        stale = stale.filter(review_step__report=report_id)
    return stale.filter(Exists(later)).update(status=Reminder.Status.CANCELLED)


def cancel_moot() -> int:
    """Cancel owed alerts that no longer apply: the milestone was completed, the
    month's report has been submitted, a submitted report has been reviewed, the
    problem was resolved (or struck off), the order was replied to (or accepted), or the
    pre-construction approval was obtained (or marked not applicable)."""
    done = Reminder.objects.filter(
        status=Reminder.Status.OWED, milestone__completed_on__isnull=False
    )
    filed = ProgressReport.objects.filed_for(project=OuterRef("project"), month=OuterRef("period"))
    reported = Reminder.objects.filter(
        status=Reminder.Status.OWED, kind__in=[Kind.REPORT_DUE, Kind.REPORT_OVERDUE]
    ).filter(Exists(filed))
    deadlines = Reminder.objects.filter(status=Reminder.Status.OWED, kind__in=DEADLINE_KINDS)
    settled = deadlines.filter(
        Q(problem__status__in=SETTLED_PROBLEMS)
        | Q(supervision_order__status__in=SETTLED_ORDERS)
        | Q(approval_item__status__in=ApprovalStatus.settled())
    )
    return (
        done.update(status=Reminder.Status.CANCELLED)
        + reported.update(status=Reminder.Status.CANCELLED)
        + settled.update(status=Reminder.Status.CANCELLED)
        + _cancel_stale_reviews()
    )
