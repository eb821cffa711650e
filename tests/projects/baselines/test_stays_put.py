"""The key test of the baselines: once frozen, a baseline stays put whatever happens to
the live plan (the admin's forms, a delete, an import), on no path can it be changed,
and the pages show the moved plan against it."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from projects.baselines import selectors, services
from projects.choices import BaselineKind
from projects.models import AnnualPlan, PlanBaseline, PlanBaselineEntry
from tests.admin_forms import admin_form_data, admin_url

from .conftest import THIS_YEAR


def frozen_rows() -> list[tuple]:
    return list(
        PlanBaselineEntry.objects.order_by("pk").values_list(
            "pk", "baseline_id", "project_id", "planned_investment", "physical_goals"
        )
    )


def plans_book(rows: list[tuple]) -> bytes:
    """A project workbook with only its 年度计划 sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "年度计划"
    sheet.append(["项目名称", "年度", "计划投资（万元）", "形象进度目标"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def frozen(people, plans):
    original = services.baseline_freeze(
        year=THIS_YEAR, kind=BaselineKind.ORIGINAL, reason="年初计划", user=people.administrator
    )
    return original, frozen_rows()


def test_the_baseline_stays_put_on_every_path(client, people, plans, frozen, tmp_path):
    """The admin's plan form, a plan deleted in the admin and an import all
    change the live plan; the entries are what they were, row for row."""
    original, before = frozen
    client.force_login(people.administrator)
    road_plan = AnnualPlan.objects.get(project=plans.road, year=THIS_YEAR)

    # 1. The admin's annual plan form.
    response = client.post(
        admin_url(AnnualPlan, "change", road_plan.pk),
        admin_form_data(road_plan, planned_investment="1250.00", physical_goals="路基、路面"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # 2. A plan deleted in the admin.
    school_plan = AnnualPlan.objects.get(project=plans.school, year=THIS_YEAR)
    response = client.post(admin_url(AnnualPlan, "delete", school_plan.pk), {"post": "yes"})
    assert response.status_code == 302
    # 3. An import: the farm's plan gets an amount, last year's stays.
    path = tmp_path / "年度计划.xlsx"
    path.write_bytes(plans_book([(plans.farm.name, THIS_YEAR, 88.8, "完成土地平整")]))
    with translation.override("en"):
        call_command(
            "import_projects",
            str(path),
            "--user",
            people.administrator.username,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    live = {
        plan.project_id: plan.planned_investment
        for plan in AnnualPlan.objects.filter(year=THIS_YEAR)
    }
    assert live == {plans.road.pk: Decimal("1250.00"), plans.farm.pk: Decimal("88.80")}
    assert frozen_rows() == before
    assert original.entries.get(project=plans.road).physical_goals == "路基"

    # The comparison shows every move against the baseline.
    rows = {
        project.pk: project
        for project in selectors.year_comparison(selectors.year_baselines(THIS_YEAR))
    }
    assert {pk for pk, row in rows.items() if row.moved} == {
        plans.road.pk,
        plans.school.pk,
        plans.farm.pk,
    }
    assert rows[plans.road.pk].drift == Decimal("250.00")
    assert rows[plans.school.pk].has_plan is False
    assert rows[plans.school.pk].original_investment == Decimal("500.50")
    assert rows[plans.farm.pk].drift is None  # nothing frozen to subtract from

    # The year's page marks them and keeps the original's total.
    page = client.get(reverse("projects:baseline_year", args=[THIS_YEAR]))
    content = page.content.decode()
    assert content.count('data-moved="1"') == 3
    assert "+250.00" in content
    assert "1,500.50" in content  # the original's total: 1,000.00 + 500.50
    assert "1,338.80" in content  # the live plan's: 1,250.00 + 88.80


def test_the_admin_never_changes_or_deletes_a_baseline(client, people, frozen):
    """Read-only for superusers too: the change form saves nothing, delete is refused,
    nothing is added; the entries likewise."""
    original, before = frozen
    client.force_login(people.superuser)
    change = admin_url(PlanBaseline, "change", original.pk)

    assert client.get(change).status_code == 200  # to read
    response = client.post(change, {"year": THIS_YEAR, "kind": "adjusted", "reason": "改"})
    assert response.status_code == 403
    assert (
        client.post(admin_url(PlanBaseline, "delete", original.pk), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(admin_url(PlanBaseline, "add")).status_code == 403
    entry = original.entries.first()
    assert (
        client.post(
            admin_url(PlanBaselineEntry, "change", entry.pk), {"planned_investment": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post(admin_url(PlanBaselineEntry, "delete", entry.pk), {"post": "yes"}).status_code
        == 403
    )
    # The list's bulk delete action is not offered.
    listing = client.get(admin_url(PlanBaseline, "changelist"))
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    original.refresh_from_db()
    assert (original.kind, original.reason) == (BaselineKind.ORIGINAL, "年初计划")
    assert frozen_rows() == before


def test_the_project_page_shows_the_moved_plan(client, people, plans, frozen):
    AnnualPlan.objects.filter(project=plans.road, year=THIS_YEAR).update(
        planned_investment=Decimal("900.00")
    )
    client.force_login(people.staff)

    with translation.override("en"):
        content = client.get(plans.road.get_absolute_url()).content.decode()

    section = content[content.index('data-testid="project-baselines"') :]
    section = section[: section.index("</section>")]
    assert f'data-year="{THIS_YEAR}" class="table-warning" data-moved="1"' in section
    assert "1,000.00" in section  # the original
    assert "900.00" in section  # the live plan
    assert "−100.00" in section or "-100.00" in section
    assert "120.25" in section  # completed this year
    # Last year: a plan, no baseline.
    assert f'data-year="{THIS_YEAR - 1}"' in section
    assert "800.00" in section
