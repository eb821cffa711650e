"""The people and rows of the physical-target tests: those of ``tests.cast`` (staff of
unit A and B, a reviewer, a leader, an administrator, a superuser without a role group),
a project of unit A whose contact person is unit A's staff member and a project of unit
B; and makers of targets and reports written straight to the database (the services
under test write the rest). Names are plainly fictional."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from projects.models import PhysicalTarget, ProgressReport, ReportedQuantity
from tests.cast import People, people
from tests.factories import ProjectFactory


@dataclass
class Cast(People):
    project: object
    other_project: object


@pytest.fixture(name="cast")
def cast_fixture(db):
    everyone = people()
    return Cast(
        **vars(everyone),
        project=ProjectFactory(
            name="测试土地整治", responsible_unit=everyone.unit_a, contact_person=everyone.staff_a
        ),
        other_project=ProjectFactory(name="测试道路", responsible_unit=everyone.unit_b),
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
