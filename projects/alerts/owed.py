"""What is owed: the alerts each scan finds on a working day, before the ledger records
them. Each scan is a generator of ``Alert``; ``SCANS`` names them for the tasks."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from ..choices import OrderStatus, ProblemStatus
from ..models import (
    ApprovalItem,
    Milestone,
    Problem,
    ProblemTransition,
    Project,
    Reminder,
    ReminderPolicy,
    ReportTransition,
    ResponsibleUnit,
    SupervisionOrder,
    SupervisionOrderTransition,
    WebhookChannel,
)
from ..querysets import PaymentReason
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
    #: The problem or supervision order a 督办 alert is about.
    problem: Problem | None = None
    order: SupervisionOrder | None = None
    #: The step of a problem or order a 督办 notice is about (ledger.record_supervision_step).
    supervision_step: ProblemTransition | SupervisionOrderTransition | None = None
    #: The pre-construction approval (前期手续) a deadline alert is about.
    approval_item: ApprovalItem | None = None

    @property
    def supervision_order(self) -> SupervisionOrder | None:
        """Return the order, under the name of the ledger row's column (the messages
        read alerts and rows alike)."""
        return self.order


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
        for kind, period, days in _deadline_notices(due, on, window_start, calendar, policy):
            if person is not None:
                yield Alert(kind, subject, period, days, project, milestone, user=person)
            for webhook in webhooks.get(project.responsible_unit_id, ()):
                yield Alert(kind, subject, period, days, project, milestone, webhook=webhook)
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


def _deadline_notices(
    due: datetime.date,
    on: datetime.date,
    window_start: datetime.date,
    calendar: WorkingDays,
    policy: ReminderPolicy,
) -> list[tuple[str, datetime.date, int]]:
    """Return the (kind, period, days) of the deadline notices owed on ``on`` for a
    deadline ``due``: the nearest of the days before it, the due day, and an overdue
    notice every ``policy.overdue_every_working_days`` working days after it."""
    owed = []
    # Notices that fell on holidays go out on the next working day: only the nearest
    # of them, and none when the item is due by then (the due notice says it).
    upcoming = [
        days
        for days in policy.days_before_list()
        if due > on and window_start < due - datetime.timedelta(days=days) <= on
    ]
    if upcoming:
        days = min(upcoming)
        owed.append((Kind.UPCOMING, due - datetime.timedelta(days=days), days))
    if policy.on_due_day and window_start < due <= on:
        owed.append((Kind.DUE, due, 0))
    if due < on:
        late = calendar.working_days_after(due, on)
        if late >= 1 and (late - 1) % policy.overdue_every_working_days == 0:
            owed.append((Kind.OVERDUE, on, (due - on).days))
    return owed


def supervision_alerts(on: datetime.date, calendar: WorkingDays, policy: ReminderPolicy):
    """Yield the 督办 deadline alerts owed on working day ``on``: for each unresolved
    problem with a deadline and each supervision order awaiting its reply, coming, due
    and overdue notices to its responsible person (else the active members of its unit)
    and the unit's robots, and once per deadline, ``problem_escalate_after_working_days``
    working days after it, an escalation to the project's supervising leader."""
    window_start = calendar.previous_working_day(on)  # exclusive
    horizon = on + datetime.timedelta(days=max(policy.days_before_list(), default=0))
    related = ("project__supervising_leader", "responsible_person")
    problems = (
        Problem.objects.filter(
            status__in=ProblemStatus.unresolved(), deadline__isnull=False, deadline__lte=horizon
        )
        .select_related(*related)
        .order_by("pk")
    )
    orders = (
        SupervisionOrder.objects.filter(
            status__in=OrderStatus.awaiting_reply(), reply_deadline__lte=horizon
        )
        .select_related(*related)
        .order_by("pk")
    )
    members = _active_members_by_unit()
    webhooks = _webhooks_by_unit()
    items = [
        (problems.iterator(chunk_size=2000), "problem", "deadline"),
        (orders.iterator(chunk_size=2000), "order", "reply_deadline"),
    ]
    for rows, name, deadline_field in items:
        for item in rows:
            due, project = getattr(item, deadline_field), item.project
            about = {name: item}
            subject = f"{name}:{item.pk}"
            people = responsible_people(item, members)
            for kind, period, days in _deadline_notices(due, on, window_start, calendar, policy):
                for user in people:
                    yield Alert(kind, subject, period, days, project, user=user, **about)
                for webhook in webhooks.get(item.responsible_unit_id, ()):
                    yield Alert(kind, subject, period, days, project, webhook=webhook, **about)
            leader = project.supervising_leader
            if (
                due < on
                and leader is not None
                and leader.is_active
                and calendar.working_days_after(due, on)
                >= policy.problem_escalate_after_working_days
            ):
                # The period is the deadline: one escalation per deadline, and another
                # once a new deadline (a reassignment) has passed in its turn.
                yield Alert(
                    Kind.ESCALATION,
                    f"{subject}:leader",
                    due,
                    (due - on).days,
                    project,
                    user=leader,
                    **about,
                )


def approval_alerts(on: datetime.date, calendar: WorkingDays, policy: ReminderPolicy):
    """Yield the alerts owed on working day ``on`` for the pre-construction approvals
    (前期手续) still unsettled with a planned date: coming, due and overdue notices to
    the item's responsible person (else the project's contact person) and the robots of
    the project's unit, and once per planned date, ``escalate_to_leader_after_days``
    after it, an escalation to the project's supervising leader (as for milestones)."""
    window_start = calendar.previous_working_day(on)  # exclusive
    horizon = on + datetime.timedelta(days=max(policy.days_before_list(), default=0))
    items = (
        ApprovalItem.objects.unsettled()
        .filter(planned_date__isnull=False, planned_date__lte=horizon)
        .select_related(
            "responsible_person", "project__contact_person", "project__supervising_leader"
        )
        .order_by("pk")
    )
    webhooks = _webhooks_by_unit()
    for item in items.iterator(chunk_size=2000):
        project, due = item.project, item.planned_date
        subject = f"approval:{item.pk}"
        person = item.responsible_person
        if person is None or not person.is_active:
            person = project.contact_person
        if person is not None and not person.is_active:
            person = None
        for kind, period, days in _deadline_notices(due, on, window_start, calendar, policy):
            if person is not None:
                yield Alert(kind, subject, period, days, project, user=person, approval_item=item)
            for webhook in webhooks.get(project.responsible_unit_id, ()):
                yield Alert(
                    kind, subject, period, days, project, webhook=webhook, approval_item=item
                )
        leader = project.supervising_leader
        overdue_days = (on - due).days
        if (
            overdue_days >= policy.escalate_to_leader_after_days
            and leader is not None
            and leader.is_active
        ):
            yield Alert(
                Kind.ESCALATION,
                f"{subject}:leader",
                due,
                -overdue_days,
                project,
                user=leader,
                approval_item=item,
            )


def funds_alerts(on: datetime.date, calendar: WorkingDays, policy: ReminderPolicy | None = None):
    """Yield the funds alerts owed on working day ``on``, once a month per project (the
    period is the month's first day): idle funds (资金沉淀) and payments behind the
    physical progress (进度超前于资金), as the payment light of ProjectQuerySet.with_money
    reads them on ``on``, to the project's contact person and its supervising leader.
    A cancelled project is left out."""
    month = on.replace(day=1)
    kinds = {
        PaymentReason.IDLE.value: (Kind.FUNDS_IDLE, "idle"),
        PaymentReason.BEHIND_PROGRESS.value: (Kind.FUNDS_BEHIND_PROGRESS, "behind"),
    }
    projects = (
        Project.objects.exclude(stage=Project.Stage.CANCELLED)
        .with_money(on=on, select=("payment_light_reason",))
        .filter(payment_light_reason__in=list(kinds))
        .select_related("contact_person", "supervising_leader")
        .order_by("pk")
    )
    for project in projects.iterator(chunk_size=2000):
        kind, name = kinds[project.payment_light_reason]
        people = {
            person.pk: person
            for person in (project.contact_person, project.supervising_leader)
            if person is not None and person.is_active
        }
        for user in people.values():
            yield Alert(kind, f"funds:{project.pk}:{name}", month, 0, project, user=user)


def responsible_people(item, members: dict[int, list]) -> list:
    """Return who answers for a problem or order: its responsible person while active,
    else the active members of its responsible unit (``members``: by unit id)."""
    person = item.responsible_person
    if person is not None and person.is_active:
        return [person]
    return list(members.get(item.responsible_unit_id, ()))


def _active_members_by_unit() -> dict[int, list]:
    """Return the active members of every responsible unit, by unit id, in one query."""
    by_unit: dict[int, list] = {}
    memberships = ResponsibleUnit.members.through.objects.filter(user__is_active=True)
    for membership in memberships.select_related("user").order_by("user_id"):
        by_unit.setdefault(membership.responsibleunit_id, []).append(membership.user)
    return by_unit


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
    "supervision": supervision_alerts,
    "funds": funds_alerts,
    "approvals": approval_alerts,
}
