"""A made-up portfolio at district scale, for benchmarks and query-count tests.

Everything made here is marked, so that ``remove()`` takes away exactly what ``seed()``
added: projects, villages, responsible units, funding sources and scheduling meetings are
named ``【规模测试】…`` (the plan baseline's reason starts so), users ``scale-…``; every
plan, milestone, report, funding row, problem and supervision order belongs to a marked
project, every enterprise and income row to a marked village. Nothing here is the
town's data. Rows are written with bulk inserts in batches (no per-row query, no history
rows), so 10,000 projects with 340,000 child rows take well under two minutes on
PostgreSQL.
"""

import contextlib
import datetime
import itertools
import random
import time
from collections import Counter
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.db.models.deletion import CASCADE, DO_NOTHING, PROTECT, RESTRICT, SET_NULL
from django.utils import timezone

from villages.models import CollectiveEnterprise, CollectiveIncome, Village

from ..choices import ApprovalStatus, FundEntryKind, OrderStatus, ProblemStatus, SupervisionLevel
from ..models import (
    AnnualPlan,
    ApprovalItem,
    FundEntry,
    Funding,
    FundingSource,
    Milestone,
    PhysicalTarget,
    PlanBaseline,
    PlanBaselineEntry,
    Problem,
    ProblemTransition,
    ProgressReport,
    Project,
    ReportedQuantity,
    ResponsibleUnit,
    SchedulingMeeting,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from ..rules import Role

MARK = "【规模测试】"
USERNAME_PREFIX = "scale-"
BATCH_SIZE = 2000

#: How many users of each role; the administrators are superusers (for the admin pages).
USER_ROLES = ((Role.STAFF, 250), (Role.REVIEWER, 20), (Role.LEADER, 20), (Role.ADMINISTRATOR, 10))
DEPARTMENTS = 10
FUNDING_SOURCES = ("乡村振兴衔接资金", "财政奖补", "专项债", "上级补助", "社会资本", "村集体")
#: Words that make project names searchable like real ones (q=厂房 finds about a tenth).
KINDS = (
    ("道路硬化", Project.Category.ROAD_INFRASTRUCTURE),
    ("水环境整治", Project.Category.WATER_REMEDIATION),
    ("沉陷区治理", Project.Category.SUBSIDENCE_TREATMENT),
    ("保障性租赁住房", Project.Category.AFFORDABLE_HOUSING),
    ("标准化厂房", Project.Category.FACTORY_BUILDING),
    ("土地整治", Project.Category.LAND_CONSOLIDATION),
    ("和美乡村建设", Project.Category.RURAL_REVITALIZATION),
    ("生态修复", Project.Category.ECOLOGICAL_RESTORATION),
    ("产业园", Project.Category.INDUSTRIAL),
    ("公共服务设施", Project.Category.PUBLIC_SERVICE),
    ("规划编制", Project.Category.PLANNING),
)
#: Stage shares, out of 100.
STAGES = (
    (Project.Stage.PLANNING, 10),
    (Project.Stage.PRELIMINARY, 20),
    (Project.Stage.UNDER_CONSTRUCTION, 50),
    (Project.Stage.COMPLETED, 10),
    (Project.Stage.IN_OPERATION, 7),
    (Project.Stage.SUSPENDED, 2),
    (Project.Stage.CANCELLED, 1),
)
DONE_STAGES = (Project.Stage.COMPLETED, Project.Stage.IN_OPERATION)
MILESTONE_TITLES = (
    "立项批复",
    "用地预审",
    "初步设计批复",
    "施工图审查",
    "完成施工招标",
    "主体工程开工",
    "主体结构封顶",
    "设备安装",
    "主体工程完工",
    "竣工验收",
)
PROBLEM_TEXTS = (
    (Problem.Kind.LAND, "部分用地尚未交付"),
    (Problem.Kind.FUNDING, "上级资金尚未到位"),
    (Problem.Kind.APPROVALS, "前期手续办理滞后"),
    (Problem.Kind.CONSTRUCTION, "施工进度滞后于计划"),
    (Problem.Kind.PUBLIC, "群众反映施工扰民"),
    (Problem.Kind.OTHER, "其他需协调事项"),
)
#: A problem's status by its number, so that one in five is overdue (in progress past its
#: deadline); the others pending, assigned (due later), resolved or struck off.
PROBLEM_STATUSES = (
    ProblemStatus.IN_PROGRESS,
    ProblemStatus.PENDING,
    ProblemStatus.ASSIGNED,
    ProblemStatus.RESOLVED,
    ProblemStatus.STRUCK_OFF,
)
#: A supervision order's story by its number: overdue, replied, awaiting its reply, accepted.
ORDER_STORIES = ("overdue", "replied", "issued", "accepted")
#: When in its day each kind of step is recorded.
STEP_TIMES = {
    "raise": datetime.time(9),
    "assign": datetime.time(9, 30),
    "start": datetime.time(10),
    "resolve": datetime.time(16),
    "strike_off": datetime.time(17),
    "issue": datetime.time(11),
    "reply": datetime.time(14),
    "accept": datetime.time(16, 30),
}


class AlreadySeeded(Exception):
    """The scale data is already in the database: remove it first."""


def marked_projects():
    return Project.objects.filter(name__startswith=MARK)


def marked_users():
    return get_user_model().objects.filter(username__startswith=USERNAME_PREFIX)


def is_seeded() -> bool:
    return marked_projects().exists() or marked_users().exists()


def _batches(rows, size=BATCH_SIZE):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(model, rows, created: Counter) -> list:
    """Bulk-insert ``rows`` (an iterable of unsaved instances) in batches; return them."""
    saved = []
    for batch in _batches(rows):
        saved.extend(model.objects.bulk_create(batch, batch_size=BATCH_SIZE))
    created[model._meta.label] += len(saved)
    return saved


def _month_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


@transaction.atomic
def seed(
    *,
    projects: int,
    today: datetime.date,
    villages: int = 50,
    milestones_per_project: int = 10,
    reports_per_project: int = 12,
    plans_per_project: int = 2,
    fundings_per_project: int = 2,
    problems_per_project: int = 1,
    orders_every: int = 10,
    meetings: int = 2,
    random_seed: int = 2024,
    progress=None,
) -> Counter:
    """Create the scale portfolio as of ``today``; return counts created.

    Per project: ``milestones_per_project`` milestones spread over its planned duration
    (past ones mostly completed), one report for each of the last
    ``reports_per_project`` months (mostly approved; the latest month partly submitted,
    draft or returned), annual plans for this year and the years before, and funding
    from ``fundings_per_project`` sources; ``problems_per_project`` problems on the
    ledger (one in five overdue), a supervision order on the first problem of every
    ``orders_every``-th project, and a scheduling meeting in each of the last ``meetings``
    months (the latest decided the items of every twentieth project), each item with its
    recorded steps; three pre-construction approvals (one overdue in every fifth
    project), an allocation, an arrival and a payment per funding row, and a physical
    target for this year reported on by this year's reports; this year's plans frozen as
    its original baseline. ``progress(label, seconds)``
    is called after each step. Raises AlreadySeeded when scale data is present.
    """
    if is_seeded():
        raise AlreadySeeded
    rng = random.Random(random_seed)
    created = Counter()
    started = time.perf_counter()

    def step(label):
        nonlocal started
        if progress is not None:
            progress(label, time.perf_counter() - started)
        started = time.perf_counter()

    village_rows = _insert(
        Village,
        (
            Village(
                name=f"{MARK}村{number:02d}",
                kind=Village.Kind.VILLAGE if number % 5 else Village.Kind.COMMUNITY,
                description="【规模测试】虚构的村，仅用于性能测试。",
            )
            for number in range(1, villages + 1)
        ),
        created,
    )
    _insert(
        CollectiveEnterprise,
        (
            CollectiveEnterprise(
                village=village,
                name=f"{village.name}股份经济合作社",
                kind=CollectiveEnterprise.Kind.COOPERATIVE,
            )
            for village in village_rows
        ),
        created,
    )
    _insert(
        CollectiveIncome,
        (
            CollectiveIncome(
                village=village,
                year=year,
                amount=Decimal(rng.randrange(1000, 9000)) / 100,
            )
            for village in village_rows
            for year in range(today.year - 3, today.year)
        ),
        created,
    )
    step("villages")

    users = _seed_users(created)
    staff = users[Role.STAFF]
    step("users")

    committees = _insert(
        ResponsibleUnit,
        (
            ResponsibleUnit(
                name=f"{village.name}村民委员会",
                kind=ResponsibleUnit.Kind.VILLAGE_COMMITTEE,
                village=village,
            )
            for village in village_rows
        ),
        created,
    )
    departments = _insert(
        ResponsibleUnit,
        (
            ResponsibleUnit(name=f"{MARK}镇部门{number:02d}", kind=ResponsibleUnit.Kind.DEPARTMENT)
            for number in range(1, DEPARTMENTS + 1)
        ),
        created,
    )
    units = committees + departments
    # Each staff member belongs to one unit; a project's contact person is in its unit.
    unit_staff: dict[int, list] = {}
    Membership = ResponsibleUnit.members.through
    memberships = []
    for index, user in enumerate(staff):
        unit = units[index % len(units)]
        unit_staff.setdefault(unit.pk, []).append(user)
        memberships.append(Membership(responsibleunit=unit, user=user))
    _insert(Membership, memberships, created)
    sources = _insert(
        FundingSource,
        (FundingSource(name=f"{MARK}{name}") for name in FUNDING_SOURCES),
        created,
    )
    step("units")

    stage_pool = [stage for stage, share in STAGES for _ in range(share)]
    project_rows = _insert(
        Project,
        (
            _project(number, rng, today, village_rows, units, unit_staff, users, stage_pool)
            for number in range(1, projects + 1)
        ),
        created,
    )
    step("projects")

    Located = Project.villages.through
    located = []
    for project in project_rows:
        # Every project in its committee's village; one in eight in a second village too.
        home = project.responsible_unit.village or village_rows[project.pk % len(village_rows)]
        located.append(Located(project=project, village=home))
        if project.pk % 8 == 0 and len(village_rows) > 1:
            other = village_rows[(village_rows.index(home) + 1) % len(village_rows)]
            located.append(Located(project=project, village=other))
    _insert(Located, located, created)
    step("project villages")

    fundings = _insert(
        Funding,
        (
            Funding(
                project=project,
                source=sources[(project.pk + offset) % len(sources)],
                amount=(project.total_investment / fundings_per_project).quantize(Decimal("0.01")),
            )
            for project in project_rows
            for offset in range(min(fundings_per_project, len(sources)))
        ),
        created,
    )
    _insert(
        AnnualPlan,
        (
            AnnualPlan(
                project=project,
                year=today.year - offset,
                planned_investment=(project.total_investment / 3).quantize(Decimal("0.01")),
                physical_goals="【规模测试】年度形象进度目标",
            )
            for project in project_rows
            for offset in range(plans_per_project)
        ),
        created,
    )
    step("funding and plans")

    _insert(
        Milestone,
        (
            milestone
            for project in project_rows
            for milestone in _milestones(project, milestones_per_project, rng, today)
        ),
        created,
    )
    step("milestones")

    reviewers = users[Role.REVIEWER]
    reports = _insert(
        ProgressReport,
        (
            report
            for project in project_rows
            for report in _reports(project, reports_per_project, rng, today, reviewers)
        ),
        created,
    )
    step("reports")

    _seed_supervision(
        project_rows, users, today, rng, created, problems_per_project, orders_every, meetings
    )
    step("problems and orders")

    _seed_paperwork_and_money(project_rows, fundings, reports, today, created)
    step("approvals, money and targets")
    _seed_baseline(users[Role.ADMINISTRATOR][0], today, created)
    step("plan baseline")
    _analyze(created)
    step("statistics")
    return created


def _analyze(created: Counter) -> None:
    """Refresh PostgreSQL's statistics of the tables just filled: until autovacuum does,
    the planner has no statistics for them and reads them whole inside per-project
    subqueries."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for label in created:
            cursor.execute(
                f"ANALYZE {connection.ops.quote_name(apps.get_model(label)._meta.db_table)}"
            )


def _seed_users(created: Counter) -> dict:
    User = get_user_model()
    users: dict = {}
    rows = []
    number = 0
    for role, count in USER_ROLES:
        for _ in range(count):
            number += 1
            superuser = role == Role.ADMINISTRATOR
            user = User(
                username=f"{USERNAME_PREFIX}{number:04d}",
                last_name="规模",
                first_name=f"{role.label}{number:04d}",
                email=f"{USERNAME_PREFIX}{number:04d}@scale.invalid",
                is_staff=superuser,
                is_superuser=superuser,
            )
            # No known password: nobody logs in as a scale user except through the tests
            # and the benchmark (force_login), so production never gets a guessable account.
            user.set_unusable_password()
            rows.append(user)
            users.setdefault(role, []).append(user)
    _insert(User, rows, created)
    groups = dict(
        Group.objects.filter(name__in=[role.value for role, _ in USER_ROLES]).values_list(
            "name", "pk"
        )
    )
    UserGroup = User.groups.through
    _insert(
        UserGroup,
        (
            UserGroup(user=user, group_id=groups[role.value])
            for role, members in users.items()
            for user in members
        ),
        created,
    )
    return users


def _project(number, rng, today, villages, units, unit_staff, users, stage_pool) -> Project:
    kind, category = KINDS[number % len(KINDS)]
    unit = units[rng.randrange(len(units))]
    village = unit.village or villages[number % len(villages)]
    stage = stage_pool[rng.randrange(len(stage_pool))]
    start = today - datetime.timedelta(days=rng.randint(30, 900))
    completion = start + datetime.timedelta(days=rng.randint(180, 1100))
    registered = rng.choice((True, True, True, False, None))
    staff = unit_staff.get(unit.pk) or users[Role.STAFF]
    return Project(
        name=f"{MARK}{village.name.removeprefix(MARK)}{kind}项目{number:05d}",
        category=category,
        stage=stage,
        statistics_registered=registered,
        statistics_registered_year=start.year if registered else None,
        location=f"{village.name.removeprefix(MARK)}",
        responsible_unit=unit,
        contact_person=staff[number % len(staff)],
        supervising_leader=users[Role.LEADER][number % len(users[Role.LEADER])],
        planned_start=start,
        planned_completion=completion,
        actual_start=start if stage not in (Project.Stage.PLANNING,) else None,
        actual_completion=completion if stage in DONE_STAGES and completion <= today else None,
        total_investment=Decimal(rng.randrange(10_000, 5_000_000)) / 100,
        description=f"【规模测试】{kind}，虚构项目，仅用于性能测试。",
    )


def _milestones(project, count, rng, today):
    if count == 0:
        return
    span = (project.planned_completion - project.planned_start).days
    for index in range(count):
        due = project.planned_start + datetime.timedelta(days=span * (index + 1) // count)
        if project.stage in DONE_STAGES:
            completed = min(due, today)
        elif due < today and rng.random() < 0.9:
            completed = due + datetime.timedelta(days=rng.randint(-10, 10))
            completed = min(completed, today)
        else:
            completed = None
        yield Milestone(
            project=project,
            title=MILESTONE_TITLES[index % len(MILESTONE_TITLES)],
            due_date=due,
            completed_on=completed,
            owner=project.contact_person if index % 3 else None,
        )


def _reports(project, count, rng, today, reviewers):
    this_month = today.replace(day=1)
    progress = Decimal(0)
    monthly = (project.total_investment / 36 * Decimal(rng.uniform(0.4, 1.3))).quantize(
        Decimal("0.01")
    )
    for back in range(count, 0, -1):
        month = _month_back(this_month, back)
        progress = min(Decimal(100), progress + Decimal(rng.randint(1, 8)))
        if back == 1:  # last month: still in review for some projects
            status = rng.choice(
                (
                    ProgressReport.Status.APPROVED,
                    ProgressReport.Status.APPROVED,
                    ProgressReport.Status.SUBMITTED,
                    ProgressReport.Status.DRAFT,
                    ProgressReport.Status.RETURNED,
                )
            )
        else:
            status = ProgressReport.Status.APPROVED
        reviewed = status in (ProgressReport.Status.APPROVED, ProgressReport.Status.RETURNED)
        filed_at = datetime.datetime.combine(
            month + datetime.timedelta(days=34), datetime.time(10), tzinfo=datetime.UTC
        )
        yield ProgressReport(
            project=project,
            month=month,
            physical_progress=progress,
            investment_completed=monthly,
            narrative="【规模测试】本月按计划推进。",
            status=status,
            submitted_by=project.contact_person if status != ProgressReport.Status.DRAFT else None,
            submitted_at=filed_at if status != ProgressReport.Status.DRAFT else None,
            reviewed_by=reviewers[project.pk % len(reviewers)] if reviewed else None,
            reviewed_at=filed_at + datetime.timedelta(days=2) if reviewed else None,
        )


#: Each scale project's approvals: (name, needed to start, status).
SCALE_APPROVALS = [
    ("立项/可研批复", True, ApprovalStatus.OBTAINED),
    ("用地规划许可", False, ApprovalStatus.IN_PROGRESS),
    ("施工许可", True, ApprovalStatus.NOT_STARTED),
]


def _approval_planned(project, position: int, today: datetime.date) -> datetime.date:
    """The obtained approval was planned a year ago; the land-use permit of every fifth
    project a month ago (so it is overdue), the others' in two months."""
    if position == 1:
        return _month_back(today.replace(day=1), 12)
    if position == 2 and project.pk % 5 == 0:
        return _month_back(today.replace(day=1), 1)
    return today + datetime.timedelta(days=60)


def _seed_paperwork_and_money(projects, fundings, reports, today, created) -> None:
    """Per project the approvals of SCALE_APPROVALS; per funding row an allocation, an
    arrival of 60 % of it and a payment of 10 to 60 % of that (so that some projects show
    idle funds); one physical target for this year, with each of this year's reports
    giving a quantity."""
    _insert(
        ApprovalItem,
        (
            ApprovalItem(
                project=project,
                name=name,
                position=position,
                needed_for_start=needed,
                status=status,
                planned_date=_approval_planned(project, position, today),
                actual_date=_month_back(today.replace(day=1), 11)
                if status == ApprovalStatus.OBTAINED
                else None,
            )
            for project in projects
            for position, (name, needed, status) in enumerate(SCALE_APPROVALS, start=1)
        ),
        created,
    )
    entries = []
    for funding in fundings:
        if not funding.amount:
            continue
        arrived = (funding.amount * Decimal("0.6")).quantize(Decimal("0.01"))
        paid = (arrived * Decimal(10 + funding.pk % 6 * 10) / 100).quantize(Decimal("0.01"))
        for kind, amount, months in (
            (FundEntryKind.ALLOCATED, funding.amount, 8),
            (FundEntryKind.ARRIVED, arrived, 6),
            (FundEntryKind.PAID, paid, 2),
        ):
            if amount > 0:
                entries.append(
                    FundEntry(
                        funding=funding,
                        kind=kind,
                        date=_month_back(today.replace(day=1), months),
                        amount=amount,
                    )
                )
    _insert(FundEntry, entries, created)
    targets = _insert(
        PhysicalTarget,
        (
            PhysicalTarget(
                project=project,
                year=today.year,
                name="【规模测试】实物工作量",
                unit="亩",
                planned_quantity=Decimal("100"),
            )
            for project in projects
        ),
        created,
    )
    target_of = {target.project_id: target for target in targets}
    _insert(
        ReportedQuantity,
        (
            ReportedQuantity(report=report, target=target_of[report.project_id], quantity=5)
            for report in reports
            if report.month.year == today.year
        ),
        created,
    )


def _seed_baseline(administrator, today: datetime.date, created: Counter) -> None:
    """Freeze this year's scale plans as the year's original baseline (年初计划), with
    every tenth project's plan changed since, so that the comparison has moved rows; left
    out when the year already has an original baseline (only one per year and kind)."""
    if PlanBaseline.objects.filter(year=today.year, kind=PlanBaseline.Kind.ORIGINAL).exists():
        return
    baseline = _insert(
        PlanBaseline,
        [
            PlanBaseline(
                year=today.year,
                kind=PlanBaseline.Kind.ORIGINAL,
                reason=f"{MARK}年初计划（虚构，仅用于性能测试）",
                frozen_by=administrator,
            )
        ],
        created,
    )[0]
    plans = AnnualPlan.objects.filter(project__name__startswith=MARK, year=today.year)
    _insert(
        PlanBaselineEntry,
        (
            PlanBaselineEntry(
                baseline=baseline,
                project_id=plan.project_id,
                planned_investment=plan.planned_investment * Decimal("0.9")
                if plan.project_id % 10 == 0
                else plan.planned_investment,
                physical_goals=plan.physical_goals,
            )
            for plan in plans.iterator(chunk_size=BATCH_SIZE)
        ),
        created,
    )


def _seed_supervision(
    project_rows, users, today, rng, created, problems_per_project, orders_every, meetings
):
    """Seed the 督办 of the scale portfolio: meetings, problems, orders and their steps."""
    leaders, reviewers = users[Role.LEADER], users[Role.REVIEWER]
    this_month = today.replace(day=1)
    held = [
        _month_back(this_month, back) + datetime.timedelta(days=9)
        for back in range(meetings, -1, -1)
    ]
    with _dates_as_given(SchedulingMeeting):
        meeting_rows = _insert(
            SchedulingMeeting,
            (
                SchedulingMeeting(
                    held_on=held_on,
                    title=f"{MARK}第{number}次调度会（虚构）",
                    chair=leaders[0],
                    recorded_by=reviewers[0],
                    next_meeting_on=next_on,
                    created_at=_at(held_on, "raise"),
                )
                for number, (held_on, next_on) in enumerate(itertools.pairwise(held), start=1)
            ),
            created,
        )
    Attendee = SchedulingMeeting.attendees.through
    _insert(
        Attendee,
        (
            Attendee(schedulingmeeting=meeting, user=user)
            for meeting in meeting_rows
            for user in (*leaders[:2], *reviewers[:2])
        ),
        created,
    )
    latest = meeting_rows[-1] if meeting_rows else None

    numbered = (
        (number, project)
        for number, project in enumerate(project_rows, start=1)
        for _ in range(problems_per_project)
    )
    planned = [
        _problem(project, number, position, rng, today, reviewers, latest)
        for position, (number, project) in enumerate(numbered)
    ]
    # The inserts give the rows their ids, which their steps then refer to.
    with _dates_as_given(Problem, ProblemTransition):
        problem_rows = _insert(Problem, (problem for problem, _steps in planned), created)
        _insert(
            ProblemTransition,
            (
                ProblemTransition(problem=problem, **step)
                for problem, steps in planned
                for step in steps
            ),
            created,
        )
    first_problems = problem_rows[::problems_per_project] if problems_per_project else []
    ordered = [
        _order(problem, number, position, today, latest)
        for position, (number, problem) in enumerate(
            (number, problem)
            for number, problem in enumerate(first_problems, start=1)
            if (number - 1) % orders_every == 0
        )
    ]
    with _dates_as_given(SupervisionOrder, SupervisionOrderTransition):
        _insert(SupervisionOrder, (order for order, _steps in ordered), created)
        _insert(
            SupervisionOrderTransition,
            (
                SupervisionOrderTransition(order=order, **step)
                for order, steps in ordered
                for step in steps
            ),
            created,
        )


@contextlib.contextmanager
def _dates_as_given(*models):
    """Keep the creation times set on the rows of a bulk insert: ``auto_now_add`` would
    date every row now, and the ledger's figures of past days (the ranking of last month,
    the meeting pack of a past date) read when each item was recorded and each step
    taken. Seeding runs alone (a command, a test), so the fields are switched back after."""
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now_add", False)
    ]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def _at(day: datetime.date, step: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, STEP_TIMES[step]))


def _step(name, user, day, from_status, to_status, comment="") -> dict:
    return {
        "acting_user": user,
        "at": _at(day, name),
        "from_status": from_status,
        "to_status": to_status,
        "comment": comment,
    }


def _problem(project, number, position, rng, today, reviewers, meeting) -> tuple:
    """Return the ``position``-th problem (from 0), an unsaved one of the ``number``-th
    project, and its steps (as transition fields)."""
    status = PROBLEM_STATUSES[position % len(PROBLEM_STATUSES)]
    kind, text = PROBLEM_TEXTS[position % len(PROBLEM_TEXTS)]
    if position % 10 == 0:
        level = SupervisionLevel.LISTED
    elif position % 5 == 0 or position % 7 == 0:
        level = SupervisionLevel.KEY
    else:
        level = SupervisionLevel.NORMAL
    last_month = _month_back(today.replace(day=1), 1)
    staff, reviewer = project.contact_person, reviewers[number % len(reviewers)]
    Status = ProblemStatus
    deadline = resolved = started = None
    if status == Status.IN_PROGRESS:  # overdue
        deadline = today - datetime.timedelta(days=rng.randint(1, 60))
        raised = deadline - datetime.timedelta(days=30)
    elif status in (Status.PENDING, Status.ASSIGNED):
        raised = today - datetime.timedelta(days=rng.randint(1, 20))
        if status == Status.ASSIGNED:
            deadline = today + datetime.timedelta(days=rng.randint(5, 60))
    else:  # due last month, resolved about then (some late), struck off the day after
        deadline = last_month + datetime.timedelta(days=rng.randint(0, 27))
        raised = deadline - datetime.timedelta(days=30)
        resolved = deadline + datetime.timedelta(days=rng.randint(-10, 5))
        resolved = min(resolved, today - datetime.timedelta(days=1))
    struck_off = status == Status.STRUCK_OFF
    steps = [_step("raise", staff, raised, Status.PENDING, Status.PENDING)]
    if status != Status.PENDING:
        steps.append(_step("assign", reviewer, raised, Status.PENDING, Status.ASSIGNED))
    if status not in (Status.PENDING, Status.ASSIGNED):
        started = raised + datetime.timedelta(days=3)
        steps.append(_step("start", staff, started, Status.ASSIGNED, Status.IN_PROGRESS))
    if resolved is not None:
        steps.append(
            _step("resolve", staff, resolved, Status.IN_PROGRESS, Status.RESOLVED, "已整改。")
        )
    if struck_off:
        steps.append(
            _step("strike_off", reviewer, resolved, Status.RESOLVED, Status.STRUCK_OFF, "销号。")
        )
    assigned = status != Status.PENDING
    problem = Problem(
        project=project,
        description=f"{MARK}{text}（虚构，仅用于性能测试）{position + 1:06d}",
        kind=kind,
        level=level,
        status=status,
        responsible_unit=project.responsible_unit if assigned else None,
        responsible_person=staff if assigned else None,
        deadline=deadline,
        rectification_plan="【规模测试】整改措施。" if started else "",
        progress="【规模测试】正在推进。" if status == Status.IN_PROGRESS else "",
        raised_by=staff,
        meeting=meeting if number % 20 == 1 else None,
        resolved_by=staff if resolved else None,
        resolved_on=resolved,
        struck_off_by=reviewer if struck_off else None,
        struck_off_on=resolved if struck_off else None,
        created_at=steps[0]["at"],
    )
    return problem, steps


def _order(problem, number, position, today, meeting) -> tuple:
    """Return the ``position``-th supervision order (from 0), an unsaved one on
    ``problem`` of the ``number``-th project, and its steps."""
    project = problem.project
    story = ORDER_STORIES[position % len(ORDER_STORIES)]
    issued_on = today - datetime.timedelta(days={"issued": 1, "replied": 10}.get(story, 20))
    reply_deadline = issued_on + datetime.timedelta(days=5)
    issuer, staff = project.supervising_leader, project.contact_person
    Status = OrderStatus
    status = {"overdue": Status.ISSUED, "issued": Status.ISSUED, "replied": Status.REPLIED}.get(
        story, Status.ACCEPTED
    )
    content = f"{MARK}请限期报送整改措施（虚构，仅用于性能测试）{position + 1:05d}"
    steps = [_step("issue", issuer, issued_on, Status.ISSUED, Status.ISSUED, content)]
    replied_on = None
    if status in (Status.REPLIED, Status.ACCEPTED):
        replied_on = issued_on + datetime.timedelta(days=2)
        steps.append(_step("reply", staff, replied_on, Status.ISSUED, Status.REPLIED, "已回复。"))
    if status == Status.ACCEPTED:
        steps.append(_step("accept", issuer, replied_on, Status.REPLIED, Status.ACCEPTED))
    order = SupervisionOrder(
        project=project,
        problem=problem,
        meeting=meeting if number % 20 == 1 else None,
        level=problem.level,
        content=content,
        responsible_unit=project.responsible_unit,
        responsible_person=staff,
        issued_by=issuer,
        issued_on=issued_on,
        reply_deadline=reply_deadline,
        status=status,
        reply="【规模测试】整改措施及时限。" if replied_on else "",
        rectify_by=replied_on + datetime.timedelta(days=30) if replied_on else None,
        replied_by=staff if replied_on else None,
        replied_on=replied_on,
        created_at=steps[0]["at"],
    )
    return order, steps


@transaction.atomic
def remove() -> Counter:
    """Delete every scale record, children first, in set-based statements; return counts.

    The rows go without per-row signals (no history rows are written for the deletion,
    as none were written for the insertion), through the same cascade the models declare.
    """
    removed = Counter()
    marked_villages = Village.objects.filter(name__startswith=MARK)
    _delete(marked_projects(), removed)
    _delete(SchedulingMeeting.objects.filter(title__startswith=MARK), removed)
    _delete(PlanBaseline.objects.filter(reason__startswith=MARK), removed)
    _delete(CollectiveIncome.objects.filter(village__in=marked_villages), removed)
    _delete(CollectiveEnterprise.objects.filter(village__in=marked_villages), removed)
    _delete(ResponsibleUnit.objects.filter(name__startswith=MARK), removed)
    _delete(marked_villages, removed)
    _delete(FundingSource.objects.filter(name__startswith=MARK), removed)
    _delete(marked_users(), removed)
    return +removed


def _delete(queryset, removed: Counter) -> None:
    """Delete ``queryset`` and, first, what its models' relations say goes with it:
    CASCADE rows are deleted the same way, SET_NULL columns are cleared, a PROTECT or
    RESTRICT row that remains is an error. Relations made by other apps are followed
    too, so rows added later (reminders, notifications, imports) do not block removal."""
    model = queryset.model
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.one_to_many or relation.one_to_one) or not relation.auto_created:
            continue
        if relation.concrete:
            continue
        field = relation.field
        on_delete = relation.on_delete
        if on_delete is DO_NOTHING or not field.db_constraint:
            continue  # e.g. history rows keep the id of what they describe
        related = field.model._base_manager.filter(
            **{f"{field.name}__in": queryset.values(field.target_field.attname)}
        )
        if on_delete is CASCADE:
            _delete(related, removed)
        elif on_delete is SET_NULL:
            related.update(**{field.name: None})
        elif on_delete in (PROTECT, RESTRICT):
            blocking = related.count()
            if blocking:
                raise models.ProtectedError(
                    f"{blocking} {field.model._meta.label} rows outside the scale data "
                    f"refer to {model._meta.label} rows of it.",
                    set(),
                )
        else:
            raise NotImplementedError(f"on_delete={on_delete.__name__} of {field}")
    # A set-based DELETE without fetching the rows: Django's own fast-delete path.
    count = queryset._raw_delete(queryset.db)
    if count:
        removed[model._meta.label] += count
