"""Demo accounts and demo progress data, so that every screen has something to show.

Everything made here is marked: users are named ``demo-…`` and belong to the demo unit,
plans, milestones and reports carry ``is_demo``. The figures are made up for trying the
app out and are never the town's; ``remove()`` takes exactly these records away.

While any of them exists (``present()``, one query), the figures include them, so every
page, the briefing (page, workbook, PDF), the exports and the emails say so with
``NOTICE`` (docs/data-from-the-work-report.md, "Demo data"): through the context
processor and the ``demo_data`` template tag on pages and in emails, ``mark_workbook``
in workbooks and ``marked_file_name`` on every download.
"""

import datetime
import random
import zlib
from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shanwang.spreadsheets.files import add_notice_sheet

from ..models import (
    AnnualPlan,
    Milestone,
    ProgressReport,
    Project,
    ReportPhoto,
    ResponsibleUnit,
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


def present() -> bool:
    """Return whether any demo record or account exists (one query)."""
    marked = [
        model.objects.filter(is_demo=True).values("pk")
        for model in (ProgressReport, Milestone, AnnualPlan)
    ]
    return (
        demo_users()
        .values("pk")
        .union(
            *marked,
            ResponsibleUnit.objects.filter(name=DEMO_UNIT).values("pk"),
            all=True,
        )
        .exists()
    )


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


@transaction.atomic
def remove() -> Counter:
    """Delete every demo record and account, leaving the report's data as loaded."""
    removed = Counter()
    users = demo_users()
    for model in (ProgressReport, Milestone, AnnualPlan):
        removed[model._meta.verbose_name] = (
            model.objects.filter(is_demo=True).delete()[1].get(model._meta.label, 0)
        )
    Project.objects.filter(contact_person__in=users).update(contact_person=None)
    Project.objects.filter(responsible_unit__name=DEMO_UNIT).update(responsible_unit=None)
    Milestone.objects.filter(owner__in=users).update(owner=None)
    ProgressReport.objects.filter(Q(submitted_by__in=users) | Q(reviewed_by__in=users)).update(
        submitted_by=None, reviewed_by=None
    )
    ReportPhoto.objects.filter(uploaded_by__in=users).update(uploaded_by=None)
    removed["responsible unit"] = ResponsibleUnit.objects.filter(name=DEMO_UNIT).delete()[0]
    removed["user"] = users.delete()[1].get(get_user_model()._meta.label, 0)
    return removed
