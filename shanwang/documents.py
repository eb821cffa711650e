"""Documents (PDF, DOCX, XLSX) checked by their content, never by their name or the type
the browser claims: a renamed program, a web page, a macro workbook, a zip bomb or a PDF
that runs JavaScript is refused with a message naming the file.

Only the three formats the town works with are accepted. Legacy Word and Excel files
(.doc, .xls: OLE compound files) are refused too: they carry macros in a form this module
does not take apart, and every current Office or WPS saves DOCX and XLSX.
"""

import dataclasses
import os
import re
import uuid
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The extension a checked document is stored and downloaded with, by its content type.
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx"}

#: The content type of the main part that makes an Office ZIP a DOCX or an XLSX.
OFFICE_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}

# ZIP limits: an Office file of a town's project is a few MB once unpacked.
ZIP_MAX_TOTAL_BYTES = 100 * 1024 * 1024
ZIP_MAX_MEMBERS = 5000
ZIP_MAX_RATIO = 100
#: Below this size a member's ratio is not judged: short repetitive XML packs very well.
ZIP_RATIO_MIN_BYTES = 1024 * 1024
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
CHUNK = 64 * 1024

#: What the object streams of one PDF may unpack to, all together.
PDF_MAX_UNPACKED_BYTES = 64 * 1024 * 1024
#: PDF names that run code, launch a program or carry a file; searched everywhere, also
#: in image data, where a false match of these long names is practically impossible.
PDF_FORBIDDEN_NAMES = {
    b"JavaScript",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"RichMedia",
}
#: Short names (a JavaScript action's code, XFA forms' scripts), searched in the objects
#: only: three letters would now and then turn up by chance inside compressed images.
PDF_FORBIDDEN_SHORT_NAMES = {b"JS", b"XFA"}

# A PDF name: a solidus and regular characters, with #xx escapes (PDF 32000-1, 7.3.5).
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /<>\[\]()%{}]+)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
# The keyword that opens a stream's data, after its dictionary.
_PDF_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")

_SIGNATURES = (
    (b"MZ", _("“%(name)s” is a program, not a document.")),
    (b"\x7fELF", _("“%(name)s” is a program, not a document.")),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        _(
            "“%(name)s” is an old Word or Excel file (.doc, .xls) or a password-protected "
            "one; save it as DOCX, XLSX or PDF without a password."
        ),
    ),
)


@dataclasses.dataclass(frozen=True)
class CheckedDocument:
    """What the content of an accepted document is."""

    content_type: str
    extension: str
    size: int


def max_bytes() -> int:
    """Return the largest document accepted (setting ``DOCUMENT_MAX_BYTES``)."""
    return settings.DOCUMENT_MAX_BYTES


def file_label(upload) -> str:
    """Return the name the user knows the file by (without its folders)."""
    return os.path.basename(str(getattr(upload, "name", "") or "")) or str(_("the file"))


def stored_name(stem: str, extension: str) -> str:
    """Return a file name for storage made from ``stem`` (a kind, a title), never from
    the user's path: ASCII letters, digits and hyphens, a random part, the extension."""
    return f"{slugify(stem)[:40] or 'document'}-{uuid.uuid4().hex[:12]}{extension}"


def check_document(upload) -> CheckedDocument:
    """Return what ``upload`` is when it is an acceptable PDF, DOCX or XLSX; raise a
    ValidationError naming the file otherwise. The upload's position is kept."""
    name = file_label(upload)
    size = upload.size
    if size is None or size > max_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; a document may be at most %(limit)s."),
            params={
                "name": name,
                "size": filesizeformat(size or 0),
                "limit": filesizeformat(max_bytes()),
            },
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty."), params={"name": name}, code="empty")
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        head = upload.read(8)
        if head.startswith(b"%PDF-"):
            upload.seek(0)
            _check_pdf(upload.read(size + 1), name)
            content_type = PDF
        elif head.startswith(b"PK\x03\x04"):
            upload.seek(0)
            content_type = _check_office(upload, name)
        else:
            for signature, message in _SIGNATURES:
                if head.startswith(signature):
                    raise ValidationError(message, params={"name": name}, code="file_type")
            raise ValidationError(
                _("“%(name)s” is not a PDF, Word (DOCX) or Excel (XLSX) file."),
                params={"name": name},
                code="file_type",
            )
    finally:
        upload.seek(position)
    return CheckedDocument(content_type=content_type, extension=EXTENSIONS[content_type], size=size)


@deconstructible
class DocumentValidator:
    """Accept only a PDF, DOCX or XLSX, checked by :func:`check_document`."""

    def __call__(self, upload):
        check_document(upload)

    def __eq__(self, other):
        return isinstance(other, DocumentValidator)


# PDF -------------------------------------------------------------------------------


def _refuse_active_pdf(name: str):
    return ValidationError(
        _(
            "“%(name)s” contains JavaScript, an embedded file or an action that starts a "
            "program; print it to a new PDF and upload that."
        ),
        params={"name": name},
        code="active_content",
    )


def _pdf_names(data: bytes) -> set[bytes]:
    """Return the names in ``data``, #xx escapes decoded (/J#61vaScript is /JavaScript)."""
    return {
        _PDF_HEX.sub(lambda match: bytes([int(match.group(1), 16)]), match.group(1))
        for match in _PDF_NAME.finditer(data)
    }


def _check_pdf(data: bytes, name: str) -> None:
    """Refuse a PDF whose objects, also those packed in object streams, run code."""
    if _pdf_names(data) & PDF_FORBIDDEN_NAMES:
        raise _refuse_active_pdf(name)
    # The short names are looked for outside the streams' data (images, fonts) and in
    # the unpacked object streams. A forged "stream" keyword (inside a string) could hide
    # objects from this part of the search, but not an action: a JavaScript action is
    # /S /JavaScript, a long name searched everywhere above.
    objects, unpacked, last = [], 0, 0
    for match in _PDF_STREAM.finditer(data):
        if match.start() < last:
            continue  # a ">> stream" inside data already skipped
        objects.append(data[last : match.end()])
        dictionary = data[max(data.rfind(b"obj", last, match.start()), last) : match.start()]
        end = data.find(b"endstream", match.end())
        end = len(data) if end == -1 else end
        names = _pdf_names(dictionary)
        if b"ObjStm" in names:
            budget = PDF_MAX_UNPACKED_BYTES - unpacked
            packed = _unpack_object_stream(data, match.end(), names, name, budget)
            unpacked += len(packed)
            objects.append(packed)
        last = end
    objects.append(data[last:])
    found = set()
    for part in objects:
        found |= _pdf_names(part)
    if found & (PDF_FORBIDDEN_NAMES | PDF_FORBIDDEN_SHORT_NAMES):
        raise _refuse_active_pdf(name)


def _unpack_object_stream(data: bytes, start: int, names: set, name: str, budget: int) -> bytes:
    """Return the objects packed in the object stream starting at ``start``, unpacked at
    most to ``budget`` bytes; refuse a stream that cannot be read (another filter, an
    encrypted file) or that unpacks past the budget."""
    unreadable = ValidationError(
        _(
            "“%(name)s” has parts that cannot be checked (encrypted or packed in an unusual "
            "way); print it to a new PDF and upload that."
        ),
        params={"name": name},
        code="unreadable",
    )
    filters = names & {
        b"ASCIIHexDecode",
        b"ASCII85Decode",
        b"LZWDecode",
        b"RunLengthDecode",
        b"Crypt",
        b"DCTDecode",
        b"JBIG2Decode",
        b"JPXDecode",
        b"CCITTFaxDecode",
    }
    if filters:
        raise unreadable
    if b"FlateDecode" not in names:
        end = data.find(b"endstream", start)
        return data[start : len(data) if end == -1 else end]
    inflater = zlib.decompressobj()
    view, position, parts, size = memoryview(data), start, [], 0
    try:
        # Fed and drained 64 KB at a time: the output never grows past the budget.
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece = inflater.unconsumed_tail
            elif position < len(data):
                piece, position = view[position : position + CHUNK], position + CHUNK
            else:
                raise unreadable  # cut short
            chunk = inflater.decompress(piece, CHUNK)
            parts.append(chunk)
            size += len(chunk)
            if size > budget:
                raise ValidationError(
                    _("“%(name)s” unpacks to more than %(limit)s; it cannot be checked."),
                    params={"name": name, "limit": filesizeformat(PDF_MAX_UNPACKED_BYTES)},
                    code="too_large_unpacked",
                )
    except zlib.error:
        raise unreadable from None
    return b"".join(parts)


# DOCX and XLSX ---------------------------------------------------------------------


def _refuse_macros(name: str):
    return ValidationError(
        _(
            "“%(name)s” contains macros or ActiveX controls (.docm, .xlsm content); save it "
            "as a plain DOCX or XLSX without macros."
        ),
        params={"name": name},
        code="macros",
    )


def _check_office(upload, name: str) -> str:
    """Return the content type of an Office Open XML ZIP (DOCX or XLSX) without macros,
    read with bounded reads and never extracted; refuse anything else."""
    not_office = ValidationError(
        _("“%(name)s” is a ZIP archive, not a Word (DOCX) or Excel (XLSX) file."),
        params={"name": name},
        code="file_type",
    )
    damaged = ValidationError(
        _("“%(name)s” is damaged or not a Word (DOCX) or Excel (XLSX) file."),
        params={"name": name},
        code="damaged",
    )
    bomb = ValidationError(
        _("“%(name)s” unpacks to far more than it weighs (a ZIP bomb?); it is refused."),
        params={"name": name},
        code="zip_bomb",
    )
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise damaged from None
    with archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise bomb
        seen, total = set(), 0
        for member in members:
            member_name = member.filename
            folded = member_name.lower()
            if (
                folded in seen
                or member_name.startswith(("/", "\\"))
                or "\\" in member_name
                or "\x00" in member_name
                or ".." in member_name.split("/")
                or re.match(r"^[A-Za-z]:", member_name)
            ):
                raise damaged
            seen.add(folded)
            if member.flag_bits & 0x1 or member.compress_type not in (
                zipfile.ZIP_STORED,
                zipfile.ZIP_DEFLATED,
            ):
                raise damaged
            total += member.file_size
            if total > ZIP_MAX_TOTAL_BYTES or (
                member.file_size > ZIP_RATIO_MIN_BYTES
                and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1)
            ):
                raise bomb
            base = folded.rsplit("/", 1)[-1]
            if base in ("vbaproject.bin", "vbadata.xml") or "/activex/" in f"/{folded}":
                raise _refuse_macros(name)
        if "[content_types].xml" not in seen:
            raise not_office
        content_types = _read_content_types(archive, name, damaged)
        if any(
            "macroenabled" in value.lower()
            or "vbaproject" in value.lower()
            or "macrosheet" in value.lower()
            or "activex" in value.lower()
            for value in content_types.values()
        ):
            raise _refuse_macros(name)
        main_parts = {
            part: OFFICE_MAIN_PARTS[value]
            for part, value in content_types.items()
            if value in OFFICE_MAIN_PARTS
        }
        if len(set(main_parts.values())) != 1 or not any(
            part.lstrip("/").lower() in seen for part in main_parts
        ):
            raise not_office
        # Every member read to its end, in chunks: a size in the directory that lies
        # (a CRC that does not match) shows a damaged or forged file.
        try:
            for member in members:
                with archive.open(member) as stream:
                    while stream.read(CHUNK):
                        pass
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
            raise damaged from None
        return next(iter(main_parts.values()))


def _read_content_types(archive, name: str, damaged) -> dict[str, str]:
    """Return [Content_Types].xml as {part name or "*.extension": content type}."""
    member = next(m for m in archive.infolist() if m.filename.lower() == "[content_types].xml")
    try:
        with archive.open(member) as stream:
            text = stream.read(CONTENT_TYPES_MAX_BYTES + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        raise damaged from None
    if len(text) > CONTENT_TYPES_MAX_BYTES:
        raise damaged
    try:
        root = fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise damaged from None
    found = {}
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        content_type = element.get("ContentType", "")
        if tag == "Override":
            found[element.get("PartName", "")] = content_type
        elif tag == "Default":
            found[f"*.{element.get('Extension', '')}"] = content_type
    return found
