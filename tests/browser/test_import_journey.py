"""A newcomer's Excel round trip in real Chromium, in Chinese: download the template from
the admin, fill it in, upload it, read the preview, confirm, and export the project back
from its page."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command

from projects.models import Milestone, Project
from projects.rules import Role
from tests.browser.conftest import PASSWORD, screenshot
from tests.conftest import with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PROJECT = "山王村文化广场提升工程"


@pytest.fixture
def administrator(django_user_model):
    call_command("load_report_data", verbosity=0)
    return with_role(
        django_user_model.objects.create_user(
            username="li.na", password=PASSWORD, last_name="李", first_name="娜"
        ),
        Role.ADMINISTRATOR,
    )


def fill_in(template: bytes) -> bytes:
    """What the newcomer does in Excel: replace each example row with a real one."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    project = book["项目"]
    headers = [cell.value for cell in project[1]]
    values = {
        "项目名称": NEW_PROJECT,
        "项目类别": "公共服务",
        "项目阶段": "在建",
        "涉及村（社区）": "山王村",
        "计划开工日期": "2026/3/1",
        "计划完工日期": "2026年12月31日",
        "总投资（万元）": 180.5,
        "是否入库纳统": "否",
    }
    for index, header in enumerate(headers, start=1):
        project.cell(row=2, column=index, value=values.get(header))
    for title in ("资金来源", "年度计划", "前期手续", "资金拨付", "实物工作量"):
        book[title].delete_rows(2)
    milestones = book["节点"]
    for index, value in enumerate([NEW_PROJECT, "完成招标", datetime.date(2026, 4, 15)], 1):
        milestones.cell(row=2, column=index, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_template_filled_imported_with_preview_and_exported_back(
    desktop_page, live_server, administrator, tmp_path
):
    page = desktop_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("li.na")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/projects/")
    page.get_by_role("link", name="从 Excel 导入").click()
    page.wait_for_url("**/admin/projects/project/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载导入模板").click()
    template = download.value.path().read_bytes()
    assert "填写说明" in openpyxl.load_workbook(io.BytesIO(template)).sheetnames

    filled = tmp_path / "项目台账.xlsx"
    filled.write_bytes(fill_in(template))
    page.locator("#id_import_file").set_input_files(filled)
    page.get_by_role("button", name="提交").click()
    preview = page.locator("h3", has_text="项目：新增1行")
    preview.wait_for()
    assert page.locator("h3", has_text="节点：新增1行").count() == 1
    screenshot(page, "import-preview-desktop")
    assert not Project.objects.filter(name=NEW_PROJECT).exists()  # a preview writes nothing

    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url("**/admin/projects/project/")
    assert "已导入" in page.locator(".messagelist").inner_text()
    project = Project.objects.get(name=NEW_PROJECT)
    assert project.planned_completion == datetime.date(2026, 12, 31)
    assert Milestone.objects.get(project=project).due_date == datetime.date(2026, 4, 15)

    page.goto(f"{live_server.url}{project.get_absolute_url()}")
    with page.expect_download() as download:
        page.get_by_test_id("record-xlsx").click()
    record = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert record["项目"]["A2"].value == NEW_PROJECT
    assert record["节点"]["C2"].value.date() == datetime.date(2026, 4, 15)
