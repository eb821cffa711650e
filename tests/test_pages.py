"""Cross-cutting page rules: log-in required, Chinese error pages, no inline script."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Document, Problem, ResponsibleUnit
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import (
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    SchedulingMeetingFactory,
    SupervisionOrderFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_urls(user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory()
    village = VillageFactory()
    project.villages.add(village)
    # A project the user answers for: its document pages (upload, delete) open to them.
    own = ProjectFactory(contact_person=user)
    document = Document.objects.create(
        project=own, title="批复", file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    # 督办 on that project, with the step forms the user may fill in as the one responsible.
    unit = ResponsibleUnit.objects.create(name="镇项目办", kind="department")
    problem = ProblemFactory(
        project=own, status=Problem.Status.ASSIGNED, responsible_unit=unit, responsible_person=user
    )
    order = SupervisionOrderFactory(project=own, responsible_unit=unit, responsible_person=user)
    report = ProgressReportFactory(project=own, status="submitted", problems="征地未完成")
    meeting = SchedulingMeetingFactory()
    return [
        reverse("projects:problems"),
        problem.get_absolute_url(),
        reverse("projects:problem_add", args=[own.pk]),
        reverse("projects:report", args=[report.pk]),
        reverse("projects:orders"),
        order.get_absolute_url(),
        reverse("projects:meetings"),
        meeting.get_absolute_url(),
        reverse("projects:meeting_pack"),
        reverse("projects:ranking"),
        reverse("projects:ranking_unit", args=[unit.pk]),
        reverse("projects:detail", args=[own.pk]),
        reverse("projects:document_add", args=[own.pk]),
        reverse("projects:document_delete", args=[document.pk]),
        reverse("projects:dashboard"),
        reverse("projects:list"),
        reverse("projects:indicators"),
        reverse("projects:detail", args=[project.pk]),
        reverse("villages:list"),
        reverse("villages:detail", args=[village.pk]),
    ]


def test_anonymous_users_are_sent_to_log_in(client, page_urls):
    for url in [*page_urls, reverse("admin:index")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]


def test_pages_have_no_inline_script_or_style_and_send_a_csp(user_client, page_urls):
    for url in [*page_urls, reverse("login")]:
        assert_no_inline_code(user_client, url)


def test_supervisors_forms_have_no_inline_script_or_style(client):
    """The pages only reviewers, leaders and administrators open: the assignment, an
    order issued, a meeting recorded and its decisions."""
    reviewer = with_role(UserFactory(), Role.REVIEWER)
    project = ProjectFactory()
    meeting = SchedulingMeetingFactory()
    client.force_login(reviewer)
    for url in [
        ProblemFactory(project=project).get_absolute_url(),
        reverse("projects:order_add", args=[project.pk]),
        reverse("projects:meeting_add"),
        reverse("projects:meeting_edit", args=[meeting.pk]),
        meeting.get_absolute_url(),
    ]:
        assert_no_inline_code(client, url)


def assert_no_inline_code(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    content = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", content):
        # JSON data blocks (chart data) are never executed; code comes from files.
        is_data = 'type="application/json"' in tag
        assert "src=" in tag or is_data, f"inline script on {url}: {tag}"
    assert not re.search(r"\sstyle=", content), f"inline style on {url}"
    assert not re.search(r"\son[a-z]+=", content), f"inline event handler on {url}"


def test_logged_in_user_sees_the_navigation_in_chinese(user_client):
    content = user_client.get(reverse("projects:dashboard")).content.decode()
    for label in ("工作台", "项目", "村集体经济", "退出登录"):
        assert label in content
    assert 'href="/admin/"' not in content  # only for users with admin rights


def test_admins_see_the_admin_link(admin_client):
    content = admin_client.get(reverse("projects:dashboard")).content.decode()
    assert 'href="/admin/">管理后台</a>' in content


def test_not_found_page_is_chinese(user_client, settings):
    settings.DEBUG = False
    response = user_client.get("/projects/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_logout_ends_the_session(user_client):
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert user_client.get(reverse("projects:dashboard")).status_code == 302


def test_forbidden_and_server_error_pages_are_chinese(rf, user):
    from django.core.exceptions import PermissionDenied
    from django.views import defaults

    request = rf.get("/")
    request.user = user
    forbidden = defaults.permission_denied(request, PermissionDenied())
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.content.decode()
    error = defaults.server_error(request)
    assert error.status_code == 500
    assert "服务器" in error.content.decode()


def test_uploads_are_served_only_inside_the_media_folder(user_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "reports").mkdir(parents=True)
    (tmp_path / "media" / "reports" / "photo.jpg").write_bytes(b"jpeg")
    (tmp_path / "media" / "originals").mkdir()
    (tmp_path / "media" / "originals" / "photo.jpg").write_bytes(b"jpeg with GPS")
    (tmp_path / "secret.txt").write_text("secret")
    assert user_client.get("/media/reports/photo.jpg").status_code == 200
    # Originals, documents and staged files have views of their own, never this one.
    assert user_client.get("/media/originals/photo.jpg").status_code == 404
    assert user_client.get("/media/../secret.txt").status_code == 404
    assert user_client.get("/media/%2E%2E/secret.txt").status_code == 404
    assert user_client.get("/media/nothing.jpg").status_code == 404


def test_uploads_need_a_log_in(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "photo.jpg").write_bytes(b"jpeg")
    assert client.get("/media/photo.jpg").status_code == 302
