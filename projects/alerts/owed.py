"""What is owed: the alerts each scan finds on a working day, before the ledger records
them. Each scan is a generator of ``Alert``; ``SCANS`` names them for the tasks."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from ..choices import OrderStatus, ProblemStatus, ReviewerEscalations
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
Scope = ReviewerEscalations
#: The milestones a summary lists (the most overdue); its count tells of the rest.
SUMMARY_ITEMS = 10


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
    #: A summary's figures (``Reminder.summary``): count, the first milestones' ids, mine.
    summary: dict | None = None

    @property
    def supervision_order(self) -> SupervisionOrder | None:
        """Return the order, under the name of the ledger row's column (the messages
        read alerts and rows alike)."""
        return self.order


def deadline_alerts(on: datetime.date, calendar: WorkingDays, policy: ReminderPolicy):
    """Yield the milestone alerts owed on working day ``on``: coming, due, overdue and the
    escalations, for milestones not completed.

    A milestone already overdue when alerts were switched on (``policy.alerts_switched_on``)
    is part of the backlog: the scan whose window holds that day yields one summary per
    recipient (``Kind.BACKLOG``) in place of every notice and escalation the backlog was
    owed until then; afterwards a backlog milestone gets what the usual rules owe it after
    that day (its overdue repeats, and an escalation whose day comes after the switch-on).
    Reviewers get escalations as ``policy.reviewer_escalations`` says: of their own units,
    a daily summary (``Kind.ESCALATION_SUMMARY``), or every one."""
    window_start = calendar.previous_working_day(on)  # exclusive
    lead = max(policy.days_before_list(), default=0)
    switched_on = policy.alerts_switched_on
    if switched_on is not None and switched_on > on:
        switched_on = None  # not yet: no milestone is part of a backlog before that day
    backlog_day = switched_on is not None and window_start < switched_on
    to_leader = datetime.timedelta(days=policy.escalate_to_leader_after_days)
    to_reviewers = datetime.timedelta(days=policy.escalate_to_reviewers_after_days)
    scope = policy.reviewer_escalations
    milestones = (
        Milestone.objects.filter(
            completed_on__isnull=True, due_date__lte=on + datetime.timedelta(days=lead)
        )
        .select_related("owner", "project__contact_person", "project__supervising_leader")
        # The most overdue first: a summary keeps its first items.
        .order_by("due_date", "pk")
    )
    reviewers = list(_reviewers())
    reviewers_of_unit = _reviewers_by_unit(reviewers) if scope == Scope.OWN_UNITS else {}
    webhooks = _webhooks_by_unit()
    summaries = _Summaries()
    daily = _Summaries()  # the reviewers' escalations of the day
    for milestone in milestones.iterator(chunk_size=2000):
        project, due = milestone.project, milestone.due_date
        person = milestone.owner or project.contact_person
        unit_robots = webhooks.get(project.responsible_unit_id, ())
        if scope == Scope.OWN_UNITS:
            scoped_reviewers = reviewers_of_unit.get(project.responsible_unit_id, ())
        else:
            scoped_reviewers = reviewers
        backlog = switched_on is not None and due < switched_on
        if backlog and backlog_day:
            # The summary stands for every alert owed up to the switch-on day.
            if person is not None:
                summaries.add(person, milestone, mine=True)
            for webhook in unit_robots:
                summaries.add(webhook, milestone)
            if due + to_leader <= switched_on and project.supervising_leader:
                summaries.add(project.supervising_leader, milestone)
            if due + to_reviewers <= switched_on:
                for reviewer in scoped_reviewers:
                    summaries.add(reviewer, milestone)
            continue
        subject = f"milestone:{milestone.pk}"
        for kind, period, days in _deadline_notices(due, on, window_start, calendar, policy):
            if person is not None:
                yield Alert(kind, subject, period, days, project, milestone, user=person)
            for webhook in unit_robots:
                yield Alert(kind, subject, period, days, project, milestone, webhook=webhook)
        overdue_days = (on - due).days
        # A backlog milestone's escalation past its threshold by the switch-on day was
        # in that day's summary.
        if (
            overdue_days >= policy.escalate_to_leader_after_days
            and project.supervising_leader
            and not (backlog and due + to_leader <= switched_on)
        ):
            yield Alert(
                Kind.ESCALATION,
                f"{subject}:leader",
                due,
                -overdue_days,
                project,
                milestone,
                user=project.supervising_leader,
            )
        if overdue_days < policy.escalate_to_reviewers_after_days or (
            backlog and due + to_reviewers <= switched_on
        ):
            continue
        if scope == Scope.DAILY_SUMMARY:
            # Escalated today: the threshold was reached since the previous working day.
            if window_start < due + to_reviewers:
                for reviewer in reviewers:
                    daily.add(reviewer, milestone)
            continue
        for reviewer in scoped_reviewers:
            yield Alert(
                Kind.ESCALATION,
                f"{subject}:reviewers",
                due,
                -overdue_days,
                project,
                milestone,
                user=reviewer,
            )
    if backlog_day:
        yield from summaries.alerts(Kind.BACKLOG, "backlog", switched_on, on)
    yield from daily.alerts(Kind.ESCALATION_SUMMARY, "escalations", on, on)


class _Summaries:
    """The milestones a summary tells each of its recipients of (a user or a robot), in
    the order added: a count, and the first ``SUMMARY_ITEMS`` of them."""

    def __init__(self):
        self.by_recipient: dict[tuple[str, int], dict] = {}

    def add(self, recipient, milestone: Milestone, *, mine: bool = False) -> None:
        key = (type(recipient).__name__, recipient.pk)
        entry = self.by_recipient.get(key)
        if entry is None:
            entry = self.by_recipient[key] = {
                "recipient": recipient,
                "count": 0,
                "milestones": [],
                "oldest": milestone.due_date,
                "mine": True,
            }
        if entry.get("last") == milestone.pk:
            entry["mine"] = entry["mine"] and mine  # the same milestone in another role
            return
        entry["last"] = milestone.pk
        entry["count"] += 1
        entry["mine"] = entry["mine"] and mine
        if len(entry["milestones"]) < SUMMARY_ITEMS:
            entry["milestones"].append(milestone.pk)

    def alerts(self, kind: str, subject: str, period: datetime.date, on: datetime.date):
        for entry in self.by_recipient.values():
            recipient = entry["recipient"]
            about = {"webhook" if isinstance(recipient, WebhookChannel) else "user": recipient}
            summary = {key: entry[key] for key in ("count", "milestones", "mine")}
            days = -(on - entry["oldest"]).days
            yield Alert(kind, subject, period, days, None, summary=summary, **about)


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
    # A project warned this month is left out before its money is worked out (a list of
    # ids, which the database checks before the money's subqueries, unlike a join): after
    # the month's first scan the others have next to nothing to compute.
    warned = set(
        Reminder.objects.filter(period=month, kind__in=[kind for kind, _name in kinds.values()])
        .order_by()
        .values_list("project_id", flat=True)
        .distinct()
    )
    projects = (
        Project.objects.exclude(stage=Project.Stage.CANCELLED)
        .exclude(pk__in=sorted(warned))
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


def _reviewers_by_unit(reviewers) -> dict[int, list]:
    """Return the given reviewers by the ids of the responsible units they belong to."""
    by_pk = {reviewer.pk: reviewer for reviewer in reviewers}
    by_unit: dict[int, list] = {}
    memberships = ResponsibleUnit.members.through.objects.filter(user__in=list(by_pk))
    for unit_id, user_id in memberships.order_by("user_id").values_list(
        "responsibleunit_id", "user_id"
    ):
        by_unit.setdefault(unit_id, []).append(by_pk[user_id])
    return by_unit


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
