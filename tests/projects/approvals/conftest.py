"""The people and the project of the approvals' tests: two units with a staff member
each, a reviewer, a leader, an administrator, a superuser without a role group; a
factory-building project of unit A (its category has a default template) and its
checklist, made by the service."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from projects.approvals import services
from projects.models import ApprovalItem, Project
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import ProjectFactory, ResponsibleUnitFactory

TODAY = timezone.localdate()
TINY_PDF = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
#: The default template's approvals needed to start construction (migration 0013).
NEEDED_TO_START = ["立项/可研批复", "招标", "施工许可"]


def person(username: str, role: Role | None = None, **fields):
    # No password: hashing one costs more than the rest of a test.
    user = get_user_model().objects.create(username=username, **fields)
    return with_role(user, role) if role else user


@dataclass
class Cast:
    unit_a: object
    unit_b: object
    project: Project
    staff_a: object
    staff_b: object
    contact: object
    reviewer: object
    leader: object
    administrator: object
    superuser: object

    def item(self, name: str) -> ApprovalItem:
        return self.project.approvals.get(name=name)


@pytest.fixture(name="media")
def media_fixture(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(name="cast")
def cast_fixture(db):
    unit_a = ResponsibleUnitFactory(name="甲单位")
    unit_b = ResponsibleUnitFactory(name="乙单位")
    staff_a = person("staff.a", Role.STAFF, last_name="甲", first_name="员")
    staff_b = person("staff.b", Role.STAFF, last_name="乙", first_name="员")
    unit_a.members.add(staff_a)
    unit_b.members.add(staff_b)
    contact = person("contact", Role.STAFF, last_name="联", first_name="络")
    leader = person("leader", Role.LEADER)
    project = ProjectFactory(
        name="测试村标准化厂房",
        category=Project.Category.FACTORY_BUILDING,
        stage=Project.Stage.PRELIMINARY,
        responsible_unit=unit_a,
        contact_person=contact,
        supervising_leader=leader,
        actual_start=TODAY - datetime.timedelta(days=1),
    )
    administrator = person("administrator", Role.ADMINISTRATOR)
    services.apply_template(project, user=administrator)
    return Cast(
        unit_a=unit_a,
        unit_b=unit_b,
        project=project,
        staff_a=staff_a,
        staff_b=staff_b,
        contact=contact,
        reviewer=person("reviewer", Role.REVIEWER),
        leader=leader,
        administrator=administrator,
        superuser=person("root", is_superuser=True, is_staff=True),
    )


def settle(cast, names=NEEDED_TO_START) -> None:
    """Mark ``names`` obtained (yesterday), through the service."""
    for name in names:
        services.approval_update(
            cast.item(name),
            user=cast.administrator,
            status=ApprovalItem.Status.OBTAINED,
            actual_date=TODAY - datetime.timedelta(days=1),
        )
