"""The people the tests of a feature act as, one account per role: two responsible units
with a staff member each (甲单位's 甲员, 乙单位's 乙员), a reviewer, a leader, an
administrator, a superuser with no role group and a user without a role. A package's
``cast`` fixture adds its own projects and people:
``Cast(**vars(people()), project=…)`` with ``class Cast(People)``."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from projects.rules import Role
from tests.conftest import with_role
from tests.factories import ResponsibleUnitFactory


def person(username: str, role: Role | None = None, **fields):
    """Return a new user ``username`` in the group of ``role`` (none without one)."""
    # No password: hashing one costs more than the rest of a test.
    user = get_user_model().objects.create(username=username, **fields)
    return with_role(user, role) if role else user


@dataclass
class People:
    unit_a: object
    unit_b: object
    staff_a: object
    staff_b: object
    reviewer: object
    leader: object
    administrator: object
    superuser: object
    outsider: object


def people() -> People:
    """Create the two units and one account per role (see the module's docstring)."""
    unit_a = ResponsibleUnitFactory(name="甲单位")
    unit_b = ResponsibleUnitFactory(name="乙单位")
    staff_a = person("staff.a", Role.STAFF, last_name="甲", first_name="员")
    staff_b = person("staff.b", Role.STAFF, last_name="乙", first_name="员")
    unit_a.members.add(staff_a)
    unit_b.members.add(staff_b)
    return People(
        unit_a=unit_a,
        unit_b=unit_b,
        staff_a=staff_a,
        staff_b=staff_b,
        reviewer=person("reviewer", Role.REVIEWER),
        leader=person("leader", Role.LEADER),
        administrator=person("administrator", Role.ADMINISTRATOR),
        superuser=person("root", is_superuser=True, is_staff=True),
        outsider=person("outsider"),
    )
