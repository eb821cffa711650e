"""What is owed: the alerts each scan finds on a working day, before the ledger records
them. Each scan is a generator of ``Alert``; ``SCANS`` names them for the tasks."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from ..models import (
    Milestone,
    Project,
    Reminder,
    ReminderPolicy,
    ReportTransition,
    WebhookChannel,
)
from ..rules import Role
from ..selectors import projects_missing_report
from .workdays import WorkingDays

Kind = Reminder.Kind


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
    #: The review step a review notice is about (ledger.record_review_step).
    review_step: ReportTransition | None = None


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
