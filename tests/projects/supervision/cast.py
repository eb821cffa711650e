"""The people of the 督办 loop, for the tests of its services, rules and admin: the
people of ``tests.cast`` (two units with a staff member each, a reviewer, a leader, an
administrator, a superuser with no role group and a user without a role), a second
reviewer and a contact person; a project of unit A."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from projects.rules import Role
from tests.cast import People, people, person
from tests.factories import ProjectFactory

IN_A_WEEK = timezone.localdate() + datetime.timedelta(days=7)


@dataclass
class Cast(People):
    project: object
    contact: object
    second_reviewer: object


@pytest.fixture(name="cast")
def cast_fixture(db):
    everyone = people()
    contact = person("contact", Role.STAFF)
    return Cast(
        **vars(everyone),
        project=ProjectFactory(
            name="山王村道路", responsible_unit=everyone.unit_a, contact_person=contact
        ),
        contact=contact,
        second_reviewer=person("reviewer.two", Role.REVIEWER),
    )
