"""The daily journeys in real Chromium: a contact person files a monthly report with a
site photo from the list, a reviewer approves it and the dashboard moves; the Excel
export holds exactly the filtered rows; every page is looked at on desktop and phone."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from PIL import Image

from projects.models import AnnualPlan, ProgressReport, Project, ResponsibleUnit
from projects.rules import Role
from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, log_in, no_console_errors, screenshot
from tests.conftest import with_role
from villages.models import Village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def town(django_user_model, tmp_path, settings):
    """The report's data, a staff member answering for 张楼村标准化厂房, and a reviewer."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_report_data", verbosity=0)
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
    unit = ResponsibleUnit.objects.create(name="张楼村村民委员会（测试）", kind="village_committee")
    unit.members.add(staff)
    factory = Project.objects.get(name="张楼村标准化厂房")
    factory.responsible_unit = unit
    factory.save()
    AnnualPlan.objects.create(
        project=factory,
        year=datetime.date.today().year,
        planned_investment=Decimal("500.00"),
        physical_goals="测试计划",
    )
    photo = tmp_path / "site.jpg"
    Image.new("RGB", (640, 480), (120, 160, 90)).save(photo, "JPEG")
    return {"staff": staff, "reviewer": reviewer, "project": factory, "photo": photo}


def log_out(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")


def test_report_filed_approved_and_counted(desktop_page, live_server, town):
    page = desktop_page
    errors = no_console_errors(page)
    log_in(page, live_server, "zhang.wei")
    completed_before = page.get_by_test_id("year-completed").inner_text()
    screenshot(page, "journey-dashboard-staff-desktop")

    # Filter by village: htmx swaps the results in place, and the URL keeps the filter.
    page.get_by_role("link", name="项目", exact=True).click()
    zhanglou = Village.objects.get(name="张楼村")
    page.get_by_label("村", exact=True).select_option(str(zhanglou.pk))
    page.wait_for_url(f"**village={zhanglou.pk}**")
    results = page.locator("#project-results")
    results.get_by_role("link", name="张楼村标准化厂房").wait_for()
    assert results.get_by_role("link", name="张楼村养老服务站维修改造项目").is_visible()
    assert "孔李地区水环境整治工程" not in results.inner_text()
    screenshot(page, "journey-list-filtered-desktop")

    # Open the project and write this month's report with a photo.
    results.get_by_role("link", name="张楼村标准化厂房").click()
    page.get_by_role("heading", name="张楼村标准化厂房").wait_for()
    page.get_by_role("link", name="填报月报").click()
    page.get_by_label("形象进度（%）").fill("45")
    page.get_by_label("本月完成投资（万元）").fill("120.50")
    page.get_by_label("进展情况").fill("主体结构施工完成")
    page.get_by_label("现场照片").set_input_files(str(town["photo"]))
    page.get_by_label("照片说明").fill("厂房主体")
    screenshot(page, "journey-report-form-desktop")
    page.get_by_role("button", name="保存并提交审核").click()
    page.get_by_text("已提交").first.wait_for()
    # An image has no size until it has loaded: wait for it rather than sample it once.
    page.get_by_role("img", name="厂房主体").wait_for(state="visible", timeout=15_000)
    screenshot(page, "journey-report-submitted-desktop")
    report = ProgressReport.objects.get(project=town["project"])
    assert (report.status, report.photos.count()) == (ProgressReport.Status.SUBMITTED, 1)
    log_out(page)

    # The reviewer finds it on the dashboard and approves it.
    log_in(page, live_server, "chen.jing")
    waiting = page.get_by_test_id("reports-to-review")
    waiting.get_by_role("link", name="张楼村标准化厂房").click()
    page.get_by_label("意见说明").fill("同意")
    page.get_by_role("button", name="审核通过").click()
    # Approving asks first: the report's summary, the comment, and the 确认 button.
    confirm = page.get_by_test_id("confirm-step")
    confirm.get_by_text("同意").wait_for()
    assert ProgressReport.objects.get(pk=report.pk).status == ProgressReport.Status.SUBMITTED
    screenshot(page, "journey-report-confirm-desktop")
    confirm.locator("button[name=confirmed]").click()
    page.get_by_text("已通过").first.wait_for()
    screenshot(page, "journey-report-approved-desktop")
    page.get_by_role("link", name="工作台").click()
    completed_after = page.get_by_test_id("year-completed").inner_text()
    # The dashboard writes an amount with thousands separators and its unit: "120.50万元".
    completed = [
        Decimal(text.removesuffix("万元").replace(",", ""))
        for text in (completed_before, completed_after)
    ]
    assert completed[1] == completed[0] + Decimal("120.50")
    screenshot(page, "journey-dashboard-reviewer-desktop")
    assert errors == []


def test_excel_export_holds_exactly_the_filtered_rows(desktop_page, live_server, town):
    page = desktop_page
    log_in(page, live_server, "zhang.wei")
    page.goto(f"{live_server.url}/projects/?stage=completed&category=public_service")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    rows = list(workbook.active.iter_rows(values_only=True))
    expected = set(
        Project.objects.filter(stage="completed", category="public_service").values_list(
            "name", flat=True
        )
    )
    assert rows[0][0] == "名称"
    assert {row[0] for row in rows[1:]} == expected
    assert len(rows) - 1 == len(expected) > 0


@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_every_page_at_both_widths(browser, live_server, town, width, viewport):
    """Each page renders without errors or sideways scrolling; screenshots to look at."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=width == "phone")
    page = context.new_page()
    errors = no_console_errors(page)
    log_in(page, live_server, "zhang.wei")
    project = town["project"]
    report = ProgressReport.objects.create(
        project=project,
        month=datetime.date.today().replace(day=1),
        physical_progress=Decimal(30),
        investment_completed=Decimal(10),
        narrative="测试月报",
    )
    village = Village.objects.get(name="张楼村")
    pages = {
        "dashboard": "/",
        "projects": "/projects/",
        "project": project.get_absolute_url(),
        "project-edit": f"/projects/{project.pk}/edit/",
        "report-form": f"/projects/{project.pk}/reports/new/",
        "report": f"/reports/{report.pk}/",
        "villages": "/villages/",
        "village": village.get_absolute_url(),
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        screenshot(page, f"page-{name}-{width}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}"
        for chart in page.locator("[data-chart]").all():
            assert chart.locator("canvas").count() == 1, f"chart not drawn on {path}"
    context.close()
    assert errors == []
