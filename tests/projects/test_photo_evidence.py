"""Site photos as evidence (projects/evidence.py, ReportPhoto.save): what the server reads
from each upload, the flags the reviewer sees, the site point taken from a photo, and
who gets the served copy and who the original."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import ExifTags, Image

from projects import services
from projects.evidence import report_photo_evidence
from projects.models import ProgressReport, Project, ReportPhoto
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import ProgressReportFactory, ProjectFactory, UserFactory
from tests.pictures import CAMERA, site_picture

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
SITE = (Decimal("30.250000"), Decimal("120.160000"))
#: About 220 m north of the site, and about 5 km north of it.
NEAR = (30.252, 120.16)
FAR = (30.295, 120.16)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def dms(degrees: float) -> tuple[float, float, float]:
    minutes, seconds = divmod(abs(degrees) * 3600, 60)
    whole, minutes = divmod(minutes, 60)
    return (whole, minutes, round(seconds, 3))


def phone_jpeg(
    picture: Image.Image,
    *,
    taken: datetime.datetime | None = None,
    position: tuple[float, float] | None = None,
    quality: int = 90,
    name: str = "IMG_0001.jpg",
) -> SimpleUploadedFile:
    """Return a JPEG as a phone writes it: its camera, capture time (local, with its
    offset) and GPS position in EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    if taken is not None:
        fields = exif.get_ifd(ExifTags.IFD.Exif)
        fields[ExifTags.Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
        fields[ExifTags.Base.OffsetTimeOriginal] = taken.strftime("%z")[:3] + ":00"
    if position is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if position[0] >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = dms(position[0])
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if position[1] >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = dms(position[1])
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def november(project=None, **fields) -> ProgressReport:
    fields.setdefault("status", ProgressReport.Status.SUBMITTED)
    return ProgressReportFactory(
        project=project or ProjectFactory(), month=datetime.date(2026, 11, 1), **fields
    )


def add_photo(report, upload=None, **upload_fields) -> ReportPhoto:
    if upload is None:
        upload_fields.setdefault("taken", datetime.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI))
        upload = phone_jpeg(site_picture(seed=upload_fields.pop("seed", 1)), **upload_fields)
    return ReportPhoto.objects.create(report=report, image=upload)


def flags(report, user=None) -> list[tuple[str, ...]]:
    """Return the flag codes of each photo of ``report``, in order."""
    evidence = report_photo_evidence(report, user=user or UserFactory())
    return [tuple(flag.code for flag in item.flags) for item in evidence]


def administrator():
    return with_role(UserFactory(), Role.ADMINISTRATOR)


# What the server reads, on every path ----------------------------------------------------


def test_saving_a_photo_keeps_the_original_and_reads_its_evidence(media_root):
    """The served copy has no EXIF at all (no GPS); the original is the upload itself,
    GPS and all; the capture time, position and hash are in the photo's fields."""
    upload = phone_jpeg(
        site_picture(),
        taken=datetime.datetime(2026, 11, 3, 14, 22, tzinfo=SHANGHAI),
        position=(30.252083, 120.1675),
    )
    uploaded = upload.read()
    photo = add_photo(november(), upload)
    assert photo.taken_at == datetime.datetime(2026, 11, 3, 14, 22, tzinfo=SHANGHAI)
    assert (photo.latitude, photo.longitude) == (Decimal("30.252083"), Decimal("120.167500"))
    assert len(photo.perceptual_hash) == 16
    assert photo.image.name.startswith("reports/") and photo.original.name.startswith("originals/")
    served = (media_root / photo.image.name).read_bytes()
    assert CAMERA.encode() not in served
    with Image.open(io.BytesIO(served)) as image:
        assert len(image.getexif()) == 0
    with Image.open(media_root / photo.thumbnail.name) as thumbnail:
        assert max(thumbnail.size) == 640 and len(thumbnail.getexif()) == 0
    assert photo.thumbnail.name.startswith("reports/thumbnails/")  # served like the copy
    original = (media_root / photo.original.name).read_bytes()
    assert original == uploaded
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_the_service_and_the_admin_read_the_evidence_too(admin_client, user):
    """The report form's service and the admin's photo page store the same fields."""
    project = ProjectFactory(contact_person=user)
    draft = ProgressReportFactory(project=project, status=ProgressReport.Status.DRAFT)
    taken = datetime.datetime(2026, 11, 3, 9, tzinfo=SHANGHAI)
    by_service = services.report_photo_add(
        report=draft, acting_user=user, image=phone_jpeg(site_picture(), taken=taken)
    )
    response = admin_client.post(
        reverse("admin:projects_reportphoto_add"),
        {"report": draft.pk, "image": phone_jpeg(site_picture(seed=2), taken=taken), "caption": ""},
    )
    assert response.status_code == 302
    by_admin = ReportPhoto.objects.exclude(pk=by_service.pk).get()
    for photo in (by_service, by_admin):
        assert photo.taken_at == taken and photo.original and photo.perceptual_hash


# The flags -----------------------------------------------------------------------------


def test_the_same_picture_in_a_later_report_is_flagged_naming_the_earlier_one():
    """A picture used in October's report of one project, re-encoded at a lower quality
    and half the size, in November's report of another project is flagged, with a link
    to October's report; a different picture is not, nor is the October photo."""
    picture = site_picture(seed=11, size=(1600, 1200))
    october = ProgressReportFactory(
        project=ProjectFactory(name="东村桥梁"), month=datetime.date(2026, 10, 1)
    )
    add_photo(october, phone_jpeg(picture, taken=datetime.datetime(2026, 10, 20, tzinfo=SHANGHAI)))
    report = november()
    again = picture.resize((800, 600), Image.Resampling.BILINEAR)
    add_photo(
        report,
        phone_jpeg(again, taken=datetime.datetime(2026, 11, 20, tzinfo=SHANGHAI), quality=60),
    )
    add_photo(report, seed=12)
    assert flags(report) == [("reused",), ()]
    reused = report_photo_evidence(report, user=UserFactory())[0].flags[0]
    assert reused.url == reverse("projects:report", args=[october.pk])
    assert "东村桥梁" in reused.link_text and "2026年10月" in reused.link_text
    assert reused.severity == "danger"
    assert flags(october) == [()]


def test_the_same_picture_in_the_same_month_of_another_project_is_flagged():
    """Two projects showing one picture for the same month are both flagged; the same
    project's own report is not an earlier use of itself."""
    picture = site_picture(seed=21)
    first, second = november(), november()
    add_photo(first, phone_jpeg(picture, taken=datetime.datetime(2026, 11, 5, tzinfo=SHANGHAI)))
    add_photo(second, phone_jpeg(picture, taken=datetime.datetime(2026, 11, 5, tzinfo=SHANGHAI)))
    add_photo(second, phone_jpeg(picture, taken=datetime.datetime(2026, 11, 5, tzinfo=SHANGHAI)))
    assert flags(first) == [("reused",)]
    assert flags(second) == [("reused",), ("reused",)]


def test_blank_frames_are_not_taken_for_the_same_picture():
    october = ProgressReportFactory(month=datetime.date(2026, 10, 1))
    add_photo(october, phone_jpeg(Image.new("RGB", (64, 48), "white")))
    report = november()
    add_photo(report, phone_jpeg(Image.new("RGB", (64, 48), "grey")))
    assert flags(report) == [("no_time",)]


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        (datetime.datetime(2026, 10, 15, 12, tzinfo=SHANGHAI), ("stale",)),  # 46 days
        (datetime.datetime(2026, 10, 16, 12, tzinfo=SHANGHAI), ()),  # 45 days
        (datetime.datetime(2026, 12, 1, 8, tzinfo=SHANGHAI), ()),  # filed on 1 December
        (None, ("no_time",)),
    ],
    ids=["46 days before the month's end", "45 days", "after the month", "no capture time"],
)
def test_an_old_photo_and_one_without_a_time_are_flagged(taken, expected):
    """Taken more than 45 days before the end of the report's month: flagged; a photo
    that does not say when it was taken: flagged."""
    report = november()
    add_photo(report, phone_jpeg(site_picture(), taken=taken))
    assert flags(report) == [expected]


def test_a_capture_time_after_the_upload_is_flagged():
    """A photo cannot be taken after it was uploaded: a wrong clock or edited EXIF."""
    report = november()
    later = datetime.datetime.now(tz=SHANGHAI) + datetime.timedelta(days=2)
    add_photo(report, phone_jpeg(site_picture(), taken=later))
    assert "after_upload" in flags(report)[0]


def test_a_photo_far_from_the_site_is_flagged_and_the_distance_shown():
    """With a site point, a photo about 5 km away is flagged and its distance written;
    one 220 m away is near the site; one without a position says so."""
    project = ProjectFactory(site_latitude=SITE[0], site_longitude=SITE[1])
    report = november(project)
    add_photo(report, position=FAR, seed=1)
    add_photo(report, position=NEAR, seed=2)
    add_photo(report, seed=3)
    evidence = report_photo_evidence(report, user=UserFactory())
    assert [tuple(flag.code for flag in item.flags) for item in evidence] == [("far",), (), ()]
    assert "5.0" in evidence[0].site  # km
    assert "222" in evidence[1].site
    assert evidence[0].position == "30.295000, 120.160000"
    assert evidence[2].position != evidence[1].position


def test_without_a_site_point_nothing_is_far(settings):
    settings.PHOTO_SITE_RADIUS_M = 100
    report = november()
    add_photo(report, position=FAR)
    evidence = report_photo_evidence(report, user=UserFactory())
    assert evidence[0].flags == ()
    assert evidence[0].site  # "the project has no site point"


def test_the_radius_is_a_setting(settings):
    project = ProjectFactory(site_latitude=SITE[0], site_longitude=SITE[1])
    report = november(project)
    add_photo(report, position=NEAR)
    assert flags(report) == [()]
    settings.PHOTO_SITE_RADIUS_M = 100
    assert flags(report) == [("far",)]


# The report page -----------------------------------------------------------------------


def test_the_report_page_shows_time_position_flags_and_the_viewer_markup(client):
    """Each photo: a lazily loaded thumbnail in a link the viewer opens, 拍摄时间, 位置,
    its flags as badges; the viewer's script is a static file (no inline script)."""
    reviewer = with_role(UserFactory(), Role.REVIEWER)
    report = november()
    photo = add_photo(report, taken=None, position=NEAR)
    client.force_login(reviewer)
    response = client.get(reverse("projects:report", args=[report.pk]))
    html = response.content.decode()
    assert f'<a class="photo-link" href="{photo.image.url}" data-photo-viewer' in html
    # The card shows the small copy; the viewer opens the served one.
    assert f'src="{photo.thumbnail.url}"' in html and f'src="{photo.image.url}"' not in html
    assert 'loading="lazy"' in html
    assert 'data-flag="no_time"' in html
    assert "text-bg-warning" in html
    assert "js/photo_viewer.js" in html
    assert "30.252000, 120.160000" in html
    assert reverse("projects:photo_original", args=[photo.pk]) not in html  # not an admin
    assert reverse("projects:photo_site", args=[photo.pk]) in html  # reviewers edit projects


def test_the_report_page_makes_a_constant_number_of_queries(client, django_assert_max_num_queries):
    """The page with ten photos (some reused, some far) makes no more queries than with one."""
    client.force_login(with_role(UserFactory(), Role.STAFF))
    october = ProgressReportFactory(month=datetime.date(2026, 10, 1))
    project = ProjectFactory(site_latitude=SITE[0], site_longitude=SITE[1])
    small, large = november(project), november()
    for seed in range(10):
        add_photo(october, seed=100 + seed)
    add_photo(small, seed=100, position=FAR)
    for seed in range(10):
        add_photo(large, seed=100 + seed, position=FAR if seed % 2 else NEAR)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("projects:report", args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("projects:report", args=[large.pk]))
    assert response.content.decode().count('data-flag="reused"') == 10


# The site point from a photo -----------------------------------------------------------


def test_staff_make_a_photos_position_their_projects_site(client):
    """Beside a located photo of a project without a site point, its staff member sees
    the button; posting it sets the site point from the photo; the button then goes."""
    staff = with_role(UserFactory(), Role.STAFF)
    project = ProjectFactory(contact_person=staff)
    report = november(project)
    photo = add_photo(report, position=NEAR)
    client.force_login(staff)
    page = reverse("projects:report", args=[report.pk])
    button = reverse("projects:photo_site", args=[photo.pk])
    assert button in client.get(page).content.decode()
    response = client.post(button)
    assert response.status_code == 302 and response["Location"] == page
    project.refresh_from_db()
    assert (project.site_latitude, project.site_longitude) == (photo.latitude, photo.longitude)
    assert project.history.first().history_user == staff
    assert button not in client.get(page).content.decode()


def test_another_units_staff_cannot_set_the_site_and_an_unlocated_photo_cannot(client):
    staff = with_role(UserFactory(), Role.STAFF)
    report = november(ProjectFactory(contact_person=staff))
    unlocated = add_photo(report)
    stranger = with_role(UserFactory(), Role.STAFF)
    located = add_photo(november(), position=NEAR, seed=2)
    client.force_login(staff)
    assert client.post(reverse("projects:photo_site", args=[located.pk])).status_code == 403
    response = client.post(reverse("projects:photo_site", args=[unlocated.pk]), follow=True)
    assert response.status_code == 200
    [message] = list(response.context["messages"])
    assert message.level_tag == "error"
    assert Project.objects.filter(site_latitude__isnull=False).count() == 0
    client.force_login(stranger)
    assert client.post(reverse("projects:photo_site", args=[located.pk])).status_code == 403


# Who gets which file -------------------------------------------------------------------


def test_the_original_is_for_administrators_only(client, media_root):
    """A staff member gets 403 for a photo's original; an administrator gets it as an
    attachment of unknown type, nosniff, GPS and all. Both get the served copy."""
    staff = with_role(UserFactory(), Role.STAFF)
    photo = add_photo(november(ProjectFactory(contact_person=staff)), position=NEAR)
    original_url = reverse("projects:photo_original", args=[photo.pk])
    client.force_login(staff)
    assert client.get(original_url).status_code == 403
    assert client.get(reverse("media", args=[photo.image.name])).status_code == 200
    client.force_login(administrator())
    response = client.get(original_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    content = b"".join(response.streaming_content)
    assert content == (media_root / photo.original.name).read_bytes()
    assert CAMERA.encode() in content


@pytest.mark.parametrize(
    "folder", ["originals", "documents", "staged", ""], ids=lambda f: f or "MEDIA_ROOT"
)
def test_the_media_view_serves_only_the_served_photos(client, media_root, folder):
    """Not even an administrator gets an original, a document or a staged file through
    the generic media view, nor a path climbing out of reports/."""
    stored = media_root / folder / "2026" / "11" / "site.jpg"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"\xff\xd8 a file")
    client.force_login(administrator())
    relative = stored.relative_to(media_root).as_posix()
    assert client.get(reverse("media", args=[relative])).status_code == 404
    climbing = f"reports/../{relative}"
    assert client.get(reverse("media", args=[climbing])).status_code == 404
