"""The targets' pages: the project page's section (planned vs achieved, the months,
the links for those who may) in a constant number of queries from a few projects to
thousands; adding, changing and deleting a target (403 to others, 400 with the error
beside its field, a confirmation before deleting)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from projects.models import PhysicalTarget, Project, ReportedQuantity
from tests.factories import bulk_portfolio
from tests.test_pages import assert_no_inline_code

from .cast import cast_fixture, report, target  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_project_page_shows_planned_against_achieved(client, cast):
    """Per target planned, achieved by approved reports and the share; the monthly
    table; the add, edit and delete links for the project's staff only."""
    farmland = target(cast.project, planned="200", source_note="测试来源")
    report(cast.project, datetime.date(2024, 3, 1), **{f"t{farmland.pk}": "50"})
    url = cast.project.get_absolute_url()
    client.force_login(cast.staff_a)
    with translation.override("en"):
        page = client.get(url).content.decode()
    assert 'data-testid="project-targets"' in page
    assert "200 亩" in page and "50 亩" in page and "25.0%" in page
    assert 'data-testid="targets-by-month"' in page and "2024-03" in page
    assert reverse("projects:target_add", args=[cast.project.pk]) in page
    assert reverse("projects:target_delete", args=[farmland.pk]) in page
    client.force_login(cast.leader)
    page = client.get(url).content.decode()
    assert "50 亩" in page
    assert reverse("projects:target_edit", args=[farmland.pk]) not in page


def test_user_text_is_escaped(client, cast):
    target(cast.project, name="<script>x</script>", unit="<b>亩</b>")
    client.force_login(cast.leader)
    page = client.get(cast.project.get_absolute_url()).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def page_queries(client, project) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(project.get_absolute_url()).status_code == 200
    return len(captured)


def test_the_project_page_queries_stay_constant_as_the_portfolio_grows(client, cast):
    """From a few projects, targets and reports to thousands of projects and a project
    with many targets and a year of reports: the same number of queries."""
    first = target(cast.project, name="一")
    report(cast.project, datetime.date(2024, 1, 1), **{f"t{first.pk}": "1"})
    bulk_portfolio(10)
    client.force_login(cast.staff_a)
    page_queries(client, cast.project)  # caches warmed (policy rows, content types)
    small = page_queries(client, cast.project)

    bulk_portfolio(2000)
    projects = list(Project.objects.exclude(pk=cast.project.pk).values_list("pk", flat=True))
    PhysicalTarget.objects.bulk_create(
        PhysicalTarget(project_id=pk, year=2024, name="批量目标", unit="亩", planned_quantity=5)
        for pk in projects
    )
    PhysicalTarget.objects.bulk_create(
        PhysicalTarget(
            project=cast.project, year=year, name=f"目标{index}", unit="户", planned_quantity=9
        )
        for year in (2024, 2025)
        for index in range(15)
    )
    own = list(PhysicalTarget.objects.filter(project=cast.project, year=2024))
    for month in range(2, 13):
        made = report(cast.project, datetime.date(2024, month, 1))
        ReportedQuantity.objects.bulk_create(
            ReportedQuantity(report=made, target=item, quantity=2) for item in own
        )
    assert page_queries(client, cast.project) == small


@pytest.fixture
def staff_client(client, cast):
    client.force_login(cast.staff_a)
    return client


def test_the_projects_staff_add_a_target(staff_client, cast):
    url = reverse("projects:target_add", args=[cast.project.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url,
        {
            "year": "2024",
            "name": "新增耕地",
            "unit": "亩",
            "planned_quantity": "200",
            "position": "0",
            "source_note": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#targets")
    assert PhysicalTarget.objects.get().planned_quantity == 200


def test_bad_input_comes_back_beside_its_field(staff_client, cast):
    target(cast.project)
    url = reverse("projects:target_add", args=[cast.project.pk])
    data = {
        "year": "2024",
        "name": "新增耕地",
        "unit": "亩",
        "planned_quantity": "1",
        "position": "0",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["name"]
    response = staff_client.post(url, {**data, "name": "其他", "planned_quantity": "-5"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["planned_quantity"]
    response = staff_client.post(url, {**data, "name": "其他", "year": "1900"})
    assert list(response.context["form"].errors) == ["year"]
    assert PhysicalTarget.objects.count() == 1


def test_staff_of_another_unit_and_leaders_get_403(client, cast):
    existing = target(cast.project)
    for user in (cast.staff_b, cast.leader):
        client.force_login(user)
        for url in (
            reverse("projects:target_add", args=[cast.project.pk]),
            reverse("projects:target_edit", args=[existing.pk]),
            reverse("projects:target_delete", args=[existing.pk]),
        ):
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"confirmed": "1"}).status_code == 403, url
    assert PhysicalTarget.objects.count() == 1


def test_a_target_is_changed_on_its_page(staff_client, cast):
    existing = target(cast.project)
    url = reverse("projects:target_edit", args=[existing.pk])
    assert staff_client.get(url).context["form"].initial["name"] == "新增耕地"
    response = staff_client.post(
        url,
        {
            "year": "2024",
            "name": "新增耕地",
            "unit": "亩",
            "planned_quantity": "220",
            "position": "1",
        },
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.planned_quantity, existing.position) == (220, 1)


def test_deleting_asks_first(staff_client, cast):
    """GET or a POST without confirmed=1 only asks; confirmed, the target goes."""
    existing = target(cast.project)
    url = reverse("projects:target_delete", args=[existing.pk])
    assert 'data-testid="confirm-step"' in staff_client.get(url).content.decode()
    assert staff_client.post(url).status_code == 200
    assert PhysicalTarget.objects.exists()
    assert staff_client.post(url, {"confirmed": "1"}).status_code == 302
    assert not PhysicalTarget.objects.exists()


def test_a_target_reported_on_is_kept_and_the_page_names_the_reports(staff_client, cast):
    existing = target(cast.project)
    report(cast.project, datetime.date(2024, 3, 1), **{f"t{existing.pk}": "20"})
    url = reverse("projects:target_delete", args=[existing.pk])
    page = staff_client.get(url).content.decode()
    assert 'data-testid="target-reports"' in page and "2024-03" in page
    assert 'name="confirmed"' not in page
    response = staff_client.post(url, {"confirmed": "1"}, follow=True)
    assert PhysicalTarget.objects.exists()
    assert any("2024-03" in str(message) for message in response.context["messages"])


def test_the_target_pages_have_no_inline_code(staff_client, cast):
    """The CSP stays strict on the form and the confirmation."""
    existing = target(cast.project)
    for url in (
        reverse("projects:target_add", args=[cast.project.pk]),
        reverse("projects:target_edit", args=[existing.pk]),
        reverse("projects:target_delete", args=[existing.pk]),
    ):
        assert_no_inline_code(staff_client, url)
