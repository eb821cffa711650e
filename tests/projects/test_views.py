"""The portfolio pages show the town's data at a constant query cost."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    bulk_portfolio,
)

pytestmark = pytest.mark.django_db


def make_projects(count):
    return bulk_portfolio(count)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


PORTFOLIO_PAGES = [
    "/",
    "/projects/",
    "/projects/?q=测试&stage=under_construction&light=red&overdue=on&mine=on&year=2024",
    "/projects/?sort=-total_investment&per_page=100",
    "/projects/?page=2&per_page=10",
    "/projects/?_export=xlsx",
    "/projects/?_export=csv",
    "/villages/",
]


@pytest.mark.parametrize("url", PORTFOLIO_PAGES)
def test_query_count_does_not_grow_with_projects(
    client, admin_user, django_assert_max_num_queries, url
):
    """Each page runs as many queries at 500 projects as at 5."""
    client.force_login(admin_user)
    make_projects(5)
    small = queries_for(client, url)
    make_projects(495)
    assert Project.objects.count() == 500
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url_of",
    [
        lambda project: project.get_absolute_url(),
        lambda project: reverse("projects:edit", args=[project.pk]),
        lambda project: reverse("projects:report_add", args=[project.pk]),
        lambda project: reverse("projects:report", args=[project.progress_reports.first().pk]),
        lambda project: project.villages.first().get_absolute_url(),
    ],
)
def test_object_pages_query_count_does_not_grow(
    client, admin_user, django_assert_max_num_queries, url_of
):
    client.force_login(admin_user)
    make_projects(5)
    project = Project.objects.order_by("pk").first()
    url = url_of(project)
    small = queries_for(client, url)
    make_projects(495)
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200


def test_project_and_village_pages_query_count_does_not_grow(user_client):
    village = make_projects(1)
    project = Project.objects.get()
    project_page = queries_for(user_client, project.get_absolute_url())
    village_page = queries_for(user_client, village.get_absolute_url())
    for month in range(2, 13):
        MilestoneFactory(project=project)
        ProgressReportFactory(project=project, month=datetime.date(2024, month, 1))
    for _ in range(20):
        ProjectFactory().villages.add(village)
    assert queries_for(user_client, project.get_absolute_url()) == project_page
    assert queries_for(user_client, village.get_absolute_url()) == village_page


def test_dashboard_shows_the_reports_figures(user_client):
    call_command("load_report_data")
    content = user_client.get(reverse("projects:dashboard")).content.decode()
    assert "557.07" in content
    assert "26.3" in content
    assert "规上工业增加值增速" in content


def test_project_list_and_page_show_the_town_projects(user_client):
    call_command("load_report_data")
    content = user_client.get(reverse("projects:list") + "?per_page=100").content.decode()
    assert "益民阳光二期保障性租赁住房建设项目" in content
    project = Project.objects.get(name="张楼村标准化厂房")
    page = user_client.get(project.get_absolute_url()).content.decode()
    assert "2024-06-30" in page or "2024年6月30日" in page
    assert "张楼村" in page
