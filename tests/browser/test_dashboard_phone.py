"""我的待办 on a phone: the first thing under the navbar, each item one tap from its form,
and the unread count visible in the collapsed navbar."""

import datetime
from decimal import Decimal

import pytest

from projects import services
from projects.models import Milestone, Notification, Project, Reminder, ResponsibleUnit
from projects.rules import Role
from tests.browser.conftest import (
    PASSWORD,
    PHONE,
    SCREENSHOTS,
    log_in,
    no_console_errors,
    screenshot,
)
from tests.conftest import with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def work(django_user_model):
    """A staff member with a returned report, a missing report, a milestone due in five
    days and an unread notice; a reviewer with a report waiting."""
    staff = with_role(
        django_user_model.objects.create_user(
            username="zhang.wei", password=PASSWORD, last_name="张", first_name="伟"
        ),
        Role.STAFF,
    )
    reviewer = with_role(
        django_user_model.objects.create_user(
            username="chen.jing", password=PASSWORD, last_name="陈", first_name="静"
        ),
        Role.REVIEWER,
    )
    unit = ResponsibleUnit.objects.create(name="测试村村民委员会", kind="village_committee")
    unit.members.add(staff)
    returned_project, missing_project = (
        Project.objects.create(
            name=name,
            category=Project.Category.ROAD_INFRASTRUCTURE,
            stage=Project.Stage.UNDER_CONSTRUCTION,
            responsible_unit=unit,
        )
        for name in ("测试村道路硬化", "测试村路灯安装")
    )
    today = datetime.date.today()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    report = services.progress_report_save(
        acting_user=staff,
        project=returned_project,
        fields={
            "month": last_month,
            "physical_progress": Decimal("30"),
            "investment_completed": Decimal("20"),
        },
        submit=True,
    )
    services.progress_report_transition(
        report=report, transition="return", acting_user=reviewer, comment="请补充现场照片"
    )
    waiting = services.progress_report_save(
        acting_user=staff,
        project=missing_project,
        fields={
            "month": last_month - datetime.timedelta(days=40),
            "physical_progress": Decimal("10"),
            "investment_completed": Decimal("5"),
        },
        submit=True,
    )
    milestone = Milestone.objects.create(
        project=missing_project, title="路灯基础浇筑", due_date=today + datetime.timedelta(5)
    )
    Notification.objects.create(
        user=staff, kind=Reminder.Kind.REPORT_RETURNED, key="test|1", title="月报被退回"
    )
    return {
        "staff": staff,
        "report": report,
        "waiting": waiting,
        "missing": missing_project,
        "milestone": milestone,
    }


def first_screen(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def test_my_work_comes_first_on_a_phone_and_each_item_opens_its_form(phone_page, live_server, work):
    page = phone_page
    errors = no_console_errors(page)
    log_in(page, live_server, "zhang.wei")
    my_work = page.get_by_test_id("my-work")
    box = my_work.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]
    assert page.get_by_test_id("my-work-returned").bounding_box()["y"] < PHONE["height"]
    # The charts come after it.
    assert page.locator("#portfolio-heading").bounding_box()["y"] > box["y"] + box["height"]
    # The unread count shows in the collapsed navbar, without opening the menu.
    assert not page.locator("#main-nav").is_visible()
    assert page.get_by_test_id("unread-count").is_visible()
    unread = Notification.objects.filter(user=work["staff"], read_at__isnull=True).count()
    assert page.get_by_test_id("unread-count").inner_text() == str(unread)
    first_screen(page, "my-work-phone-first-screen")
    screenshot(page, "my-work-phone")

    returned = page.get_by_test_id("my-work-returned")
    assert "请补充现场照片" in returned.inner_text()
    returned.get_by_role("link").first.click()
    page.wait_for_url(f"**/reports/{work['report'].pk}/edit/")
    assert page.locator("main form[method=post]").count() >= 1
    page.go_back()

    page.get_by_test_id("my-work-missing").get_by_role("link", name="测试村路灯安装").click()
    page.wait_for_url(f"**/projects/{work['missing'].pk}/reports/new/**")
    assert page.locator("main form[method=post]").count() >= 1
    page.go_back()

    page.get_by_test_id("my-work-milestones").get_by_role("link", name="路灯基础浇筑").click()
    page.wait_for_url(f"**/projects/{work['missing'].pk}/#milestones-heading")
    assert page.locator("#milestones-heading").is_visible()
    assert page.get_by_text("路灯基础浇筑").first.is_visible()

    page.get_by_test_id("bell").click()
    page.wait_for_url("**/notifications/")
    assert page.get_by_role("link", name="月报被退回").is_visible()
    assert errors == []


def test_a_form_error_stands_at_its_field_with_a_summary_on_top(phone_page, live_server, work):
    page = phone_page
    log_in(page, live_server, "zhang.wei")
    page.goto(f"{live_server.url}/projects/{work['missing'].pk}/edit/")
    page.locator("#id_actual_start").fill("2099-01-01")
    page.locator("main form button[type=submit]").first.click()
    summary = page.get_by_test_id("form-errors")
    summary.wait_for()
    assert page.locator("#id_actual_start_error").is_visible()
    # The invalid field has the focus, and the summary links to it.
    assert page.evaluate("document.activeElement.id") == "id_actual_start"
    assert summary.locator('a[href="#id_actual_start"]').count() == 1
    first_screen(page, "form-errors-phone-first-screen")
    screenshot(page, "form-errors-phone")


def test_a_reviewer_finds_the_waiting_report_first(phone_page, live_server, work):
    page = phone_page
    log_in(page, live_server, "chen.jing")
    waiting = page.get_by_test_id("reports-to-review")
    assert waiting.bounding_box()["y"] < PHONE["height"]
    waiting.get_by_role("link", name="测试村路灯安装").click()
    page.wait_for_url(f"**/reports/{work['waiting'].pk}/")
    assert page.locator("main form[method=post]").count() >= 1


def test_my_work_on_the_desktop(desktop_page, live_server, work):
    page = desktop_page
    log_in(page, live_server, "zhang.wei")
    assert page.get_by_test_id("my-work").is_visible()
    assert page.get_by_test_id("unread-count").is_visible()
    screenshot(page, "my-work-desktop")
