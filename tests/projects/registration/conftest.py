"""The people of statistics registration: a project of unit A, started two months ago
above the threshold and not registered; staff of unit A and B, a reviewer, a leader, an
administrator, a superuser without a role group and a user without a role."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from projects.rules import Role
from tests.conftest import with_role
from tests.factories import ResponsibleUnitFactory

from .factories import started

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=70)


def person(username: str, role: Role | None = None, **fields):
    # No password: hashing one costs more than the rest of a test.
    user = get_user_model().objects.create(username=username, **fields)
    return with_role(user, role) if role else user


@dataclass
class Cast:
    unit_a: object
    unit_b: object
    project: object
    staff_a: object
    staff_b: object
    reviewer: object
    leader: object
    administrator: object
    superuser: object
    outsider: object


@pytest.fixture(name="cast")
def cast_fixture(db):
    unit_a = ResponsibleUnitFactory(name="甲单位")
    unit_b = ResponsibleUnitFactory(name="乙单位")
    staff_a = person("staff.a", Role.STAFF, last_name="甲", first_name="员")
    staff_b = person("staff.b", Role.STAFF, last_name="乙", first_name="员")
    unit_a.members.add(staff_a)
    unit_b.members.add(staff_b)
    return Cast(
        unit_a=unit_a,
        unit_b=unit_b,
        project=started(START, name="甲单位厂房", responsible_unit=unit_a),
        staff_a=staff_a,
        staff_b=staff_b,
        reviewer=person("reviewer", Role.REVIEWER),
        leader=person("leader", Role.LEADER),
        administrator=person("administrator", Role.ADMINISTRATOR),
        superuser=person("root", is_superuser=True, is_staff=True),
        outsider=person("outsider"),
    )
