"""主要指标: every figure of the work report, grouped as the report groups them, each with
its source, for every role, at a constant query cost."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Indicator, IndicatorValue
from projects.rules import Role
from tests.conftest import rows_for_the_module, with_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("projects:indicators")


def content_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(scope="class")
def report_data(django_db_setup, django_db_blocker):
    """The work report's records, loaded once for the class's tests (each test starts
    from them and what it changes is rolled back after it)."""
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("load_report_data")
        yield


@pytest.mark.usefixtures("report_data")
class TestWithTheReportsData:
    @pytest.mark.parametrize("role", list(Role))
    def test_every_role_reads_the_page(self, client, role):
        client.force_login(with_role(UserFactory(), role))
        content = content_of(client.get(PAGE))
        assert "全区第一" in content
        assert 'href="/indicators/"' in content  # the navbar's link

    def test_groups_come_in_the_reports_order(self, user_client):
        groups = user_client.get(PAGE).context["groups"]
        assert [group["group"] for group in groups] == list(Indicator.Group)
        livelihood = next(group for group in groups if group["group"] == "livelihood")
        assert [indicator.code for indicator in livelihood["indicators"]][:2] == [
            "elderly_home_adaptations",
            "urban_unemployment_rate",
        ]
        assert "assistance_paid" in [indicator.code for indicator in livelihood["indicators"]]

    def test_figures_show_with_their_unit_at_most_two_decimals_and_their_source(self, user_client):
        content = content_of(user_client.get(PAGE))
        for shown in ("9.35 万元", "4810 户", "17208 人", "≥ 4800 吨", "≤ 4.5 %", "+17 %", "2 倍"):
            assert shown in content, shown
        assert "第2名" in content  # a ranking shows the report's words, not "2 名次"
        assert "2 名次" not in content
        assert not re.search(r"\d\.\d{3}", content.split("<main", 1)[-1])
        assert "Decimal" not in content
        assert "9.350" not in content
        assert "4810.00" not in content
        assert "<details" in content
        assert "累计发放特困供养、城乡低保金等各类补贴资金464万元" in content

    def test_the_towns_honours_are_listed_with_their_source(self, user_client):
        response = user_client.get(PAGE)
        content = content_of(response)
        assert len(response.context["town_honours"]) == 8
        assert content.count('data-testid="town-honour"') == 8
        assert "第十届淮南市文明乡镇" in content
        assert "2023年山王镇荣获“第十届淮南市文明乡镇”称号" in content

    def test_the_dashboard_table_shows_the_economy_and_rankings_in_words(self, user_client):
        """The dashboard keeps to the economy (the 主要指标 page has every group, linked)."""
        response = user_client.get(reverse("projects:dashboard"))
        content = content_of(response)
        groups = {row["indicator"].group for row in response.context["town_indicators"]}
        assert groups == {Indicator.Group.ECONOMY}
        assert reverse("projects:indicators") in content
        assert "全区第一" in content
        assert "557.07" in content


def test_without_a_role_403_and_anonymous_to_log_in(client):
    assert "/login/" in client.get(PAGE)["Location"]
    client.force_login(UserFactory())
    assert client.get(PAGE).status_code == 403


def add_indicators(count: int, start: int):
    for number in range(start, start + count):
        indicator = Indicator.objects.create(
            code=f"extra-{number}",
            name=f"指标{number}",
            unit="个",
            kind=Indicator.Kind.ABSOLUTE,
            group=list(Indicator.Group)[number % len(Indicator.Group)],
        )
        for year, kind in ((2023, "actual"), (2024, "target")):
            IndicatorValue.objects.create(
                indicator=indicator,
                year=year,
                value_kind=kind,
                value=Decimal(number),
                source_note=f"来源{number}",
            )


def test_query_count_does_not_grow_with_indicators(user_client, django_assert_max_num_queries):
    add_indicators(3, 0)
    with CaptureQueriesContext(connection) as small:
        content_of(user_client.get(PAGE))
    add_indicators(60, 100)
    call_command("load_report_data")
    with django_assert_max_num_queries(len(small)):
        content = content_of(user_client.get(PAGE))
    assert "指标159" in content
