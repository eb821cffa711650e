"""The people of the 督办 loop, for the tests of its services, rules and admin: two units
with a staff member each, a reviewer, a leader, an administrator, a superuser with no
role group and a user without a role; a project of unit A."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from projects.rules import Role
from tests.conftest import with_role
from tests.factories import ProjectFactory, ResponsibleUnitFactory

IN_A_WEEK = timezone.localdate() + datetime.timedelta(days=7)


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
    contact: object
    reviewer: object
    second_reviewer: object
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
    contact = person("contact", Role.STAFF)
    return Cast(
        unit_a=unit_a,
        unit_b=unit_b,
        project=ProjectFactory(name="山王村道路", responsible_unit=unit_a, contact_person=contact),
        staff_a=staff_a,
        staff_b=staff_b,
        contact=contact,
        reviewer=person("reviewer", Role.REVIEWER),
        second_reviewer=person("reviewer.two", Role.REVIEWER),
        leader=person("leader", Role.LEADER),
        administrator=person("administrator", Role.ADMINISTRATOR),
        superuser=person("root", is_superuser=True, is_staff=True),
        outsider=person("outsider"),
    )
