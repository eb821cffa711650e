"""Files for the import tests, generated at test time: good workbooks in the import's
shape, and the bad-input corpus (not spreadsheets, encrypted and macro workbooks, ZIP
bombs, bad headers, bad cells). Nothing binary is committed; every file is built from
openpyxl, zipfile, csv or plain bytes here.

The names in these files are plainly fictional (测试…) and refer to the records the
``world`` fixture of the import tests creates.
"""

import codecs
import csv
import datetime
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

# The file's contract with the town's offices: the Chinese headers of every sheet.
PROJECT_HEADERS = [
    "项目名称",
    "项目代码",
    "项目类别",
    "项目阶段",
    "涉及村（社区）",
    "建设地点",
    "建设规模",
    "规模单位",
    "责任单位",
    "责任人账号",
    "包保领导账号",
    "计划开工日期",
    "计划完工日期",
    "实际开工日期",
    "实际完工日期",
    "总投资（万元）",
    "是否入库纳统",
    "入库年份",
    "入库日期",
    "项目简介",
    "资料来源",
]
FUNDING_HEADERS = ["项目名称", "资金来源", "金额（万元）", "备注"]
PLAN_HEADERS = ["项目名称", "年度", "计划投资（万元）", "形象进度目标"]
MILESTONE_HEADERS = ["项目名称", "节点名称", "计划完成日期", "实际完成日期", "负责人账号", "备注"]
APPROVAL_HEADERS = [
    "项目名称",
    "手续名称",
    "序号",
    "开工必需",
    "状态",
    "责任人账号",
    "计划日期",
    "取得日期",
    "文号",
    "备注",
]
FUND_ENTRY_HEADERS = ["项目名称", "资金来源", "类型", "日期", "金额（万元）", "文号", "备注"]
TARGET_HEADERS = ["项目名称", "年度", "目标名称", "单位", "计划数量", "来源"]
HEADERS = {
    "项目": PROJECT_HEADERS,
    "资金来源": FUNDING_HEADERS,
    "年度计划": PLAN_HEADERS,
    "节点": MILESTONE_HEADERS,
    "前期手续": APPROVAL_HEADERS,
    "资金拨付": FUND_ENTRY_HEADERS,
    "实物工作量": TARGET_HEADERS,
}
INCOME_SHEET = "村集体经济收入"
INCOME_HEADERS = ["村（社区）", "年度", "集体经济收入（万元）", "备注", "资料来源"]

# The records of the ``world`` fixture, which the files refer to.
VILLAGE = "测试村甲"
OTHER_VILLAGE = "测试社区乙"
UNIT = "测试镇建设办"
SOURCE = "测试专项资金"
CONTACT = "test.contact"
LEADER = "test.leader"
EXISTING = "测试既有道路工程"
EXISTING_MILESTONE = "完成招标"
NEW = "测试导入新项目"


# Rows ------------------------------------------------------------------------------------


def new_project(**values) -> dict:
    """A complete, valid row of a project that is not in the database yet."""
    return {
        "项目名称": NEW,
        "项目类别": "道路及基础设施",
        "项目阶段": "前期",
        "涉及村（社区）": f"{VILLAGE}、{OTHER_VILLAGE}",
        "建设地点": "测试村甲至测试社区乙",
        "建设规模": 2.5,
        "规模单位": "km",
        "责任单位": UNIT,
        "责任人账号": CONTACT,
        "包保领导账号": LEADER,
        "计划开工日期": "2024/3/1",
        "计划完工日期": "2024年12月31日",
        "实际开工日期": None,
        "实际完工日期": None,
        "总投资（万元）": "1,250.5",
        "是否入库纳统": "是",
        "入库年份": 2024,
        "项目简介": "道路拓宽及路面硬化（测试数据）",
        "资料来源": "导入测试",
    } | values


def existing_project(**values) -> dict:
    """A valid row that changes the project the database already holds."""
    return {
        "项目名称": EXISTING,
        "项目类别": "道路及基础设施",
        "项目阶段": "在建",
        "涉及村（社区）": VILLAGE,
        "实际开工日期": datetime.date(2024, 3, 10),
        "总投资（万元）": 900,
        "项目简介": "导入后改为在建（测试数据）",
    } | values


def funding(**values) -> dict:
    return {"项目名称": NEW, "资金来源": SOURCE, "金额（万元）": 300, "备注": ""} | values


def plan(**values) -> dict:
    return {"项目名称": NEW, "年度": 2024, "计划投资（万元）": 600, "形象进度目标": "完成路基"} | (
        values
    )


def milestone(**values) -> dict:
    return {
        "项目名称": NEW,
        "节点名称": "完成施工招标",
        "计划完成日期": datetime.date(2024, 4, 30),
        "实际完成日期": None,
        "负责人账号": CONTACT,
        "备注": "",
    } | values


def approval(**values) -> dict:
    return {
        "项目名称": NEW,
        "手续名称": "施工许可",
        "序号": 5,
        "开工必需": "是",
        "状态": "已取得",
        "责任人账号": CONTACT,
        "计划日期": datetime.date(2024, 2, 1),
        "取得日期": datetime.date(2024, 2, 20),
        "文号": "测试建许〔2024〕1号",
        "备注": "",
    } | values


def fund_entry(**values) -> dict:
    return {
        "项目名称": NEW,
        "资金来源": SOURCE,
        "类型": "到位",
        "日期": datetime.date(2024, 3, 15),
        "金额（万元）": "120.5",
        "文号": "测试财〔2024〕7号",
        "备注": "第一批",
    } | values


def target(**values) -> dict:
    return {
        "项目名称": NEW,
        "年度": 2024,
        "目标名称": "道路提升",
        "单位": "公里",
        "计划数量": 2.5,
        "来源": "",
    } | values


def income(**values) -> dict:
    return {
        "村（社区）": OTHER_VILLAGE,
        "年度": 2023,
        "集体经济收入（万元）": "66.6",
        "备注": "导入测试",
        "资料来源": "",
    } | values


# Writers ---------------------------------------------------------------------------------


def table(headers: list[str], rows: list[dict]) -> list[list]:
    """Return the header row followed by ``rows`` laid out under ``headers``."""
    return [list(headers), *([row.get(header) for header in headers] for row in rows)]


def xlsx(sheets: dict[str, list[list]], *, change: Callable | None = None) -> bytes:
    """Return a workbook with one sheet per title, each holding its rows as given;
    ``change(workbook)`` may alter it before it is saved."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if change is not None:
        change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def project_book(
    *,
    projects=(),
    fundings=(),
    plans=(),
    milestones=(),
    approvals=(),
    fund_entries=(),
    targets=(),
    headers: dict[str, list[str]] | None = None,
    change: Callable | None = None,
) -> bytes:
    """A project workbook with the sheets that have rows (the 项目 sheet always)."""
    headers = HEADERS | (headers or {})
    rows = {
        "项目": projects,
        "资金来源": fundings,
        "年度计划": plans,
        "节点": milestones,
        "前期手续": approvals,
        "资金拨付": fund_entries,
        "实物工作量": targets,
    }
    return xlsx(
        {
            title: table(headers[title], rows[title])
            for title in HEADERS
            if rows[title] or title == "项目"
        },
        change=change,
    )


def income_book(rows, *, headers=INCOME_HEADERS) -> bytes:
    return xlsx({INCOME_SHEET: table(headers, rows)})


def csv_file(headers: list[str], rows: list[dict], *, encoding: str = "utf-8-sig") -> bytes:
    """A CSV table as Excel saves it: ``utf-8-sig`` (with a BOM) or ``gbk``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table(headers, rows):
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode(encoding)


def zip_archive(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def workbook_parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(entry.filename, archive.read(entry)) for entry in archive.infolist()]


def good_book() -> bytes:
    """A valid workbook with a new project and its funding, plan and milestone."""
    return project_book(
        projects=[new_project()], fundings=[funding()], plans=[plan()], milestones=[milestone()]
    )


# Containers that are not workbooks -------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREE, END_OF_CHAIN, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A compound file (OLE, version 3, 512-byte sectors) holding ``streams`` in the
    root storage: the container of old .xls files and of password-encrypted Office
    files. Streams are padded to 4096 bytes so that all live in ordinary sectors."""
    sector = 512
    payloads = [content.ljust(4096, b"\0") for content in streams.values()]
    # Sector 0: the FAT; sector 1: the directory; then each stream's sectors.
    fat = [FAT_SECTOR, END_OF_CHAIN]
    starts = []
    for payload in payloads:
        count = len(payload) // sector
        starts.append(len(fat))
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(END_OF_CHAIN)
    fat_sector = struct.pack(f"<{len(fat)}I", *fat).ljust(sector, b"\xff")

    def entry(name, kind, *, start=END_OF_CHAIN, size=0, right=FREE, child=FREE):
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)  # 1: black
            + struct.pack("<III", FREE, right, child)
            + bytes(16 + 4 + 8 + 8)  # CLSID, state bits, creation and modification time
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, child=1 if names else FREE)
    for index, (name, payload) in enumerate(zip(names, payloads, strict=True), start=1):
        right = index + 1 if index < len(names) else FREE
        directory += entry(name, 2, start=starts[index - 1], size=len(payload), right=right)
    directory = directory.ljust(sector * ((len(directory) + sector - 1) // sector), b"\0")
    assert len(directory) == sector, "one directory sector holds four entries"
    header = (
        OLE_MAGIC
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIII", 0, 1, 1, 0)  # directory sectors, FAT sectors, first dir, txn
        + struct.pack("<IIIII", 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
        + struct.pack("<109I", 0, *([FREE] * 108))
    )
    assert len(header) == sector
    return header + fat_sector + directory + b"".join(payloads)


def encrypted_workbook() -> bytes:
    """What Excel writes for a workbook with an opening password: an OLE container with
    the EncryptionInfo and EncryptedPackage streams (the package itself is opaque)."""
    noise = random.Random(7).randbytes(4096)
    info = struct.pack("<HHI", 4, 4, 0x40) + "Microsoft Enhanced RSA and AES".encode("utf-16-le")
    return ole_file({"EncryptionInfo": info, "EncryptedPackage": noise})


def legacy_xls() -> bytes:
    """An Excel 97-2003 file: an OLE container with a BIFF8 ``Workbook`` stream."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
    return ole_file({"Workbook": bof + struct.pack("<HH", 0x000A, 0)})


def pdf_file() -> bytes:
    stream = zlib.compress(b"BT /F1 12 Tf 72 712 Td (Project ledger) Tj ET" * 20)
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        + f"3 0 obj\n<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def png_file() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def _local_header(name: bytes, crc: int, packed: int, size: int, method: int) -> bytes:
    return struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, packed, size, len(name), 0
    )


def raw_zip(entries: list[tuple[str, int, int, int, bytes]]) -> bytes:
    """A ZIP archive written by hand from (name, method, crc, size, stored bytes), so
    that an entry can hold a deflate stream built without inflating it first."""
    body, directory = b"", b""
    for name, method, crc, size, stored in entries:
        encoded = name.encode()
        offset = len(body)
        body += _local_header(encoded, crc, len(stored), size, method) + encoded + stored
        directory += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0x21,
                crc,
                len(stored),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(body), 0
    )
    return body + directory + end


def zeros_entry(name: str, megabytes: int) -> tuple[str, int, int, int, bytes]:
    """A deflated entry of ``megabytes`` MB of zeros. Each megabyte is flushed fully, so
    its compressed form is the same bytes every time: built in milliseconds."""
    chunk = bytes(2**20)
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    stored = block * megabytes + compressor.flush()
    return name, zipfile.ZIP_DEFLATED, crc, megabytes * 2**20, stored


def with_extra_parts(data: bytes, extra: list[tuple[str, int, int, int, bytes]]) -> bytes:
    """The workbook ``data`` rewritten with ``extra`` raw entries appended."""
    parts = [
        (name, zipfile.ZIP_STORED, zlib.crc32(content), len(content), content)
        for name, content in workbook_parts(data)
    ]
    return raw_zip(parts + extra)


def zip_bomb(megabytes: int = 300) -> bytes:
    """A valid workbook that also carries a part inflating to ``megabytes`` of zeros."""
    return with_extra_parts(good_book(), [zeros_entry("xl/media/image1.bin", megabytes)])


def many_parts(count: int = 600) -> bytes:
    parts = [(f"customXml/item{n}.xml", b"<a/>") for n in range(count)]
    return with_extra_parts(
        good_book(),
        [
            (name, zipfile.ZIP_STORED, zlib.crc32(content), len(content), content)
            for name, content in parts
        ],
    )


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    return zip_archive(
        [(part, content if part == name else old) for part, old in workbook_parts(data)]
    )


def macro_content_types(data: bytes) -> bytes:
    """The workbook with its main part declared macro-enabled, as Excel saves .xlsm."""
    parts = dict(workbook_parts(data))
    types = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert types != parts["[Content_Types].xml"]
    return replace_part(data, "[Content_Types].xml", types)


def with_vba_project(data: bytes) -> bytes:
    return zip_archive([*workbook_parts(data), ("xl/vbaProject.bin", ole_file({"VBA": b"x"}))])


def many_rows_book(count: int) -> bytes:
    """A 项目 sheet with ``count`` data rows under a header row, written streaming (one
    column: the row limit is checked as the sheet is read, before its headers)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("项目")
    sheet.append(["项目名称"])
    for number in range(count):
        sheet.append([f"测试批量项目{number}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def many_rows_csv(count: int) -> bytes:
    lines = ["项目名称"] + [f"测试批量项目{n}" for n in range(count)]
    return codecs.BOM_UTF8 + "\r\n".join(lines).encode()


def damaged_sheet(data: bytes, damage: str) -> bytes:
    """The workbook with its first sheet's XML damaged after its first rows: cut short,
    or using an entity it never declared."""
    parts = dict(workbook_parts(data))
    sheet = parts["xl/worksheets/sheet1.xml"]
    if damage == "cut":
        sheet = sheet[: sheet.index(b"</sheetData>") - 20]
    else:
        sheet = sheet.replace(
            b"</sheetData>",
            b'<row r="9"><c r="A9" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>',
        )
    return replace_part(data, "xl/worksheets/sheet1.xml", sheet)


def xml_entity_bomb(data: bytes) -> bytes:
    """The workbook with its first sheet's XML replaced by an entity expansion attack."""
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    return replace_part(data, "xl/worksheets/sheet1.xml", bomb)


# The bad-input corpus --------------------------------------------------------------------


@dataclass(frozen=True)
class BadFile:
    """A file the import must reject: how to build it, what it is called, and the
    fragments (English messages) one of the errors must contain, all of them."""

    id: str
    file_name: str
    build: Callable[[], bytes]
    expect: tuple[str, ...]
    importer: str = "projects"

    def write(self, folder: Path) -> Path:
        path = folder / self.file_name
        path.write_bytes(self.build())
        return path


def at(sheet: str, row: int, column: str | None = None) -> str:
    """Where an error is, as the English messages say it."""
    if column is None:
        return f"Sheet “{sheet}”, row {row}:"
    return f"Sheet “{sheet}”, row {row}, column “{column}”:"


def bad_project(column: str, value) -> Callable[[], bytes]:
    """A workbook whose second project row (row 3) has ``value`` in ``column``; the
    first row (row 2) changes the existing project and is valid, and the new project
    has funding and a milestone."""
    rows = [existing_project(), new_project(**{column: value})]
    return lambda: project_book(projects=rows, fundings=[funding()], milestones=[milestone()])


def bad_cell(id: str, column: str, value, *what: str) -> BadFile:
    """A workbook with ``value`` in ``column`` of project row 3, refused with a message
    naming that cell and holding ``what``."""
    return BadFile(id, "台账.xlsx", bad_project(column, value), (at("项目", 3, column), *what))


def _merge(workbook):
    workbook["项目"].merge_cells("E2:F2")


def _formula(workbook):
    workbook["项目"]["O3"] = "=SUM(100,200)"


def _insert_blank_header(headers: list[str], position: int) -> list[str]:
    return [*headers[:position], "", *headers[position:]]


def _rows_with_blank_column(rows: list[dict]) -> list[list]:
    """Rows under the headers of ``_insert_blank_header(PROJECT_HEADERS, 5)`` with a
    value under the empty header."""
    laid = table(PROJECT_HEADERS, rows)[1:]
    return [[*row[:5], "无表头的值", *row[5:]] for row in laid]


def blank_header_book() -> bytes:
    headers = _insert_blank_header(PROJECT_HEADERS, 5)
    rows = _rows_with_blank_column([existing_project(), new_project()])
    return xlsx({"项目": [headers, *rows]})


def renamed(headers: list[str], old: str, new: str) -> list[str]:
    return [new if header == old else header for header in headers]


def without(headers: list[str], column: str) -> list[str]:
    return [header for header in headers if header != column]


TOO_LONG = "长" * 201
#: A valid project code (2023, 淮南市八公山区, industry 48, 审批, serial).
CODE = "2023-340405-48-01-012345"


def with_new_project(**sheets) -> Callable[[], bytes]:
    """A workbook of the new project with its funding from SOURCE and ``sheets``'s rows
    (approvals=[…], fund_entries=[…], targets=[…])."""
    return lambda: project_book(projects=[new_project()], fundings=[funding()], **sheets)


CORPUS: list[BadFile] = [
    # Files that are not spreadsheets at all.
    BadFile("pdf", "项目台账.pdf", pdf_file, ("not a spreadsheet",)),
    BadFile("png", "项目台账.png", png_file, ("not a spreadsheet",)),
    BadFile(
        "random_binary",
        "项目台账.dat",
        lambda: random.Random(2024).randbytes(8192),
        ("not a spreadsheet",),
    ),
    BadFile("empty", "项目台账.xlsx", lambda: b"", ("The file is empty",)),
    BadFile("pdf_named_xlsx", "项目台账.xlsx", pdf_file, ("named like a workbook but is not one",)),
    BadFile(
        "plain_zip",
        "项目台账.zip",
        lambda: zip_archive([("readme.txt", "说明".encode()), ("data/a.csv", b"a,b\n1,2\n")]),
        ("ZIP archive, not an Excel workbook",),
    ),
    BadFile(
        "truncated_xlsx",
        "项目台账.xlsx",
        lambda: good_book()[: len(good_book()) // 2],
        ("damaged",),
    ),
    BadFile(
        "broken_sheet_xml",
        "项目台账.xlsx",
        lambda: replace_part(good_book(), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData>"),
        ("damaged",),
    ),
    BadFile(
        "sheet_xml_cut_short",
        "项目台账.xlsx",
        lambda: damaged_sheet(good_book(), "cut"),
        ("damaged",),
    ),
    BadFile(
        "undeclared_entity_in_sheet",
        "项目台账.xlsx",
        lambda: damaged_sheet(good_book(), "entity"),
        ("damaged",),
    ),
    BadFile(
        "xml_entity_bomb",
        "项目台账.xlsx",
        lambda: xml_entity_bomb(good_book()),
        ("damaged",),
    ),
    # Containers Excel writes that we refuse.
    BadFile("encrypted", "项目台账.xlsx", encrypted_workbook, ("password",)),
    BadFile("legacy_xls", "项目台账.xls", legacy_xls, (".xls",)),
    BadFile("xlsm_name", "项目台账.xlsm", good_book, ("macros",)),
    BadFile(
        "vba_project_part", "项目台账.xlsx", lambda: with_vba_project(good_book()), ("macros",)
    ),
    BadFile(
        "macro_content_type",
        "项目台账.xlsx",
        lambda: macro_content_types(good_book()),
        ("macros",),
    ),
    # Files built to exhaust the server.
    BadFile("zip_bomb_300mb", "项目台账.xlsx", zip_bomb, ("ZIP bomb", "300 MB")),
    BadFile("zip_bomb_ratio", "项目台账.xlsx", lambda: zip_bomb(40), ("ZIP bomb", "40 MB")),
    BadFile("zip_many_parts", "项目台账.xlsx", many_parts, ("parts inside", "at most 500")),
    BadFile(
        "rows_over_limit_xlsx",
        "项目台账.xlsx",
        lambda: many_rows_book(20_001),
        ("“项目” has more than 20000 rows",),
    ),
    BadFile(
        "rows_over_limit_csv",
        "项目.csv",
        lambda: many_rows_csv(20_001),
        ("“CSV” has more than 20000 rows",),
    ),
    # Headers.
    BadFile(
        "missing_header",
        "台账.xlsx",
        lambda: project_book(
            projects=[new_project()], headers={"项目": without(PROJECT_HEADERS, "项目类别")}
        ),
        ("Sheet “项目”: the column “项目类别” is missing",),
    ),
    BadFile(
        "renamed_header",
        "台账.xlsx",
        lambda: project_book(
            projects=[existing_project(), new_project()],
            headers={"项目": renamed(PROJECT_HEADERS, "项目阶段", "阶段")},
        ),
        ("Sheet “项目”: unknown column “阶段”",),
    ),
    BadFile(
        "renamed_header_missing",
        "台账.xlsx",
        lambda: project_book(
            projects=[existing_project(), new_project()],
            headers={"项目": renamed(PROJECT_HEADERS, "项目阶段", "阶段")},
        ),
        ("Sheet “项目”: the column “项目阶段” is missing",),
    ),
    BadFile(
        "unknown_extra_header",
        "台账.xlsx",
        lambda: project_book(
            projects=[existing_project(), new_project()],
            headers={"项目": [*PROJECT_HEADERS, "备注二"]},
        ),
        ("Sheet “项目”: unknown column “备注二”",),
    ),
    BadFile(
        "empty_header_in_middle",
        "台账.xlsx",
        blank_header_book,
        ("Sheet “项目”: column 6 has no header",),
    ),
    BadFile(
        "unknown_sheet",
        "台账.xlsx",
        lambda: xlsx(
            {
                "项目": table(PROJECT_HEADERS, [new_project()]),
                "汇总表": [["合计"], [1]],
            }
        ),
        ("Sheet “汇总表” is not one this import knows",),
    ),
    # Cells that name what does not exist.
    bad_cell("unknown_village", "涉及村（社区）", "测试村甲、不存在村", "不存在村"),
    bad_cell("unknown_category", "项目类别", "航天工程", "航天工程"),
    bad_cell("unknown_stage", "项目阶段", "半完工", "半完工"),
    bad_cell("unknown_unit", "责任单位", "不存在的办公室", "不存在的办公室"),
    bad_cell("unknown_contact", "责任人账号", "nobody.here", "nobody.here"),
    BadFile(
        "unknown_funding_source",
        "台账.xlsx",
        lambda: project_book(
            projects=[new_project()],
            fundings=[funding(), funding(**{"资金来源": "天上掉的钱"})],
        ),
        (at("资金来源", 3, "资金来源"), "天上掉的钱"),
    ),
    BadFile(
        "unknown_milestone_owner",
        "台账.xlsx",
        lambda: project_book(
            projects=[new_project()],
            milestones=[milestone(**{"负责人账号": "ghost.user"})],
        ),
        (at("节点", 2, "负责人账号"), "ghost.user"),
    ),
    BadFile(
        "funding_for_unknown_project",
        "台账.xlsx",
        lambda: project_book(
            projects=[new_project()],
            fundings=[funding(), funding(**{"项目名称": "文件和库里都没有的项目"})],
        ),
        (at("资金来源", 3, "项目名称"), "文件和库里都没有的项目"),
    ),
    # Amounts.
    bad_cell("negative_amount", "总投资（万元）", -5, "cannot be negative", "-5"),
    bad_cell("non_numeric_amount", "总投资（万元）", "三百万", "“三百万” is not a number"),
    BadFile(
        "negative_funding_text",
        "台账.xlsx",
        lambda: project_book(
            projects=[new_project()], fundings=[funding(**{"金额（万元）": "-1.5"})]
        ),
        (at("资金来源", 2, "金额（万元）"), "cannot be negative"),
    ),
    # Dates.
    bad_cell("impossible_date_iso", "计划开工日期", "2024-02-30", "2024-02-30 does not exist"),
    bad_cell(
        "impossible_month_chinese", "计划完工日期", "2024年13月1日", "2024年13月1日 does not exist"
    ),
    bad_cell("date_in_words", "实际开工日期", "明天", "“明天” is not a date"),
    bad_cell(
        "serial_out_of_range", "计划开工日期", 100000, "number 100000 is", "between 1950 and 2100"
    ),
    bad_cell(
        "serial_text_too_early", "计划开工日期", "12345", "number 12345 is", "between 1950 and 2100"
    ),
    BadFile(
        "milestone_without_due_date",
        "台账.xlsx",
        lambda: project_book(
            projects=[new_project()], milestones=[milestone(**{"计划完成日期": None})]
        ),
        (at("节点", 2, "计划完成日期"), "must not be empty"),
    ),
    # Duplicates.
    BadFile(
        "duplicate_project_rows",
        "台账.xlsx",
        lambda: project_book(projects=[existing_project(), new_project(), new_project()]),
        ("Sheet “项目”, row 4 repeats row 3", NEW),
    ),
    BadFile(
        "duplicate_milestone_rows",
        "台账.xlsx",
        lambda: project_book(
            projects=[new_project()],
            milestones=[milestone(), milestone(**{"计划完成日期": "2024-05-31"})],
        ),
        ("Sheet “节点”, row 3 repeats row 2", "完成施工招标"),
    ),
    # Formulas and merged cells.
    BadFile(
        "formula_xlsx",
        "台账.xlsx",
        lambda: project_book(projects=[existing_project(), new_project()], change=_formula),
        ("“项目”, cell O3 holds a formula",),
    ),
    BadFile(
        "formula_csv",
        "项目.csv",
        lambda: csv_file(
            PROJECT_HEADERS, [existing_project(), new_project(**{"总投资（万元）": "=1+1"})]
        ),
        ("Row 3, column “总投资（万元）” holds a formula (=1+1)",),
    ),
    BadFile(
        "merged_cells",
        "台账.xlsx",
        lambda: project_book(projects=[existing_project(), new_project()], change=_merge),
        ("“项目” has merged cells (E2:F2)",),
    ),
    # CSV files in the encodings Excel writes, each with one bad row.
    BadFile(
        "csv_gbk_unknown_village",
        "项目.csv",
        lambda: csv_file(
            PROJECT_HEADERS,
            [existing_project(), new_project(**{"涉及村（社区）": "不存在村"})],
            encoding="gbk",
        ),
        (at("项目", 3, "涉及村（社区）"), "不存在村"),
    ),
    BadFile(
        "csv_utf8_bom_bad_date",
        "项目.csv",
        lambda: csv_file(
            PROJECT_HEADERS,
            [existing_project(), new_project(**{"计划开工日期": "2024-02-30"})],
            encoding="utf-8-sig",
        ),
        (at("项目", 3, "计划开工日期"), "2024-02-30"),
    ),
    # Rows that break a rule of the model.
    bad_cell("project_without_name", "项目名称", None, "must not be empty"),
    BadFile(
        "completion_before_start",
        "台账.xlsx",
        bad_project("计划完工日期", "2024-02-01"),
        (
            at("项目", 3),
            "planned completion date cannot be before the planned start date",
        ),
    ),
    BadFile(
        "registration_year_without_registration",
        "台账.xlsx",
        bad_project("是否入库纳统", "否"),
        (at("项目", 3), "registration year needs the project to be registered"),
    ),
    bad_cell("name_too_long", "项目名称", TOO_LONG, "201 characters", "at most 200"),
    bad_cell("unit_text_too_long", "规模单位", "平方米" * 7, "21 characters", "at most 20"),
    bad_cell("boolean_not_yes_no", "是否入库纳统", "也许", "“也许” is not 是 or 否"),
    bad_cell("year_not_a_year", "入库年份", "去年", "“去年” is not a year"),
    # The project code and the registration date.
    bad_cell("code_too_short", "项目代码", "2023-340405-48-01", "24 characters in five parts"),
    bad_cell("code_bad_year", "项目代码", "2009-340405-48-01-012345", "year 2009"),
    bad_cell("code_bad_division", "项目代码", "2023-990405-48-01-012345", "division code 990405"),
    bad_cell("code_bad_industry", "项目代码", "2023-340405-00-01-012345", "industry code"),
    bad_cell("code_bad_type", "项目代码", "2023-340405-48-07-012345", "type code 07"),
    bad_cell("code_bad_serial", "项目代码", "2023-340405-48-01-000000", "serial number"),
    BadFile(
        "code_twice_in_the_file",
        "台账.xlsx",
        lambda: project_book(
            projects=[
                existing_project(**{"项目代码": CODE}),
                new_project(**{"项目代码": CODE.replace("-", "－")}),
            ]
        ),
        (at("项目", 3, "项目代码"), "already exists"),
    ),
    BadFile(
        "registration_date_without_registration",
        "台账.xlsx",
        lambda: project_book(
            projects=[
                existing_project(),
                new_project(**{"是否入库纳统": "否", "入库年份": None, "入库日期": "2024-05-01"}),
            ]
        ),
        (at("项目", 3), "registration date needs the project to be registered"),
    ),
    bad_cell("registration_date_in_the_future", "入库日期", "2099-01-01", "cannot be later"),
    # Approvals, fund entries and physical targets.
    BadFile(
        "approval_obtained_without_date",
        "台账.xlsx",
        with_new_project(approvals=[approval(**{"取得日期": None})]),
        (at("前期手续", 2, "取得日期"), "needs the date obtained"),
    ),
    BadFile(
        "approval_unknown_status",
        "台账.xlsx",
        with_new_project(
            approvals=[approval(), approval(**{"手续名称": "环评批复", "状态": "办好了"})]
        ),
        (at("前期手续", 3, "状态"), "办好了"),
    ),
    BadFile(
        "approval_unknown_person",
        "台账.xlsx",
        with_new_project(approvals=[approval(**{"责任人账号": "ghost.user"})]),
        (at("前期手续", 2, "责任人账号"), "ghost.user"),
    ),
    BadFile(
        "approval_obtained_in_the_future",
        "台账.xlsx",
        with_new_project(approvals=[approval(**{"取得日期": "2099-01-01"})]),
        (at("前期手续", 2, "取得日期"), "cannot be later than today"),
    ),
    BadFile(
        "fund_entry_in_the_future",
        "台账.xlsx",
        with_new_project(fund_entries=[fund_entry(**{"日期": "2099-01-01"})]),
        (at("资金拨付", 2, "日期"), "cannot be later than today"),
    ),
    BadFile(
        "fund_entry_without_its_funding",
        "台账.xlsx",
        lambda: project_book(projects=[new_project()], fund_entries=[fund_entry()]),
        (at("资金拨付", 2, "资金来源"), "has no funding from", SOURCE),
    ),
    BadFile(
        "fund_entry_zero_amount",
        "台账.xlsx",
        with_new_project(fund_entries=[fund_entry(**{"金额（万元）": 0})]),
        (at("资金拨付", 2, "金额（万元）"), "more than zero"),
    ),
    BadFile(
        "fund_entry_unknown_kind",
        "台账.xlsx",
        with_new_project(fund_entries=[fund_entry(**{"类型": "挪用"})]),
        (at("资金拨付", 2, "类型"), "挪用"),
    ),
    BadFile(
        "fund_entry_without_date",
        "台账.xlsx",
        with_new_project(fund_entries=[fund_entry(**{"日期": None})]),
        (at("资金拨付", 2, "日期"), "must not be empty"),
    ),
    BadFile(
        "fund_entry_without_source",
        "台账.xlsx",
        with_new_project(fund_entries=[fund_entry(**{"资金来源": None})]),
        (at("资金拨付", 2, "资金来源"), "must not be empty"),
    ),
    BadFile(
        "target_without_unit",
        "台账.xlsx",
        with_new_project(targets=[target(**{"单位": None})]),
        (at("实物工作量", 2, "单位"), "must not be empty"),
    ),
    BadFile(
        "target_quantity_not_a_number",
        "台账.xlsx",
        with_new_project(targets=[target(**{"计划数量": "很多"})]),
        (at("实物工作量", 2, "计划数量"), "“很多” is not a number"),
    ),
    BadFile(
        "target_twice",
        "台账.xlsx",
        with_new_project(targets=[target(), target(**{"计划数量": 3})]),
        ("Sheet “实物工作量”, row 3 repeats row 2", "道路提升"),
    ),
    # Collective income.
    BadFile(
        "income_negative",
        "收入.xlsx",
        lambda: income_book(
            [
                income(**{"村（社区）": VILLAGE, "年度": 2024}),
                income(**{"集体经济收入（万元）": -3}),
            ]
        ),
        (at(INCOME_SHEET, 3, "集体经济收入（万元）"), "cannot be negative"),
        importer="income",
    ),
    BadFile(
        "income_unknown_village",
        "收入.xlsx",
        lambda: income_book([income(), income(**{"村（社区）": "不存在村", "年度": 2022})]),
        (at(INCOME_SHEET, 3, "村（社区）"), "不存在村"),
        importer="income",
    ),
    BadFile(
        "income_duplicate_rows",
        "收入.xlsx",
        lambda: income_book([income(), income(**{"集体经济收入（万元）": 70})]),
        (f"Sheet “{INCOME_SHEET}”, row 3 repeats row 2", OTHER_VILLAGE),
        importer="income",
    ),
    BadFile(
        "income_missing_amount",
        "收入.csv",
        lambda: csv_file(
            INCOME_HEADERS,
            [income(), income(**{"年度": 2022, "集体经济收入（万元）": None})],
            encoding="gbk",
        ),
        (at(INCOME_SHEET, 3, "集体经济收入（万元）"), "must not be empty"),
        importer="income",
    ),
    BadFile(
        "income_project_workbook",
        "收入.xlsx",
        good_book,
        ("Sheet “项目” is not one this import knows",),
        importer="income",
    ),
]
