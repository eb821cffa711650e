"""What is exported imports back unchanged: into the same database (nothing new, nothing
changed, not a row different) and into one without the projects (the same portfolio,
compared by natural keys), as a workbook and as CSV tables in UTF-8 and GBK. The
template imports as it is, and exports write real numbers, real dates and inert text."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from projects.models import (
    AnnualPlan,
    ApprovalItem,
    FundEntry,
    Funding,
    FundingSource,
    Milestone,
    PhysicalTarget,
    Project,
    ResponsibleUnit,
    StageTransition,
)
from projects.workbooks.sheets import export_workbook, import_projects_file, template_workbook
from villages.imports import export_income_workbook, import_income_file, income_template_workbook
from villages.models import CollectiveIncome, Village

from .conftest import database_rows, rows_changed
from .corpus import HEADERS, INCOME_HEADERS, INCOME_SHEET

pytestmark = pytest.mark.django_db

#: Text a spreadsheet would run as a formula: it must go out inert and come back as typed.
FORMULA_LIKE = ['=HYPERLINK("http://example.test")', "+86 554 000", "-2层地下室", "@镇政府"]


# The portfolio, by natural keys ----------------------------------------------------------


def username(user):
    return user.username if user is not None else None


def portfolio() -> dict[str, dict]:
    """Every exported field of every project, funding, plan, milestone, approval, fund
    entry and physical target, keyed by what identifies it in the workbook; villages,
    units, sources and users by name."""
    projects = Project.objects.select_related(
        "responsible_unit", "contact_person", "supervising_leader"
    ).prefetch_related("villages")
    return {
        "项目": {
            project.name: (
                project.code,
                project.category,
                project.stage,
                sorted(village.name for village in project.villages.all()),
                project.location,
                project.scope_quantity,
                project.scope_unit,
                project.responsible_unit.name if project.responsible_unit else None,
                username(project.contact_person),
                username(project.supervising_leader),
                project.planned_start,
                project.planned_completion,
                project.actual_start,
                project.actual_completion,
                project.total_investment,
                project.statistics_registered,
                project.statistics_registered_year,
                project.statistics_registered_on,
                project.description,
                project.source_note,
            )
            for project in projects
        },
        "资金来源": {
            (funding.project.name, funding.source.name): (funding.amount, funding.note)
            for funding in Funding.objects.select_related("project", "source")
        },
        "年度计划": {
            (plan.project.name, plan.year): (plan.planned_investment, plan.physical_goals)
            for plan in AnnualPlan.objects.select_related("project")
        },
        "节点": {
            (milestone.project.name, milestone.title): (
                milestone.due_date,
                milestone.completed_on,
                username(milestone.owner),
                milestone.note,
            )
            for milestone in Milestone.objects.select_related("project", "owner")
        },
        "前期手续": {
            (item.project.name, item.name): (
                item.position,
                item.needed_for_start,
                item.status,
                username(item.responsible_person),
                item.planned_date,
                item.actual_date,
                item.document_number,
                item.note,
            )
            for item in ApprovalItem.objects.select_related("project", "responsible_person")
        },
        "资金拨付": {
            (
                entry.funding.project.name,
                entry.funding.source.name,
                entry.kind,
                entry.date,
                entry.document_number,
            ): (entry.amount, entry.note)
            for entry in FundEntry.objects.select_related("funding__project", "funding__source")
        },
        "实物工作量": {
            (target.project.name, target.year, target.name): (
                target.unit,
                target.planned_quantity,
                target.source_note,
            )
            for target in PhysicalTarget.objects.select_related("project")
        },
    }


def incomes() -> dict:
    return {
        (income.village.name, income.year): (income.amount, income.note, income.source_note)
        for income in CollectiveIncome.objects.select_related("village")
    }


def counts(report) -> dict[str, tuple[int, int, int]]:
    return {sheet.title: (sheet.new, sheet.changed, sheet.unchanged) for sheet in report.sheets}


def unchanged(picture: dict[str, dict]) -> dict[str, tuple[int, int, int]]:
    return {title: (0, 0, len(rows)) for title, rows in picture.items()}


def all_new(picture: dict[str, dict]) -> dict[str, tuple[int, int, int]]:
    return {title: (len(rows), 0, 0) for title, rows in picture.items()}


def remove_projects():
    """Delete every project; their funding, plans, milestones, reports, approvals, fund
    entries and targets go with them."""
    Project.objects.all().delete()
    assert not (Funding.objects.exists() or AnnualPlan.objects.exists())
    assert not Milestone.objects.exists()
    assert not (ApprovalItem.objects.exists() or FundEntry.objects.exists())
    assert not PhysicalTarget.objects.exists()


# Files -----------------------------------------------------------------------------------


def load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def csv_text(value) -> str:
    """A cell as Excel writes it into a CSV file."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sheet_as_csv(worksheet, encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in worksheet.iter_rows(values_only=True):
        writer.writerow([csv_text(value) for value in row])
    return buffer.getvalue().encode(encoding)


def workbook_as_csv_files(data: bytes, encoding: str) -> list[tuple[str, bytes]]:
    """Each sheet of the workbook as its own CSV file, in the workbook's order."""
    workbook = load(data)
    return [(f"{sheet.title}.csv", sheet_as_csv(sheet, encoding)) for sheet in workbook]


# The data --------------------------------------------------------------------------------


@pytest.fixture
def full_project(db, django_user_model):
    """The work report's records plus one fictional project that fills every column
    (several villages, a unit, a leader, all four dates, registration with its date, a
    project code; approvals, fund entries of every kind, a physical target) and carries
    text a spreadsheet would take for formulas."""
    call_command("load_report_data", stdout=io.StringIO())
    unit = ResponsibleUnit.objects.create(name="测试镇建设办", kind=ResponsibleUnit.Kind.DEPARTMENT)
    contact = django_user_model.objects.create_user("test.contact")
    leader = django_user_model.objects.create_user("test.leader")
    project = Project.objects.create(
        name="测试全字段项目",
        category=Project.Category.FACTORY_BUILDING,
        stage=Project.Stage.COMPLETED,
        location=FORMULA_LIKE[0],
        scope_quantity=Decimal("12345.67"),
        scope_unit="m²",
        responsible_unit=unit,
        contact_person=contact,
        supervising_leader=leader,
        planned_start=datetime.date(2023, 2, 28),
        planned_completion=datetime.date(2024, 2, 29),
        actual_start=datetime.date(2023, 3, 15),
        actual_completion=datetime.date(2024, 6, 30),
        total_investment=Decimal("98765.43"),
        statistics_registered=True,
        statistics_registered_year=2023,
        statistics_registered_on=datetime.date(2023, 4, 20),
        code="2023-340405-48-01-012345",
        description=f"{FORMULA_LIKE[1]}\n第二行说明",
        source_note=FORMULA_LIKE[2],
    )
    project.villages.set(Village.objects.order_by("name")[:3])
    fundings = {
        source: Funding.objects.create(
            project=project, source=FundingSource.objects.get(name=source), amount=amount, note=note
        )
        for source, amount, note in [
            ("专项债", Decimal("5000.00"), FORMULA_LIKE[3]),
            ("社会资本", None, ""),
        ]
    }
    ApprovalItem.objects.create(
        project=project,
        name="施工许可",
        position=5,
        needed_for_start=True,
        status=ApprovalItem.Status.OBTAINED,
        responsible_person=contact,
        planned_date=datetime.date(2023, 2, 1),
        actual_date=datetime.date(2023, 3, 1),
        document_number="=建许〔2023〕8号",
        note="-附条件",
    )
    ApprovalItem.objects.create(
        project=project, name="节能审查", position=7, status=ApprovalItem.Status.NOT_APPLICABLE
    )
    bond = fundings["专项债"]
    for kind, day, amount, number, note in [
        (FundEntry.Kind.ALLOCATED, datetime.date(2023, 1, 10), "5000", "财预〔2023〕1号", ""),
        (FundEntry.Kind.ARRIVED, datetime.date(2023, 3, 1), "3000.25", "第一批", ""),
        # The same day and kind, told apart by the document number.
        (FundEntry.Kind.ARRIVED, datetime.date(2023, 3, 1), "999.75", "第二批", ""),
        (FundEntry.Kind.PAID, datetime.date(2023, 6, 30), "2500", "", FORMULA_LIKE[0]),
    ]:
        FundEntry.objects.create(
            funding=bond,
            kind=kind,
            date=day,
            amount=Decimal(amount),
            document_number=number,
            note=note,
        )
    FundEntry.objects.create(
        funding=fundings["社会资本"],
        kind=FundEntry.Kind.PAID,
        date=datetime.date(2023, 7, 1),
        amount=Decimal("0.01"),
    )
    PhysicalTarget.objects.create(
        project=project,
        year=2023,
        name="厂房建设",
        unit="m²",
        planned_quantity=Decimal("12345.67"),
        source_note="+测试",
    )
    AnnualPlan.objects.create(
        project=project, year=2023, planned_investment=Decimal("0.05"), physical_goals="-主体完工"
    )
    Milestone.objects.create(
        project=project,
        title="=竣工验收",
        due_date=datetime.date(2024, 6, 1),
        completed_on=datetime.date(2024, 6, 30),
        owner=contact,
        note="@所有人",
    )
    return project


@pytest.fixture
def town(settings, full_project):
    """The work report's records, the demo seed and the full project."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--force", stdout=io.StringIO())
    return full_project


@pytest.fixture
def village_income(db):
    """Fictional incomes (test figures, not the town's) of the report's villages."""
    call_command("load_report_data", stdout=io.StringIO())
    villages = list(Village.objects.order_by("name")[:4])
    for index, village in enumerate(villages):
        for year in (2022, 2023):
            CollectiveIncome.objects.create(
                village=village,
                year=year,
                amount=Decimal("10.05") * (index + 1) + year - 2022,
                note=FORMULA_LIKE[index] if year == 2023 else "",
                source_note="测试数据",
            )
    return villages


# Projects --------------------------------------------------------------------------------


def test_export_then_import_changes_nothing(town, admin_user):
    """The export of every project imported back finds every row unchanged and leaves
    every table exactly as it was (records, history, log entries)."""
    picture = portfolio()
    assert all(picture.values()), "every sheet has rows"
    before = database_rows()

    report = import_projects_file(
        io.BytesIO(export_workbook(Project.objects.all())), "项目台账.xlsx", user=admin_user
    )

    assert report.accepted, report.errors
    assert counts(report) == unchanged(picture)
    assert report.rows_written == 0
    assert rows_changed(before, database_rows()) == 0


def test_export_rebuilds_the_portfolio_without_the_projects(town):
    """The export imported into a database without the projects brings back every
    project, funding, plan and milestone with every exported field."""
    picture = portfolio()
    data = export_workbook(Project.objects.all())
    remove_projects()

    report = import_projects_file(io.BytesIO(data), "项目台账.xlsx")

    assert report.accepted, report.errors
    assert counts(report) == all_new(picture)
    assert report.rows_written == sum(len(rows) for rows in picture.values())
    assert portfolio() == picture


def fit_gbk():
    """Replace what GBK cannot hold: the report's "m²" (Excel would write "m?")."""
    Project.objects.filter(scope_unit="m²").update(scope_unit="平方米")
    PhysicalTarget.objects.filter(unit="m²").update(unit="平方米")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_each_sheet_as_csv_imports_back(town, encoding):
    """Every sheet saved as a CSV file (UTF-8 with a BOM, GBK or GB18030) imports
    unchanged, and the four files rebuild the portfolio without the projects."""
    if encoding == "gbk":
        fit_gbk()
    picture = portfolio()
    files = workbook_as_csv_files(export_workbook(Project.objects.all()), encoding)
    # The demo records of the town put the demo notice first; it is not a table.
    assert [name for name, _data in files] == [
        "演示数据.csv",
        *(f"{title}.csv" for title in HEADERS),
    ]
    files = files[1:]
    before = database_rows()

    for name, data in files:
        report = import_projects_file(io.BytesIO(data), name)
        assert report.accepted, report.errors
        title = name.removesuffix(".csv")
        assert counts(report) == {title: unchanged(picture)[title]}
    assert rows_changed(before, database_rows()) == 0

    remove_projects()
    for name, data in files:
        report = import_projects_file(io.BytesIO(data), name)
        assert report.accepted, report.errors
    assert portfolio() == picture


def test_edited_export_counts_changed_rows_and_records_the_stage_change(full_project, admin_user):
    """An export with one project's stage and one amount edited imports as exactly
    those changes; the stage change is recorded with the importing user."""
    project = full_project
    workbook = load(export_workbook(Project.objects.filter(pk=project.pk)))
    projects, fundings = workbook["项目"], workbook["资金来源"]
    stage = HEADERS["项目"].index("项目阶段") + 1
    projects.cell(row=2, column=stage).value = "投用"
    amount = HEADERS["资金来源"].index("金额（万元）") + 1
    edited = next(row for row in fundings.iter_rows(min_row=2) if row[amount - 1].value)
    edited[amount - 1].value = 6000.5
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = import_projects_file(io.BytesIO(buffer.getvalue()), "改.xlsx", user=admin_user)

    assert report.accepted, report.errors
    assert counts(report) == {
        "项目": (0, 1, 0),
        "资金来源": (0, 1, 1),
        "年度计划": (0, 0, 1),
        "节点": (0, 0, 1),
        "前期手续": (0, 0, 2),
        "资金拨付": (0, 0, 5),
        "实物工作量": (0, 0, 1),
    }
    project.refresh_from_db()
    assert project.stage == Project.Stage.IN_OPERATION
    assert Funding.objects.filter(project=project, amount=Decimal("6000.50")).exists()
    transition = StageTransition.objects.get(project=project)
    assert (transition.from_stage, transition.to_stage, transition.acting_user) == (
        Project.Stage.COMPLETED,
        Project.Stage.IN_OPERATION,
        admin_user,
    )
    assert project.history.first().history_user == admin_user


def test_template_imports_as_it_is(db):
    """The template has the instructions sheet first and the Chinese headers; imported
    unchanged it adds its example rows, whose project name starts with 示例."""
    call_command("load_report_data", stdout=io.StringIO())
    data = template_workbook()
    workbook = load(data)
    assert workbook.sheetnames == ["填写说明", *HEADERS]
    instructions = "\n".join(
        str(row[0]) for row in workbook["填写说明"].iter_rows(values_only=True) if row[0]
    )
    assert "项目类别可填" in instructions and "道路及基础设施" in instructions
    for title, headers in HEADERS.items():
        assert [cell.value for cell in workbook[title][1]] == headers

    report = import_projects_file(io.BytesIO(data), "项目台账导入模板.xlsx")

    assert report.accepted, report.errors
    assert counts(report) == dict.fromkeys(HEADERS, (1, 0, 0))
    example = Project.objects.get(name__startswith="示例")
    assert example.name.startswith("示例")
    assert example.fundings.count() == example.annual_plans.count() == 1
    assert example.milestones.get().title == "完成招标"


# Collective income -----------------------------------------------------------------------


def test_income_export_then_import_changes_nothing_and_rebuilds(village_income):
    """The income export imports back unchanged, and into a database without the
    incomes brings every row back."""
    picture = incomes()
    data = export_income_workbook()
    before = database_rows()

    report = import_income_file(io.BytesIO(data), "村集体经济收入.xlsx")
    assert report.accepted, report.errors
    assert counts(report) == {INCOME_SHEET: (0, 0, len(picture))}
    assert rows_changed(before, database_rows()) == 0

    CollectiveIncome.objects.all().delete()
    report = import_income_file(io.BytesIO(data), "村集体经济收入.xlsx")
    assert report.accepted, report.errors
    assert counts(report) == {INCOME_SHEET: (len(picture), 0, 0)}
    assert incomes() == picture


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_income_csv_imports_back(village_income, encoding):
    picture = incomes()
    [(name, data)] = workbook_as_csv_files(export_income_workbook(), encoding)
    CollectiveIncome.objects.all().delete()

    report = import_income_file(io.BytesIO(data), name)

    assert report.accepted, report.errors
    assert incomes() == picture


def test_income_template_imports_as_it_is(db):
    call_command("load_report_data", stdout=io.StringIO())
    data = income_template_workbook()
    workbook = load(data)
    assert workbook.sheetnames == ["填写说明", INCOME_SHEET]
    assert [cell.value for cell in workbook[INCOME_SHEET][1]] == INCOME_HEADERS

    report = import_income_file(io.BytesIO(data), "村集体经济收入导入模板.xlsx")

    assert report.accepted, report.errors
    example = CollectiveIncome.objects.get()
    assert example.note.startswith("示例")
    # The template's example row is the first village by pinyin (毕岗村, not 丁山村).
    assert example.village == Village.objects.first()


# What exports look like ------------------------------------------------------------------


def column(sheet, header: str) -> list:
    """The cells of ``header``'s column below the header row."""
    index = [cell.value for cell in sheet[1]].index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def test_export_writes_numbers_dates_and_inert_text(full_project):
    """Amounts are numbers shown with two decimals, dates are dates, the headers are the
    Chinese ones, and text that starts like a formula is written with a leading '."""
    workbook = load(export_workbook(Project.objects.filter(name="测试全字段项目")))
    assert workbook.sheetnames == list(HEADERS)
    for title, headers in HEADERS.items():
        assert [cell.value for cell in workbook[title][1]] == headers

    projects = workbook["项目"]
    for header in ("总投资（万元）", "建设规模"):
        [cell] = column(projects, header)
        assert cell.data_type == "n" and cell.number_format == "#,##0.00"
    assert column(projects, "总投资（万元）")[0].value == pytest.approx(98765.43)
    for header in ("计划开工日期", "计划完工日期", "实际开工日期", "实际完工日期"):
        [cell] = column(projects, header)
        assert cell.is_date, header
    assert column(projects, "计划完工日期")[0].value.date() == datetime.date(2024, 2, 29)
    assert column(projects, "入库年份")[0].value == 2023
    assert column(projects, "是否入库纳统")[0].value == "是"
    assert column(projects, "项目类别")[0].value == "标准化厂房"
    assert column(projects, "项目阶段")[0].value == "竣工"

    inert = {
        "建设地点": FORMULA_LIKE[0],
        "项目简介": f"{FORMULA_LIKE[1]}\n第二行说明",
        "资料来源": FORMULA_LIKE[2],
    }
    for header, text in inert.items():
        [cell] = column(projects, header)
        assert cell.data_type == "s" and cell.value == f"'{text}", header
    assert "'" + FORMULA_LIKE[3] in [cell.value for cell in column(workbook["资金来源"], "备注")]
    assert [cell.value for cell in column(workbook["年度计划"], "形象进度目标")] == ["'-主体完工"]
    [title] = column(workbook["节点"], "节点名称")
    assert title.value == "'=竣工验收"
    [due] = column(workbook["节点"], "计划完成日期")
    assert due.is_date and due.number_format == "yyyy-mm-dd"
    [amount] = column(workbook["年度计划"], "计划投资（万元）")
    assert amount.value == pytest.approx(0.05) and amount.number_format == "#,##0.00"
    assert not any(
        cell.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for cell in row
    )


def test_income_export_writes_amounts_and_inert_text(village_income):
    workbook = load(export_income_workbook())
    sheet = workbook[INCOME_SHEET]
    assert [cell.value for cell in sheet[1]] == INCOME_HEADERS
    amounts = column(sheet, "集体经济收入（万元）")
    assert all(cell.data_type == "n" and cell.number_format == "#,##0.00" for cell in amounts)
    assert sorted(cell.value for cell in amounts) == pytest.approx(
        sorted(
            float(amount) for amount in CollectiveIncome.objects.values_list("amount", flat=True)
        )
    )
    notes = {cell.value for cell in column(sheet, "备注")} - {None}
    assert notes == {f"'{text}" for text in FORMULA_LIKE}
