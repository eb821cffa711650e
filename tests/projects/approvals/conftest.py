"""The people and the project of the approvals' tests: those of ``tests.cast`` (two
units with a staff member each, a reviewer, a leader, an administrator, a superuser
without a role group, a user without a role) and a contact person; a factory-building
project of unit A (its category has a default template) and its checklist, made by the
service."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from projects.approvals import services
from projects.models import ApprovalItem, Project
from projects.rules import Role
from tests.cast import People, people, person
from tests.factories import ProjectFactory

TODAY = timezone.localdate()
TINY_PDF = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
#: The default template's approvals needed to start construction (migration 0013).
NEEDED_TO_START = ["立项/可研批复", "招标", "施工许可"]


@dataclass
class Cast(People):
    project: Project
    contact: object

    def item(self, name: str) -> ApprovalItem:
        return self.project.approvals.get(name=name)


@pytest.fixture(name="media")
def media_fixture(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(name="cast")
def cast_fixture(db):
    everyone = people()
    contact = person("contact", Role.STAFF, last_name="联", first_name="络")
    project = ProjectFactory(
        name="测试村标准化厂房",
        category=Project.Category.FACTORY_BUILDING,
        stage=Project.Stage.PRELIMINARY,
        responsible_unit=everyone.unit_a,
        contact_person=contact,
        supervising_leader=everyone.leader,
        actual_start=TODAY - datetime.timedelta(days=1),
    )
    services.apply_template(project, user=everyone.administrator)
    return Cast(**vars(everyone), project=project, contact=contact)


def settle(cast, names=NEEDED_TO_START) -> None:
    """Mark ``names`` obtained (yesterday), through the service."""
    for name in names:
        services.approval_update(
            cast.item(name),
            user=cast.administrator,
            status=ApprovalItem.Status.OBTAINED,
            actual_date=TODAY - datetime.timedelta(days=1),
        )
