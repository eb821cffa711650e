"""Files made before the columns took the pages' words still import: the former headers
联系人账号 and 分管领导账号 and the former sheet title 里程碑 are read as 责任人账号,
包保领导账号 and 节点, in a workbook and in a CSV file."""

import io

import openpyxl
import pytest

from projects.models import Milestone, Project
from projects.workbooks.sheets import import_projects_file, template_workbook

from . import corpus

pytestmark = pytest.mark.django_db

FORMER = {"责任人账号": "联系人账号", "包保领导账号": "分管领导账号"}
FORMER_PROJECT_HEADERS = [FORMER.get(header, header) for header in corpus.PROJECT_HEADERS]


def former_row(**values) -> dict:
    return {
        FORMER.get(column, column): value for column, value in corpus.new_project(**values).items()
    }


def test_a_workbook_with_the_former_names_imports(world):
    """The 项目 sheet's former headers and the 里程碑 sheet import as before."""
    data = corpus.xlsx(
        {
            "项目": corpus.table(FORMER_PROJECT_HEADERS, [former_row()]),
            "里程碑": corpus.table(corpus.MILESTONE_HEADERS, [corpus.milestone()]),
        }
    )
    report = import_projects_file(io.BytesIO(data), "旧模板.xlsx", user=world.importer)
    assert report.accepted, report.errors
    assert [sheet.title for sheet in report.sheets] == ["项目", "节点"]
    project = Project.objects.get(name=corpus.NEW)
    assert project.contact_person == world.contact
    assert project.supervising_leader == world.leader
    assert Milestone.objects.filter(project=project, title="完成施工招标").exists()


def test_a_csv_file_with_the_former_headers_imports(world):
    """A CSV table is told by its columns, former ones included."""
    data = corpus.csv_file(FORMER_PROJECT_HEADERS, [former_row()])
    report = import_projects_file(io.BytesIO(data), "项目.csv", user=world.importer)
    assert report.accepted, report.errors
    assert Project.objects.get(name=corpus.NEW).contact_person == world.contact


def test_a_former_and_a_current_header_of_one_column_are_refused(world):
    """The same column under both names is one column twice: nothing is imported."""
    headers = [*corpus.PROJECT_HEADERS, "联系人账号"]
    row = corpus.new_project() | {"联系人账号": corpus.CONTACT}
    report = import_projects_file(
        io.BytesIO(corpus.xlsx({"项目": corpus.table(headers, [row])})),
        "两列.xlsx",
        user=world.importer,
    )
    assert not report.accepted
    assert any("责任人账号" in error for error in report.errors), report.errors
    assert not Project.objects.filter(name=corpus.NEW).exists()


def test_the_template_uses_the_pages_words(world):
    """The template's sheet and columns say 节点, 责任人, 包保领导, 计划完工, 资料来源."""
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    assert book.sheetnames == [
        "填写说明",
        "项目",
        "资金来源",
        "年度计划",
        "节点",
        "前期手续",
        "资金拨付",
        "实物工作量",
    ]
    headers = [cell.value for cell in book["项目"][1]]
    for word in ("责任人账号", "包保领导账号", "计划完工日期", "资料来源"):
        assert word in headers
    assert not {"联系人账号", "分管领导账号"} & set(headers)
