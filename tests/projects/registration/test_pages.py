"""The pages of statistics registration: the list 开工未入库 (every role reads it; filters
by unit and light; the longest since the start first; its export; the same queries at
10 and at hundreds of projects), the record form and its errors, the administrators'
clearing, the project page and the dashboard."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from tests.factories import bulk_portfolio

from .conftest import START, TODAY
from .factories import bulk_started, started

pytestmark = pytest.mark.django_db

LIST = reverse("projects:unregistered")


def names(response) -> list[str]:
    return [row.record.name for row in response.context["table"].page.object_list]


def record_url(project) -> str:
    return reverse("projects:registration_record", args=[project.pk])


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff_b", 200), ("reviewer", 200), ("leader", 200), ("administrator", 200)],
)
def test_every_role_reads_the_list(client, cast, who, status):
    client.force_login(getattr(cast, who))
    assert client.get(LIST).status_code == status


def test_no_role_no_list(client, cast):
    assert client.get(LIST).status_code == 302  # to the log-in
    client.force_login(cast.outsider)
    assert client.get(LIST).status_code == 403


def test_the_list_its_order_filters_and_record_links(client, cast):
    older = started(
        START - datetime.timedelta(days=30), name="乙单位道路", responsible_unit=cast.unit_b
    )
    recent = started(TODAY - datetime.timedelta(days=3), name="新开工项目")
    started(START, name="已入库项目", statistics_registered=True)
    started(START, name="小项目", total_investment=100)
    started(None, name="未开工项目")
    client.force_login(cast.staff_a)
    response = client.get(LIST)
    assert names(response) == [older.name, cast.project.name, recent.name]
    content = response.content.decode()
    # Staff of unit A record their own project only.
    assert record_url(cast.project) in content
    assert record_url(older) not in content
    assert names(client.get(LIST, {"responsible_unit": cast.unit_b.pk})) == [older.name]
    assert names(client.get(LIST, {"registration_light": "red"})) == [older.name, cast.project.name]
    assert names(client.get(LIST, {"registration_light": "green"})) == [recent.name]
    assert names(client.get(LIST, {"sort": "-days_since_start"})) == [
        recent.name,
        cast.project.name,
        older.name,
    ]


def test_the_list_escapes_names(client, cast):
    started(START, name="<script>alert(1)</script>")
    client.force_login(cast.leader)
    content = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_the_export_holds_the_filtered_rows(client, cast):
    started(START, name="乙单位道路", responsible_unit=cast.unit_b)
    client.force_login(cast.leader)
    response = client.get(LIST, {"responsible_unit": cast.unit_a.pk, "_export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(values_only=False)]
    assert len(rows) == 2
    assert rows[1][0] == cast.project.name
    assert 800 in rows[1] and 70 in rows[1] and "甲单位" in rows[1]


def test_the_list_costs_the_same_at_10_and_at_hundreds(client, cast, django_assert_max_num_queries):
    bulk_started(10, start=START, unit=cast.unit_a)
    client.force_login(cast.staff_a)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST).status_code == 200
    bulk_started(400, start=START, unit=cast.unit_b, prefix="更多")
    bulk_portfolio(400)
    with django_assert_max_num_queries(len(small)):
        response = client.get(LIST)
    assert response.context["table"].paginator.count == 411


def test_recording_from_the_list_goes_back_to_it(client, cast):
    client.force_login(cast.staff_a)
    form = client.get(record_url(cast.project), {"next": LIST})
    assert form.status_code == 200
    response = client.post(
        record_url(cast.project), {"statistics_registered_on": TODAY.isoformat(), "next": LIST}
    )
    assert response.status_code == 302 and response.url == LIST
    assert Project.objects.get(pk=cast.project.pk).statistics_registered_on == TODAY


def test_a_bad_date_comes_back_beside_its_field(client, cast):
    client.force_login(cast.staff_a)
    day = START - datetime.timedelta(days=1)
    response = client.post(
        record_url(cast.project),
        {"statistics_registered_on": day.isoformat(), "next": "https://elsewhere.example/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.context["form"].errors["statistics_registered_on"]
    assert "https://elsewhere.example/" not in response.content.decode()
    assert Project.objects.get(pk=cast.project.pk).statistics_registered is None


def test_others_may_not_record(client, cast):
    for user in (cast.staff_b, cast.leader):
        client.force_login(user)
        assert client.get(record_url(cast.project)).status_code == 403
        response = client.post(
            record_url(cast.project), {"statistics_registered_on": TODAY.isoformat()}
        )
        assert response.status_code == 403
    assert Project.objects.get(pk=cast.project.pk).statistics_registered is None


def test_clearing_asks_first_and_is_for_administrators(client, cast):
    Project.objects.filter(pk=cast.project.pk).update(
        statistics_registered=True,
        statistics_registered_on=TODAY,
        statistics_registered_year=TODAY.year,
    )
    url = reverse("projects:registration_clear", args=[cast.project.pk])
    client.force_login(cast.reviewer)
    assert client.post(url, {"confirmed": "1"}).status_code == 403
    client.force_login(cast.administrator)
    assert client.get(url).status_code == 405
    asked = client.post(url)
    assert asked.status_code == 200 and "confirm-step" in asked.content.decode()
    assert Project.objects.get(pk=cast.project.pk).statistics_registered is True
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    assert Project.objects.get(pk=cast.project.pk).statistics_registered is False


def test_the_project_page_and_the_dashboard(client, cast):
    client.force_login(cast.staff_a)
    page = client.get(cast.project.get_absolute_url())
    content = page.content.decode()
    assert 'data-status="unregistered"' in content
    assert record_url(cast.project) in content
    assert page.context["project"].light_reason == "not_registered_long"
    client.force_login(cast.leader)
    assert (
        record_url(cast.project) not in client.get(cast.project.get_absolute_url()).content.decode()
    )
    started(TODAY - datetime.timedelta(days=40), name="黄灯项目")
    dashboard = client.get(reverse("projects:dashboard"))
    assert dashboard.status_code == 200
    unregistered = dashboard.context["unregistered"]
    assert (unregistered["count"], unregistered["red"], unregistered["yellow"]) == (2, 1, 1)
    assert [project.name for project in unregistered["items"]] == [cast.project.name, "黄灯项目"]
    content = dashboard.content.decode()
    assert 'data-testid="unregistered-count">2<' in content
    assert LIST in content
