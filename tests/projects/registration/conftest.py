"""The people of statistics registration (those of ``tests.cast``: staff of unit A and
B, a reviewer, a leader, an administrator, a superuser without a role group and a user
without a role) and a project of unit A, started two months ago above the threshold and
not registered."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.cast import People, people

from .factories import started

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=70)


@dataclass
class Cast(People):
    project: object


@pytest.fixture(name="cast")
def cast_fixture(db):
    everyone = people()
    return Cast(
        **vars(everyone),
        project=started(START, name="甲单位厂房", responsible_unit=everyone.unit_a),
    )
