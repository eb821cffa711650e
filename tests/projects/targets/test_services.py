"""The targets' services: who may add, change and delete a target (the project's staff,
reviewers, administrators, for superusers by the same rules), the errors by field, and
a target that reports give quantities for deleted by administrators only."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects.models import PhysicalTarget, ProgressReport, ReportedQuantity
from projects.targets import services

from .cast import cast_fixture, report, target  # noqa: F401

pytestmark = pytest.mark.django_db

FIELDS = {"year": 2024, "name": "新增耕地", "unit": "亩", "planned_quantity": Decimal("200")}


@pytest.mark.parametrize("who", ["staff_a", "reviewer", "administrator", "superuser"])
def test_the_projects_staff_reviewers_and_administrators_add_targets(cast, who):
    """A staff member of the project's unit, a reviewer, an administrator and a
    superuser add a target; it is saved with who added it in its history."""
    user = getattr(cast, who)
    saved = services.target_save(cast.project, user=user, **FIELDS)
    assert (saved.project, saved.year, saved.name, saved.planned_quantity) == (
        cast.project,
        2024,
        "新增耕地",
        Decimal("200.00"),
    )
    assert saved.history.get().history_user == user


@pytest.mark.parametrize("who", ["staff_b", "leader"])
def test_others_may_not_add_change_or_delete_targets(cast, who):
    """Staff of another unit and leaders change no target: nothing is saved."""
    user = getattr(cast, who)
    with pytest.raises(PermissionDenied):
        services.target_save(cast.project, user=user, **FIELDS)
    existing = target(cast.project)
    with pytest.raises(PermissionDenied):
        services.target_save(cast.project, user=user, target=existing, planned_quantity=1)
    with pytest.raises(PermissionDenied):
        services.target_delete(existing, user=user)
    existing.refresh_from_db()
    assert existing.planned_quantity == Decimal("200.00")


def test_a_second_target_of_the_same_name_in_a_year_is_refused_beside_the_name(cast):
    """One name per project and year; the same name in another year is another target."""
    target(cast.project)
    with pytest.raises(ValidationError) as refused:
        services.target_save(cast.project, user=cast.staff_a, **FIELDS)
    assert set(refused.value.error_dict) == {"name"}
    assert "新增耕地" in refused.value.messages[0]
    services.target_save(cast.project, user=cast.staff_a, **{**FIELDS, "year": 2025})
    assert PhysicalTarget.objects.filter(project=cast.project).count() == 2


def test_a_negative_planned_quantity_is_refused_beside_its_field(cast):
    with pytest.raises(ValidationError) as refused:
        services.target_save(
            cast.project, user=cast.staff_a, **{**FIELDS, "planned_quantity": Decimal("-1")}
        )
    assert set(refused.value.error_dict) == {"planned_quantity"}
    assert not PhysicalTarget.objects.exists()


def test_a_change_keeps_the_target_on_its_project(cast):
    existing = target(cast.project)
    changed = services.target_save(
        cast.project, user=cast.staff_a, target=existing, planned_quantity=Decimal("250")
    )
    assert changed.planned_quantity == Decimal("250")
    with pytest.raises(ValidationError):
        services.target_save(cast.other_project, user=cast.administrator, target=existing)


def test_the_year_of_a_target_reported_on_stays(cast):
    """Reports give quantities of their month's year: that year stays, the error names
    the reports' months."""
    existing = target(cast.project)
    report(cast.project, datetime.date(2024, 3, 1), **{f"t{existing.pk}": "20"})
    with pytest.raises(ValidationError) as refused:
        services.target_save(cast.project, user=cast.administrator, target=existing, year=2025)
    assert set(refused.value.error_dict) == {"year"}
    assert "2024-03" in refused.value.messages[0]
    services.target_save(cast.project, user=cast.staff_a, target=existing, name="补充耕地")
    assert PhysicalTarget.objects.get().name == "补充耕地"


def test_a_target_reported_on_is_deleted_by_administrators_only(cast):
    """Staff and reviewers are told which reports give quantities for it; an
    administrator deletes it with those quantities."""
    existing = target(cast.project)
    report(cast.project, datetime.date(2024, 3, 1), **{f"t{existing.pk}": "20"})
    report(
        cast.project,
        datetime.date(2024, 4, 1),
        status=ProgressReport.Status.DRAFT,
        **{f"t{existing.pk}": "5"},
    )
    for user in (cast.staff_a, cast.reviewer):
        with pytest.raises(ValidationError) as refused:
            services.target_delete(existing, user=user)
        assert "2024-03、2024-04" in refused.value.messages[0]
    assert ReportedQuantity.objects.count() == 2
    services.target_delete(existing, user=cast.administrator)
    assert not PhysicalTarget.objects.exists()
    assert not ReportedQuantity.objects.exists()
    assert ProgressReport.objects.count() == 2


def test_a_target_no_report_gives_is_deleted_by_the_projects_staff(cast):
    existing = target(cast.project)
    services.target_delete(existing, user=cast.staff_a)
    assert not PhysicalTarget.objects.exists()
    assert PhysicalTarget.history.filter(history_type="-").get().history_user == cast.staff_a


def test_quantities_are_checked_on_every_path(cast):
    """The model refuses a negative quantity beside its field, and a target of another
    project or of another year than the report's month (the admin's inline, imports)."""
    own, elsewhere = target(cast.project), target(cast.other_project)
    next_year = target(cast.project, year=2025)
    made = report(cast.project, datetime.date(2024, 5, 1), status=ProgressReport.Status.DRAFT)
    for row, field in [
        (ReportedQuantity(report=made, target=own, quantity=Decimal("-1")), "quantity"),
        (ReportedQuantity(report=made, target=elsewhere, quantity=Decimal("1")), "target"),
        (ReportedQuantity(report=made, target=next_year, quantity=Decimal("1")), "target"),
    ]:
        with pytest.raises(ValidationError) as refused:
            row.full_clean()
        assert field in refused.value.error_dict
