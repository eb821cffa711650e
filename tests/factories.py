"""Test data factories. Names are plainly fictional: tests never pose as the town's data."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from projects.models import (
    AnnualPlan,
    Milestone,
    Problem,
    ProgressReport,
    Project,
    ResponsibleUnit,
    SchedulingMeeting,
    SupervisionOrder,
)
from villages.models import Village


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    name = factory.Sequence(lambda n: f"测试村{n}")


class ResponsibleUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponsibleUnit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = ResponsibleUnit.Kind.DEPARTMENT


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试项目{n}")
    category = Project.Category.ROAD_INFRASTRUCTURE
    stage = Project.Stage.UNDER_CONSTRUCTION


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan

    project = factory.SubFactory(ProjectFactory)
    year = 2024
    planned_investment = Decimal("1000.00")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"节点{n}")
    due_date = datetime.date(2024, 6, 30)


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    project = factory.SubFactory(ProjectFactory)
    month = datetime.date(2024, 1, 1)
    physical_progress = Decimal("10.00")
    investment_completed = Decimal("100.00")
    status = ProgressReport.Status.APPROVED


class ProblemFactory(factory.django.DjangoModelFactory):
    """A problem as stored, without its steps: tests of a workflow go through the
    supervision services, which record them."""

    class Meta:
        model = Problem

    project = factory.SubFactory(ProjectFactory)
    description = factory.Sequence(lambda n: f"测试问题{n}")
    kind = Problem.Kind.OTHER
    level = Problem.Level.NORMAL


class SupervisionOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionOrder

    project = factory.SubFactory(ProjectFactory)
    content = factory.Sequence(lambda n: f"测试督办事项{n}")
    responsible_unit = factory.SubFactory(ResponsibleUnitFactory)
    issued_by = factory.SubFactory(UserFactory)
    issued_on = factory.LazyFunction(timezone.localdate)
    reply_deadline = factory.LazyAttribute(
        lambda order: order.issued_on + datetime.timedelta(days=5)
    )


class SchedulingMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchedulingMeeting

    held_on = factory.LazyFunction(timezone.localdate)
    title = factory.Sequence(lambda n: f"测试调度会{n}")


_bulk_counter = iter(range(1, 10**9))


def bulk_portfolio(count: int, *, village=None, contact=None) -> Village:
    """Create ``count`` projects in ``village``, each with a milestone and an approved report,
    in a few bulk queries (for query-count tests at hundreds of projects)."""
    village = village or VillageFactory()
    batch = next(_bulk_counter)
    projects = Project.objects.bulk_create(
        Project(
            name=f"批量项目{batch}-{index}",
            category=Project.Category.ROAD_INFRASTRUCTURE,
            stage=Project.Stage.UNDER_CONSTRUCTION,
            contact_person=contact,
        )
        for index in range(count)
    )
    Project.villages.through.objects.bulk_create(
        Project.villages.through(project=project, village=village) for project in projects
    )
    Milestone.objects.bulk_create(
        Milestone(
            project=project,
            title="节点",
            due_date=datetime.date(2024, 1, index % 28 + 1),
        )
        for index, project in enumerate(projects)
    )
    ProgressReport.objects.bulk_create(
        ProgressReport(
            project=project,
            month=datetime.date(2024, 1, 1),
            physical_progress=Decimal(10),
            investment_completed=Decimal(100),
            status=ProgressReport.Status.APPROVED,
        )
        for project in projects
    )
    return village


def created_on(day: datetime.date, projects=None) -> None:
    """Record ``projects`` (every project by default) as created at the start of ``day``:
    factories create them today, and a briefing of an earlier month leaves out the
    projects created after it."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    (Project.objects.all() if projects is None else projects).update(created_at=start)
