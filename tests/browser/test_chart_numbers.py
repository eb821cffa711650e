"""Charts write numbers as the pages do (shanwang/formatting.py), in real Chromium: the
dashboard's investment chart shows 14,910.00万元 and 725.34万元 in its tooltip, never
SQLite's 725.340000000000, and its axis has thousands separators."""

import datetime
from decimal import Decimal

import pytest

from projects.models import ProgressReport
from projects.rules import Role
from tests.browser.conftest import PASSWORD
from tests.conftest import with_role
from tests.factories import AnnualPlanFactory, ProgressReportFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART = '[data-chart="chart-investment"]'
#: Where the chart draws its first category, in the page's pixels.
FIRST_CATEGORY = """(selector) => {
  const element = document.querySelector(selector);
  const chart = window.echarts.getInstanceByDom(element);
  const [x] = chart.convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, [0, 0]);
  const box = element.getBoundingClientRect();
  return [box.left + x, box.top + box.height / 2];
}"""
AXIS_LABEL = """([selector, value]) => {
  const chart = window.echarts.getInstanceByDom(document.querySelector(selector));
  return chart.getOption().yAxis[0].axisLabel.formatter(value);
}"""


@pytest.fixture
def invested_town(django_user_model):
    user = django_user_model.objects.create_user(username="li.na", password=PASSWORD)
    with_role(user, Role.LEADER)
    january = datetime.date(datetime.date.today().year, 1, 1)
    # Planned 14,910, completed 300.11 + 425.23 = 725.34, which SQLite sums as a float.
    for planned, completed in (("10000", "300.11"), ("4910", "425.23")):
        project = ProjectFactory()
        AnnualPlanFactory(project=project, year=january.year, planned_investment=Decimal(planned))
        ProgressReportFactory(
            project=project,
            month=january,
            investment_completed=Decimal(completed),
            status=ProgressReport.Status.APPROVED,
        )
    return user


def test_the_investment_chart_writes_amounts_with_separators_and_unit(
    desktop_page, live_server, invested_town
):
    page = desktop_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("li.na")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    chart = page.locator(CHART)
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "s => window.echarts && window.echarts.getInstanceByDom(document.querySelector(s))",
        arg=CHART,
    )
    for _ in range(20):
        x, y = page.evaluate(FIRST_CATEGORY, CHART)
        page.mouse.move(x - 40, y)
        page.mouse.move(x, y, steps=3)
        if "万元" in chart.inner_text():
            break
        page.wait_for_timeout(250)
    tooltip = chart.inner_text()
    assert "14,910.00万元" in tooltip
    assert "725.34万元" in tooltip
    assert "725.340" not in tooltip
    assert page.evaluate(AXIS_LABEL, [CHART, 12500]) == "12,500"
