"""The people and plans of the baseline tests: one account per role (a superuser without a
role group too, and a user with none), three projects of this year with their plans, of
two units and two categories, and approved reports of this year."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from projects.models import AnnualPlan, ProgressReport, Project
from projects.rules import Role
from tests.cast import person
from tests.factories import ProjectFactory, ResponsibleUnitFactory

THIS_YEAR = timezone.localdate().year


@dataclass
class People:
    staff: object
    other_staff: object
    reviewer: object
    leader: object
    administrator: object
    superuser: object
    outsider: object


@dataclass
class Plans:
    road: Project
    school: Project
    farm: Project
    unit_a: object
    unit_b: object


@pytest.fixture
def people(db):
    unit = ResponsibleUnitFactory(name="基线甲单位")
    staff = person("baseline.staff", Role.STAFF, last_name="甲", first_name="员")
    unit.members.add(staff)
    return People(
        staff=staff,
        other_staff=person("baseline.other", Role.STAFF),
        reviewer=person("baseline.reviewer", Role.REVIEWER),
        leader=person("baseline.leader", Role.LEADER),
        administrator=person("baseline.admin", Role.ADMINISTRATOR, last_name="管", first_name="理"),
        superuser=person("baseline.root", is_superuser=True, is_staff=True),
        outsider=person("baseline.outsider"),
    )


def approved(project, month: int, amount: str) -> ProgressReport:
    return ProgressReport.objects.create(
        project=project,
        month=datetime.date(THIS_YEAR, month, 1),
        physical_progress=Decimal(10 * month),
        investment_completed=Decimal(amount),
        status=ProgressReport.Status.APPROVED,
    )


@pytest.fixture
def plans(db):
    """Three projects with this year's plans (1,000.00 + 500.50 + none = 1,500.50), one
    with last year's plan too, and approved reports of this year (120.25 + 30.00)."""
    unit_a = ResponsibleUnitFactory(name="基线甲单位二")
    unit_b = ResponsibleUnitFactory(name="基线乙单位")
    road = ProjectFactory(name="基线道路工程", responsible_unit=unit_a)
    school = ProjectFactory(
        name="基线学校改造", responsible_unit=unit_b, category=Project.Category.PUBLIC_SERVICE
    )
    farm = ProjectFactory(name="基线高标准农田", responsible_unit=unit_a)
    AnnualPlan.objects.create(
        project=road, year=THIS_YEAR, planned_investment=Decimal("1000.00"), physical_goals="路基"
    )
    AnnualPlan.objects.create(
        project=school, year=THIS_YEAR, planned_investment=Decimal("500.50"), physical_goals="主体"
    )
    AnnualPlan.objects.create(project=farm, year=THIS_YEAR, planned_investment=None)
    AnnualPlan.objects.create(project=road, year=THIS_YEAR - 1, planned_investment=Decimal(800))
    approved(road, 1, "120.25")
    approved(school, 1, "30.00")
    return Plans(road=road, school=school, farm=farm, unit_a=unit_a, unit_b=unit_b)
