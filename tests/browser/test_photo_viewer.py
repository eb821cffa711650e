"""The report page's photos in real Chromium, under the strict CSP: a reviewer sees each
photo's capture time, position and flags, and taps a photo to see it large in a dialog
(static/js/photo_viewer.js), on desktop and phone."""

import datetime

import pytest

from projects.models import ProgressReport, ReportPhoto
from projects.rules import Role
from tests.browser.conftest import PASSWORD, screenshot
from tests.conftest import with_role
from tests.factories import ProgressReportFactory, ProjectFactory
from tests.pictures import site_picture
from tests.projects.test_photo_evidence import FAR, NEAR, SHANGHAI, SITE, phone_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewed_report(django_user_model, tmp_path, settings):
    """November's report with three photos: one used in October, one far from the site,
    one without a capture time; a reviewer to look at it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with_role(
        django_user_model.objects.create_user(
            username="chen.jing", password=PASSWORD, last_name="陈", first_name="静"
        ),
        Role.REVIEWER,
    )
    project = ProjectFactory(
        name="山王村道路硬化改造工程", site_latitude=SITE[0], site_longitude=SITE[1]
    )
    october = ProgressReportFactory(project=project, month=datetime.date(2026, 10, 1))
    november = ProgressReportFactory(
        project=project,
        month=datetime.date(2026, 11, 1),
        status=ProgressReport.Status.SUBMITTED,
    )
    used = site_picture(seed=5, size=(1600, 1200))
    taken = datetime.datetime(2026, 10, 28, 9, 30, tzinfo=SHANGHAI)
    ReportPhoto.objects.create(report=october, image=phone_jpeg(used, taken=taken))
    for picture, fields, caption in (
        (used, {"taken": taken, "position": NEAR}, "路基压实"),
        (site_picture(seed=6), {"taken": taken, "position": FAR}, "沥青摊铺"),
        (site_picture(seed=7), {"position": NEAR}, "排水沟"),
    ):
        ReportPhoto.objects.create(
            report=november, image=phone_jpeg(picture, **fields), caption=caption
        )
    return november


def log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("chen.jing")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_reviewer_sees_the_evidence_and_enlarges_a_photo(
    request, live_server, reviewed_report, viewport
):
    page = request.getfixturevalue(f"{viewport}_page")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/reports/{reviewed_report.pk}/")
    photos = page.get_by_test_id("report-photo")
    assert photos.count() == 3
    assert photos.nth(0).locator('[data-flag="reused"]').count() == 1
    assert photos.nth(1).locator('[data-flag="far"]').count() == 1
    assert photos.nth(2).locator('[data-flag="no_time"]').count() == 1
    assert "2026-10-28 09:30" in photos.nth(0).get_by_test_id("photo-taken-at").inner_text()
    for index in range(3):
        photos.nth(index).scroll_into_view_if_needed()
    # decode() resolves once a picture is loaded; evaluated through the protocol, not by
    # a polling string the page's CSP (no eval) may refuse.
    page.locator(".photo-thumb").evaluate_all("imgs => Promise.all(imgs.map(i => i.decode()))")
    screenshot(page, f"report_photos_{viewport}")

    photos.nth(1).locator("a.photo-link").click()
    dialog = page.locator("dialog.photo-viewer")
    dialog.wait_for(state="visible")
    assert "沥青摊铺" in dialog.locator(".photo-viewer-caption").inner_text()
    page.locator(".photo-viewer-image").evaluate("image => image.decode()")
    assert page.url.endswith(f"/reports/{reviewed_report.pk}/")  # not navigated away
    screenshot(page, f"report_photo_viewer_{viewport}")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert errors == []
