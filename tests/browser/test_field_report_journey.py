"""The monthly report from the site, the whole loop, on a phone (375 px) in Chromium:

a staff member opens the due report from 我的待办, chooses three photos at once and a PDF
批复, saves a draft, removes one photo and submits; the reviewer, told by the bell, sees
each photo's capture time and a reuse flag for a picture already used in last month's
report, and returns the report with a comment after a confirmation step; the author finds
the notice in the bell and in the email, fixes the report and resubmits; the reviewer
approves after a confirmation step, and the author is told."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Document, Notification, ProgressReport, ReportPhoto, ResponsibleUnit
from projects.rules import Role
from projects.selectors import report_month_due
from shanwang.celery import app as celery_app
from tests.browser.conftest import PHONE, log_in, person, screenshot
from tests.factories import ProjectFactory
from tests.pictures import evidence_exif, site_picture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_PAGE = re.compile(r"/reports/\d+/$")
#: The project's site, and where the photos say they were taken (about 100 m from it).
SITE = (Decimal("32.610000"), Decimal("116.980000"))
NEAR = (((32.0, 36.0, 39.0), "N"), ((116.0, 58.0, 51.0), "E"))
#: A PDF of one empty page, as a scanner writes a 批复 (no script, no action).
APPROVAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def phone_jpeg(path, seed, *, taken):
    """Write a site photo as a phone does: a picture of its own with the capture time and
    the GPS position in EXIF."""
    latitude, longitude = NEAR
    exif = evidence_exif(taken=taken, latitude=latitude, longitude=longitude)
    site_picture(seed, (1600, 1200)).save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


@pytest.fixture
def field(django_user_model, tmp_path, settings, monkeypatch):
    """A unit's staff member answering for 张楼村标准化厂房 (with its site point), two
    reviewers, last month's approved report with a photo, and this month's files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The review notices are delivered by the worker's task; here in the server's thread.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)

    def member(username, family, given, role):
        return person(
            django_user_model,
            username,
            role,
            family=family,
            given=given,
            email=f"{username}@shanwang.example",
        )

    staff = member("zhang.wei", "张", "伟", Role.STAFF)
    reviewer = member("chen.jing", "陈", "静", Role.REVIEWER)
    member("li.na", "李", "娜", Role.REVIEWER)
    unit = ResponsibleUnit.objects.create(name="张楼村村民委员会（测试）", kind="village_committee")
    unit.members.add(staff)
    project = ProjectFactory(
        name="张楼村标准化厂房",
        responsible_unit=unit,
        contact_person=staff,
        site_latitude=SITE[0],
        site_longitude=SITE[1],
    )
    month = report_month_due()
    previous_month = (month - datetime.timedelta(days=1)).replace(day=1)
    earlier = ProgressReport.objects.create(
        project=project,
        month=previous_month,
        physical_progress=Decimal("30.00"),
        investment_completed=Decimal("80.00"),
        status=ProgressReport.Status.APPROVED,
    )
    buffer = io.BytesIO()
    site_picture(7, (1600, 1200)).save(buffer, "JPEG", quality=90)
    ReportPhoto(
        report=earlier,
        image=SimpleUploadedFile("east.jpg", buffer.getvalue()),
        caption="厂房东侧",
    ).save()
    taken = f"{month:%Y:%m}:20 10:15:00"
    photos = [
        phone_jpeg(tmp_path / "IMG_0101.jpg", 7, taken=taken),  # last month's picture again
        phone_jpeg(tmp_path / "IMG_0102.jpg", 8, taken=taken),
        phone_jpeg(tmp_path / "IMG_0103.jpg", 9, taken=taken),
    ]
    approval = tmp_path / "施工许可批复.pdf"
    approval.write_bytes(APPROVAL_PDF)
    return {
        "staff": staff,
        "reviewer": reviewer,
        "project": project,
        "month": month,
        "earlier": earlier,
        "photos": photos,
        "approval": approval,
    }


def phone(browser):
    """A phone's browser of its own (each person has theirs), and its page's errors."""
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def test_a_report_from_the_site_is_returned_fixed_and_approved(browser, live_server, field):
    project, staff = field["project"], field["staff"]

    # The staff member: from 我的待办 to the due month's form, three photos and a 批复.
    clerk_context, clerk, clerk_errors = phone(browser)
    log_in(clerk, live_server, "zhang.wei")
    clerk.get_by_test_id("my-work-missing").get_by_role("link", name="张楼村标准化厂房").click()
    clerk.get_by_label("形象进度（%）").fill("45")
    clerk.get_by_label("本月完成投资（万元）").fill("120.50")
    clerk.get_by_label("进展情况").fill("主体结构施工")
    clerk.locator('input[name="photo"]').set_input_files([str(p) for p in field["photos"]])
    clerk.get_by_test_id("photo-preview").nth(2).wait_for()
    captions = clerk.locator('input[name="photo_caption"]')
    for index, caption in enumerate(["厂房东侧", "主体结构", "围墙"]):
        captions.nth(index).fill(caption)
    clerk.locator('select[name="document_kind"]').select_option(label="批复文件")
    clerk.locator('input[name="document"]').set_input_files(str(field["approval"]))
    screenshot(clerk, "field-journey-form-phone")
    clerk.locator('button[name="save"]').click()
    clerk.wait_for_url(REPORT_PAGE)

    report = ProgressReport.objects.get(project=project, month=field["month"])
    assert report.status == ProgressReport.Status.DRAFT
    assert report.photos.count() == 3
    [approval] = Document.objects.filter(report=report)
    assert approval.kind == Document.Kind.APPROVAL and approval.content_type == "application/pdf"

    # A wrong photo is removed from the draft; then the report is submitted.
    third = report.photos.order_by("pk").last()
    clerk.goto(live_server.url + reverse("projects:report_edit", args=[report.pk]))
    clerk.locator(f"#remove_photo_{third.pk}").check()
    clerk.locator('button[name="submit"]').click()
    clerk.wait_for_url(REPORT_PAGE)
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    assert sorted(report.photos.values_list("caption", flat=True)) == ["主体结构", "厂房东侧"]

    # The reviewer is told by the bell and finds the report waiting in 我的待办.
    desk_context, desk, desk_errors = phone(browser)
    log_in(desk, live_server, "chen.jing")
    assert desk.get_by_test_id("unread-count").is_visible()
    desk.get_by_test_id("reports-to-review").get_by_role("link").first.click()
    desk.wait_for_url(REPORT_PAGE)
    photos = desk.get_by_test_id("report-photo")
    assert photos.count() == 2
    for index in range(2):
        assert f"{field['month']:%Y-%m}-20" in photos.nth(index).get_by_test_id(
            "photo-taken-at"
        ).inner_text().replace("年", "-").replace("月", "-").replace("日", "")
    reused = desk.locator('[data-flag="reused"]')
    assert reused.count() == 1
    assert "厂房东侧" in reused.locator("xpath=ancestor::figure").inner_text()
    assert reused.locator("a").get_attribute("href") == reverse(
        "projects:report", args=[field["earlier"].pk]
    )
    screenshot(desk, "field-journey-review-phone")
    desk.get_by_label("意见说明").fill("东侧照片与上月重复，请补拍")
    desk.get_by_role("button", name="退回修改").click()
    desk.get_by_test_id("confirm-step").locator("button[name=confirmed]").click()
    desk.wait_for_url(REPORT_PAGE)
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED

    # The author: the notice in the bell and in the email, with the comment and the link.
    [email] = [message for message in mail.outbox if staff.email in message.to]
    assert "东侧照片与上月重复，请补拍" in email.body
    assert reverse("projects:report_edit", args=[report.pk]) in email.body
    clerk.goto(live_server.url + "/")
    assert clerk.get_by_test_id("unread-count").inner_text() == "1"
    assert clerk.get_by_test_id("my-work-returned").is_visible()
    clerk.get_by_test_id("bell").click()
    assert "东侧照片与上月重复，请补拍" in clerk.get_by_test_id("notification-body").inner_text()
    clerk.get_by_role("link", name=re.compile("退回")).first.click()
    clerk.wait_for_url(re.compile(r"/reports/\d+/edit/$"))
    first = report.photos.order_by("pk").first()
    clerk.locator(f"#remove_photo_{first.pk}").check()
    clerk.locator('input[name="photo"]').set_input_files(
        str(
            phone_jpeg(
                field["photos"][0].with_name("IMG_0104.jpg"), 11, taken="2026:11:28 09:00:00"
            )
        )
    )
    clerk.get_by_test_id("photo-preview").first.wait_for()
    clerk.locator('input[name="photo_caption"]').first.fill("厂房东侧（补拍）")
    clerk.locator('button[name="submit"]').click()
    clerk.wait_for_url(REPORT_PAGE)
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    assert not clerk.get_by_test_id("my-work-returned").count()

    # The reviewer approves after the confirmation step; the author is told.
    desk.goto(live_server.url + reverse("projects:report", args=[report.pk]))
    assert desk.locator('[data-flag="reused"]').count() == 0
    desk.get_by_role("button", name="审核通过").click()
    confirm = desk.get_by_test_id("confirm-step")
    confirm.wait_for()
    screenshot(desk, "field-journey-confirm-phone")
    assert ProgressReport.objects.get(pk=report.pk).status == ProgressReport.Status.SUBMITTED
    confirm.locator("button[name=confirmed]").click()
    desk.wait_for_url(REPORT_PAGE)
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.APPROVED
    assert Notification.objects.filter(user=staff, kind="report_approved").count() == 1
    assert [message.subject for message in mail.outbox if staff.email in message.to] == [
        email.subject,
        mail.outbox[-1].subject,
    ]
    assert "通过" in mail.outbox[-1].subject
    assert clerk_errors == [] and desk_errors == []
    clerk_context.close()
    desk_context.close()
