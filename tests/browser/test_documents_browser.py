"""Documents in Chromium, at 1440 and 375 px: a staff member uploads a PDF on the project
page, finds it under its kind, downloads it (an attachment, its title as the name), and
deletes another after the confirmation step; a program named .pdf is refused beside
the file field."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects.documents import services
from projects.models import Document
from projects.rules import Role
from tests.browser.conftest import PASSWORD, log_in, screenshot
from tests.conftest import with_role
from tests.factories import ProjectFactory, ResponsibleUnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scanned_page() -> bytes:
    """Return a real PDF, as Pillow writes a scanned page (it dates it: made once)."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), "white").save(buffer, "PDF")
    return buffer.getvalue()


PDF_BYTES = scanned_page()


@pytest.fixture
def town(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    unit = ResponsibleUnitFactory(name="城建办")
    author = with_role(
        UserFactory(username="zhang.wei", last_name="张", first_name="伟", password=PASSWORD),
        Role.STAFF,
    )
    unit.members.add(author)
    project = ProjectFactory(name="东山路改造工程", responsible_unit=unit)
    services.document_add(
        project=project,
        acting_user=author,
        file=SimpleUploadedFile("a.pdf", PDF_BYTES),
        kind=Document.Kind.CONTRACT,
        title="东山路施工合同（旧版）",
        number="HT-2026-031",
    )
    return {"project": project, "files": tmp_path}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_upload_list_download_and_delete_a_document(request, live_server, town, size):
    page = request.getfixturevalue(f"{size}_page")
    log_in(page, live_server, "zhang.wei")
    project_url = f"{live_server.url}{town['project'].get_absolute_url()}"
    page.goto(project_url)
    form = page.locator("#documents form")

    program = town["files"] / "批复.pdf"
    program.write_bytes(b"MZ\x90\x00" + bytes(400))
    form.locator('input[name="file"]').set_input_files(str(program))
    form.get_by_role("button", name="上传").click()
    page.get_by_text("“批复.pdf”是程序，不是文档。", exact=True).wait_for()
    screenshot(page, f"documents_refused_{size}")

    scan = town["files"] / "扫描件.pdf"
    scan.write_bytes(PDF_BYTES)
    page.goto(project_url)
    form = page.locator("#documents form")
    form.locator('select[name="kind"]').select_option("approval")
    form.get_by_label("名称").fill("关于东山路改造工程的批复")
    form.get_by_label("文号").fill("山政发〔2026〕12号")
    form.get_by_label("发文日期").fill("2026-03-08")
    form.locator('input[name="file"]').set_input_files(str(scan))
    form.get_by_role("button", name="上传").click()
    page.get_by_text("已添加文件“关于东山路改造工程的批复”。").wait_for()
    section = page.locator("#documents")
    assert section.get_by_role("heading", name="批复文件").is_visible()
    screenshot(page, f"documents_listed_{size}")

    with page.expect_download() as download:
        section.get_by_role("link", name="关于东山路改造工程的批复", exact=True).click()
    assert download.value.suggested_filename == "关于东山路改造工程的批复.pdf"
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read() == scan.read_bytes()

    section.get_by_role("link", name="删除 东山路施工合同（旧版）").click()
    page.get_by_text("确定删除“东山路施工合同（旧版）”（合同）吗？").wait_for()
    screenshot(page, f"documents_delete_{size}")
    page.get_by_role("button", name="删除", exact=True).click()
    page.get_by_text("已删除文件“东山路施工合同（旧版）”。").wait_for()
    assert list(Document.objects.values_list("title", flat=True)) == ["关于东山路改造工程的批复"]
