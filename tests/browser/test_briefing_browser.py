"""The monthly briefing in real Chromium: a leader finds it in the navigation, reads it on
desktop and phone without sideways scrolling, and its print layout drops the navigation."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from projects.models import AnnualPlan, Milestone, ProgressReport, Project
from projects.rules import Role
from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, log_in, screenshot
from tests.conftest import with_role
from tests.factories import created_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONTH = datetime.date(2024, 5, 1)


@pytest.fixture
def briefed_town(django_user_model):
    """The report's data, a leader, and May 2024 reports, plans and June milestones for
    four of its projects (fictional figures, for the screenshots only)."""
    call_command("load_report_data", verbosity=0)
    with_role(
        django_user_model.objects.create_user(
            username="li.ming", password=PASSWORD, last_name="李", first_name="明"
        ),
        Role.LEADER,
    )
    figures = [
        ("张楼村标准化厂房", "600", "280", "", Project.Stage.UNDER_CONSTRUCTION),
        ("益民阳光二期保障性租赁住房建设项目", "1500", "300", "雨季影响土方施工，工期滞后", None),
        ("源沣新型建材产业园项目", "2000", "150", "用地报批手续尚在办理，资金未到位", None),
        ("李嘴孜采煤沉陷区治理项目", "900", "400", "", None),
    ]
    for name, planned, completed, problems, stage in figures:
        project = Project.objects.get(name=name)
        if stage:
            project.stage = stage
            project.save()
        AnnualPlan.objects.update_or_create(
            project=project, year=2024, defaults={"planned_investment": Decimal(planned)}
        )
        ProgressReport.objects.create(
            project=project,
            month=MONTH,
            physical_progress=Decimal(40),
            investment_completed=Decimal(completed),
            narrative="测试月报",
            problems=problems,
            status=ProgressReport.Status.APPROVED,
        )
        Milestone.objects.create(
            project=project, title="六月节点（测试）", due_date=datetime.date(2024, 6, 28)
        )
    created_on(datetime.date(2024, 1, 1))  # briefings leave out projects created later


@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_briefing_at_both_widths_and_in_print(
    browser, live_server, briefed_town, width, viewport
):
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=width == "phone")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, "li.ming")
    if width == "phone":
        page.locator(".navbar-toggler").click()
    # Found by its address: the words are the translators' (月报).
    page.locator('nav a[href="/briefing/"]').click()
    page.wait_for_url("**/briefing/")
    page.locator("#briefing-month").fill("2024-05")
    page.get_by_test_id("briefing-show").click()
    page.wait_for_url("**/briefing/?month=2024-05")
    summary = page.get_by_test_id("briefing-summary")
    assert "1,130.00万元" in summary.inner_text()  # this year's completed investment
    attention = page.get_by_test_id("briefing-attention")
    assert "用地报批手续尚在办理" in attention.inner_text()
    assert page.get_by_test_id("briefing-xlsx").is_visible()
    screenshot(page, f"briefing-{width}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the briefing scrolls sideways by {overflow}px at {width}"

    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.get_by_test_id("briefing-xlsx").is_visible()
    assert summary.is_visible()
    if width == "desktop":  # paper is A4 whatever the screen: one print screenshot
        screenshot(page, "briefing-print")
    context.close()
    assert errors == []
