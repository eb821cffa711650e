"""The people and rows of the physical-target tests: a project of unit A with a
staff member of unit A (its contact person), a staff member of unit B, a reviewer, a
leader, an administrator and a superuser without a role group; and makers of targets
and reports written straight to the database (the services under test write the rest).
Names are plainly fictional."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from projects.models import PhysicalTarget, ProgressReport, ReportedQuantity
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import ProjectFactory, ResponsibleUnitFactory


def person(username: str, role: Role | None = None, **fields):
    # No password: hashing one costs more than the rest of a test.
    user = get_user_model().objects.create(username=username, **fields)
    return with_role(user, role) if role else user


@dataclass
class Cast:
    project: object
    other_project: object
    staff_a: object
    staff_b: object
    reviewer: object
    leader: object
    administrator: object
    superuser: object


@pytest.fixture(name="cast")
def cast_fixture(db):
    unit_a = ResponsibleUnitFactory(name="甲单位")
    unit_b = ResponsibleUnitFactory(name="乙单位")
    staff_a = person("staff.a", Role.STAFF)
    staff_b = person("staff.b", Role.STAFF)
    unit_a.members.add(staff_a)
    unit_b.members.add(staff_b)
    return Cast(
        project=ProjectFactory(
            name="测试土地整治", responsible_unit=unit_a, contact_person=staff_a
        ),
        other_project=ProjectFactory(name="测试道路", responsible_unit=unit_b),
        staff_a=staff_a,
        staff_b=staff_b,
        reviewer=person("reviewer", Role.REVIEWER),
        leader=person("leader", Role.LEADER),
        administrator=person("administrator", Role.ADMINISTRATOR),
        superuser=person("root", is_superuser=True, is_staff=True),
    )


def target(project, *, year=2024, name="新增耕地", planned="200", unit="亩", **fields):
    return PhysicalTarget.objects.create(
        project=project,
        year=year,
        name=name,
        unit=unit,
        planned_quantity=Decimal(planned),
        **fields,
    )


def report(project, month: datetime.date, *, status=ProgressReport.Status.APPROVED, **quantities):
    """A report of ``month`` with ``quantities`` {target pk as "t<pk>": value}."""
    made = ProgressReport.objects.create(
        project=project,
        month=month,
        physical_progress=Decimal(10),
        investment_completed=Decimal(0),
        status=status,
    )
    for key, value in quantities.items():
        ReportedQuantity.objects.create(
            report=made, target_id=int(key.removeprefix("t")), quantity=Decimal(value)
        )
    return made
