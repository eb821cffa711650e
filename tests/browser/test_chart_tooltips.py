"""A chart's tooltip shows a user's text as text, in real Chromium: a milestone titled
with an image tag or a meta refresh shows that title in the time line's tooltip, and
nothing of it becomes an element, runs or navigates."""

import datetime

import pytest
from playwright.sync_api import expect

from projects.rules import Role
from tests.browser.conftest import PASSWORD
from tests.conftest import with_role
from tests.factories import MilestoneFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = [
    "<img src=x onerror=\"document.body.dataset.pwned='img'\">",
    '<meta http-equiv="refresh" content="0;url=/accounts/login/?pwned=meta">',
]
CHART = '[data-chart="chart-milestones"]'
# The chart's point of a (due date, title): ECharts converts data to pixels itself.
POINT = """([selector, due, title]) => {
  const chart = window.echarts.getInstanceByDom(document.querySelector(selector));
  return chart.convertToPixel({ seriesIndex: 0 }, [due, title]);
}"""


def hover(page, chart, milestone):
    """Move the mouse onto the milestone's point until its tooltip shows (the points
    grow in with the chart's opening animation)."""
    due = milestone.due_date.isoformat()
    for _ in range(20):
        x, y = page.evaluate(POINT, [CHART, due, milestone.title])
        box = chart.bounding_box()
        page.mouse.move(box["x"] + 1, box["y"] + 1)
        page.mouse.move(box["x"] + x, box["y"] + y, steps=3)
        if due in chart.inner_text():
            return
        page.wait_for_timeout(250)
    pytest.fail(f"no tooltip for the milestone due {due}")


@pytest.fixture
def project_with_hostile_milestones(django_user_model):
    user = django_user_model.objects.create_user(username="zhao.lei", password=PASSWORD)
    with_role(user, Role.STAFF)
    project = ProjectFactory()
    today = datetime.date.today()
    milestones = [
        MilestoneFactory(project=project, title=title, due_date=today + datetime.timedelta(30 * n))
        for n, title in enumerate(TITLES, start=1)
    ]
    return project, milestones


def test_a_milestone_tooltip_shows_its_title_as_text(
    desktop_page, live_server, project_with_hostile_milestones
):
    project, milestones = project_with_hostile_milestones
    page = desktop_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("zhao.lei")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    url = f"{live_server.url}{project.get_absolute_url()}"
    page.goto(url)
    chart = page.locator(CHART)
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "s => window.echarts && window.echarts.getInstanceByDom(document.querySelector(s))",
        arg=CHART,
    )
    for milestone in milestones:
        hover(page, chart, milestone)
        expect(chart).to_contain_text(milestone.title)  # the markup, shown as text
        expect(chart).to_contain_text(milestone.due_date.isoformat())
        assert chart.locator("img, meta").count() == 0
    page.wait_for_timeout(1000)  # time for a refresh of 0 seconds to have happened
    assert page.url == url
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("head meta[http-equiv]").count() == 0
