"""The report form on a phone in real Chromium: three photos chosen at once (one a 12 MP
JPEG with its capture time and GPS position), previews with a caption each, the big photo
scaled in the browser to under 1 MB with its EXIF kept and turned upright, a photo
removed from the draft; screenshots at 375 and 1440 px."""

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from projects.models import ProgressReport, ReportPhoto
from projects.rules import Role
from tests.browser.conftest import DESKTOP, PASSWORD, log_in, screenshot
from tests.conftest import with_role
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The report's page, where saving the form leads (not the form's own /reports/new/).
REPORT_PAGE = re.compile(r"/reports/\d+/$")


def phone_photo(path: Path) -> None:
    """Write a 12 MP JPEG as a phone takes it turned (stored 4000 × 3000, orientation 6:
    upright 3000 × 4000), with its capture time and GPS position in EXIF. Smooth blobs
    rather than noise, so that it compresses like a photo; still over 1 MB as it is."""
    noise = Image.effect_noise((100, 75), 80).convert("L")
    gradient = Image.linear_gradient("L").resize((100, 75))
    picture = Image.merge("RGB", [noise, gradient, noise.transpose(Image.FLIP_LEFT_RIGHT)])
    picture = picture.resize((4000, 3000), Image.BICUBIC)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Shanwang-TestCam"
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:05:12 09:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (34.0, 30.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (116.0, 10.0, 0.0)
    picture.save(path, "JPEG", quality=95, exif=exif.tobytes())


@pytest.fixture
def site(django_user_model, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = with_role(
        django_user_model.objects.create_user(
            username="zhang.wei", password=PASSWORD, last_name="张", first_name="伟"
        ),
        Role.STAFF,
    )
    project = ProjectFactory(name="张楼村标准化厂房", contact_person=staff)
    big = tmp_path / "IMG_0001.jpg"
    phone_photo(big)
    small = tmp_path / "IMG_0002.jpg"
    Image.new("RGB", (640, 480), (120, 160, 90)).save(small, "JPEG")
    drawing = tmp_path / "plan.png"
    Image.new("RGB", (800, 600), (30, 60, 200)).save(drawing, "PNG")
    return {"project": project, "photos": [big, small, drawing]}


def test_three_photos_at_once_scaled_captioned_and_one_removed(phone_page, live_server, site):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, "zhang.wei")
    page.goto(live_server.url + reverse("projects:report_add", args=[site["project"].pk]))
    page.get_by_label("形象进度（%）").fill("45")
    page.get_by_label("本月完成投资（万元）").fill("120.50")
    photo_input = page.locator('input[type="file"][name="photo"]')
    assert photo_input.get_attribute("capture") is None
    photo_input.set_input_files([str(path) for path in site["photos"]])

    previews = page.get_by_test_id("photo-preview")
    previews.nth(2).wait_for()
    assert previews.count() == 3
    # The scaled files are in the input itself, for a plain submit and for the outbox.
    assert page.evaluate("document.querySelector('input[name=photo]').files.length") == 3
    assert page.evaluate("document.querySelector('input[name=photo]').files[0].size") < 1_000_000
    assert page.locator('button[name="save"]').is_enabled()
    captions = page.locator('input[name="photo_caption"]')
    for index, caption in enumerate(["厂房东侧", "主体结构", "平面图"]):
        captions.nth(index).fill(caption)
    screenshot(page, "report-form-previews-phone")
    page.locator('button[name="save"]').click()
    page.wait_for_url(REPORT_PAGE)

    report = ProgressReport.objects.get(project=site["project"])
    assert report.status == ProgressReport.Status.DRAFT
    photos = list(report.photos.order_by("pk"))
    assert [photo.caption for photo in photos] == ["厂房东侧", "主体结构", "平面图"]
    big = photos[0]
    assert big.original.size < 1_000_000  # uploaded as scaled by the browser
    with Image.open(big.original.path) as original:
        assert original.format == "JPEG"
        assert original.size == (1920, 2560)  # upright, longer side 2,560 px
        exif = original.getexif()
        assert exif.get(ExifTags.Base.Orientation, 1) == 1  # not to be turned again
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert big.taken_at is not None  # the capture time survived the browser
    assert big.latitude is not None
    small = photos[1]
    with Image.open(small.original.path) as original:
        assert original.size == (640, 480)  # small enough: sent as it is

    # Remove a photo from the draft: tick its box and save; what was typed stays.
    page.goto(live_server.url + reverse("projects:report_edit", args=[report.pk]))
    page.get_by_test_id("draft-photo").nth(2).wait_for()
    page.locator(f"#remove_photo_{photos[2].pk}").check()
    page.get_by_label("进展情况").fill("主体结构施工完成")
    screenshot(page, "report-form-draft-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "report-form-draft-desktop")
    page.locator('button[name="save"]').click()
    page.wait_for_url(REPORT_PAGE)
    assert list(report.photos.order_by("pk")) == photos[:2]
    assert not ReportPhoto.objects.filter(pk=photos[2].pk).exists()
    report.refresh_from_db()
    assert report.narrative == "主体结构施工完成"
    assert errors == []


def test_the_exif_splice_in_the_browser_keeps_a_plain_jpeg_readable(phone_page, live_server, site):
    """A big PNG (no EXIF) is re-encoded as a JPEG without a spliced segment."""
    page = phone_page
    log_in(page, live_server, "zhang.wei")
    page.goto(live_server.url + reverse("projects:report_add", args=[site["project"].pk]))
    big_png = site["photos"][2].with_name("big.png")
    Image.new("RGB", (3000, 2000), (200, 100, 50)).save(big_png, "PNG")
    page.locator('input[name="photo"]').set_input_files(str(big_png))
    page.get_by_test_id("photo-preview").first.wait_for()
    scaled = page.evaluate(
        """async () => {
            const file = document.querySelector('input[name=photo]').files[0];
            return {name: file.name, type: file.type,
                    bytes: Array.from(new Uint8Array(await file.arrayBuffer()))};
        }"""
    )
    assert (scaled["name"], scaled["type"]) == ("big.jpg", "image/jpeg")
    with Image.open(io.BytesIO(bytes(scaled["bytes"]))) as image:
        assert (image.format, image.size) == ("JPEG", (2560, 1707))
