"""Reading uploaded spreadsheets safely, and writing workbooks people can trust.

Every check runs before a byte of the file is interpreted as a workbook: the file's kind
is told from its first bytes (never from its name), a ZIP's entry count and uncompressed
size are checked before it is opened, and openpyxl parses the XML through defusedxml in
read-only mode. A rejected file raises :class:`SpreadsheetRejected` with a message for
the person who uploaded it.
"""

import codecs
import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from defusedxml import ElementTree
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shanwang.formatting import XLSX_AMOUNT, XLSX_DATE

#: Limits on what an upload may be. The row limit is the issue's; the others keep a
#: hostile or broken file from exhausting the server's memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ZIP_ENTRIES = 500
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MACRO_CONTENT_TYPE = b"macroEnabled"

#: A cell starting with one of these is a formula to Excel or LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Amounts in 万元 with thousands separators and two decimals, as pages write them.
AMOUNT_FORMAT = XLSX_AMOUNT
DATE_FORMAT = XLSX_DATE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert(value):
    """Return ``value`` so that a spreadsheet shows it as text, never runs it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SpreadsheetRejected(Exception):
    """The file cannot be read as a spreadsheet; ``message`` says why, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """One table of a file: its title, its header row and its data rows, each with the
    row number a person sees in Excel (the header is row 1)."""

    title: str
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)


def read_spreadsheet(data: bytes, filename: str = "") -> list[Sheet]:
    """Return the sheets of an .xlsx workbook or of a CSV file (UTF-8 or GBK/GB18030)."""
    if not data:
        raise SpreadsheetRejected(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetRejected(
            _("The file is larger than %(limit)d MB.") % {"limit": MAX_FILE_BYTES // 2**20}
        )
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise SpreadsheetRejected(
                _(
                    "The workbook is protected by a password. Remove the password in Excel "
                    "(File → Info → Protect Workbook) and upload it again."
                )
            )
        raise SpreadsheetRejected(
            _("This is an old Excel 97-2003 (.xls) file. Save it as .xlsx and upload it again.")
        )
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, filename)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise SpreadsheetRejected(_("The file is named like a workbook but is not one."))
    return [_read_csv(data)]


# Workbooks -------------------------------------------------------------------------------


def _read_xlsx(data: bytes, filename: str) -> list[Sheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise SpreadsheetRejected(
            _("The file is damaged: it cannot be opened as a workbook.")
        ) from None
    _check_archive(archive, entries)
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetRejected(_("The file is a ZIP archive, not an Excel workbook."))
    if (
        filename.lower().endswith(".xlsm")
        or any(name.lower().endswith("vbaproject.bin") for name in names)
        or MACRO_CONTENT_TYPE in archive.read("[Content_Types].xml")
    ):
        raise SpreadsheetRejected(
            _(
                "The workbook contains macros (.xlsm). Save it as an ordinary workbook "
                "(.xlsx) and upload it again."
            )
        )
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception:
        raise SpreadsheetRejected(
            _("The file is damaged: it cannot be opened as a workbook.")
        ) from None
    try:
        return [_read_worksheet(archive, worksheet) for worksheet in workbook.worksheets]
    except SpreadsheetRejected:
        raise
    except Exception:
        # Read-only mode parses a sheet as its rows are read: XML cut short or refused
        # by defusedxml in the middle of a sheet shows up only here.
        raise SpreadsheetRejected(
            _("The file is damaged: it cannot be opened as a workbook.")
        ) from None
    finally:
        workbook.close()


def _check_archive(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Refuse ZIP bombs from the central directory alone, before anything is inflated."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise SpreadsheetRejected(
            _("The workbook has %(count)d parts inside; at most %(limit)d are accepted.")
            % {"count": len(entries), "limit": MAX_ZIP_ENTRIES}
        )
    total = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES or total > MAX_COMPRESSION_RATIO * max(packed, 1):
        raise SpreadsheetRejected(
            _(
                "The workbook unpacks to %(size)d MB, too large for its file size: "
                "it is refused as a possible ZIP bomb."
            )
            % {"size": total // 2**20}
        )
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise SpreadsheetRejected(_("The workbook is encrypted. Upload an unencrypted copy."))


def _mentions(archive: zipfile.ZipFile, path: str, word: bytes) -> bool:
    """Whether the part's XML holds ``word`` (an ASCII name) anywhere, read in chunks
    without parsing; a part in a wide encoding (UTF-16, with its NUL bytes) answers yes."""
    chunk_size, tail = 2**20, b""
    with archive.open(path) as part:
        while chunk := part.read(chunk_size):
            if b"\x00" in chunk:
                return True
            if word in tail + chunk:
                return True
            tail = chunk[-len(word) :]
    return False


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[str]:
    """Return the merged ranges of one worksheet part, parsed safely and streamed. A part
    whose bytes never name a mergeCell (as a sheet of data never does) is not parsed a
    second time: parsing 10,000 rows again costs more than reading them."""
    if not _mentions(archive, path, b"mergeCell"):
        return []
    ranges = []
    with archive.open(path) as part:
        for _event, element in ElementTree.iterparse(part):
            if element.tag.endswith("}mergeCell") or element.tag == "mergeCell":
                ranges.append(element.get("ref", ""))
            elif element.tag.endswith("}row") or element.tag == "row":
                # Drop each row's cells once parsed: kept, a sheet of 60 MB of XML (a
                # 3 MB upload) held about 900 MB before the row limit was even checked.
                element.clear()
    return ranges


def _read_worksheet(archive: zipfile.ZipFile, worksheet) -> Sheet:
    title = worksheet.title
    headers: list[str] | None = None
    sheet = Sheet(title=title, headers=[])
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        values = []
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                raise SpreadsheetRejected(
                    _(
                        "Sheet “%(sheet)s”, cell %(cell)s holds a formula. Paste the values "
                        "instead (Paste Special → Values)."
                    )
                    % {"sheet": title, "cell": f"{get_column_letter(cell.column)}{number}"}
                )
            values.append(_clean(cell.value))
        if headers is None:
            if any(value not in (None, "") for value in values):
                headers = [("" if value is None else str(value)) for value in values]
                sheet.headers = _trim(headers)
            continue
        if all(value in (None, "") for value in values):
            continue
        sheet.rows.append((number, values[: len(sheet.headers)]))
        if len(sheet.rows) > MAX_ROWS:
            raise _too_many_rows(title)
    # Merged cells are looked for once the row limit has held: the scan reads the
    # whole sheet, the rows above stop at the limit.
    merged = _merged_ranges(archive, worksheet._worksheet_path)
    if merged:
        raise SpreadsheetRejected(
            _(
                "Sheet “%(sheet)s” has merged cells (%(ranges)s). Unmerge them so that "
                "every row has its own values."
            )
            % {"sheet": title, "ranges": ", ".join(merged[:5])}
        )
    return sheet


def _clean(value):
    """Strip text, and undo :func:`inert`: "'=x" as exported reads back as "=x" (text)."""
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
            return value[1:]
    return value


def _trim(headers: list[str]) -> list[str]:
    while headers and not headers[-1].strip():
        headers.pop()
    return [header.strip() for header in headers]


def _too_many_rows(title: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _("Sheet “%(sheet)s” has more than %(limit)d rows. Split it into smaller files.")
        % {"sheet": title, "limit": MAX_ROWS}
    )


# CSV -------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text or sum(1 for char in text[:4096] if _is_control(char)) > 8:
            break
        return text
    raise SpreadsheetRejected(
        _(
            "The file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV "
            "file saved as UTF-8 or GBK."
        )
    )


def _is_control(char: str) -> bool:
    return ord(char) < 32 and char not in "\r\n\t"


def _read_csv(data: bytes) -> Sheet:
    text = _decode(data)
    # Only the delimiter is guessed; quoting is Excel's (quotes doubled inside a quoted
    # cell): the sniffer took a doubled quote before a line's CRLF for no doubling, and
    # read ""x"" in the last column as two quotes.
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    sheet = Sheet(title="CSV", headers=[])
    headers = None
    reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            values = [value.strip() for value in values]
            if headers is None:
                if any(values):
                    headers = sheet.headers = _trim(list(values))
                continue
            if not any(values):
                continue
            for column, value in zip(headers, values, strict=False):
                if value.startswith("="):
                    raise SpreadsheetRejected(
                        _("Row %(row)d, column “%(column)s” holds a formula (%(value)s).")
                        % {"row": number, "column": column, "value": value[:30]}
                    )
            sheet.rows.append((number, [_clean(value) or None for value in values[: len(headers)]]))
            if len(sheet.rows) > MAX_ROWS:
                raise _too_many_rows(sheet.title)
    except csv.Error as error:
        raise SpreadsheetRejected(
            _("The CSV file cannot be read: %(error)s") % {"error": error}
        ) from None
    return sheet


# Writing ---------------------------------------------------------------------------------


@dataclass
class Column:
    """How a column is written: its header, width and kind ("text", "amount", "date",
    "number")."""

    header: str
    kind: str = "text"
    width: int = 14


HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def add_table(workbook, title: str, columns: list[Column], rows, *, note: str = ""):
    """Add a sheet to ``workbook`` holding ``rows`` under ``columns``: amounts as numbers
    with two decimals, dates as real dates, text made inert so that nothing runs as a
    formula. Returns the sheet."""
    sheet = workbook.create_sheet(title=title[:31])
    if note:
        sheet.append([inert(note)])
        sheet.cell(row=1, column=1).font = Font(italic=True)
    sheet.append([column.header for column in columns])
    header_row = sheet.max_row
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=header_row, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    # The row number is counted: sheet.max_row scans every cell, 16 s at 10,000 rows.
    for row, values in enumerate(rows, start=header_row + 1):
        sheet.append(
            [_cell_value(value, column) for value, column in zip(values, columns, strict=False)]
        )
        for index, column in enumerate(columns, start=1):
            if column.kind == "amount":
                sheet.cell(row=row, column=index).number_format = AMOUNT_FORMAT
            elif column.kind == "date":
                sheet.cell(row=row, column=index).number_format = DATE_FORMAT
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    return sheet


def _cell_value(value, column: Column):
    if value is None or value == "":
        return None
    if column.kind == "amount":
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if column.kind == "date" and isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, (int, float, Decimal, datetime.date)):
        return value
    return inert(str(value))


NOTICE_FONT = Font(bold=True, color="B02A37", size=12)


def add_notice_sheet(workbook, title: str, lines: list[str]):
    """Put a sheet of ``lines`` first in ``workbook`` and open the workbook on it: a
    notice the reader sees before any figure (an import skips a sheet of this title when
    its importer is told to). Returns the sheet."""
    sheet = workbook.create_sheet(title=title[:31], index=0)
    sheet.column_dimensions["A"].width = 110
    for line in lines:
        sheet.append([inert(line)])
        sheet.cell(row=sheet.max_row, column=1).font = NOTICE_FONT
    workbook.active = 0
    return sheet


def new_workbook():
    """Return an empty workbook (without openpyxl's default sheet)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    return workbook


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
