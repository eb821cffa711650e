"""Documents checked by their content (shanwang/documents.py): real PDF, DOCX and XLSX
files pass; a renamed program, a macro workbook, a zip bomb, a PDF running JavaScript
and an oversized file are refused with a Chinese message naming the file."""

import io
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from shanwang.documents import DOCX, PDF, XLSX, DocumentValidator, check_document, stored_name

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
RELS = "application/vnd.openxmlformats-package.relationships+xml"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def pdf_bytes() -> bytes:
    """Return a real PDF, as Pillow writes a scanned page."""
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buffer, "PDF")
    return buffer.getvalue()


def xlsx_bytes(*, macro_content_type: bool = False) -> bytes:
    """Return a real workbook written by openpyxl; with ``macro_content_type``, its main
    part declared as a macro-enabled workbook (.xlsm content)."""
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "合同金额"
    workbook.active["B1"] = 1280.5
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not macro_content_type:
        return buffer.getvalue()
    return rewritten(
        buffer.getvalue(),
        "[Content_Types].xml",
        lambda text: text.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ),
    )


def rewritten(archive_bytes: bytes, member: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(archive_bytes))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == member else data)
    return buffer.getvalue()


def docx_bytes(extra: dict[str, bytes] | None = None, overrides: str = "") -> bytes:
    """Return a minimal Word document, as the Office Open XML standard describes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{RELS}"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{WORD_MAIN}"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            "山王镇项目批复</w:t></w:r></w:p></w:body></w:document>",
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(name: str, content: bytes) -> str:
    """Return the Chinese message ``content`` is refused with."""
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            check_document(upload(name, content))
        message = " ".join(refused.value.messages)
    assert name in message
    said = message.replace(name, "")
    assert any("\u4e00" <= character <= "\u9fff" for character in said), message
    return message


def test_real_pdf_docx_and_xlsx_are_accepted_by_their_content():
    """A PDF, a DOCX and an XLSX pass, typed by their content whatever their names say."""
    assert check_document(upload("批复.PDF", pdf_bytes())).content_type == PDF
    checked = check_document(upload("scan.bin", docx_bytes()))
    assert (checked.content_type, checked.extension) == (DOCX, ".docx")
    checked = check_document(upload("预算.docx", xlsx_bytes()))
    assert (checked.content_type, checked.extension) == (XLSX, ".xlsx")


def test_the_upload_position_is_kept():
    """The check reads the file and puts it back where it was, for the storage to save."""
    document = upload("a.pdf", pdf_bytes())
    document.seek(3)
    check_document(document)
    assert document.tell() == 3


def test_a_renamed_program_is_refused():
    """An executable named .pdf is a program, not a document."""
    message = refusal("批复.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)
    assert "程序" in message


def test_a_web_page_and_a_legacy_word_file_are_refused():
    """An HTML page is refused; an old .doc (OLE) file is told to be saved as DOCX."""
    refusal("说明.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    message = refusal("合同.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    assert "DOCX" in message


def test_a_macro_workbook_renamed_xlsx_is_refused():
    """.xlsm content (a macro-enabled main part) is refused whatever the extension."""
    message = refusal("预算.xlsx", xlsx_bytes(macro_content_type=True))
    assert "宏" in message


def test_a_docx_with_a_vba_project_is_refused():
    """A vbaProject.bin inside a .docx is refused even with the plain content types."""
    message = refusal("批复.docx", docx_bytes(extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}))
    assert "宏" in message


def test_a_zip_bomb_as_docx_is_refused_without_unpacking_it():
    """A .docx with 200 MB of zeros packed into a few hundred KB is refused."""
    buffer = io.BytesIO(docx_bytes())
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/image1.png", "w", force_zip64=True) as member,
    ):
        zeros = bytes(1024 * 1024)
        for _ in range(200):
            member.write(zeros)
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    message = refusal("验收资料.docx", buffer.getvalue())
    assert "ZIP" in message


def test_a_member_packed_a_thousand_to_one_is_refused():
    """Below the total limit, a member whose ratio exceeds a hundred is refused too."""
    message = refusal("合同.docx", docx_bytes(extra={"word/media/a.bin": bytes(5 * 1024 * 1024)}))
    assert "ZIP" in message


def test_a_path_trick_in_the_archive_is_refused():
    """A member named ../ (out of the archive) marks a forged file."""
    refusal("合同.docx", docx_bytes(extra={"../../evil.xml": b"<x/>"}))


def test_a_zip_that_is_not_office_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    refusal("资料.docx", buffer.getvalue())


def pdf_with(objects: bytes) -> bytes:
    return b"%PDF-1.7\n" + objects + b"\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def test_a_pdf_with_an_open_action_running_javascript_is_refused():
    """An /OpenAction with /S /JavaScript and /JS, in plain objects, is refused."""
    message = refusal(
        "批复.pdf",
        pdf_with(
            b"1 0 obj <</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>> endobj\n"
            b"3 0 obj <</S/JavaScript/JS(app.alert\\(1\\))>> endobj"
        ),
    )
    assert "JavaScript" in message


def test_javascript_hidden_in_a_compressed_object_stream_is_refused():
    """The same action packed in a FlateDecode object stream, its name #-escaped."""
    packed = zlib.compress(b"3 0 <</S/J#61vaScript/JS(app.alert\\(1\\))>>")
    message = refusal(
        "批复.pdf",
        pdf_with(
            b"1 0 obj <</Type/Catalog/OpenAction 3 0 R>> endobj\n"
            b"4 0 obj <</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length "
            + str(len(packed)).encode()
            + b">>stream\n"
            + packed
            + b"\nendstream endobj"
        ),
    )
    assert "JavaScript" in message


def test_a_short_js_name_in_an_object_stream_is_refused():
    """/AA with a bare /JS, in an object stream, is refused as well."""
    packed = zlib.compress(b"5 0 <</AA<</O<</JS 6 0 R>>>>>>")
    refusal(
        "批复.pdf",
        pdf_with(
            b"4 0 obj <</Type /ObjStm /Filter /FlateDecode>>\nstream\r\n"
            + packed
            + b"\r\nendstream endobj"
        ),
    )


def test_a_pdf_with_an_object_stream_that_unpacks_too_far_is_refused():
    """An object stream unpacking past the budget is refused, not unpacked in full."""
    inflater = zlib.compressobj()
    packed = b"".join(inflater.compress(bytes(1024 * 1024)) for _ in range(80))
    packed += inflater.flush()
    refusal(
        "批复.pdf",
        pdf_with(b"4 0 obj <</Type/ObjStm/Filter/FlateDecode>>stream\n" + packed + b"\nendstream"),
    )


def test_a_pdf_with_an_embedded_file_or_launch_is_refused():
    refusal("批复.pdf", pdf_with(b"1 0 obj <</Type/EmbeddedFile>> stream\nMZ\nendstream"))
    refusal("批复.pdf", pdf_with(b"1 0 obj <</S/Launch/F(cmd.exe)>> endobj"))


def test_a_pdf_with_ordinary_links_and_an_open_action_passes():
    """An /OpenAction that only opens a page and a /URI link are no reason to refuse."""
    pdf = pdf_with(
        b"1 0 obj <</Type/Catalog/OpenAction[2 0 R/Fit]>> endobj\n"
        b"3 0 obj <</S/URI/URI(https://www.example.cn/)>> endobj"
    )
    assert check_document(upload("批复.pdf", pdf)).content_type == PDF


def test_an_oversized_or_empty_file_is_refused(settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    message = refusal("合同.pdf", pdf_bytes() + b" " * 2048)
    assert "KB" in message
    refusal("空.pdf", b"")


def test_the_default_limit_is_twenty_megabytes():
    refusal("大.pdf", b"%PDF-1.4\n" + bytes(20 * 1024 * 1024))


def test_the_validator_and_the_stored_name():
    """The validator runs the check; the stored name is ASCII, from the stem given."""
    with pytest.raises(ValidationError):
        DocumentValidator()(upload("a.pdf", b"MZ"))
    assert DocumentValidator() == DocumentValidator()
    name = stored_name("contract", ".pdf")
    assert name.startswith("contract-") and name.endswith(".pdf")
    assert stored_name("../../批复", ".docx").startswith("document-")
