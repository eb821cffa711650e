"""At district scale: the same number of queries per page at 10 and at 10,000 projects,
a scale portfolio that is added and removed exactly, exports that read the table as
django-tables2 does, and reminder scans over years of history."""

import datetime
import itertools
import math
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tables2 import Table

from projects import selectors
from projects.alerts import ledger as alerts
from projects.models import (
    FundEntry,
    Milestone,
    Problem,
    Project,
    ReminderPolicy,
    SchedulingMeeting,
    SupervisionOrder,
)
from projects.rules import Role
from projects.seeding import scale
from projects.tables import ProjectTable
from tests.factories import MilestoneFactory, ProjectFactory, UserFactory, VillageFactory
from villages.models import Village

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 16)  # a Monday, so that the dashboard's dates are ordinary


def seed(projects: int):
    """Seed ``projects`` scale projects with one or two of each child, in bulk."""
    return scale.seed(
        projects=projects,
        today=TODAY,
        villages=5,
        milestones_per_project=2,
        reports_per_project=2,
        plans_per_project=1,
        fundings_per_project=1,
    )


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def pages(projects: int) -> dict[str, tuple[object, str]]:
    """The pages to count, each with the user who reads it, for the portfolio seeded now.

    The filtered list asks for the first project's own category, stage, village, light and
    plan year, as its contact person ("my projects"), so that it is never empty: an empty
    page skips the villages' query and would count one query less."""
    project = scale.marked_projects().order_by("pk").first()
    figures = selectors.project_list(on=TODAY).get(pk=project.pk)
    village = project.villages.order_by("pk").first()
    reviewer = scale.marked_users().filter(groups__name=Role.REVIEWER.value).first()
    contact = project.contact_person
    filtered = (
        f"{reverse('projects:list')}?q=项目&category={project.category}&stage={project.stage}"
        f"&village={village.pk}&light={figures.light}&year={TODAY.year}&mine=on"
    )
    last_page = math.ceil(Project.objects.count() / 25)
    return {
        **supervision_pages(project, contact, reviewer),
        **paperwork_and_money_pages(project, contact, reviewer),
        "list, first page": (contact, reverse("projects:list")),
        "list, filtered": (contact, filtered),
        "list, sorted": (contact, f"{reverse('projects:list')}?sort=-year_completed_share"),
        "list, sorted by light": (contact, f"{reverse('projects:list')}?sort=light"),
        "list, last page": (contact, f"{reverse('projects:list')}?page={last_page}"),
        "dashboard, reviewer": (reviewer, reverse("projects:dashboard")),
        "dashboard, contact person": (contact, reverse("projects:dashboard")),
        "project page": (contact, project.get_absolute_url()),
        "village page": (contact, village.get_absolute_url()),
    }


def supervision_pages(project, contact, reviewer) -> dict[str, tuple[object, str]]:
    """督办's pages: the ledger (the contact person's units'), filtered to the first
    project's own problem and exported, overdue only and its last page (the reviewer's:
    everyone's); a problem and an order (with the contact person's step forms), the lists of
    orders and meetings, a meeting with its decision form, the pack, the ranking."""
    problem = project.problems.get()
    order = project.supervision_orders.get()
    meeting = SchedulingMeeting.objects.filter(title__startswith=scale.MARK).first()
    ledger = reverse("projects:problems")
    filtered = (
        f"{ledger}?status={problem.status}&level={problem.level}&kind={problem.kind}"
        f"&responsible_unit={problem.responsible_unit_id}&project={project.pk}&mine=on"
    )
    last_page = math.ceil(Problem.objects.count() / 25)
    pack = reverse("projects:meeting_pack")
    return {
        "ledger, first page": (contact, ledger),
        "ledger, filtered": (contact, filtered),
        "ledger, filtered, exported": (contact, f"{filtered}&_export=xlsx"),
        "ledger, overdue": (reviewer, f"{ledger}?overdue=on"),
        "ledger, last page": (reviewer, f"{ledger}?page={last_page}"),
        "problem page, responsible": (contact, problem.get_absolute_url()),
        "problem page, reviewer": (reviewer, problem.get_absolute_url()),
        "orders": (reviewer, reverse("projects:orders")),
        "order page": (contact, order.get_absolute_url()),
        "meetings": (reviewer, reverse("projects:meetings")),
        "meeting page": (reviewer, meeting.get_absolute_url()),
        "meeting pack": (reviewer, pack),
        "meeting pack, of the meeting": (
            contact,
            f"{pack}?date={meeting.held_on.isoformat()}&meeting={meeting.pk}",
        ),
        "ranking": (reviewer, reverse("projects:ranking")),
        "ranking, a unit": (
            contact,
            reverse("projects:ranking_unit", args=[project.responsible_unit_id]),
        ),
    }


def paperwork_and_money_pages(project, contact, reviewer) -> dict[str, tuple[object, str]]:
    """Issue 16's pages: the approvals (overdue and all), one approval's form, the town's
    money and the project's, an entry's form, 开工未入库 and a registration's form, a
    target's form, the baselines and the year's comparison, and the briefing with its
    前期手续, 资金 and 计划基线 sections."""
    approvals = reverse("projects:approval_list")
    entry = FundEntry.objects.filter(funding__project=project).order_by("pk").first()
    return {
        "approvals, overdue": (reviewer, approvals),
        "approvals, all": (contact, f"{approvals}?overdue=all"),
        "approval form": (
            contact,
            reverse("projects:approval_edit", args=[project.approvals.first().pk]),
        ),
        "funds overview": (reviewer, reverse("projects:fund_overview")),
        "project funds": (contact, reverse("projects:funds", args=[project.pk])),
        "fund entry form": (contact, reverse("projects:fund_entry_edit", args=[entry.pk])),
        "started, not registered": (reviewer, reverse("projects:unregistered")),
        "registration form": (contact, reverse("projects:registration_record", args=[project.pk])),
        "target form": (
            contact,
            reverse("projects:target_edit", args=[project.physical_targets.get().pk]),
        ),
        "baselines": (reviewer, reverse("projects:baselines")),
        "baseline year": (reviewer, reverse("projects:baseline_year", args=[TODAY.year])),
        "briefing": (reviewer, f"{reverse('projects:briefing')}?month={TODAY:%Y-%m}"),
    }


def count_queries(client, projects: int) -> dict[str, int]:
    counts = {}
    for name, (user, url) in pages(projects).items():
        client.force_login(user)
        counts[name] = queries_for(client, url)
    return counts


def test_pages_cost_the_same_queries_at_10_and_at_10000_projects(client, monkeypatch):
    """Every page runs as many queries for 10,000 projects as for 10."""
    monkeypatch.setattr(selectors, "today", lambda: TODAY)
    seed(10)
    small = count_queries(client, 10)
    scale.remove()
    seed(10_000)
    assert Project.objects.count() == 10_000
    large = count_queries(client, 10_000)
    assert large == small


def table_counts() -> Counter:
    return Counter(
        {
            model._meta.label: model._base_manager.count()
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in ("projects", "villages", "auth")
        }
    )


def test_seed_scale_adds_marked_records_and_removes_exactly_them():
    """seed_scale marks what it adds, refuses to add twice, and --remove takes exactly
    that away, with what was made from it since (reminders, notices)."""
    ProjectFactory(name="真实项目")
    UserFactory(username="real.user")
    # An installation whose alerts are on: the scan below does not switch them on (that
    # records a policy row, which is the installation's, not the scale data's).
    ReminderPolicy.objects.create(alerts_switched_on=TODAY - datetime.timedelta(days=365))
    before = table_counts()
    call_command("seed_scale", projects=30, villages=3, force=True, verbosity=0)
    assert scale.marked_projects().count() == 30
    assert Milestone.objects.filter(project__name__startswith=scale.MARK).count() == 300
    assert get_user_model().objects.filter(username__startswith="scale-").count() == 300
    assert Village.objects.filter(name__startswith=scale.MARK).count() == 3
    assert_the_scale_ledger_is_as_described()
    assert all(
        project.name.startswith(scale.MARK) for project in Project.objects.exclude(name="真实项目")
    )
    with pytest.raises(CommandError, match="--remove"):
        call_command("seed_scale", projects=30, force=True, verbosity=0)
    alerts.scan(on=TODAY)  # rows that refer to the scale data
    call_command("seed_scale", remove=True, verbosity=0)
    assert table_counts() - before == Counter()
    assert before - table_counts() == Counter()
    assert Project.objects.get().name == "真实项目"


def assert_the_scale_ledger_is_as_described():
    """One problem per project, one in five overdue, an order on every tenth project,
    two meetings; every item's recorded steps lead to its status from its recording."""
    today = selectors.today()
    problems = Problem.objects.filter(project__name__startswith=scale.MARK)
    orders = SupervisionOrder.objects.filter(project__name__startswith=scale.MARK)
    assert problems.count() == 30 and problems.overdue_on(today).count() == 6
    assert orders.count() == 3 and orders.overdue_on(today).count() == 1
    assert SchedulingMeeting.objects.filter(title__startswith=scale.MARK).count() == 2
    for item in [
        *problems.prefetch_related("transitions"),
        *orders.prefetch_related("transitions"),
    ]:
        steps = sorted(item.transitions.all(), key=lambda step: (step.at, step.pk))
        assert steps[0].at == item.created_at and steps[-1].to_status == item.status
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(steps))


def test_the_export_reads_the_table_as_django_tables2_does():
    """The project table's fast export gives exactly django-tables2's own rows."""
    village = VillageFactory(name="甲村")
    contact = UserFactory(username="li.ming", last_name="李", first_name="明")
    with_everything = ProjectFactory(name="有村有人的项目", contact_person=contact)
    with_everything.villages.add(village)
    MilestoneFactory(project=with_everything, due_date=TODAY + datetime.timedelta(days=3))
    ProjectFactory(name="=空的项目", stage=Project.Stage.PLANNING)
    table = ProjectTable(selectors.project_list(on=TODAY))
    fast = list(table.as_values())
    library = list(Table.as_values(ProjectTable(selectors.project_list(on=TODAY))))
    assert fast == library
    assert len(fast) == 3


def test_a_scan_reaches_back_to_milestones_overdue_for_years():
    """A milestone two years overdue gets its overdue notice: the working-day calendar
    reaches back to it (it used to stop 445 days back and the scan failed)."""
    owner = UserFactory(username="zhang.wei")
    milestone = MilestoneFactory(owner=owner, due_date=datetime.date(2023, 6, 1))
    overdue = [
        alerts.scan(on=TODAY + datetime.timedelta(days=offset))
        for offset in range(3)  # one in three working days brings the overdue notice
    ]
    assert all(result["working_day"] for result in overdue)
    assert milestone.reminders.filter(kind="overdue").count() == 1
