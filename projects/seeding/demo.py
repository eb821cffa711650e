"""Demo accounts and demo progress data, so that every screen has something to show.

Everything made here is marked: users are named ``demo-…`` and belong to the demo unit,
plans, milestones, reports, problems and supervision orders carry ``is_demo``, the demo
scheduling meeting (which has no such field) is titled ``DEMO_MEETING``. The figures and
texts are made up for trying the app out (示例：…) and are never the town's; ``remove()``
takes exactly these records away.

While any of them exists (``present()``, one cheap query), the figures include them, so every
page, the briefing (page, workbook, PDF), the exports and the emails say so with
``NOTICE`` (docs/data-from-the-work-report.md, "Demo data"): through the context
processor and the ``demo_data`` template tag on pages and in emails, ``mark_workbook``
in workbooks and ``marked_file_name`` on every download.
"""

import datetime
import functools
import random
import zlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shanwang.spreadsheets.files import add_notice_sheet

from ..choices import OrderStatus, ProblemStatus, SupervisionLevel
from ..models import (
    AnnualPlan,
    Milestone,
    Problem,
    ProblemTransition,
    ProgressReport,
    Project,
    ReportPhoto,
    ResponsibleUnit,
    SchedulingMeeting,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from ..rules import Role

DEMO_PASSWORD = "shanwang-demo-2024"
DEMO_UNIT = "【演示】镇项目办"
DEMO_USERS = [
    # username, full name (last, first), role, superuser
    ("demo-admin", ("演示", "管理员"), Role.ADMINISTRATOR, True),
    ("demo-leader", ("演示", "领导"), Role.LEADER, False),
    ("demo-reviewer", ("演示", "审核人"), Role.REVIEWER, False),
    ("demo-staff", ("演示", "工作人员"), Role.STAFF, False),
    ("demo-staff2", ("演示", "工作人员二"), Role.STAFF, False),
]
MILESTONE_STEPS = ["完成施工招标", "主体工程开工", "主体工程完工", "竣工验收"]

#: What every page, briefing, export and email says while demo records exist.
NOTICE = gettext_lazy(
    "The figures include demo records (marked 【演示】), made up for trying the app out; "
    "they are not the town's."
)
#: The marker's short form: its heading, a workbook's first sheet, a download's file name.
LABEL = gettext_lazy("Demo data")
#: The marker sheet's titles in either language: an import skips the sheet.
SHEET_TITLES = ("演示数据", "Demo data")


def demo_users():
    return get_user_model().objects.filter(username__startswith="demo-")


#: The models whose demo rows carry ``is_demo``.
MARKED_MODELS = (ProgressReport, Milestone, AnnualPlan, Problem, SupervisionOrder)
#: The cache key of the marked tables' highest ids when no demo record was last found.
ABSENCE_KEY = "projects.demo.absent_at"


@functools.cache
def _present_sql() -> tuple[list[str], list, list[str], str, list]:
    """Return the parts of present()'s query, made once: the lookups of the demo account,
    unit and meeting with their parameters, the marked tables' highest ids, and the scan
    of the marked tables with its parameters."""
    quote = connection.ops.quote_name
    named, named_params = [], []
    for queryset in (
        demo_users(),  # while demo data exists its accounts do: the query stops here
        ResponsibleUnit.objects.filter(name=DEMO_UNIT),
        SchedulingMeeting.objects.filter(title=DEMO_MEETING),
    ):
        sql, params = queryset.order_by().values("pk")[:1].query.sql_with_params()
        named.append(sql)
        named_params.extend(params)
    highest = [
        f"COALESCE((SELECT MAX({quote(model._meta.pk.column)}) "
        f"FROM {quote(model._meta.db_table)}), 0)"
        for model in MARKED_MODELS
    ]
    marked = [model.objects.filter(is_demo=True).order_by().values("pk") for model in MARKED_MODELS]
    marked, marked_params = marked[0].union(*marked[1:], all=True).query.sql_with_params()
    return named, named_params, highest, marked, list(marked_params)


def present() -> bool:
    """Return whether any demo record or account exists, in one query.

    Proving that no demo record is left reads the marked tables whole (none indexes
    ``is_demo``: about 100 ms at 10,000 projects). A demo record is always a new row, so
    the query also returns each marked table's highest id (an index's last entry), and
    the cache keeps those ids when the answer was no: while they stay, the query answers
    no without reading the tables (CASE reads no more than it needs). A yes is never
    kept, so demo records deleted by any path take the marker with them at once; and as
    each process reads the ids afresh, demo data seeded elsewhere shows at once too.
    """
    named, named_params, highest, marked, marked_params = _present_sql()
    kept = cache.get(ABSENCE_KEY)
    unchanged = " AND ".join(f"{column} = %s" for column in highest) if kept else "1 = 0"
    answer = " ".join(f"WHEN EXISTS ({sql}) THEN 1" for sql in named)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE {answer} WHEN {unchanged} THEN 0 WHEN EXISTS ({marked}) THEN 1 "
            f"ELSE 0 END, {', '.join(highest)}",
            [*named_params, *(kept or ()), *marked_params],
        )
        found, *ids = cursor.fetchone()
    if found:
        return True
    cache.set(ABSENCE_KEY, tuple(ids), timeout=None)
    return False


def mark_workbook(workbook) -> None:
    """Put the demo notice first in ``workbook`` while demo records exist."""
    if present():
        add_notice_sheet(workbook, str(LABEL), [notice_line()])


def notice_line() -> str:
    """Return the marker as one line of plain text: 【演示数据】数字中包含演示记录…"""
    return f"【{LABEL}】{NOTICE}"


def marked_file_name(file_name: str) -> str:
    """Return a download's file name, with the demo marker while demo records exist:
    项目台账.xlsx → 项目台账-演示数据.xlsx."""
    if not present():
        return file_name
    stem, dot, extension = file_name.rpartition(".")
    if not dot:
        stem, extension = file_name, ""
    return f"{stem}-{LABEL}{dot}{extension}"


@transaction.atomic
def seed(*, today: datetime.date) -> Counter:
    """Create the demo accounts and data that are missing; return counts created."""
    created = Counter()
    users = {}
    User = get_user_model()
    for username, (last_name, first_name), role, superuser in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": last_name,
                "first_name": first_name,
                "email": f"{username}@shanwang.local",
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role.value))
        created["user"] += was_created
        users[username] = user

    unit, was_created = ResponsibleUnit.objects.get_or_create(
        name=DEMO_UNIT, defaults={"kind": ResponsibleUnit.Kind.DEPARTMENT}
    )
    created["responsible unit"] += was_created
    unit.members.add(users["demo-staff"], users["demo-staff2"])

    active = Project.objects.filter(stage__in=Project.ACTIVE_STAGES).order_by("name")
    # The demo reports start in January: a project recorded later would be left out of
    # the briefings of the months it has demo reports for (they count the projects that
    # existed by the month's end), so it is dated back to the demo data's first day.
    period_start = timezone.make_aware(datetime.datetime(today.year, 1, 1))
    active.filter(created_at__gt=period_start).update(created_at=period_start)
    for index, project in enumerate(active):
        contact = users["demo-staff"] if index % 2 == 0 else users["demo-staff2"]
        if project.contact_person_id is None:
            project.contact_person = contact
            project.responsible_unit = project.responsible_unit or unit
            project._history_user = users["demo-admin"]
            project.save(update_fields=["contact_person", "responsible_unit", "updated_at"])
        _seed_project(project, contact=contact, today=today, created=created)
    _seed_supervision(list(active), users=users, unit=unit, today=today, created=created)
    return created


def _seed_project(project, *, contact, today, created):
    rng = random.Random(zlib.crc32(project.name.encode()))
    planned = Decimal(rng.randrange(200, 3000, 10))
    _, was_created = AnnualPlan.objects.get_or_create(
        project=project,
        year=today.year,
        defaults={
            "planned_investment": planned,
            "physical_goals": "【演示】年度形象进度目标",
            "is_demo": True,
        },
    )
    created["annual plan"] += was_created

    # Milestones spread around today: some done, some overdue, some ahead.
    for step, title in enumerate(MILESTONE_STEPS):
        due = today + datetime.timedelta(days=rng.randint(-120, 30) + step * 45)
        done = due < today and rng.random() < 0.6
        _, was_created = Milestone.objects.get_or_create(
            project=project,
            title=f"【演示】{title}",
            defaults={
                "due_date": due,
                "completed_on": due if done else None,
                "owner": contact,
                "is_demo": True,
            },
        )
        created["milestone"] += was_created

    # One report per past month of this year; the pace varies from project to project.
    pace = rng.uniform(0.4, 1.2)
    progress = Decimal(0)
    for month_number in range(1, today.month):
        month = datetime.date(today.year, month_number, 1)
        investment = (planned / 12 * Decimal(pace)).quantize(Decimal("0.01"))
        progress = min(Decimal(100), progress + Decimal(rng.randint(3, 9)))
        _, was_created = ProgressReport.objects.get_or_create(
            project=project,
            month=month,
            defaults={
                "physical_progress": progress,
                "investment_completed": investment,
                "narrative": "【演示】本月按计划推进施工。",
                "status": ProgressReport.Status.APPROVED,
                "submitted_by": contact,
                "is_demo": True,
            },
        )
        created["progress report"] += was_created


#: The demo scheduling meeting's title: meetings have no ``is_demo``, this marks it.
DEMO_MEETING = "【演示】示例：月度重点项目调度会"
#: When in its day each kind of step is recorded, so that one day's steps keep their order.
STEP_TIMES = {
    "raise": datetime.time(9),
    "assign": datetime.time(9, 30),
    "start": datetime.time(10),
    "progress": datetime.time(15),
    "resolve": datetime.time(16),
    "strike_off": datetime.time(17),
    "issue": datetime.time(11),
    "reply": datetime.time(14),
    "decide": datetime.time(16, 30),
}


@dataclass(frozen=True)
class DemoProblem:
    """One item of the demo ledger. Its days are counted from ``anchor``: "today" (the
    day seeded) or "meeting" (the demo meeting, held last month); ``at_meeting`` says it
    was decided there."""

    project: int  # index among the active projects, in the order they are seeded
    description: str
    kind: str
    level: str
    status: str
    raised: int
    deadline: int | None = None
    anchor: str = "today"
    person: str = "demo-staff"
    started: int | None = None
    progress: int | None = None
    resolved: int | None = None
    struck_off: int | None = None
    at_meeting: bool = False
    from_report: bool = False


@dataclass(frozen=True)
class DemoOrder:
    """One demo supervision order (督办单), its days counted like a DemoProblem's."""

    project: int
    content: str
    level: str
    status: str
    issued: int
    issued_by: str
    problem: str  # the description of the demo problem it is about
    reply_within: int = 3  # working days
    anchor: str = "today"
    replied: int | None = None
    decided: int | None = None  # accepted or sent back
    at_meeting: bool = False


Status, Level, Kind = ProblemStatus, SupervisionLevel, Problem.Kind
DEMO_PROBLEMS = (
    DemoProblem(
        0,
        "【演示】示例：施工便道临时占用农田，群众反映需尽快复垦",
        Kind.PUBLIC,
        Level.NORMAL,
        Status.PENDING,
        raised=-2,
        from_report=True,
    ),
    DemoProblem(
        0,
        "【演示】示例：施工许可申报材料尚缺，需补齐后报审",
        Kind.APPROVALS,
        Level.NORMAL,
        Status.ASSIGNED,
        raised=-6,
        deadline=10,
    ),
    DemoProblem(
        1,
        "【演示】示例：部分用地尚未完成交付，影响主体工程施工",
        Kind.LAND,
        Level.KEY,
        Status.IN_PROGRESS,
        anchor="meeting",
        raised=0,
        deadline=7,
        person="demo-staff2",
        started=2,
        progress=6,
        at_meeting=True,
    ),
    DemoProblem(
        2,
        "【演示】示例：上级补助资金尚未到位，工程款支付困难",
        Kind.FUNDING,
        Level.LISTED,
        Status.IN_PROGRESS,
        raised=-20,
        deadline=-3,
        started=-15,
        progress=-4,
    ),
    DemoProblem(
        3,
        "【演示】示例：施工现场扬尘防治措施不到位",
        Kind.CONSTRUCTION,
        Level.NORMAL,
        Status.RESOLVED,
        raised=-12,
        deadline=3,
        person="demo-staff2",
        started=-10,
        resolved=-1,
    ),
    DemoProblem(
        1,
        "【演示】示例：电力线路迁改方案待确定",
        Kind.APPROVALS,
        Level.KEY,
        Status.STRUCK_OFF,
        anchor="meeting",
        raised=0,
        deadline=10,
        started=2,
        resolved=8,
        struck_off=9,
        at_meeting=True,
    ),
    DemoProblem(
        4,
        "【演示】示例：周边村民反映夜间施工噪声扰民",
        Kind.PUBLIC,
        Level.NORMAL,
        Status.ASSIGNED,
        raised=-9,
        deadline=-2,
        person="demo-staff2",
    ),
    DemoProblem(
        2,
        "【演示】示例：设计变更审批进度滞后",
        Kind.APPROVALS,
        Level.NORMAL,
        Status.STRUCK_OFF,
        anchor="meeting",
        raised=-7,
        deadline=6,
        started=-5,
        resolved=13,
        struck_off=14,
    ),
)
DEMO_ORDERS = (
    DemoOrder(
        2,
        "【演示】示例：请于3个工作日内报送资金到位计划和整改措施",
        Level.LISTED,
        OrderStatus.REPLIED,
        issued=-8,
        issued_by="demo-leader",
        problem=DEMO_PROBLEMS[3].description,
        replied=-6,
    ),
    DemoOrder(
        4,
        "【演示】示例：请说明夜间施工噪声问题的整改措施，限期回复",
        Level.KEY,
        OrderStatus.ISSUED,
        issued=-8,
        issued_by="demo-reviewer",
        problem=DEMO_PROBLEMS[6].description,
    ),
    DemoOrder(
        1,
        "【演示】示例：请制定用地交付工作计划，按周报送进展",
        Level.KEY,
        OrderStatus.ACCEPTED,
        anchor="meeting",
        issued=0,
        issued_by="demo-leader",
        problem=DEMO_PROBLEMS[2].description,
        replied=2,
        decided=3,
        at_meeting=True,
    ),
)
DEMO_PLAN = "【演示】示例：制定整改措施，明确责任人和完成时限，按周报告进展。"
DEMO_PROGRESS = "【演示】示例：已与相关单位对接，正在推进。"
DEMO_RESOLUTION = "【演示】示例：已按整改措施完成整改。"
DEMO_REPLY = "【演示】示例：已制定整改措施，明确专人负责，按期整改到位。"
DEMO_SECOND_REPORT_LINE = "【演示】示例：雨季临近，排水设施需加固"


def _meeting_day(today: datetime.date) -> datetime.date:
    """Return the demo meeting's day: the Tuesday on or before the 15th of last month."""
    fifteenth = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
    return fifteenth - datetime.timedelta(days=(fifteenth.weekday() - 1) % 7)


def _working_days_later(day: datetime.date, count: int) -> datetime.date:
    """Return the ``count``-th weekday after ``day`` (demo dates: holidays left aside)."""
    while count:
        day += datetime.timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _at(day: datetime.date, step: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, STEP_TIMES[step]))


def _seed_supervision(projects, *, users, unit, today, created) -> None:
    """Seed the demo 督办: the problems of DEMO_PROBLEMS in every status, the orders of
    DEMO_ORDERS and last month's scheduling meeting that decided some of them, each with
    the steps the supervision services would have recorded, dated in the past (the
    services date every step now and refuse a deadline already passed, which the overdue
    items need)."""
    if not projects:
        return
    reviewer = users["demo-reviewer"]
    meeting = SchedulingMeeting.objects.filter(title=DEMO_MEETING).first()
    if meeting is None:
        held = _meeting_day(today)
        meeting = SchedulingMeeting(
            title=DEMO_MEETING,
            held_on=held,
            chair=users["demo-leader"],
            other_attendees="【演示】示例：施工单位项目经理",
            notes="【演示】示例：会议听取重点项目推进情况汇报，研究用地交付、线路迁改等问题。",
            next_meeting_on=held + datetime.timedelta(days=28),
            recorded_by=reviewer,
        )
        meeting._history_user = reviewer
        meeting.save()
        _backdate(SchedulingMeeting, meeting.pk, _at(held, "raise"))
        meeting.attendees.add(reviewer, users["demo-staff"], users["demo-staff2"])
        created["scheduling meeting"] += 1
    anchors = {"today": today, "meeting": meeting.held_on}

    problems = {}
    for spec in DEMO_PROBLEMS:
        project = projects[spec.project % len(projects)]
        problem = Problem.objects.filter(is_demo=True, description=spec.description).first()
        if problem is None:
            problem = _seed_problem(spec, project, anchors[spec.anchor], meeting, users, unit)
            created["problem"] += 1
        problems[spec.description] = problem
    for spec in DEMO_ORDERS:
        if SupervisionOrder.objects.filter(is_demo=True, content=spec.content).exists():
            continue
        project = projects[spec.project % len(projects)]
        problem = problems[spec.problem]
        _seed_order(spec, project, problem, anchors[spec.anchor], meeting, users)
        created["supervision order"] += 1


def _seed_problem(spec, project, anchor, meeting, users, unit) -> Problem:
    def day(offset):
        return None if offset is None else anchor + datetime.timedelta(days=offset)

    person = users[spec.person]
    reviewer = users["demo-reviewer"]
    raiser = reviewer if spec.at_meeting else person
    report, line = _report_line(project, spec) if spec.from_report else (None, None)
    problem = Problem(
        project=project,
        description=spec.description,
        kind=spec.kind,
        level=spec.level,
        status=spec.status,
        raised_by=raiser,
        source_report=report,
        source_line=line,
        meeting=meeting if spec.at_meeting else None,
        is_demo=True,
    )
    if spec.status != Status.PENDING:
        problem.responsible_unit = project.responsible_unit or unit
        problem.responsible_person = person
        problem.deadline = day(spec.deadline)
    if spec.started is not None:
        problem.rectification_plan = DEMO_PLAN
    if spec.progress is not None:
        problem.progress = DEMO_PROGRESS
    if spec.resolved is not None:
        problem.resolved_by, problem.resolved_on = person, day(spec.resolved)
    if spec.struck_off is not None:
        problem.struck_off_by, problem.struck_off_on = reviewer, day(spec.struck_off)
    problem._history_user = raiser
    problem.save()
    _backdate(Problem, problem.pk, _at(day(spec.raised), "raise"))

    steps = [("raise", raiser, day(spec.raised), Status.PENDING, Status.PENDING, "")]
    if spec.status != Status.PENDING:
        steps.append(("assign", reviewer, day(spec.raised), Status.PENDING, Status.ASSIGNED, ""))
    if spec.started is not None:
        steps.append(("start", person, day(spec.started), Status.ASSIGNED, Status.IN_PROGRESS, ""))
    if spec.progress is not None:
        steps.append(
            (
                "progress",
                person,
                day(spec.progress),
                Status.IN_PROGRESS,
                Status.IN_PROGRESS,
                "",
            )
        )
    if spec.resolved is not None:
        steps.append(
            (
                "resolve",
                person,
                day(spec.resolved),
                Status.IN_PROGRESS,
                Status.RESOLVED,
                DEMO_RESOLUTION,
            )
        )
    if spec.struck_off is not None:
        steps.append(
            (
                "strike_off",
                reviewer,
                day(spec.struck_off),
                Status.RESOLVED,
                Status.STRUCK_OFF,
                "【演示】示例：经核实已整改到位，予以销号。",
            )
        )
    for step, user, on, from_status, to_status, comment in steps:
        transition = ProblemTransition.objects.create(
            problem=problem,
            acting_user=user,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
        )
        ProblemTransition.objects.filter(pk=transition.pk).update(at=_at(on, step))
    return problem


def _report_line(project, spec) -> tuple:
    """Return the demo report and the line of its problems that ``spec`` is made from,
    writing the line into the project's latest demo report when its problems are empty;
    (None, None) when there is no such report or the line is taken."""
    report = project.progress_reports.filter(is_demo=True).order_by("-month").first()
    if report is None:
        return None, None
    if not report.problems.strip():
        report.problems = f"{spec.description}\n{DEMO_SECOND_REPORT_LINE}"
        ProgressReport.objects.filter(pk=report.pk).update(problems=report.problems)
    lines = report.problem_lines()
    taken = Problem.objects.filter(source_report=report, source_line=1).exists()
    if taken or not lines or lines[0] != spec.description:
        return None, None
    return report, 1


def _seed_order(spec, project, problem, anchor, meeting, users) -> SupervisionOrder:
    def day(offset):
        return None if offset is None else anchor + datetime.timedelta(days=offset)

    issuer = users[spec.issued_by]
    issued_on = day(spec.issued)
    person = problem.responsible_person or users["demo-staff"]
    order = SupervisionOrder(
        project=project,
        problem=problem,
        meeting=meeting if spec.at_meeting else None,
        level=spec.level,
        content=spec.content,
        responsible_unit=problem.responsible_unit or project.responsible_unit,
        responsible_person=person,
        issued_by=issuer,
        issued_on=issued_on,
        reply_deadline=_working_days_later(issued_on, spec.reply_within),
        status=spec.status,
        is_demo=True,
    )
    if spec.replied is not None:
        order.reply = DEMO_REPLY
        order.rectify_by = anchor + datetime.timedelta(days=spec.replied + 20)
        order.replied_by, order.replied_on = person, day(spec.replied)
    order._history_user = issuer
    order.save()
    _backdate(SupervisionOrder, order.pk, _at(issued_on, "issue"))
    issued, replied = OrderStatus.ISSUED, OrderStatus.REPLIED
    steps = [("issue", issuer, issued_on, issued, issued, spec.content)]
    if spec.replied is not None:
        steps.append(("reply", person, day(spec.replied), issued, replied, DEMO_REPLY))
    if spec.decided is not None:
        steps.append(("decide", issuer, day(spec.decided), replied, spec.status, ""))
    for step, user, on, from_status, to_status, comment in steps:
        transition = SupervisionOrderTransition.objects.create(
            order=order,
            acting_user=user,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
        )
        SupervisionOrderTransition.objects.filter(pk=transition.pk).update(at=_at(on, step))
    return order


def _backdate(model, pk, at: datetime.datetime) -> None:
    """Date a demo row back to when the story says it was recorded (``auto_now_add``
    dates every new row now)."""
    model.objects.filter(pk=pk).update(created_at=at)


@transaction.atomic
def remove() -> Counter:
    """Delete every demo record and account, leaving the report's data as loaded."""
    removed = Counter()
    users = demo_users()
    for model in (SupervisionOrder, Problem, ProgressReport, Milestone, AnnualPlan):
        removed[model._meta.verbose_name] = (
            model.objects.filter(is_demo=True).delete()[1].get(model._meta.label, 0)
        )
    removed["scheduling meeting"] = (
        SchedulingMeeting.objects.filter(title=DEMO_MEETING)
        .delete()[1]
        .get(SchedulingMeeting._meta.label, 0)
    )
    # Items recorded through the app (not demo records) keep their content, not the names.
    for model, fields in (
        (Problem, ("raised_by", "responsible_person", "resolved_by", "struck_off_by")),
        (SupervisionOrder, ("responsible_person", "replied_by")),
        (SchedulingMeeting, ("chair", "recorded_by")),
    ):
        for name in fields:
            model.objects.filter(**{f"{name}__in": users}).update(**{name: None})
    Project.objects.filter(contact_person__in=users).update(contact_person=None)
    Project.objects.filter(responsible_unit__name=DEMO_UNIT).update(responsible_unit=None)
    Problem.objects.filter(responsible_unit__name=DEMO_UNIT).update(responsible_unit=None)
    Milestone.objects.filter(owner__in=users).update(owner=None)
    ProgressReport.objects.filter(Q(submitted_by__in=users) | Q(reviewed_by__in=users)).update(
        submitted_by=None, reviewed_by=None
    )
    ReportPhoto.objects.filter(uploaded_by__in=users).update(uploaded_by=None)
    removed["responsible unit"] = ResponsibleUnit.objects.filter(name=DEMO_UNIT).delete()[0]
    removed["user"] = users.delete()[1].get(get_user_model()._meta.label, 0)
    return removed
