"""Documents of a project and its reports (批复文件, 合同, 验收资料): uploaded on the
project page by those who answer for the project, checked by their content, listed by
kind and served only as a permission-checked download."""

import datetime
import io
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from projects.documents import services
from projects.models import Document, ProgressReport, Project
from projects.rules import Role, may
from tests.admin_forms import admin_form_data, admin_url
from tests.conftest import with_role
from tests.factories import (
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = ProgressReport.Status


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_ACCEL_PREFIX = ""
    # Six users a test: a fast hasher, the passwords are never checked here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def scanned_page() -> bytes:
    """Return a real PDF, as Pillow writes a scanned page (it dates it: made once)."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), "white").save(buffer, "PDF")
    return buffer.getvalue()


PDF_BYTES = scanned_page()


def pdf(name="批复.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def town():
    """Two units with a staff member each and a project each; a reviewer, a leader and
    an administrator."""
    unit_a, unit_b = ResponsibleUnitFactory(name="甲单位"), ResponsibleUnitFactory(name="乙单位")
    staff_a = with_role(
        UserFactory(username="staff.a", last_name="王", first_name="芳"), Role.STAFF
    )
    staff_b = with_role(UserFactory(username="staff.b"), Role.STAFF)
    unit_a.members.add(staff_a)
    unit_b.members.add(staff_b)
    return SimpleNamespace(
        staff_a=staff_a,
        staff_b=staff_b,
        reviewer=with_role(UserFactory(username="reviewer"), Role.REVIEWER),
        leader=with_role(UserFactory(username="leader"), Role.LEADER),
        administrator=with_role(UserFactory(username="office"), Role.ADMINISTRATOR),
        project_a=ProjectFactory(name="甲项目", responsible_unit=unit_a),
        project_b=ProjectFactory(name="乙项目", responsible_unit=unit_b),
    )


def add(town, *, project=None, kind=Document.Kind.APPROVAL, title="立项批复", **fields):
    return services.document_add(
        project=project or town.project_a,
        acting_user=town.staff_a,
        file=fields.pop("file", None) or pdf(),
        kind=kind,
        title=title,
        **fields,
    )


# Upload ----------------------------------------------------------------------------


def test_the_units_staff_upload_a_document_on_the_project_page(client, town):
    client.force_login(town.staff_a)
    page = client.get(town.project_a.get_absolute_url()).content.decode()
    assert 'enctype="multipart/form-data"' in page
    response = client.post(
        reverse("projects:document_add", args=[town.project_a.pk]),
        {
            "kind": "approval",
            "title": "关于山王镇道路工程的批复",
            "number": "山政发〔2024〕12号",
            "issued_on": "2024-03-08",
            "file": pdf("C:\\Users\\wang\\Desktop\\扫描件 (3).pdf"),
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#documents")
    document = Document.objects.get()
    assert (document.project, document.uploaded_by) == (town.project_a, town.staff_a)
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF_BYTES)
    assert document.issued_on == datetime.date(2024, 3, 8)
    # Stored under a name made from the kind, never from the user's path.
    assert re.fullmatch(r"documents/\d{4}/\d{2}/approval-[0-9a-f]{12}\.pdf", document.file.name)
    assert "扫描件" not in document.file.name


def test_another_units_staff_may_not_upload_and_nothing_is_saved(client, town):
    client.force_login(town.staff_b)
    url = reverse("projects:document_add", args=[town.project_a.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"kind": "contract", "title": "合同", "file": pdf()})
    assert response.status_code == 403
    assert not Document.objects.exists()
    page = client.get(town.project_a.get_absolute_url()).content.decode()
    assert 'action="' + url + '"' not in page


def test_leaders_read_but_do_not_upload(client, town):
    client.force_login(town.leader)
    url = reverse("projects:document_add", args=[town.project_a.pk])
    assert client.post(url, {"kind": "contract", "file": pdf()}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.document_add(
            project=town.project_a, acting_user=town.leader, file=pdf(), kind="contract"
        )


def test_a_refused_file_comes_back_beside_the_field_in_chinese(client, town):
    client.force_login(town.staff_a)
    response = client.post(
        reverse("projects:document_add", args=[town.project_a.pk]),
        {
            "kind": "contract",
            "title": "施工合同",
            "file": SimpleUploadedFile("合同.pdf", b"MZ\x90\x00" + bytes(300)),
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "“合同.pdf”" in content and "程序" in content
    assert 'value="施工合同"' in content  # what was typed is kept
    assert not Document.objects.exists()


def test_an_empty_title_takes_the_kinds_name(town):
    document = add(town, kind=Document.Kind.CONTRACT, title="  ")
    assert document.title == "合同"


def test_a_document_of_a_report_needs_an_open_report_of_the_same_project(town):
    draft = ProgressReportFactory(project=town.project_a, status=Status.DRAFT)
    document = add(town, report=draft, kind=Document.Kind.ACCEPTANCE)
    assert list(draft.documents.all()) == [document]
    submitted = ProgressReportFactory(
        project=town.project_a, status=Status.SUBMITTED, month=datetime.date(2024, 2, 1)
    )
    with pytest.raises(PermissionDenied):
        add(town, report=submitted)
    other = ProgressReportFactory(project=town.project_b, status=Status.DRAFT)
    with pytest.raises(ValidationError):
        add(town, report=other)


# Download --------------------------------------------------------------------------


def test_the_download_is_an_attachment_with_nosniff_and_the_right_bytes(client, town):
    document = add(town, title="立项批复")
    client.force_login(town.leader)
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E7%AB%8B%E9%A1%B9%E6%89%B9%E5%A4%8D.pdf" in disposition
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_behind_nginx_the_download_is_sent_by_nginx_after_the_check(client, town, settings):
    document = add(town)
    settings.MEDIA_ACCEL_PREFIX = "/protected-media/"
    client.force_login(town.staff_b)
    response = client.get(document.get_absolute_url())
    assert response["X-Accel-Redirect"] == f"/protected-media/{document.file.name}"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b""


def test_anonymous_users_are_sent_to_log_in_and_the_media_view_never_serves_documents(client, town):
    document = add(town)
    response = client.get(document.get_absolute_url())
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(town.administrator)
    assert client.get(reverse("media", args=[document.file.name])).status_code == 404


def test_a_user_without_a_role_may_not_download(client, town):
    document = add(town)
    client.force_login(UserFactory(username="nobody"))
    assert client.get(document.get_absolute_url()).status_code == 403


# The project page and the report page ------------------------------------------------


def test_the_project_page_lists_documents_by_kind(client, town):
    add(town, kind=Document.Kind.OTHER, title="现场踏勘记录")
    add(town, kind=Document.Kind.CONTRACT, title="施工合同", number="HT-2024-07")
    add(
        town,
        kind=Document.Kind.APPROVAL,
        title="立项批复",
        number="山政发〔2024〕12号",
        issued_on=datetime.date(2024, 3, 8),
    )
    client.force_login(town.leader)
    content = client.get(town.project_a.get_absolute_url()).content.decode()
    section = content[content.index('id="documents"') :]
    positions = [section.index(label) for label in ("批复文件", "合同 <", "其他")]
    assert positions == sorted(positions)
    assert section.index("立项批复") < section.index("施工合同") < section.index("现场踏勘记录")
    for shown in ("山政发〔2024〕12号", "2024-03-08", "KB", "王芳", "PDF"):
        assert shown in section
    assert "<form" not in section  # leaders read, they do not upload


def test_user_text_is_escaped_in_the_list(client, town):
    add(town, title="<script>alert(1)</script>")
    client.force_login(town.staff_a)
    content = client.get(town.project_a.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content


def test_the_report_page_lists_the_reports_documents(client, town):
    draft = ProgressReportFactory(project=town.project_a, status=Status.DRAFT)
    add(town, report=draft, kind=Document.Kind.ACCEPTANCE, title="验收记录表")
    add(town, title="项目批复（不属于月报）")
    client.force_login(town.reviewer)
    content = client.get(reverse("projects:report", args=[draft.pk])).content.decode()
    assert "验收记录表" in content
    assert "项目批复（不属于月报）" not in content


def test_the_project_page_makes_as_many_queries_for_ten_documents_as_for_one(
    client, town, django_assert_max_num_queries
):
    report = ProgressReportFactory(project=town.project_a, status=Status.DRAFT)
    add(town, report=report)
    client.force_login(town.staff_a)
    url = town.project_a.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for index in range(9):
        kind = Document.Kind.values[index % 4]
        add(town, kind=kind, title=f"文件{index}", report=report if index % 2 else None)
    with django_assert_max_num_queries(len(one)):
        content = client.get(url).content.decode()
    assert content.count('data-testid="document"') == 10


# Delete ----------------------------------------------------------------------------


def test_deleting_asks_for_confirmation_then_removes_the_row_and_the_file(
    client, town, django_capture_on_commit_callbacks
):
    document = add(town)
    name, storage = document.file.name, document.file.storage
    client.force_login(town.staff_a)
    url = reverse("projects:document_delete", args=[document.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "立项批复" in page.content.decode() and "<form" in page.content.decode()
    assert Document.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert not storage.exists(name)


def test_another_units_staff_may_not_delete(client, town):
    document = add(town)
    client.force_login(town.staff_b)
    url = reverse("projects:document_delete", args=[document.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Document.objects.exists()


def test_staff_may_not_delete_a_document_of_an_approved_report_reviewers_may(town):
    report = ProgressReportFactory(project=town.project_a, status=Status.DRAFT)
    document = add(town, report=report)
    report.status = Status.APPROVED
    report.save()
    document = Document.objects.select_related("project", "report").get(pk=document.pk)
    assert not may(town.staff_a, "projects.delete_document", document)
    with pytest.raises(PermissionDenied):
        services.document_delete(document=document, acting_user=town.staff_a)
    assert may(town.reviewer, "projects.delete_document", document)
    services.document_delete(document=document, acting_user=town.reviewer)
    assert not Document.objects.exists()


def test_changing_the_description_is_held_to_the_rules(town):
    document = add(town, title="批复")
    changed = services.document_update(
        document=document, acting_user=town.staff_a, number="山政发〔2024〕1号"
    )
    assert changed.number == "山政发〔2024〕1号"
    with pytest.raises(PermissionDenied):
        services.document_update(document=document, acting_user=town.staff_b, title="改名")
    with pytest.raises(ValidationError):
        services.document_update(document=document, acting_user=town.staff_a, project=None)


# The admin -------------------------------------------------------------------------


@pytest.fixture
def admin_staff(town):
    """Staff A in the admin, given the document permissions an administrator may grant
    a group: the object rules still decide which documents."""
    town.staff_a.is_staff = True
    town.staff_a.save()
    town.staff_a.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="projects",
            codename__in=["add_document", "change_document", "delete_document", "view_document"],
        )
    )
    return town.staff_a


def test_the_admin_holds_the_rule_as_saved_moving_to_another_units_project(
    client, town, admin_staff
):
    document = add(town)
    client.force_login(admin_staff)
    response = client.post(
        admin_url(Document, "change", document.pk),
        admin_form_data(document, project=town.project_b),
    )
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.project == town.project_a


def test_the_admin_holds_the_rule_as_loaded_another_units_document(client, town, admin_staff):
    document = services.document_add(
        project=town.project_b, acting_user=town.staff_b, file=pdf(), kind="contract"
    )
    client.force_login(admin_staff)
    response = client.post(
        admin_url(Document, "change", document.pk),
        admin_form_data(document, project=town.project_a, title="抢过来的"),
    )
    assert response.status_code == 403
    document.refresh_from_db()
    assert (document.project, document.title) == (town.project_b, "合同")


def test_the_admin_checks_the_file_by_its_content_and_sets_the_server_fields(
    client, town, admin_staff
):
    client.force_login(admin_staff)
    url = admin_url(Document, "add")
    data = {"project": town.project_a.pk, "kind": "other", "title": "说明"}
    refused = client.post(url, {**data, "file": SimpleUploadedFile("说明.xlsx", b"<html>")})
    assert refused.status_code == 200
    assert "“说明.xlsx”" in refused.content.decode()
    assert not Document.objects.exists()
    response = client.post(url, {**data, "file": pdf("说明.pdf")})
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.uploaded_by, document.content_type) == (admin_staff, "application/pdf")


def test_the_project_admin_inline_holds_each_document_to_its_rules(client, town):
    """An administrator's inline adds a checked document; the change page links to the
    permission-checked download, never to the stored file."""
    client.force_login(town.administrator)
    data = admin_form_data(town.project_a)
    data.update(
        {
            "documents-TOTAL_FORMS": "1",
            "documents-INITIAL_FORMS": "0",
            "documents-0-kind": "acceptance",
            "documents-0-title": "竣工验收报告",
            "documents-0-file": pdf("验收.pdf"),
        }
    )
    response = client.post(admin_url(Project, "change", town.project_a.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    document = Document.objects.get()
    assert (document.uploaded_by, document.kind) == (town.administrator, "acceptance")
    page = client.get(admin_url(Project, "change", town.project_a.pk)).content.decode()
    assert document.get_absolute_url() in page
    assert f"/media/{document.file.name}" not in page
