"""Every page and export, as each role, on the data of a fresh ``make run``
(``load_report_data`` and ``seed_demo``): no number with more than two decimals, every
amount with its unit, and the work report's statistics registration (14 projects,
5.69亿元, 2023) wherever the registration is stated, never 0 nor 暂无.

How it is built, so that a rule or a page is one line more:

- ``documents(role, town)`` renders everything a role can open (pages, the admin,
  exports, the briefing's workbook and the page its PDF is printed from, emails) and
  turns each into a Document: its texts, each with the label that names it (a table
  cell's column header, a description's term, a workbook cell's header and row).
- ``CHECKS`` run on every document; ``REGISTRATION_CHECKS`` on the documents whose name
  is in ``STATES_REGISTRATION``. A check takes a Document and returns the problems it
  finds, as sentences naming the document and the text.
"""

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse

from projects import selectors
from projects.alerts import delivery, ledger
from projects.briefing import figures as briefing_figures
from projects.models import ProgressReport, Project
from projects.seeding import demo
from tests.conftest import rows_for_the_module
from villages.models import Village

pytestmark = pytest.mark.django_db

#: The demo account of each role (seeding/demo.py); the administrator is a superuser.
ROLES = {
    "staff": "demo-staff",
    "reviewer": "demo-reviewer",
    "leader": "demo-leader",
    "administrator": "demo-admin",
}
BRIEFING_READERS = {"reviewer", "leader", "administrator"}


# Documents ---------------------------------------------------------------------------


@dataclass
class Text:
    """A text of a document and the label that names it ("" when none does)."""

    text: str
    label: str = ""
    data: bool = False  # chart data (JSON): its numbers are drawn, not read


@dataclass
class Document:
    name: str
    texts: list[Text] = field(default_factory=list)

    def content(self) -> str:
        return "\n".join(text.text for text in self.texts)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _cells(row: Node) -> list[Node]:
    return [
        child for child in row.children if isinstance(child, Node) and child.tag in ("td", "th")
    ]


def _rows(table: Node) -> list[Node]:
    rows = []
    for child in table.children:
        if isinstance(child, Node):
            if child.tag == "tr":
                rows.append(child)
            elif child.tag in ("thead", "tbody", "tfoot"):
                rows.extend(row for row in child.children if isinstance(row, Node))
    return rows


def _columns(cells: list[Node]) -> list[tuple[int, Node]]:
    """Each cell with the index of its first column (colspan counted)."""
    placed, column = [], 0
    for cell in cells:
        placed.append((column, cell))
        column += int(cell.attrs.get("colspan") or 1)
    return placed


def html_document(name: str, html: str) -> Document:
    """The page's texts: a table cell labelled by its column's header, a description (dd)
    by its term (dt), chart data (JSON) as data; scripts and styles left out."""
    tree = _Tree()
    tree.feed(html)
    document = Document(name)

    def walk(node: Node, label: str = ""):
        term = ""
        for child in node.children:
            if isinstance(child, str):
                if child.strip():
                    document.texts.append(Text(_squeeze(child), label))
                continue
            if child.tag == "script":
                if child.attrs.get("type") == "application/json":
                    document.texts.append(Text(child.text(), "chart", data=True))
            elif child.tag == "style":
                continue
            elif child.tag == "table":
                table(child)
            elif child.tag == "dt":
                term = _squeeze(child.text())
                document.texts.append(Text(term, label))
            elif child.tag == "dd":
                walk(child, term)
            else:
                walk(child, label)

    def table(node: Node):
        rows = _rows(node)
        headers: dict[int, str] = {}
        for row in rows:
            cells = _cells(row)
            if cells and all(
                cell.tag == "th" and cell.attrs.get("scope") != "row" for cell in cells
            ):
                headers = {column: _squeeze(cell.text()) for column, cell in _columns(cells)}
                document.texts.extend(Text(text, "") for text in headers.values())
                continue
            for column, cell in _columns(cells):
                walk(cell, headers.get(column, ""))
        for child in node.children:
            if isinstance(child, Node) and child.tag == "caption":
                walk(child)

    walk(tree.root)
    return document


def _displayed(cell) -> str:
    """A workbook cell's number as Excel shows it, from its number format."""
    value, number_format = cell.value, cell.number_format
    if number_format == "General":
        return str(value)
    if number_format in ("0.00", "#,##0.00"):
        return f"{value:,.2f}" if "," in number_format else f"{value:.2f}"
    if number_format == "0.0%":
        return f"{value * 100:.1f}%"
    if number_format in ("0.0", "+0.0;-0.0;0.0"):
        return f"{value:+.1f}" if number_format.startswith("+") else f"{value:.1f}"
    if number_format == "0":
        return f"{value:.0f}"
    return f"{value} (number format {number_format!r})"


def workbook_document(name: str, content: bytes) -> Document:
    """A workbook's cells: a number as its format shows it, labelled by the nearest text
    above it in its column (its header) and the first text of its row."""
    document = Document(name)
    for sheet in openpyxl.load_workbook(io.BytesIO(content)).worksheets:
        for row in sheet.iter_rows():
            row_label = next((c.value for c in row if isinstance(c.value, str)), "")
            for cell in row:
                if cell.value is None or cell.is_date:
                    continue
                if isinstance(cell.value, str):
                    document.texts.append(Text(cell.value))
                    continue
                header = next(
                    (
                        above.value
                        for above in (
                            sheet.cell(row=number, column=cell.column)
                            for number in range(cell.row - 1, 0, -1)
                        )
                        if isinstance(above.value, str)
                    ),
                    "",
                )
                label = f"{sheet.title}: {header} / {row_label}"
                document.texts.append(Text(_displayed(cell), label))
    return document


def csv_document(name: str, content: str) -> Document:
    document = Document(name)
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    for row in rows[1:]:
        for header, value in zip(rows[0], row, strict=False):
            if value:
                document.texts.append(Text(value, header))
    return document


# Checks ------------------------------------------------------------------------------

#: A number with more than two decimals (725.340000000000, 0.41553).
TOO_PRECISE = re.compile(r"\d\.\d{3,}")
#: An amount as the app writes money: two decimals ("14,910.00", "725.34").
AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d%])|(?<![\d.,])\d+\.\d{2}(?![\d%])")
UNITS = (
    "万元",
    "亿元",
    "元",
    "%",
    "个百分点",
    "亩",
    "公里",
    "吨",
    "m²",
    "10k yuan",
    "million yuan",
)
#: Chinese writes a unit right after its number: 1.26万亩, 3800吨.
UNIT_AFTER = re.compile(r"\s*(?:%|m²|[\u4e00-\u9fff]|ten thousand yuan|hundred million yuan)")


def at_most_two_decimals(document: Document) -> list[str]:
    """No number shows more than two decimals (SQLite's raw sums, unformatted floats)."""
    return [
        f"{document.name}: {match.group()!r} in {text.text[:120]!r}"
        for text in document.texts
        for match in TOO_PRECISE.finditer(text.text)
    ]


def amounts_carry_their_unit(document: Document) -> list[str]:
    """Every amount is followed by its unit, or is in a column or under a term that
    names it ("总投资（万元）")."""
    problems = []
    for text in document.texts:
        if text.data or any(unit in text.label for unit in UNITS):
            continue
        for match in AMOUNT.finditer(text.text):
            if not UNIT_AFTER.match(text.text, match.end()):
                problems.append(
                    f"{document.name}: {match.group()!r} without a unit in {text.text[:120]!r}"
                    f" (label {text.label!r})"
                )
    return problems


def registration_as_reported(document: Document) -> list[str]:
    """The report's statistics registration (2023: 14 projects, 5.69亿元) is stated with
    its source, and nothing says there is none."""
    content = document.content()
    problems = [
        f"{document.name}: {wrong!r}"
        for wrong in ("暂无入库纳统项目", "已登记入库纳统项目0个", "入库纳统项目0个")
        if wrong in content
    ]
    for shown in ("14", "5.69亿元", "2023", "2024年山王镇政府工作报告"):
        if shown not in content:
            problems.append(f"{document.name}: the registration's {shown!r} is missing")
    return problems


#: The documents whose figures no demo record reaches: seed_demo adds no collective income.
WITHOUT_DEMO_RECORDS = {"village income (XLSX)", "village income (CSV)"}


def marks_demo_data(document: Document) -> list[str]:
    """While demo records exist (the town here has them), every document says that its
    figures include them: the ribbon of a page, the first sheet of a workbook, the first
    line of an email, the file name of a download."""
    if document.name in WITHOUT_DEMO_RECORDS or "演示数据" in document.content():
        return []
    return [f"{document.name}: no 演示数据 marker"]


CHECKS: list[Callable[[Document], list[str]]] = [
    at_most_two_decimals,
    amounts_carry_their_unit,
    marks_demo_data,
]
REGISTRATION_CHECKS: list[Callable[[Document], list[str]]] = [registration_as_reported]
#: The documents that state the town's statistics registration.
STATES_REGISTRATION = {
    "dashboard",
    "briefing",
    "briefing workbook",
    "briefing PDF page",
    "briefing email (text)",
    "briefing email (HTML)",
}


# The pages of each role --------------------------------------------------------------


@dataclass
class Town:
    """The data of a fresh ``make run``, and a few of its records to open."""

    projects: list[Project]
    reports: list[ProgressReport]
    villages: list[Village]


@pytest.fixture(scope="module")
def town(django_db_setup, django_db_blocker, tmp_path_factory) -> Town:
    """Loaded once for the four roles (each test starts from it and what it changes is
    rolled back after it)."""
    with (
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        rows_for_the_module(django_db_blocker),
    ):
        with django_db_blocker.unblock():
            call_command("load_report_data")
            call_command("seed_demo", force=True)
            active = list(Project.objects.filter(stage__in=Project.ACTIVE_STAGES).order_by("pk"))
            town = Town(
                projects=active + list(Project.objects.exclude(pk__in=[p.pk for p in active])[:2]),
                reports=[
                    ProgressReport.objects.filter(project=project).order_by("-month").first()
                    for project in active
                ],
                villages=list(Village.objects.order_by("pk")),
            )
        yield town


def pages_for(role: str, town: Town) -> list[tuple[str, str]]:
    """(name, URL) of every page and export the role opens."""
    pages = [
        ("dashboard", reverse("projects:dashboard")),
        ("project list", reverse("projects:list")),
        ("project list, page 2", reverse("projects:list") + "?page=2"),
        ("project list (XLSX)", reverse("projects:list") + "?_export=xlsx"),
        ("project list (CSV)", reverse("projects:list") + "?_export=csv"),
        ("indicators", reverse("projects:indicators")),
        ("villages", reverse("villages:list")),
        ("village income (XLSX)", reverse("villages:income_xlsx")),
        ("village income (CSV)", reverse("villages:income_csv")),
        ("notifications", reverse("projects:notifications")),
        ("notification settings", reverse("projects:notification_settings")),
    ]
    pages += [(f"project {p.name}", reverse("projects:detail", args=[p.pk])) for p in town.projects]
    pages += [
        (
            f"record of {town.projects[0].name} (XLSX)",
            reverse("projects:record_xlsx", args=[town.projects[0].pk]),
        )
    ]
    pages += [(f"report {r}", reverse("projects:report", args=[r.pk])) for r in town.reports if r]
    pages += [(f"village {v.name}", reverse("villages:detail", args=[v.pk])) for v in town.villages]
    if role == "staff":
        own = Project.objects.filter(contact_person__username=ROLES["staff"]).first()
        pages += [
            ("project form", reverse("projects:edit", args=[own.pk])),
            ("report form", reverse("projects:report_add", args=[own.pk])),
        ]
    if role in BRIEFING_READERS:
        pages += [
            ("briefing", reverse("projects:briefing")),
            ("briefing workbook", reverse("projects:briefing_xlsx")),
        ]
    if role == "administrator":
        project = town.projects[0]
        pages += [
            (f"admin {name}", reverse(f"admin:{name}_changelist"))
            for name in (
                "projects_project",
                "projects_progressreport",
                "projects_annualplan",
                "projects_funding",
                "projects_indicator",
                "projects_indicatorvalue",
                "villages_collectiveincome",
                "villages_village",
            )
        ]
        pages.append(("admin project", reverse("admin:projects_project_change", args=[project.pk])))
    return pages


def fetched(client: Client, name: str, url: str) -> Document:
    response = client.get(url)
    assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
    content_type = response["Content-Type"]
    content = b"".join(response) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        document = workbook_document(name, content)
    elif "text/csv" in content_type:
        document = csv_document(name, content.decode("utf-8"))
    else:
        document = html_document(name, content.decode())
    if response.has_header("Content-Disposition"):
        document.texts.append(Text(unquote(response["Content-Disposition"]), "file name"))
    return document


def briefing_pdf_page() -> Document:
    """The page the briefing's PDF is printed from (projects/briefing/pdf.py), rendered
    as Chromium gets it."""
    monthly = briefing_figures.monthly_briefing(
        month=briefing_figures.previous_month(selectors.today())
    )
    html = render_to_string("projects/briefing_pdf.html", {"briefing": monthly, "stylesheets": []})
    return html_document("briefing PDF page", html)


def emails(settings) -> list[Document]:
    """The alerts the ledger owes this month (briefing, digests, deadlines), sent."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first = selectors.today().replace(day=1)
    for offset in range(10):
        owed = ledger.scan(on=first + datetime.timedelta(days=offset))["owed"]
        delivery.deliver(owed)
    documents = []
    for message in mail.outbox:
        kind = "briefing email" if message.attachments else f"email {message.subject}"
        documents.append(Document(f"{kind} (text)", [Text(message.subject), Text(message.body)]))
        for html, _type in message.alternatives:
            documents.append(html_document(f"{kind} (HTML)", html))
        for filename, content, _type in message.attachments:
            documents.append(workbook_document(f"{kind} attachment {filename}", content))
    return documents


def documents(role: str, town: Town, settings) -> list[Document]:
    client = Client()
    client.force_login(demo.demo_users().get(username=ROLES[role]))
    found = [fetched(client, name, url) for name, url in pages_for(role, town)]
    if role in BRIEFING_READERS:
        found.append(briefing_pdf_page())
    if role == "leader":
        found.extend(emails(settings))
    return found


@pytest.mark.parametrize("role", list(ROLES))
def test_every_figure_on_every_page_reads_as_the_town_writes_it(role, town, settings):
    """On every page, export, workbook, PDF page and email a role gets: no number with
    more than two decimals, every amount with its unit, the report's registration
    figure where the registration is stated."""
    found = documents(role, town, settings)
    names = {document.name for document in found}
    expected = STATES_REGISTRATION if role in BRIEFING_READERS else {"dashboard"}
    if role != "leader":
        expected = {name for name in expected if "email" not in name}
    assert expected <= names, expected - names
    problems = [problem for document in found for check in CHECKS for problem in check(document)]
    problems += [
        problem
        for document in found
        if document.name in STATES_REGISTRATION
        for check in REGISTRATION_CHECKS
        for problem in check(document)
    ]
    assert not problems, "\n".join(problems)
