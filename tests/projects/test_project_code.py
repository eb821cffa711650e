"""The project code (投资项目统一代码) and the registration date: validated by its parts,
folded from full-width input, NULL when empty, unique with a message naming the field and
the project that holds it, in the app's form and the admin; found by the list's search
(whole or in part) and the admin's; shown on the project page."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from projects.forms import ProjectForm
from projects.models import Project
from projects.models.portfolio import normalized_project_code, project_code_problem
from tests.admin_forms import admin_form_data, admin_url
from tests.factories import ProjectFactory, bulk_portfolio

pytestmark = pytest.mark.django_db

CODE = "2023-340405-48-01-012345"
LIST = reverse("projects:list")


@pytest.mark.parametrize(
    "code",
    [
        CODE,
        "2014-110101-01-02-000001",  # the platform's first year, Beijing, 核准
        "2024-650100-99-03-999999",  # Xinjiang, 备案
        "2019-820000-48-01-123456",  # Macao
    ],
)
def test_good_codes_pass(code):
    assert project_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "part"),
    [
        ("2023-340405-48-01-01234", "24 characters in five parts"),
        ("2023340405480101234500", "24 characters in five parts"),
        ("2023-34040-548-01-012345", "24 characters in five parts"),
        ("2023-340405-4A-01-012345", "24 characters in five parts"),
        ("2013-340405-48-01-012345", "year 2013"),
        ("2999-340405-48-01-012345", "year 2999"),
        ("2023-990405-48-01-012345", "division code 990405"),
        ("2023-000000-48-01-012345", "division code 000000"),
        ("2023-340405-00-01-012345", "industry code cannot be 00"),
        ("2023-340405-48-04-012345", "type code 04"),
        ("2023-340405-48-00-012345", "type code 00"),
        ("2023-340405-48-01-000000", "serial number cannot be 000000"),
    ],
)
def test_each_bad_part_is_named(code, part):
    with translation.override("en"):
        assert part in project_code_problem(code)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("２０２３－３４０４０５－４８－０１－０１２３４５", CODE),
        (" 2023 - 340405 - 48 - 01 - 012345 ", CODE),
        ("2023—340405–48-01-012345", CODE),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_full_width_input_and_spaces_are_folded(typed, stored):
    assert normalized_project_code(typed) == stored


def test_the_model_folds_the_code_and_names_the_field():
    project = ProjectFactory.build(code="２０２３－３４０４０５－４８－０１－０１２３４５")
    project.full_clean(exclude=["villages"])
    assert project.code == CODE
    project.code = "2023-340405-48-09-012345"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        project.full_clean()
    assert "type code 09" in refused.value.message_dict["code"][0]


# The app's form --------------------------------------------------------------------------


def form_data(project: Project, **changes) -> dict:
    data = {
        "code": project.code or "",
        "statistics_registered": {True: "true", False: "false"}.get(
            project.statistics_registered, ""
        ),
    }
    return data | changes


def project_form(project, **changes) -> ProjectForm:
    return ProjectForm(data=form_data(project, **changes), instance=project, can_assign=False)


def test_the_form_stores_the_folded_code():
    project = ProjectFactory()
    form = project_form(project, code=" ２０２３－３４０４０５－４８－０１－０１２３４５ ")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] == CODE
    form.save()
    project.refresh_from_db()
    assert project.code == CODE


def test_an_empty_code_is_stored_as_null_for_every_project():
    """Two projects without a code: NULL, not "", so the unique index holds."""
    first, second = ProjectFactory(code=CODE), ProjectFactory()
    for project in (first, second):
        form = project_form(project, code="")
        assert form.is_valid(), form.errors
        form.save()
    assert list(
        Project.objects.filter(pk__in=[first.pk, second.pk]).values_list("code", flat=True)
    ) == [None, None]


def test_a_duplicate_code_is_refused_on_the_field_naming_the_holder():
    ProjectFactory(name="已有代码的项目", code=CODE)
    project = ProjectFactory()
    with translation.override("en"):
        form = project_form(project, code=CODE.replace("-", "－"))
        assert not form.is_valid()
        [message] = form.errors["code"]
    assert CODE in message and "已有代码的项目" in message
    project.refresh_from_db()
    assert project.code is None


def test_a_bad_code_in_the_form_names_its_part():
    project = ProjectFactory()
    with translation.override("en"):
        form = project_form(project, code="2023-340405-48-01-000000")
        assert not form.is_valid()
    assert "流水码" in form.errors["code"][0]


def test_the_registration_date_is_in_the_form_and_needs_registration():
    project = ProjectFactory()
    form = project_form(
        project, statistics_registered="false", statistics_registered_on="2024-05-01"
    )
    assert "statistics_registered_on" in form.fields
    assert not form.is_valid()
    form = project_form(
        project, statistics_registered="true", statistics_registered_on="2024-05-01"
    )
    assert form.is_valid(), form.errors
    form.save()
    project.refresh_from_db()
    assert project.statistics_registered_on == datetime.date(2024, 5, 1)


def test_the_edit_page_saves_the_code_through_the_service(admin_client):
    project = ProjectFactory()
    response = admin_client.post(
        reverse("projects:edit", args=[project.pk]),
        form_data(project, code="２０２３－３４０４０５－４８－０１－０１２３４５"),
    )
    assert response.status_code == 302, response.context["form"].errors
    project.refresh_from_db()
    assert project.code == CODE
    assert project.history.first().code == CODE


# The admin -------------------------------------------------------------------------------


def test_the_admin_folds_the_code_stores_null_and_refuses_a_duplicate(admin_client):
    holder = ProjectFactory(name="已有代码的项目", code=CODE)
    project = ProjectFactory()
    url = admin_url(Project, "change", project.pk)

    with translation.override("en"):
        response = admin_client.post(url, admin_form_data(project, code=CODE.replace("-", "－")))
    assert response.status_code == 200
    assert "已有代码的项目" in str(response.context["adminform"].form.errors["code"])

    holder.code = None
    holder.save()
    response = admin_client.post(url, admin_form_data(project, code=CODE.replace("-", "－")))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.code == CODE

    response = admin_client.post(url, admin_form_data(project, code=""))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.code is None


def test_the_admin_searches_by_code(admin_client):
    ProjectFactory(name="有代码的项目", code=CODE)
    ProjectFactory(name="另一个项目")
    response = admin_client.get(admin_url(Project, "changelist"), {"q": "340405-48"})
    assert [project.name for project in response.context["cl"].result_list] == ["有代码的项目"]


# The list, its export and the page -------------------------------------------------------


def names(response):
    return [row.record.name for row in response.context["table"].page.object_list]


@pytest.mark.parametrize("query", [CODE, "340405-48", "012345", "０１２３４５", "2023 - 340405"])
def test_the_list_finds_a_project_by_its_code_or_a_part(user_client, query):
    ProjectFactory(name="有代码的项目", code=CODE)
    ProjectFactory(name="别的项目", code="2024-340406-49-01-000777")
    assert names(user_client.get(LIST, {"q": query})) == ["有代码的项目"]


def test_the_list_search_costs_the_same_queries_at_10_and_1000_projects(user_client):
    """As many queries for 10 projects as for 1,000 (10,000 take 9 s to create here, for
    the same answer: no query depends on the count)."""
    ProjectFactory(name="有代码的项目", code=CODE)
    bulk_portfolio(9)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = user_client.get(LIST, {"q": "340405"})
        assert names(response) == ["有代码的项目"]
        return len(captured)

    small = queries()
    bulk_portfolio(990)
    assert queries() == small


def test_the_export_carries_the_code(user_client):
    """The list's export has a column of the code (项目代码), empty for a project without."""
    ProjectFactory(name="有代码的项目", code=CODE)
    ProjectFactory(name="无代码的项目")
    text = user_client.get(LIST, {"_export": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index(gettext("project code"))
    assert {row[0]: row[column] for row in rows[1:]} == {"有代码的项目": CODE, "无代码的项目": ""}


def test_the_project_page_shows_the_code(user_client):
    project = ProjectFactory(code=CODE)
    other = ProjectFactory()
    content = user_client.get(project.get_absolute_url()).content.decode()
    assert f'data-testid="project-code">{CODE}</dd>' in content
    content = user_client.get(other.get_absolute_url()).content.decode()
    assert 'data-testid="project-code">—</dd>' in content
