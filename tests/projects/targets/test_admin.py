"""The admin holds the targets' rules: saves and deletes go through the services (a
reviewer changes any project's targets, a target reported on is deleted by
administrators only), and a report's quantities are an inline locked with the report,
offering only its project's targets of its month's year."""

import datetime

import pytest
from django.urls import reverse

from projects.models import PhysicalTarget, ProgressReport, ReportedQuantity

from .cast import cast_fixture, report, target  # noqa: F401

pytestmark = pytest.mark.django_db


def change_data(existing, **changes) -> dict:
    data = {
        "year": existing.year,
        "name": existing.name,
        "unit": existing.unit,
        "planned_quantity": str(existing.planned_quantity),
        "position": existing.position,
        "source_note": existing.source_note,
    }
    data.update(changes)
    return data


def test_a_reviewer_changes_a_target_in_the_admin_with_its_history(client, cast):
    existing = target(cast.project)
    client.force_login(cast.reviewer)
    url = reverse("admin:projects_physicaltarget_change", args=[existing.pk])
    response = client.post(url, change_data(existing, planned_quantity="210"))
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.planned_quantity == 210
    assert existing.history.first().history_user == cast.reviewer
    history = reverse("admin:projects_physicaltarget_history", args=[existing.pk])
    assert client.get(history).status_code == 200


def test_the_admin_refuses_what_the_service_refuses(client, cast):
    """A duplicate name comes back beside its field; the year of a target reported on
    stays (403, nothing saved)."""
    existing = target(cast.project)
    target(cast.project, name="“旱改水”")
    report(cast.project, datetime.date(2024, 3, 1), **{f"t{existing.pk}": "1"})
    client.force_login(cast.administrator)
    url = reverse("admin:projects_physicaltarget_change", args=[existing.pk])
    response = client.post(url, change_data(existing, name="“旱改水”"))
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert client.post(url, change_data(existing, year=2025)).status_code == 403
    existing.refresh_from_db()
    assert (existing.name, existing.year) == ("新增耕地", 2024)


def test_a_target_reported_on_is_deleted_in_the_admin_by_administrators_only(client, cast):
    existing = target(cast.project)
    report(cast.project, datetime.date(2024, 3, 1), **{f"t{existing.pk}": "1"})
    url = reverse("admin:projects_physicaltarget_delete", args=[existing.pk])
    client.force_login(cast.reviewer)
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert PhysicalTarget.objects.exists()
    client.force_login(cast.administrator)
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not PhysicalTarget.objects.exists() and not ReportedQuantity.objects.exists()


def inline_data(made, rows, **fields) -> dict:
    data = {
        "project": made.project_id,
        "month": made.month.isoformat(),
        "physical_progress": "10",
        "investment_completed": "0",
        "narrative": "",
        "problems": "",
        "deviation_explanation": "",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "quantities-TOTAL_FORMS": str(len(rows)),
        "quantities-INITIAL_FORMS": "0",
    }
    for index, (target_pk, quantity) in enumerate(rows):
        data[f"quantities-{index}-target"] = str(target_pk)
        data[f"quantities-{index}-quantity"] = quantity
    data.update(fields)
    return data


def test_an_open_reports_quantities_are_edited_inline(client, cast):
    own = target(cast.project)
    elsewhere = target(cast.other_project, name="他项目目标")
    made = report(cast.project, datetime.date(2024, 5, 1), status=ProgressReport.Status.DRAFT)
    client.force_login(cast.administrator)
    url = reverse("admin:projects_progressreport_change", args=[made.pk])
    page = client.get(url)
    assert page.status_code == 200
    choices = page.context["inline_admin_formsets"][-1].formset.empty_form.fields["target"]
    assert list(choices.queryset) == [own]
    response = client.post(url, inline_data(made, [(elsewhere.pk, "1")]))
    assert response.status_code == 200 and not ReportedQuantity.objects.exists()
    response = client.post(url, inline_data(made, [(own.pk, "3")]))
    assert response.status_code == 302
    assert ReportedQuantity.objects.get().quantity == 3


def test_a_submitted_reports_quantities_are_locked_in_the_admin(client, cast):
    own = target(cast.project)
    made = report(
        cast.project,
        datetime.date(2024, 5, 1),
        status=ProgressReport.Status.SUBMITTED,
        **{f"t{own.pk}": "2"},
    )
    client.force_login(cast.superuser)
    url = reverse("admin:projects_progressreport_change", args=[made.pk])
    assert client.post(url, inline_data(made, [(own.pk, "9")])).status_code == 403
    assert ReportedQuantity.objects.get().quantity == 2


def test_a_quantity_on_its_own_page_follows_the_reports_rule(client, cast):
    """An open report's quantity changes in its own admin; a submitted one's does not,
    for a superuser either."""
    own = target(cast.project)
    made = report(
        cast.project,
        datetime.date(2024, 5, 1),
        status=ProgressReport.Status.DRAFT,
        **{f"t{own.pk}": "2"},
    )
    row = ReportedQuantity.objects.get()
    url = reverse("admin:projects_reportedquantity_change", args=[row.pk])
    client.force_login(cast.superuser)
    assert client.post(url, {"quantity": "4"}).status_code == 302
    row.refresh_from_db()
    assert row.quantity == 4 and row.history.first().history_user == cast.superuser
    ProgressReport.objects.filter(pk=made.pk).update(status=ProgressReport.Status.SUBMITTED)
    assert client.post(url, {"quantity": "8"}).status_code == 403
    row.refresh_from_db()
    assert row.quantity == 4
