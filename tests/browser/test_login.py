"""A town staff member logs in with a real browser and lands on the dashboard in Chinese."""

import pytest
from django.core.management import call_command

from projects.rules import Role
from tests.browser.conftest import PASSWORD, screenshot
from tests.conftest import with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_member(django_user_model):
    call_command("load_report_data", verbosity=0)
    user = django_user_model.objects.create_user(
        username="li.ming", password=PASSWORD, last_name="李", first_name="明"
    )
    return with_role(user, Role.STAFF)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_log_in_and_see_the_dashboard_in_chinese(desktop_page, live_server, staff_member):
    page = desktop_page
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message))
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login-desktop")
    log_in(page, live_server, "li.ming")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="工作台").is_visible()
    assert page.get_by_text("557.07").first.is_visible()
    assert page.get_by_role("link", name="村集体经济").is_visible()
    screenshot(page, "dashboard-desktop")
    # Bootstrap's script runs under the CSP: the user menu opens and logs out.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")
    assert console_errors == [], [message.text for message in console_errors]


def test_phone_width_has_no_horizontal_scroll(phone_page, live_server, staff_member):
    page = phone_page
    log_in(page, live_server, "li.ming")
    for path, name in [("/", "dashboard"), ("/projects/", "projects"), ("/villages/", "villages")]:
        page.goto(f"{live_server.url}{path}")
        screenshot(page, f"{name}-phone")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    # The collapsed navigation opens with the toggler.
    page.get_by_role("button", name="展开或收起导航").click()
    assert page.get_by_role("link", name="项目", exact=True).is_visible()


def test_language_switch_to_english(desktop_page, live_server, staff_member):
    page = desktop_page
    log_in(page, live_server, "li.ming")
    page.get_by_role("button", name="语言").click()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    screenshot(page, "dashboard-english-desktop")
