"""The confirmation step in Chromium, at 1440 and 375 px: returning a report shows its
summary and the comment, 取消 changes nothing, 确认 returns it; 标记完成 asks first too.
No script involved."""

import datetime

import pytest

from projects.models import Milestone, ProgressReport
from projects.rules import Role
from tests.browser.conftest import PASSWORD, log_in, screenshot
from tests.conftest import with_role
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def town(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = ResponsibleUnitFactory(name="城建办")
    author = with_role(
        UserFactory(username="zhang.wei", last_name="张", first_name="伟", password=PASSWORD),
        Role.STAFF,
    )
    unit.members.add(author)
    with_role(
        UserFactory(username="chen.jing", last_name="陈", first_name="静", password=PASSWORD),
        Role.REVIEWER,
    )
    project = ProjectFactory(name="东山路改造工程", responsible_unit=unit, contact_person=author)
    report = ProgressReportFactory(
        project=project,
        month=datetime.date(2026, 9, 1),
        status=ProgressReport.Status.SUBMITTED,
        submitted_by=author,
    )
    milestone = MilestoneFactory(project=project, title="路基完工")
    return {"report": report, "milestone": milestone, "project": project}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_return_and_mark_done_ask_first(request, live_server, town, size):
    page = request.getfixturevalue(f"{size}_page")
    report = town["report"]
    log_in(page, live_server, "chen.jing")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    page.get_by_label("意见说明").fill("请补充现场照片")
    page.get_by_role("button", name="退回修改").click()
    confirm = page.get_by_test_id("confirm-step")
    confirm.get_by_text("请补充现场照片").wait_for()
    assert "东山路改造工程" in confirm.inner_text()
    screenshot(page, f"confirm-return-{size}")
    confirm.get_by_role("link", name="取消").click()
    page.get_by_label("意见说明").wait_for()
    assert ProgressReport.objects.get(pk=report.pk).status == ProgressReport.Status.SUBMITTED

    page.get_by_label("意见说明").fill("请补充现场照片")
    page.get_by_role("button", name="退回修改").click()
    page.get_by_test_id("confirm-step").locator("button[name=confirmed]").click()
    page.get_by_text("已退回").first.wait_for()
    assert ProgressReport.objects.get(pk=report.pk).status == ProgressReport.Status.RETURNED

    page.goto(f"{live_server.url}{town['project'].get_absolute_url()}")
    page.get_by_role("button", name="标记完成").click()
    confirm = page.get_by_test_id("confirm-step")
    confirm.get_by_text("路基完工").first.wait_for()
    screenshot(page, f"confirm-milestone-{size}")
    assert Milestone.objects.get(pk=town["milestone"].pk).completed_on is None
    confirm.locator("button[name=confirmed]").click()
    page.get_by_text("✓").first.wait_for()
    assert Milestone.objects.get(pk=town["milestone"].pk).completed_on is not None
