"""The report form: several photos and documents in one POST, nothing chosen lost on a
validation error (the files are kept on the server under the form's key), photos removed
from a draft, one report per idempotency key, and the kept files only to their owner."""

import datetime
import io
import os
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image

from projects import services
from projects.models import Document, ProgressReport, ReportPhoto, StagedUpload
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import ProgressReportFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg(name="site.jpg", colour=(120, 160, 90), size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def pdf(name="批复.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def not_a_photo(name="notes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just text, not a photo", "image/jpeg")


def report_data(**changes) -> dict:
    data = {
        "month": "2024-05",
        "physical_progress": "40",
        "investment_completed": "120",
        "narrative": "主体完工",
        "problems": "",
        "document_kind": Document.Kind.APPROVAL,
        "client_key": str(uuid.uuid4()),
        "save": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def project(user):
    return ProjectFactory(contact_person=user)


@pytest.fixture
def add_url(project):
    return reverse("projects:report_add", args=[project.pk])


def test_the_form_takes_several_photos_from_the_gallery_or_the_camera(user_client, add_url):
    """The photo input takes several files, does not force the camera and accepts HEIC;
    the document input takes several PDF, DOCX and XLSX files; a key is in the form."""
    page = user_client.get(add_url).content.decode()
    assert 'name="photo"' in page and "multiple" in page
    assert 'accept="image/*,.heic,.heif"' in page
    assert "capture" not in page
    assert 'name="document"' in page and ".pdf,.docx,.xlsx" in page
    assert 'name="client_key"' in page
    assert "data-outbox" in page
    assert "js/report_form.js" in page


def test_three_photos_and_a_pdf_in_one_post(user_client, user, project, add_url):
    """Three photos and a PDF in one POST: three photos with their captions in order and
    one document of the report, of the chosen kind."""
    response = user_client.post(
        add_url,
        report_data(
            photo=[jpeg("a.jpg"), jpeg("b.jpg", (10, 20, 30)), jpeg("c.jpg", (200, 0, 0))],
            photo_caption=["东侧", "主体", "围墙"],
            document=[pdf()],
        ),
    )
    report = ProgressReport.objects.get(project=project)
    assert response.status_code == 302
    assert list(report.photos.order_by("pk").values_list("caption", flat=True)) == [
        "东侧",
        "主体",
        "围墙",
    ]
    document = Document.objects.get()
    assert (document.project, document.report, document.kind) == (
        project,
        report,
        Document.Kind.APPROVAL,
    )
    assert document.uploaded_by == user


def test_an_invalid_field_keeps_the_files_and_the_next_post_attaches_them(
    user_client, user, project, add_url
):
    """A POST with an invalid field comes back (400) with the photos and the document
    kept and shown; the next valid POST of the same form attaches them, with the caption
    as changed, but for the one the user removed; nothing stays kept."""
    data = report_data(physical_progress="140")
    first = user_client.post(
        add_url,
        {
            **data,
            "photo": [jpeg("a.jpg"), jpeg("b.jpg", (1, 2, 3))],
            "photo_caption": ["东侧", "西侧"],
            "document": [pdf()],
        },
    )
    assert first.status_code == 400
    assert "physical_progress" in first.context["form"].errors
    assert not ProgressReport.objects.exists()
    staged = list(StagedUpload.objects.order_by("pk"))
    assert [(upload.name, upload.caption) for upload in staged] == [
        ("a.jpg", "东侧"),
        ("b.jpg", "西侧"),
        ("批复.pdf", ""),
    ]
    assert {upload.key for upload in staged} == {uuid.UUID(data["client_key"])}
    page = first.content.decode()
    for upload in staged:
        assert reverse("projects:staged_upload", args=[upload.pk]) in page
    assert 'value="东侧"' in page
    assert first.context["form"]["client_key"].value() == data["client_key"]

    second = user_client.post(
        add_url,
        {
            **data,
            "physical_progress": "40",
            f"staged_caption_{staged[0].pk}": "东侧围墙",
            "remove_staged": [staged[1].pk],
        },
    )
    assert second.status_code == 302
    report = ProgressReport.objects.get(project=project)
    assert list(report.photos.values_list("caption", flat=True)) == ["东侧围墙"]
    assert report.documents.get().title == "批复"
    assert not StagedUpload.objects.exists()
    assert report.client_key == uuid.UUID(data["client_key"])


def test_a_bad_photo_saves_nothing_and_keeps_the_good_ones(user_client, project, add_url):
    """One photo of three is not a photo: its error, naming the file, is on the photo
    field; no report and no photo is saved; the two good photos are kept for the next
    POST."""
    response = user_client.post(
        add_url,
        report_data(
            photo=[jpeg("a.jpg"), not_a_photo("坏的.jpg"), jpeg("c.jpg", (5, 5, 5))],
            photo_caption=["一", "二", "三"],
        ),
    )
    assert response.status_code == 400
    [error] = response.context["form"].errors["photo"]
    assert "坏的.jpg" in error
    assert not ProgressReport.objects.exists()
    assert not ReportPhoto.objects.exists()
    assert list(StagedUpload.objects.values_list("name", "caption")) == [
        ("a.jpg", "一"),
        ("c.jpg", "三"),
    ]


def test_a_file_that_is_no_document_is_refused_on_the_document_field(user_client, project, add_url):
    """A program renamed .pdf gets its Chinese error on the document field; nothing saved."""
    response = user_client.post(
        add_url,
        report_data(document=[SimpleUploadedFile("合同.pdf", b"MZ\x90\x00" * 64)]),
    )
    assert response.status_code == 400
    [error] = response.context["form"].errors["document"]
    assert "合同.pdf" in error
    assert not ProgressReport.objects.exists()
    assert not StagedUpload.objects.exists()


def test_the_duplicate_month_error_is_beside_the_month(user_client, project, add_url):
    """A second report for a month that has one: the error is on the month field."""
    ProgressReportFactory(project=project, month=datetime.date(2024, 5, 1))
    response = user_client.post(add_url, report_data(photo=[jpeg()]))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["month"] == [gettext("This project already has a report for that month.")]
    assert not form.non_field_errors()
    assert StagedUpload.objects.count() == 1  # the photo is kept


def test_the_same_client_key_twice_creates_one_report(user_client, project, add_url):
    """The outbox sending the same form twice makes one report with one photo."""
    data = report_data()
    for _ in range(2):
        response = user_client.post(add_url, {**data, "photo": [jpeg()]})
        assert response.status_code == 302
    report = ProgressReport.objects.get(project=project)
    assert report.photos.count() == 1
    assert response["Location"] == reverse("projects:report", args=[report.pk])


def draft_with_photos(user, count=1, **report_fields):
    report = ProgressReportFactory(
        project=ProjectFactory(contact_person=user),
        status=ProgressReport.Status.DRAFT,
        **report_fields,
    )
    for index in range(count):
        services.report_photo_add(
            report=report, acting_user=user, image=jpeg(f"p{index}.jpg"), caption=f"照片{index}"
        )
    return report


def edit_data(report, **changes) -> dict:
    data = {
        "physical_progress": "30",
        "investment_completed": "10",
        "narrative": "改过的月报",
        "problems": "",
        "document_kind": Document.Kind.OTHER,
        "client_key": str(uuid.uuid4()),
        "save": "",
    }
    data.update(changes)
    return data


def test_a_photo_is_removed_from_the_draft(user_client, user, django_capture_on_commit_callbacks):
    """Ticking a draft photo's remove box and saving removes it (and its files), keeps
    the others and what was typed, and writes an audit line."""
    report = draft_with_photos(user, count=2)
    first, second = report.photos.order_by("pk")
    url = reverse("projects:report_edit", args=[report.pk])
    page = user_client.get(url).content.decode()
    assert f'name="remove_photo" value="{first.pk}"' in page
    assert "data-photo-viewer" in page and first.image.url in page
    image_path = first.image.path
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(url, edit_data(report, remove_photo=[first.pk]))
    assert response.status_code == 302
    assert list(report.photos.all()) == [second]
    report.refresh_from_db()
    assert report.narrative == "改过的月报"
    assert not os.path.exists(image_path)


def test_a_removal_is_kept_when_the_form_does_not_validate(user_client, user):
    """An invalid edit removes nothing and comes back with the box still ticked."""
    report = draft_with_photos(user, count=1)
    photo = report.photos.get()
    url = reverse("projects:report_edit", args=[report.pk])
    response = user_client.post(
        url, edit_data(report, physical_progress="-1", remove_photo=[photo.pk])
    )
    assert response.status_code == 400
    assert report.photos.count() == 1
    assert f'value="{photo.pk}" id="remove_photo_{photo.pk}" checked' in response.content.decode()


def test_staff_cannot_remove_a_photo_of_another_unit_or_of_a_submitted_report(user):
    """The service refuses a staff member another unit's photo and a submitted report's."""
    other = with_role(UserFactory(), Role.STAFF)
    foreign = draft_with_photos(other)
    with pytest.raises(services.PermissionDenied):
        services.report_photo_remove(photo=foreign.photos.get(), acting_user=user)
    own = draft_with_photos(user, month=datetime.date(2024, 3, 1))
    own.status = ProgressReport.Status.SUBMITTED
    own.save()
    with pytest.raises(services.PermissionDenied):
        services.report_photo_remove(photo=own.photos.get(), acting_user=user)
    assert ReportPhoto.objects.count() == 2


def test_a_photo_of_another_report_cannot_be_ticked_for_removal(user_client, user):
    """A crafted POST naming another report's photo is refused and removes nothing."""
    report = draft_with_photos(user, month=datetime.date(2024, 3, 1))
    elsewhere = draft_with_photos(user, month=datetime.date(2024, 4, 1))
    url = reverse("projects:report_edit", args=[report.pk])
    response = user_client.post(url, edit_data(report, remove_photo=[elsewhere.photos.get().pk]))
    assert response.status_code == 400
    assert ReportPhoto.objects.count() == 2


def test_kept_files_are_shown_only_to_the_user_who_chose_them(client, user, project, add_url):
    """The thumbnail of a kept photo: to its uploader, not to another staff member, a
    reviewer or an administrator; and another user's key does not attach it."""
    client.force_login(user)
    data = report_data(physical_progress="")
    client.post(add_url, {**data, "photo": [jpeg()]})
    upload = StagedUpload.objects.get()
    url = reverse("projects:staged_upload", args=[upload.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    for role in (Role.STAFF, Role.REVIEWER, Role.ADMINISTRATOR):
        client.force_login(with_role(UserFactory(), role))
        assert client.get(url).status_code == 404
    # The administrator posts the same form key: nothing of the other user's is attached.
    admin = with_role(UserFactory(), Role.ADMINISTRATOR)
    client.force_login(admin)
    assert client.post(add_url, {**data, "physical_progress": "40"}).status_code == 302
    assert not ReportPhoto.objects.exists()
    assert StagedUpload.objects.filter(pk=upload.pk).exists()


def test_kept_files_older_than_two_days_are_deleted_when_files_are_kept(
    user, django_capture_on_commit_callbacks
):
    """Keeping files deletes the uploads kept more than two days ago, with their files."""
    [old] = services.staged_uploads_keep(
        key=uuid.uuid4(), acting_user=user, photos=[(jpeg("old.jpg"), "")]
    )
    StagedUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2, minutes=1)
    )
    path = old.file.path
    with django_capture_on_commit_callbacks(execute=True):
        services.staged_uploads_keep(key=uuid.uuid4(), acting_user=user, photos=[(jpeg(), "")])
    assert list(StagedUpload.objects.values_list("name", flat=True)) == ["site.jpg"]
    assert not os.path.exists(path)


def test_the_form_page_query_count_does_not_grow_with_photos(user_client, user):
    """The draft's form page makes as many queries with ten photos as with one."""
    counts = []
    for count, month in ((1, 3), (10, 4)):
        report = draft_with_photos(user, count=count, month=datetime.date(2024, month, 1))
        url = reverse("projects:report_edit", args=[report.pk])
        with CaptureQueriesContext(connection) as queries:
            assert user_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
