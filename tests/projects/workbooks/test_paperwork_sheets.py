"""The sheets of a project's paperwork and money (前期手续, 资金拨付, 实物工作量), the
project code and the registration date in the workbook, and the full record's read-only
sheets: what imports, what is refused, and the queries an export costs."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from projects.models import (
    ApprovalItem,
    FundEntry,
    Funding,
    FundingSource,
    PhysicalTarget,
    PlanBaseline,
    PlanBaselineEntry,
    ProgressReport,
    Project,
    ReportedQuantity,
)
from projects.workbooks.record import project_record_workbook
from projects.workbooks.sheets import (
    BASELINES_SHEET,
    QUANTITIES_SHEET,
    export_workbook,
    import_projects_file,
    project_workbook,
)
from shanwang.spreadsheets.engine import ImportReport
from shanwang.spreadsheets.files import read_spreadsheet
from tests.factories import bulk_portfolio

from . import corpus
from .corpus import (
    CODE,
    EXISTING,
    NEW,
    approval,
    existing_project,
    fund_entry,
    funding,
    new_project,
    project_book,
    target,
)

pytestmark = pytest.mark.django_db


def run(data: bytes, user=None):
    return import_projects_file(io.BytesIO(data), "台账.xlsx", user=user)


def counts(report) -> dict:
    return {sheet.title: (sheet.new, sheet.changed, sheet.unchanged) for sheet in report.sheets}


def test_a_fund_entry_finds_its_funding_in_the_same_file(world):
    """The 资金来源 row of the file comes first, so the new project's entries find it; the
    short words 下达/到位/支付 are read as the kinds, and the importer is recorded."""
    data = project_book(
        projects=[new_project()],
        fundings=[funding()],
        fund_entries=[
            fund_entry(**{"类型": "下达", "日期": "2024-01-05", "金额（万元）": 300}),
            fund_entry(),
            fund_entry(**{"类型": "支付", "日期": "2024年4月30日", "文号": None, "备注": None}),
        ],
    )
    report = run(data, world.importer)
    assert report.accepted, report.errors
    entries = FundEntry.objects.filter(funding__project__name=NEW).order_by("date")
    assert [(e.kind, e.date, e.amount, e.document_number) for e in entries] == [
        (
            FundEntry.Kind.ALLOCATED,
            datetime.date(2024, 1, 5),
            Decimal("300.00"),
            "测试财〔2024〕7号",
        ),
        (
            FundEntry.Kind.ARRIVED,
            datetime.date(2024, 3, 15),
            Decimal("120.50"),
            "测试财〔2024〕7号",
        ),
        (FundEntry.Kind.PAID, datetime.date(2024, 4, 30), Decimal("120.50"), ""),
    ]
    assert {entry.recorded_by for entry in entries} == {world.importer}
    assert entries[0].history.first().history_user == world.importer


def test_an_entry_of_a_stored_funding_is_updated_by_its_key(world):
    """The existing project's funding is stored: its entry is found again by project,
    source, kind, date and document number, and only the amount changes."""
    row = fund_entry(**{"项目名称": EXISTING})
    report = run(project_book(projects=[existing_project()], fund_entries=[row]), world.importer)
    assert report.accepted, report.errors
    report = run(
        project_book(
            projects=[existing_project()],
            fund_entries=[row | {"金额（万元）": "99", "备注": None}],
        ),
        world.importer,
    )
    assert report.accepted, report.errors
    assert counts(report)["资金拨付"] == (0, 1, 0)
    entry = FundEntry.objects.get(funding__project=world.project)
    assert (entry.amount, entry.note) == (Decimal("99.00"), "第一批")


def test_approvals_and_targets_import_and_update(world):
    data = project_book(
        projects=[new_project()],
        approvals=[
            approval(),
            approval(
                **{
                    "手续名称": "环评批复",
                    "序号": None,
                    "开工必需": None,
                    "状态": "办理中",
                    "取得日期": None,
                    "文号": None,
                }
            ),
        ],
        targets=[target()],
    )
    report = run(data, world.importer)
    assert report.accepted, report.errors
    permit, assessment = (
        ApprovalItem.objects.get(name="施工许可"),
        ApprovalItem.objects.get(name="环评批复"),
    )
    assert (permit.position, permit.needed_for_start, permit.status) == (
        5,
        True,
        ApprovalItem.Status.OBTAINED,
    )
    assert (permit.responsible_person, permit.actual_date) == (
        world.contact,
        datetime.date(2024, 2, 20),
    )
    # Empty cells of a new row take the model's defaults.
    assert (assessment.position, assessment.needed_for_start) == (0, False)
    assert assessment.status == ApprovalItem.Status.IN_PROGRESS
    target_row = PhysicalTarget.objects.get(project__name=NEW)
    assert (target_row.unit, target_row.planned_quantity) == ("公里", Decimal("2.50"))

    report = run(
        project_book(
            projects=[new_project()],
            approvals=[approval(**{"状态": "不涉及", "取得日期": None})],
            targets=[target(**{"计划数量": 3})],
        )
    )
    assert report.accepted, report.errors
    assert counts(report)["前期手续"] == (0, 1, 0)
    permit.refresh_from_db()
    # The empty date cell left the date as it was.
    assert (permit.status, permit.actual_date) == (
        ApprovalItem.Status.NOT_APPLICABLE,
        datetime.date(2024, 2, 20),
    )
    assert PhysicalTarget.objects.get(project__name=NEW).planned_quantity == Decimal("3.00")


# The project code and the registration date ---------------------------------------------


def test_codes_are_folded_and_empty_codes_are_null(world):
    """A full-width code is stored folded; two new projects without a code both store
    NULL (the unique index would refuse a second "")."""
    data = project_book(
        projects=[
            new_project(**{"项目代码": "２０２３－３４０４０５－４８－０１－０１２３４５"}),
            new_project(**{"项目名称": "测试无代码项目甲", "项目代码": None}),
            new_project(**{"项目名称": "测试无代码项目乙", "项目代码": ""}),
        ]
    )
    report = run(data, world.importer)
    assert report.accepted, report.errors
    assert Project.objects.get(name=NEW).code == CODE
    assert list(
        Project.objects.filter(name__startswith="测试无代码").values_list("code", flat=True)
    ) == [None, None]
    assert not Project.objects.filter(code="").exists()


def test_a_code_held_by_a_stored_project_is_refused_on_its_row(world):
    world.project.code = CODE
    world.project.save()
    with translation.override("en"):
        report = run(project_book(projects=[new_project(**{"项目代码": CODE})]), world.importer)
    assert not report.accepted
    assert any(corpus.at("项目", 2, "项目代码") in error for error in report.errors), report.errors
    assert not Project.objects.filter(name=NEW).exists()


def test_the_clear_marker_clears_the_code_and_the_date(world):
    world.project.code = CODE
    world.project.statistics_registered = True
    world.project.statistics_registered_on = datetime.date(2024, 5, 1)
    world.project.save()
    row = existing_project(**{"项目代码": "（清空）", "入库日期": "（清空）"})
    report = run(project_book(projects=[row]), world.importer)
    assert report.accepted, report.errors
    world.project.refresh_from_db()
    assert (world.project.code, world.project.statistics_registered_on) == (None, None)


def test_a_file_without_the_new_columns_keeps_the_code_and_the_date(world):
    """Files made from the template before the code and the date still import, and
    change neither."""
    world.project.code = CODE
    world.project.statistics_registered = True
    world.project.statistics_registered_on = datetime.date(2024, 5, 1)
    world.project.save()
    headers = [h for h in corpus.PROJECT_HEADERS if h not in ("项目代码", "入库日期")]
    data = corpus.xlsx(
        {"项目": corpus.table(headers, [existing_project(**{"是否入库纳统": "是"}), new_project()])}
    )
    report = run(data, world.importer)
    assert report.accepted, report.errors
    world.project.refresh_from_db()
    assert world.project.code == CODE
    assert world.project.statistics_registered_on == datetime.date(2024, 5, 1)
    assert Project.objects.get(name=NEW).code is None


def test_the_registration_date_imports_with_registration(world):
    report = run(project_book(projects=[new_project(**{"入库日期": "2024/5/6"})]))
    assert report.accepted, report.errors
    assert Project.objects.get(name=NEW).statistics_registered_on == datetime.date(2024, 5, 6)


# The full record's read-only sheets ------------------------------------------------------


def sheet_rows(book, title) -> list[tuple]:
    """The rows under the header of a read-only sheet (its note is row 1)."""
    return list(book[title].iter_rows(min_row=3, values_only=True))


@pytest.fixture
def recorded(world):
    """The existing project with a target, a report of its quantity, and both baselines."""
    project = world.project
    target_row = PhysicalTarget.objects.create(
        project=project, year=2024, name="路面硬化", unit="公里", planned_quantity=Decimal("4.5")
    )
    report = ProgressReport.objects.create(
        project=project,
        month=datetime.date(2024, 3, 1),
        physical_progress=Decimal("20"),
        investment_completed=Decimal("50"),
        status=ProgressReport.Status.APPROVED,
    )
    ReportedQuantity.objects.create(report=report, target=target_row, quantity=Decimal("1.25"))
    for kind, amount in (
        (PlanBaseline.Kind.ADJUSTED, Decimal("70")),
        (PlanBaseline.Kind.ORIGINAL, Decimal("80")),
    ):
        baseline = PlanBaseline.objects.create(
            year=2024, kind=kind, reason=f"=测试{kind}", frozen_by=world.importer
        )
        PlanBaselineEntry.objects.create(
            baseline=baseline, project=project, planned_investment=amount
        )
    return project


def test_the_record_has_the_quantities_and_baselines_read_only(recorded):
    data = project_record_workbook(recorded)
    book = openpyxl.load_workbook(io.BytesIO(data))
    [quantity] = sheet_rows(book, QUANTITIES_SHEET)
    assert quantity[0].date() == datetime.date(2024, 3, 1)
    assert quantity[1:4] == ("路面硬化", "公里", 1.25)
    original, adjusted = sheet_rows(book, BASELINES_SHEET)
    assert (original[0], original[2], adjusted[2]) == (2024, 80, 70)
    assert original[3].date() == timezone.localdate()
    assert original[4] == "test.importer"
    assert original[5] == "'=测试original"  # inert, never a formula

    report = import_projects_file(io.BytesIO(data), "record.xlsx", dry_run=True)
    assert report.accepted, report.errors
    assert QUANTITIES_SHEET not in counts(report) and BASELINES_SHEET not in counts(report)
    assert all(new == changed == 0 for new, changed, _same in counts(report).values())


# Queries ---------------------------------------------------------------------------------


def paperwork_for(projects) -> None:
    """An approval, a funding with two entries and a target for each project."""
    source, _new = FundingSource.objects.get_or_create(name="测试批量资金")
    ApprovalItem.objects.bulk_create(ApprovalItem(project=p, name="施工许可") for p in projects)
    fundings = Funding.objects.bulk_create(Funding(project=p, source=source) for p in projects)
    FundEntry.objects.bulk_create(
        FundEntry(funding=f, kind=kind, date=datetime.date(2024, 1, 2), amount=Decimal(1))
        for f in fundings
        for kind in (FundEntry.Kind.ARRIVED, FundEntry.Kind.PAID)
    )
    PhysicalTarget.objects.bulk_create(
        PhysicalTarget(project=p, year=2024, name="道路", unit="公里", planned_quantity=1)
        for p in projects
    )


def queries_of(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_the_export_costs_the_same_queries_at_10_and_300_projects(world):
    bulk_portfolio(9)
    paperwork_for(Project.objects.all())
    small = queries_of(lambda: export_workbook(Project.objects.all()))
    bulk_portfolio(290)
    paperwork_for(Project.objects.filter(approvals__isnull=True))
    assert queries_of(lambda: export_workbook(Project.objects.all())) == small


def test_the_record_costs_the_same_queries_with_more_rows(recorded):
    small = queries_of(lambda: project_record_workbook(recorded))
    paperwork_for([recorded])
    for month in (4, 5):
        report = ProgressReport.objects.create(
            project=recorded,
            month=datetime.date(2024, month, 1),
            physical_progress=Decimal("30"),
            investment_completed=Decimal("5"),
        )
        for target_row in recorded.physical_targets.all():
            ReportedQuantity.objects.create(report=report, target=target_row, quantity=1)
    assert queries_of(lambda: project_record_workbook(recorded)) == small


def test_the_preview_of_a_changed_entry_shows_its_whole_key(world):
    """The admin's preview of a changed fund entry names its project and source (read
    through the funding) beside the changed amount."""
    row = fund_entry(**{"项目名称": EXISTING})
    assert run(project_book(projects=[], fund_entries=[row])).accepted
    data = project_book(projects=[], fund_entries=[row | {"金额（万元）": 99}])
    report = project_workbook.run_sheets(
        read_spreadsheet(data, "台账.xlsx"),
        ImportReport(file_name="台账.xlsx", dry_run=True),
        preview=True,
    )
    assert report.accepted, report.errors
    [changed] = report.sheets[-1].result.rows
    cells = dict(zip(corpus.FUND_ENTRY_HEADERS, changed.diff, strict=True))
    assert EXISTING in cells["项目名称"] and corpus.SOURCE in cells["资金来源"]
    assert "99" in cells["金额（万元）"]
    assert cells["备注"] == ""
