"""Statistics registration (入库纳统): the work report states 14 projects, 5.69亿元, in
2023, as totals. While the projects marked registered do not explain that figure, the
dashboard, the briefing and its workbook show the report's figure with its source, never
0 nor 暂无; once they do, the projects' own figure, and a sum over the projects that
record a total investment says what it sums (已填报总投资的N个项目合计)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from projects import selectors
from projects.briefing import figures as briefing
from projects.briefing.xlsx import briefing_workbook
from projects.models import Project
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import AnnualPlanFactory, ProgressReportFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

SOURCE = "2024年山王镇政府工作报告（2024-01-29）"
MAY = datetime.date(2024, 5, 1)


@pytest.fixture
def report_data():
    call_command("load_report_data")


@pytest.fixture
def leader_client(client):
    client.force_login(with_role(UserFactory(username="leader"), Role.LEADER))
    return client


def may_briefing():
    return briefing.monthly_briefing(month=MAY, today=datetime.date(2024, 6, 15))


def register(names, *, year=2023, total_investment=None):
    Project.objects.filter(name__in=names).update(
        statistics_registered=True,
        statistics_registered_year=year,
        total_investment=total_investment,
    )


def names(count: int) -> list[str]:
    return list(Project.objects.order_by("pk").values_list("name", flat=True)[:count])


def test_the_reports_figure_stands_while_no_project_is_marked(report_data):
    summary = selectors.statistics_registered_summary()
    assert summary["count"] == 0
    assert summary["reported"] == {
        "year": 2023,
        "count": 14,
        "total_investment": Decimal("56900.00"),
        "source": f"{SOURCE}：全年完成14个项目入库纳统；{SOURCE}：项目总投资5.69亿元",
        "document": SOURCE,
        "recorded": 0,
    }
    with translation.override("en"):
        sentence = may_briefing().summary()[3]
    assert sentence == (
        "Statistics-registered projects in 2023: 14, with a total investment of 5.69 "
        f"hundred million yuan, according to {SOURCE}; the projects are not yet marked "
        "one by one."
    )


def test_the_dashboard_and_the_briefing_show_it_with_its_source(report_data, leader_client):
    for url in (reverse("projects:dashboard"), reverse("projects:briefing") + "?month=2024-05"):
        content = leader_client.get(url).content.decode()
        assert "5.69亿元" in content, url
        assert f"{SOURCE}：全年完成14个项目入库纳统" in content, url
        assert "暂无入库纳统项目" not in content, url
        assert "入库纳统项目0个" not in content, url
    workbook = openpyxl.load_workbook(io.BytesIO(briefing_workbook(may_briefing())))
    rows = [[cell.value for cell in row] for row in workbook["摘要"].iter_rows()]
    reported = [row for row in rows if row[1] == 14]
    assert reported and SOURCE in reported[0][2]
    assert any(row[1] == pytest.approx(56900) and row[2] for row in rows)


def test_projects_marked_registered_are_counted_until_they_explain_the_figure(report_data):
    register(names(3))
    reported = selectors.statistics_registered_summary()["reported"]
    assert (reported["count"], reported["recorded"]) == (14, 3)
    with translation.override("en"):
        assert "3 of them are marked one by one so far" in may_briefing().summary()[3]
    # Projects of another year do not explain the report's 2023.
    register(names(14)[3:], year=2024)
    assert selectors.statistics_registered_summary()["reported"]["recorded"] == 3
    register(names(14))
    summary = selectors.statistics_registered_summary()
    assert (summary["count"], summary["reported"]) == (14, None)


def test_a_partial_sum_says_what_it_sums(report_data, leader_client):
    register(names(14))
    Project.objects.filter(name__in=names(2)).update(total_investment=Decimal("6130.25"))
    summary = selectors.statistics_registered_summary()
    assert (summary["count"], summary["with_total_investment"]) == (14, 2)
    assert summary["total_investment"] == Decimal("12260.50")
    with translation.override("en"):
        sentence = may_briefing().summary()[3]
        content = leader_client.get(
            reverse("projects:dashboard"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert sentence.startswith(
        "14 projects are statistics-registered; the 2 of them that record their total "
        "investment come to 1.23 hundred million yuan;"
    )
    assert "Sum of the 2 projects that record their total investment: 1.23" in content

    monthly = may_briefing()
    assert (monthly.totals.count, monthly.totals.with_total_investment) == (39, 2)
    assert monthly.totals.total_investment_is_partial
    page = leader_client.get(
        reverse("projects:briefing") + "?month=2024-05", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "12,260.50" in page.content.decode()
    assert "sum of the 2 projects that record their total investment" in page.content.decode()
    with translation.override("en"):
        workbook = openpyxl.load_workbook(io.BytesIO(briefing_workbook(monthly)))
    stages = workbook.worksheets[1]
    header = [cell.value for cell in stages[1]]
    assert header[-1] == "projects that record their total investment"
    assert [cell.value for cell in stages[stages.max_row]][-1] == 2
    labels = [row[0].value for row in workbook.worksheets[0].iter_rows()]
    assert "Total investment of the 2 projects that record it (10k yuan)" in labels


def test_the_light_explains_itself_in_percentages_with_one_decimal():
    project = ProjectFactory(stage=Project.Stage.UNDER_CONSTRUCTION)
    AnnualPlanFactory(project=project, year=2024, planned_investment=Decimal("1000"))
    ProgressReportFactory(
        project=project, month=MAY, investment_completed=Decimal("523.4"), status="approved"
    )
    lit = Project.objects.with_traffic_light(on=datetime.date(2024, 5, 31)).get(pk=project.pk)
    with translation.override("en"):
        explanation = lit.light_explanation()
    assert "52.3% done against 41.5% of the time elapsed" in explanation
