"""Read-side queries of the portfolio, shared by views, tables, exports and tasks."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.utils import timezone
from simple_history.models import DeletedObject

from shanwang import formatting
from shanwang.people import person_name
from villages import selectors as village_selectors

from .alerts.workdays import years_without_holidays
from .choices import OrderStatus, ProblemStatus
from .models import (
    AnnualPlan,
    Document,
    Indicator,
    IndicatorValue,
    Milestone,
    Problem,
    ProgressReport,
    Project,
    Reminder,
    ReminderPolicy,
    ReportTransition,
    StageTransition,
    SupervisionOrder,
)
from .models.documents import kind_order
from .querysets import Light, elapsed_share_of_year
from .rules import (
    Role,
    is_administrator,
    is_leader,
    is_reviewer,
    is_staff_member,
    responsible_unit_ids,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(amount) -> Decimal | None:
    """Return a sum in 万元 (or a quantity) as a Decimal with two decimals: SQLite sums
    carry more, and come as floats. None stays None: a figure that no project records is
    unknown, not zero."""
    if amount is None:
        return None
    # str() of a float is its shortest repr: 725.34, not 725.3399999999999.
    return (amount if isinstance(amount, Decimal) else Decimal(str(amount))).quantize(CENT)


def people_with_a_role() -> QuerySet:
    """Return the active users with a role (not every account, of which a district has
    many): whom a project, a problem, an order or a meeting may name, in the order of
    their names."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=Role.values)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def today() -> datetime.date:
    """Return today's date in the town's time zone."""
    return timezone.localdate()


#: The work report gives the town's collective income only as a total (an indicator).
TOWN_COLLECTIVE_INCOME = "village_collective_income"
TOWN_COLLECTIVE_INCOME_GROWTH = "village_collective_income_growth"
#: The report gives the statistics registration (入库纳统) of 2023 only as totals too.
REGISTERED_PROJECTS = "statistics_registered_projects"
REGISTERED_INVESTMENT = "statistics_registered_investment"

#: What the project table, its exports and the attention lists read: the table's columns
#: and figures. The other figures stay in SQL for filters and sorts (see
#: ProjectQuerySet._figures); at 10,000 rows an export reads nothing it does not write.
LIST_FIGURES = (
    "year_completed_share",
    "light",
    "light_reason",
    "next_milestone_due",
    "next_milestone_title",
)
LIST_FIELDS = (
    "name",
    "code",
    "category",
    "stage",
    "total_investment",
    "contact_person__username",
    "contact_person__first_name",
    "contact_person__last_name",
)


def project_list(*, on: datetime.date | None = None) -> QuerySet[Project]:
    """Return every project as the table shows it: its columns, villages, traffic light
    and figures as of ``on``."""
    return (
        Project.objects.with_traffic_light(on=on or today(), select=LIST_FIGURES)
        .select_related("contact_person")
        .only(*LIST_FIELDS)
        .prefetch_related("villages")
    )


def project_detail(*, pk: int, on: datetime.date | None = None) -> Project:
    """Return one project with its figures and everything its page shows."""
    return (
        Project.objects.with_traffic_light(on=on or today())
        .select_related("responsible_unit", "contact_person", "supervising_leader")
        .prefetch_related(
            "villages",
            Prefetch("annual_plans", AnnualPlan.objects.order_by("year")),
            Prefetch("milestones", Milestone.objects.select_related("owner")),
            Prefetch(
                "progress_reports",
                ProgressReport.objects.select_related("submitted_by", "reviewed_by")
                .prefetch_related("photos")
                .order_by("-month"),
            ),
            Prefetch(
                "stage_transitions",
                StageTransition.objects.select_related("acting_user").order_by("-at", "-pk"),
            ),
            Prefetch("documents", documents_listed()),
        )
        .get(pk=pk)
    )


def documents_listed() -> QuerySet[Document]:
    """Return documents as their lists show them: by kind in the choices' order, newest
    document date first, with their report and uploader."""
    return Document.objects.select_related("report", "uploaded_by").order_by(
        kind_order(), F("issued_on").desc(nulls_last=True), "pk"
    )


def report_detail() -> QuerySet[ProgressReport]:
    """Return reports with their project, people, photos and review steps."""
    return ProgressReport.objects.select_related(
        "project", "submitted_by", "reviewed_by"
    ).prefetch_related(
        "photos",
        Prefetch("documents", documents_listed()),
        Prefetch(
            "transitions",
            ReportTransition.objects.select_related("acting_user").order_by("-at", "-pk"),
        ),
    )


def project_changes(project: Project, *, limit: int = 20) -> list[dict]:
    """Return the latest changes of a project, newest first, field by field.

    Each change: when, who, and (field label, old value, new value) for every field that
    changed; the first version lists no fields ("created").
    """
    records = list(
        project.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    changes = []
    for index, newer in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        fields = []
        if older is not None:
            delta = newer.diff_against(older, foreign_keys_are_objs=True)
            for change in delta.changes:
                field = Project._meta.get_field(change.field)
                fields.append(
                    {
                        "label": field.verbose_name,
                        "old": _display(field, change.old),
                        "new": _display(field, change.new),
                    }
                )
        changes.append(
            {
                "at": newer.history_date,
                "user": newer.history_user,
                "kind": newer.get_history_type_display(),
                "fields": fields,
            }
        )
    return changes


def _display(field, value):
    """Return a history value as people read it."""
    if value in (None, "") or (isinstance(value, DeletedObject) and value.pk is None):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.many_to_many:
        # simple_history gives the through rows; the other side is named after the model.
        related = field.related_model._meta.model_name
        names = field.related_model.objects.filter(
            pk__in=[getattr(row[related], "pk", row[related]) for row in value]
        ).values_list("name", flat=True)
        return "、".join(names) or "—"
    if isinstance(value, get_user_model()):
        return person_name(value)
    if field.name == "total_investment":
        return formatting.amount(value)
    if isinstance(value, Decimal):
        return formatting.figure(value)
    return value


def stage_counts() -> list[dict]:
    """Return the number of projects in each stage, in the stages' order."""
    counts = dict(Project.objects.order_by().values_list("stage").annotate(count=Count("pk")))
    return [
        {"stage": stage, "label": stage.label, "count": counts.get(stage.value, 0)}
        for stage in Project.Stage
    ]


def light_counts(*, on: datetime.date | None = None, projects=None) -> list[dict]:
    """Return the number of projects under each traffic light as of ``on``, among
    ``projects``: every project as it is now by default; ``Project.objects.as_of(day)`` for
    the portfolio as it stood on a past day (its stages then decide who gets a light)."""
    projects = Project.objects.all() if projects is None else projects
    counts = dict(
        projects.with_traffic_light(on=on or today())
        .order_by()
        .values_list("light")
        .annotate(count=Count("pk"))
    )
    return [
        {"light": light, "label": light.label, "count": counts.get(light.value, 0)}
        for light in Light
    ]


def _in_report_groups(indicators) -> list[Indicator]:
    """Return ``indicators`` in the report's groups, in each group in display order."""
    order = {group.value: index for index, group in enumerate(Indicator.Group)}
    return sorted(indicators, key=lambda indicator: order.get(indicator.group, len(order)))


#: The dashboard's table: the economy; the 主要指标 page has every group.
DASHBOARD_INDICATOR_GROUPS = (Indicator.Group.ECONOMY,)


def indicator_table(*, groups=None) -> list[dict]:
    """Return each town indicator (of ``groups``, or all) with its latest actual and latest
    target value, in the report's groups."""
    rows = []
    indicators = Indicator.objects.prefetch_related("values")
    if groups is not None:
        indicators = indicators.filter(group__in=groups)
    for indicator in _in_report_groups(indicators):
        latest = {}
        for value in sorted(indicator.values.all(), key=lambda value: value.year):
            latest[value.value_kind] = value
        rows.append(
            {
                "indicator": indicator,
                "actual": latest.get(IndicatorValue.ValueKind.ACTUAL),
                "target": latest.get(IndicatorValue.ValueKind.TARGET),
            }
        )
    return rows


def indicator_groups() -> list[dict]:
    """Return every town indicator with all its values (oldest year first, actual before
    target), grouped as the work report groups them (经济, 乡村振兴, 城乡建设, 民生, 安全,
    社会治理, 政务); groups without indicators are left out. Two queries, whatever the size."""
    indicators = Indicator.objects.prefetch_related(
        Prefetch("values", IndicatorValue.objects.order_by("year", "value_kind"))
    )
    by_group: dict[str, list[Indicator]] = {}
    for indicator in indicators:
        by_group.setdefault(indicator.group, []).append(indicator)
    return [
        {"group": group, "label": group.label, "indicators": by_group[group.value]}
        for group in Indicator.Group
        if group.value in by_group
    ]


def key_indicators() -> dict:
    """Return what the 主要指标 page shows: the indicators in the report's groups and the
    honours of the town itself."""
    return {"groups": indicator_groups(), "town_honours": village_selectors.town_honours()}


def indicator_values(code: str) -> list[IndicatorValue]:
    """Return the values of one indicator, oldest year first."""
    return list(
        IndicatorValue.objects.filter(indicator__code=code)
        .select_related("indicator")
        .order_by("year", "value_kind")
    )


def town_collective_income() -> list[dict]:
    """Return the town's total collective income per year, with its growth where given."""
    growth = {
        value.year: value
        for value in indicator_values(TOWN_COLLECTIVE_INCOME_GROWTH)
        if value.value_kind == IndicatorValue.ValueKind.ACTUAL
    }
    return [
        {"year": value.year, "amount": value, "growth": growth.get(value.year)}
        for value in indicator_values(TOWN_COLLECTIVE_INCOME)
        if value.value_kind == IndicatorValue.ValueKind.ACTUAL
    ]


def category_counts() -> list[dict]:
    """Return the number of projects in each category, in the categories' order."""
    counts = dict(Project.objects.order_by().values_list("category").annotate(count=Count("pk")))
    return [
        {"category": category, "label": category.label, "count": counts.get(category.value, 0)}
        for category in Project.Category
    ]


def statistics_registered_summary(*, on: datetime.date | None = None) -> dict:
    """Return the statistics registration (入库纳统) as the projects record it, and as the
    work report states it where they do not yet explain its figure; with ``on``, among
    the projects recorded by the end of that day.

    count = the projects marked statistics-registered;
    with_total_investment = how many of them record a total investment;
    total_investment = Σ of those (None when none does): a partial sum when
    with_total_investment < count, and pages say so;
    reported = the report's figure (reported_statistics_registration, of a year up to
    ``on``'s) with ``recorded``, the projects marked registered in its year, while they
    are fewer than the report counts; None once they are as many, or without a figure.
    """
    projects = Project.objects.existing_on(on) if on else Project.objects.all()
    registered = projects.filter(statistics_registered=True)
    summary = registered.aggregate(
        count=Count("pk"),
        with_total_investment=Count("total_investment"),
        total_investment=Sum("total_investment"),
    )
    summary["total_investment"] = cents(summary["total_investment"])
    reported = reported_statistics_registration(year=on.year if on else None)
    if reported is not None:
        reported["recorded"] = registered.filter(
            statistics_registered_year=reported["year"]
        ).count()
        if reported["recorded"] >= reported["count"]:
            reported = None
    summary["reported"] = reported
    return summary


def reported_statistics_registration(*, year: int | None = None) -> dict | None:
    """Return the town's statistics registration as the work report states it (the
    indicators statistics_registered_projects and statistics_registered_investment),
    for the latest year it is given, up to ``year``: the year, the number of projects,
    their total investment in 万元 (None when not stated), the source notes and the
    document they cite; None when no such figure is loaded."""
    values = IndicatorValue.objects.filter(
        indicator__code__in=(REGISTERED_PROJECTS, REGISTERED_INVESTMENT),
        value_kind=IndicatorValue.ValueKind.ACTUAL,
    ).select_related("indicator")
    if year is not None:
        values = values.filter(year__lte=year)
    by_year: dict[int, dict[str, IndicatorValue]] = {}
    for value in values:
        by_year.setdefault(value.year, {})[value.indicator.code] = value
    years = [year for year, found in by_year.items() if REGISTERED_PROJECTS in found]
    if not years:
        return None
    latest = by_year[max(years)]
    count, investment = latest[REGISTERED_PROJECTS], latest.get(REGISTERED_INVESTMENT)
    notes = list(
        dict.fromkeys(
            value.source_note for value in (count, investment) if value and value.source_note
        )
    )
    return {
        "year": count.year,
        "count": int(count.value),
        "total_investment": investment.value if investment else None,
        "source": "；".join(notes),
        # The loader writes "document：the report's words"; the document is what a
        # sentence cites.
        "document": notes[0].split("：", 1)[0] if notes else "",
    }


def portfolio_pace(*, on: datetime.date | None = None) -> dict:
    """Return the town's investment pace for ``on``'s year, counting the projects recorded
    by the end of ``on`` and the reports of months up to ``on`` (the dashboard's today, a
    briefing's month end).

    planned = Σ planned investment of the year's annual plans above zero;
    completed = Σ investment of approved reports of the year, for projects with such a plan;
    completed_share = completed / planned; elapsed_share = elapsed share of the year;
    gap_points = (completed_share − elapsed_share) × 100.
    """
    on = on or today()
    plans = AnnualPlan.objects.filter(
        year=on.year, planned_investment__gt=0, project__in=Project.objects.existing_on(on)
    )
    planned = cents(plans.aggregate(total=Sum("planned_investment"))["total"] or ZERO)
    completed = cents(
        ProgressReport.objects.filter(
            status=ProgressReport.Status.APPROVED,
            month__gte=datetime.date(on.year, 1, 1),
            month__lte=on,
            project__in=plans.values("project"),
        ).aggregate(total=Sum("investment_completed"))["total"]
        or ZERO
    )
    elapsed = elapsed_share_of_year(on)
    completed_share = float(completed / planned) if planned else None
    return {
        "year": on.year,
        "planned": planned,
        "completed": completed,
        "elapsed_share": elapsed,
        "completed_share": completed_share,
        "gap_points": (completed_share - elapsed) * 100 if completed_share is not None else None,
    }


ATTENTION_LIMIT = 10


def _head_and_count(queryset) -> dict:
    """Return the first ten rows and the count: always two queries, whatever the size."""
    return {"items": list(queryset[:ATTENTION_LIMIT]), "count": queryset.count()}


def attention(*, user, on: datetime.date | None = None) -> dict:
    """Return what needs attention now: overdue and coming milestones, reports to review,
    reports missing for the month that is due (``month``, see report_month_due), and the
    user's own projects. Each list is cut at ten."""
    on = on or today()
    open_milestones = Milestone.objects.filter(completed_on__isnull=True).select_related(
        "project", "owner"
    )
    month = report_month_due(on)
    result = {
        "overdue_milestones": _head_and_count(
            open_milestones.filter(due_date__lt=on).order_by("due_date", "pk")
        ),
        "upcoming_milestones": _head_and_count(
            open_milestones.filter(
                due_date__gte=on, due_date__lte=on + datetime.timedelta(days=14)
            ).order_by("due_date", "pk")
        ),
        "missing_reports": _head_and_count(
            projects_missing_report(month)
            .select_related("contact_person")
            .order_by("name_sort", "name")
        ),
        "month": month,
    }
    if user.has_perm("projects.review_any_report"):
        result["reports_to_review"] = _head_and_count(reports_waiting_for_review(user=user))
    mine = project_list(on=on).filter(pk__in=Project.objects.managed_by(user).values("pk"))
    result["my_projects"] = _head_and_count(mine.order_by("name_sort", "name"))
    return result


def cumulative_investment_by_month(project: Project) -> list[tuple[datetime.date, Decimal]]:
    """Return (month, cumulative approved investment up to that month) for a project."""
    return list(
        ProgressReport.objects.filter(project=project, status=ProgressReport.Status.APPROVED)
        .annotate(cumulative=Window(Sum("investment_completed"), order_by=F("month").asc()))
        .order_by("month")
        .values_list("month", "cumulative")
    )


def report_month_due(on: datetime.date | None = None, *, policy=None) -> datetime.date:
    """Return the first day of the month whose reports are due on ``on``: the month of
    ``on`` from the policy's report reminder day on, the month before until then.

    The report alerts say the same (alerts/owed.py): on the reminder day (the 20th by
    default) they ask for this month's report, on the 1st they call last month's overdue;
    so on 1 December the due month is November, and December's report is due from the
    20th. "Reports missing" on the dashboard and in the briefing count this month.
    """
    on = on or today()
    policy = policy or ReminderPolicy.current()
    this_month = on.replace(day=1)
    if on.day >= policy.report_reminder_day:
        return this_month
    return (this_month - datetime.timedelta(days=1)).replace(day=1)


def projects_missing_report(
    month: datetime.date, *, on: datetime.date | None = None
) -> QuerySet[Project]:
    """Return the projects under construction whose report for ``month`` is neither
    submitted nor approved (the report alerts, the dashboard and the monthly briefing);
    with ``on``, as they stood at the end of that day: the projects recorded and under
    construction then, and the reports filed by then (ProjectQuerySet.as_of,
    ReportQuerySet.filed)."""
    filed = ProgressReport.objects.filed_for(project=OuterRef("pk"), month=month, on=on)
    if on is None:
        projects = Project.objects.filter(stage=Project.Stage.UNDER_CONSTRUCTION)
    else:
        projects = Project.objects.as_of(on).filter(stage_as_of=Project.Stage.UNDER_CONSTRUCTION)
    return projects.filter(~Exists(filed))


def reports_waiting_for_review(*, user) -> QuerySet[ProgressReport]:
    """Return the submitted reports waiting for a reviewer, oldest first, but those
    ``user`` submitted (four eyes)."""
    return (
        ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED)
        .exclude(submitted_by=user)
        .select_related("project", "submitted_by")
        .order_by("submitted_at", "pk")
    )


#: How far ahead 我的待办 lists a project's milestones (the dashboard's "next 14 days").
MY_WORK_DAYS_AHEAD = 14


def _nothing() -> dict:
    return {"items": [], "count": 0}


@dataclass
class MyWork:
    """我的待办: what ``user`` has to do now, each list cut at ten with its full count
    (``{"items": [...], "count": n}``), so that every item is one tap from its form.

    returned = their reports sent back by a reviewer (of their projects, or submitted by
    them), until resubmitted, with the reviewer's comment;
    missing_reports = their projects whose report for ``month`` (report_month_due) is
    missing (projects_missing_report), each with its report of the month that is still
    open (a draft or a returned one), when there is one: ``open_report_pk`` and
    ``open_report_status`` (annotations, so that the query count never depends on them);
    drafts = drafts they started and have not submitted, but those already listed as the
    due month's missing report;
    milestones = open milestones of their projects overdue or due within 14 days;
    reports_to_review = the reports waiting for a reviewer, for those who review (None
    for others);
    problems_to_act = the problems assigned to their units or to them, not yet resolved
    (assigned or in progress), and orders_to_reply = the supervision orders awaiting
    their unit's reply or theirs, for staff members and administrators (None for others);
    problems_to_verify = the resolved problems waiting to be verified and struck off
    (but those they resolved: four eyes), and replies_to_accept = the replied orders
    waiting to be accepted, for reviewers, leaders and administrators (None for others);
    applies = whether the user has such work at all (staff members, administrators and
    reviewers; a leader only when a problem or a reply waits for them)."""

    on: datetime.date
    month: datetime.date
    returned: dict
    missing_reports: dict
    drafts: dict
    milestones: dict
    reports_to_review: dict | None = None
    problems_to_act: dict | None = None
    orders_to_reply: dict | None = None
    problems_to_verify: dict | None = None
    replies_to_accept: dict | None = None
    applies: bool = False

    @property
    def lists(self) -> tuple[dict, ...]:
        return tuple(
            found
            for found in (
                self.returned,
                self.missing_reports,
                self.drafts,
                self.milestones,
                self.reports_to_review,
            )
            if found is not None
        )

    @property
    def supervision_lists(self) -> tuple[dict, ...]:
        """Return the 督办 lists that apply to the user."""
        return tuple(
            found
            for found in (
                self.problems_to_act,
                self.orders_to_reply,
                self.problems_to_verify,
                self.replies_to_accept,
            )
            if found is not None
        )

    @property
    def count(self) -> int:
        """Return how many things there are to do."""
        return sum(found["count"] for found in self.lists + self.supervision_lists)


def my_work(*, user, on: datetime.date | None = None) -> MyWork:
    """Return 我的待办 of ``user`` as of ``on``: for staff members (and administrators)
    their returned reports, missing reports, drafts and coming milestones; for reviewers
    the reports waiting for them. Two queries a list, whatever the size."""
    on = on or today()
    month = report_month_due(on)
    work = MyWork(
        on=on,
        month=month,
        returned=_nothing(),
        missing_reports=_nothing(),
        drafts=_nothing(),
        milestones=_nothing(),
    )
    if is_staff_member(user) or is_administrator(user):
        work.applies = True
        mine = Project.objects.managed_by(user).values("pk")
        reports = ProgressReport.objects.select_related("project")
        work.returned = _head_and_count(
            reports.filter(status=ProgressReport.Status.RETURNED)
            .filter(Q(project__in=mine) | Q(submitted_by=user))
            .select_related("reviewed_by")
            .order_by("reviewed_at", "pk")
        )
        missing = projects_missing_report(month).filter(pk__in=mine)
        open_report = ProgressReport.objects.filter(
            project=OuterRef("pk"), month=month, status__in=ProgressReport.Status.open()
        )
        work.missing_reports = _head_and_count(
            missing.annotate(
                open_report_pk=Subquery(open_report.values("pk")[:1]),
                open_report_status=Subquery(open_report.values("status")[:1]),
            ).order_by("name_sort", "name")
        )
        started = ProgressReport.history.model.objects.filter(
            id=OuterRef("pk"), history_type="+", history_user=user
        )
        work.drafts = _head_and_count(
            reports.filter(status=ProgressReport.Status.DRAFT)
            .filter(Exists(started))
            .exclude(month=month, project__in=missing.values("pk"))
            .order_by("month", "pk")
        )
        work.milestones = _head_and_count(
            Milestone.objects.filter(
                project__in=mine,
                completed_on__isnull=True,
                due_date__lte=on + datetime.timedelta(days=MY_WORK_DAYS_AHEAD),
            )
            .select_related("project")
            .order_by("due_date", "pk")
        )
    if user.has_perm("projects.review_any_report"):
        work.applies = True
        work.reports_to_review = _head_and_count(reports_waiting_for_review(user=user))
    _supervision_work(work, user=user)
    return work


def _supervision_work(work: MyWork, *, user) -> None:
    """Add the 督办 lists of 我的待办 to ``work``: two queries a list, whatever the size."""
    if is_staff_member(user) or is_administrator(user):
        theirs = Q(responsible_unit__in=responsible_unit_ids(user)) | Q(responsible_person=user)
        work.problems_to_act = _head_and_count(
            Problem.objects.filter(
                theirs, status__in=[ProblemStatus.ASSIGNED, ProblemStatus.IN_PROGRESS]
            )
            .select_related("project", "responsible_unit")
            .order_by(F("deadline").asc(nulls_last=True), "pk")
        )
        work.orders_to_reply = _head_and_count(
            SupervisionOrder.objects.filter(theirs, status__in=OrderStatus.awaiting_reply())
            .select_related("project", "responsible_unit")
            .order_by("reply_deadline", "pk")
        )
    if is_reviewer(user) or is_leader(user) or is_administrator(user):
        work.problems_to_verify = _head_and_count(
            Problem.objects.filter(status=ProblemStatus.RESOLVED)
            .exclude(resolved_by=user)
            .select_related("project", "responsible_unit", "resolved_by")
            .order_by("resolved_on", "pk")
        )
        work.replies_to_accept = _head_and_count(
            SupervisionOrder.objects.filter(status=OrderStatus.REPLIED)
            .exclude(replied_by=user)
            .select_related("project", "responsible_unit", "replied_by")
            .order_by("replied_on", "pk")
        )
        # A leader has no report work: their list shows only when something waits.
        work.applies = work.applies or any(found["count"] for found in work.supervision_lists)


@dataclass
class Dashboard:
    """What the dashboard (工作台) shows, as of one day, for one user."""

    on: datetime.date
    stage_counts: list[dict]
    category_counts: list[dict]
    light_counts: list[dict]
    registered: dict
    pace: dict
    attention: dict
    incomes: QuerySet
    collective_income_total: list[dict]
    town_indicators: list[dict]
    years_without_holidays: list[int]
    my_work: MyWork
    failed_reminders: int | None = None  # for administrators only


def failed_reminders(*, user) -> int | None:
    """Return how many alerts failed for good, for an administrator, who can look into
    them in the ledger; None for anyone else."""
    if not is_administrator(user):
        return None
    return Reminder.objects.filter(status=Reminder.Status.FAILED).count()


def dashboard(*, user, on: datetime.date | None = None) -> Dashboard:
    """Return the portfolio at a glance for ``user`` as of ``on``."""
    on = on or today()
    return Dashboard(
        on=on,
        stage_counts=stage_counts(),
        category_counts=category_counts(),
        light_counts=light_counts(on=on),
        registered=statistics_registered_summary(),
        pace=portfolio_pace(on=on),
        attention=attention(user=user, on=on),
        incomes=village_selectors.incomes_with_growth(),
        collective_income_total=town_collective_income(),
        town_indicators=indicator_table(groups=DASHBOARD_INDICATOR_GROUPS),
        years_without_holidays=years_without_holidays([on.year, on.year + 1]),
        my_work=my_work(user=user, on=on),
        failed_reminders=failed_reminders(user=user),
    )
