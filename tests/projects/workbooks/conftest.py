"""The records the import tests' files refer to, and a full picture of the database to
prove that a rejected file changed nothing."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry

from projects.models import (
    AnnualPlan,
    Funding,
    FundingSource,
    Milestone,
    Project,
    ResponsibleUnit,
    StageTransition,
)
from projects.rules import Role
from tests.conftest import with_role
from villages.models import CollectiveIncome, Village

from . import corpus

#: Every table of these apps is compared before and after an import: the records, the
#: many-to-many links, the change history (simple_history), the admin's LogEntry, users
#: and groups.
WATCHED_APPS = ("projects", "villages", "admin", "auth")


def database_rows() -> dict[str, dict]:
    """Return every row of the watched tables, as {table: {pk: values}}."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in WATCHED_APPS:
            continue
        fields = [field.attname for field in model._meta.concrete_fields]
        rows[model._meta.label] = {
            values[0]: values[1:]
            for values in model._base_manager.order_by("pk").values_list("pk", *fields)
        }
    return rows


def rows_changed(before: dict[str, dict], after: dict[str, dict]) -> int:
    """Return how many rows were added, removed or changed between two pictures."""
    changed = 0
    for table, old in before.items():
        new = after[table]
        changed += len(old.keys() ^ new.keys())
        changed += sum(1 for pk in old.keys() & new.keys() if old[pk] != new[pk])
    return changed


@pytest.fixture
def world(db, django_user_model):
    """Villages, a unit, a funding source, accounts and one existing project with its
    funding, plan, milestone, stage change and admin log entry, plus a village's
    income: all plainly fictional, and what the corpus files refer to."""
    village = Village.objects.create(name=corpus.VILLAGE)
    other = Village.objects.create(name=corpus.OTHER_VILLAGE, kind=Village.Kind.COMMUNITY)
    unit = ResponsibleUnit.objects.create(name=corpus.UNIT, kind=ResponsibleUnit.Kind.DEPARTMENT)
    source = FundingSource.objects.create(name=corpus.SOURCE)
    # Accounts without a password: hashing one takes longer than the whole import.
    contact = with_role(django_user_model.objects.create_user(corpus.CONTACT), Role.STAFF)
    leader = with_role(django_user_model.objects.create_user(corpus.LEADER), Role.LEADER)
    importer = with_role(django_user_model.objects.create_user("test.importer"), Role.ADMINISTRATOR)
    project = Project.objects.create(
        name=corpus.EXISTING,
        category=Project.Category.ROAD_INFRASTRUCTURE,
        stage=Project.Stage.PRELIMINARY,
        responsible_unit=unit,
        contact_person=contact,
        planned_start=datetime.date(2024, 3, 1),
        planned_completion=datetime.date(2025, 6, 30),
        total_investment=Decimal("800.00"),
    )
    project.villages.add(village)
    Funding.objects.create(project=project, source=source, amount=Decimal("100.00"))
    AnnualPlan.objects.create(project=project, year=2024, planned_investment=Decimal("80.00"))
    Milestone.objects.create(
        project=project, title=corpus.EXISTING_MILESTONE, due_date=datetime.date(2024, 3, 31)
    )
    StageTransition.objects.create(
        project=project,
        from_stage=Project.Stage.PLANNING,
        to_stage=Project.Stage.PRELIMINARY,
        acting_user=importer,
    )
    CollectiveIncome.objects.create(village=village, year=2023, amount=Decimal("50.00"))
    LogEntry.objects.log_actions(importer.pk, [project], ADDITION, single_object=True)
    return SimpleNamespace(
        village=village,
        other_village=other,
        unit=unit,
        source=source,
        contact=contact,
        leader=leader,
        importer=importer,
        project=project,
    )
