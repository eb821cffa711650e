"""Paperwork and money, the whole journey in Chromium, across roles:

an administrator applies the approvals template to 张楼村标准化厂房 on the project page;
construction cannot start while 施工许可 is missing; the village's staff member, on a phone,
marks 施工许可 obtained with its document number and the permit as a PDF; the project page
now names only the approval still missing. The staff member then records, on the project's
funds page, an arrived instalment and a payment; the project page and the leader's
dashboard show the new payment rate (paid / arrived) beside the physical progress."""

import datetime
import re
from decimal import Decimal

import pytest

from projects import selectors
from projects.models import (
    ApprovalItem,
    ApprovalTemplate,
    ApprovalTemplateItem,
    FundEntry,
    Funding,
    FundingSource,
    ProgressReport,
    Project,
    ResponsibleUnit,
)
from projects.rules import Role
from tests.browser.conftest import DESKTOP, browser_page, log_in, person, screenshot
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: A PDF the document checks accept: no script, no launch action, no embedded file.
PERMIT_PDF = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PERMIT_NUMBER = "八公山建许〔2024〕12号"


@pytest.fixture
def town(django_user_model):
    """The village committee's staff member, an administrator, a leader, and the factory
    project in preliminary work, with its special-bond funding and an approved report
    at 60 %. A flushed database has lost the migration's default templates: the
    factory category's is made here, with the two approvals needed to start."""
    clerk = person(django_user_model, "zhang.wei", Role.STAFF, family="张", given="伟")
    person(django_user_model, "guan.li", Role.ADMINISTRATOR, family="管", given="理")
    person(django_user_model, "zhao.lei", Role.LEADER, family="赵", given="磊")
    unit = ResponsibleUnit.objects.create(name="张楼村村民委员会（测试）", kind="village_committee")
    unit.members.add(clerk)
    template, _created = ApprovalTemplate.objects.get_or_create(
        category=Project.Category.FACTORY_BUILDING
    )
    template.items.all().delete()
    for position, (name, needed) in enumerate(
        [("立项/可研批复", True), ("环评批复", False), ("施工许可", True)], start=1
    ):
        ApprovalTemplateItem.objects.create(
            template=template, name=name, position=position, needed_for_start=needed
        )
    today = selectors.today()
    project = ProjectFactory(
        name="张楼村标准化厂房",
        category=Project.Category.FACTORY_BUILDING,
        stage=Project.Stage.PRELIMINARY,
        responsible_unit=unit,
        contact_person=clerk,
        planned_start=today - datetime.timedelta(days=30),
        planned_completion=today + datetime.timedelta(days=300),
        total_investment=Decimal("1000.00"),
    )
    source, _created = FundingSource.objects.get_or_create(name="专项债")
    Funding.objects.create(project=project, source=source, amount=Decimal("800.00"))
    ProgressReport.objects.create(
        project=project,
        month=(today - datetime.timedelta(days=40)).replace(day=1),
        physical_progress=Decimal("60.00"),
        investment_completed=Decimal("100.00"),
        status=ProgressReport.Status.APPROVED,
    )
    return project


def approval_row(page, name):
    return page.get_by_test_id("approval-row").filter(has_text=name)


def test_approvals_applied_obtained_and_money_recorded_show_on_the_pages(
    browser, live_server, town, tmp_path
):
    project, today = town, selectors.today()
    project_url = live_server.url + project.get_absolute_url()

    # The administrator applies the category's template on the project page.
    admin_context, admin, admin_errors = browser_page(browser, DESKTOP)
    log_in(admin, live_server, "guan.li")
    admin.goto(project_url)
    admin.get_by_test_id("approvals-apply").click()
    admin.wait_for_url(re.compile(re.escape(project.get_absolute_url())))
    rows = admin.get_by_test_id("approval-row")
    assert rows.count() == 3
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)][2].startswith(
        "施工许可"
    )
    blocking = admin.get_by_test_id("approvals-blocking").inner_text()
    assert "立项/可研批复" in blocking and "施工许可" in blocking
    screenshot(admin, "paperwork-approvals-applied-desktop")
    admin_context.close()

    # The staff member, on a phone, marks 施工许可 obtained with its number and the PDF.
    clerk_context, clerk, clerk_errors = browser_page(browser)
    log_in(clerk, live_server, "zhang.wei")
    clerk.goto(project_url)
    approval_row(clerk, "施工许可").get_by_role("link").click()
    clerk.wait_for_url(re.compile(r"/approvals/\d+/edit/$"))
    form = clerk.get_by_test_id("approval-form")
    form.locator("[name=status]").select_option("obtained")
    form.locator("[name=actual_date]").fill(today.isoformat())
    form.locator("[name=document_number]").fill(PERMIT_NUMBER)
    permit = tmp_path / "施工许可证.pdf"
    permit.write_bytes(PERMIT_PDF)
    form.locator("[name=attachment]").set_input_files(str(permit))
    screenshot(clerk, "paperwork-approval-form-phone")
    form.get_by_role("button", name="保存").click()
    clerk.wait_for_url(re.compile(re.escape(project.get_absolute_url())))
    row = approval_row(clerk, "施工许可")
    assert "已取得" in row.inner_text()
    assert PERMIT_NUMBER in row.inner_text()
    assert row.get_by_test_id("approval-attachment").count() == 1
    blocking = clerk.get_by_test_id("approvals-blocking").inner_text()
    assert "立项/可研批复" in blocking and "施工许可" not in blocking
    item = ApprovalItem.objects.get(project=project, name="施工许可")
    assert item.status == ApprovalItem.Status.OBTAINED
    assert item.document is not None and item.document.project_id == project.pk
    assert item.document_number == PERMIT_NUMBER

    # The attachment downloads through the permission check, as the PDF it was.
    download = clerk.request.get(live_server.url + item.document.get_absolute_url())
    assert download.status == 200 and download.body().startswith(b"%PDF")

    # On the funds page: an instalment arrived (400), then a payment (100).
    clerk.get_by_test_id("funds-page-link").click()
    clerk.wait_for_url(re.compile(r"/funds/$"))
    for kind, amount in (("arrived", "400"), ("paid", "100")):
        entry = clerk.get_by_test_id("fund-entry-form")
        entry.locator("[name=funding]").select_option(label="专项债")
        entry.locator("[name=kind]").select_option(kind)
        entry.locator("[name=date]").fill(today.isoformat())
        entry.locator("[name=amount]").fill(amount)
        entry.get_by_role("button").click()
        clerk.wait_for_load_state()
    assert FundEntry.objects.filter(funding__project=project).count() == 2
    by_source = clerk.get_by_test_id("funds-by-source").inner_text()
    assert "400.00" in by_source and "100.00" in by_source and "25.0%" in by_source
    screenshot(clerk, "paperwork-funds-phone")

    # The project page: the payment rate beside the physical progress.
    clerk.goto(project_url)
    funds = clerk.get_by_test_id("project-funds").inner_text()
    assert "25.0%" in funds
    assert clerk.get_by_test_id("funds-physical-progress").inner_text() == "60.0%"
    assert clerk_errors == [] and admin_errors == []
    clerk_context.close()

    # The leader's dashboard: the town's money, the same rate.
    leader_context, leader, leader_errors = browser_page(browser, DESKTOP)
    log_in(leader, live_server, "zhao.lei")
    dashboard = leader.get_by_test_id("dashboard-funds")
    assert leader.get_by_test_id("money-paid").inner_text() == "100.00万元"
    assert leader.get_by_test_id("money-rate").inner_text() == "25.0%"
    dashboard.scroll_into_view_if_needed()
    screenshot(leader, "paperwork-dashboard-desktop")
    assert leader_errors == []
    leader_context.close()
