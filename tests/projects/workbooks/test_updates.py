"""An import that updates a row changes only what the file says: an empty cell keeps the
stored value, the marker （清空） clears it, and the preview shows only what changes."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import translation

from projects.models import Project
from projects.workbooks.sheets import import_projects_file, project_workbook, template_workbook
from shanwang.spreadsheets.engine import ImportReport
from shanwang.spreadsheets.files import read_spreadsheet

from .corpus import EXISTING, UNIT, VILLAGE, project_book

pytestmark = pytest.mark.django_db


def one_cell_update(**values) -> bytes:
    """A workbook whose row for the existing project fills only the name and ``values``;
    every other column of the template is present and empty."""
    return project_book(projects=[{"项目名称": EXISTING, "项目类别": "道路及基础设施"} | values])


def run(data: bytes, world, *, dry_run=False):
    return import_projects_file(BytesIO(data), "更新.xlsx", user=world.importer, dry_run=dry_run)


@pytest.fixture
def described(world):
    project = world.project
    project.description = "孔李片区道路提升（测试）"
    project.source_note = "测试资料来源"
    project.location = "测试村甲"
    project.save()
    return project


def test_an_empty_cell_leaves_the_stored_value(world, described):
    report = run(one_cell_update(**{"总投资（万元）": 950}), world)

    assert report.accepted, report.errors
    project = Project.objects.get(pk=described.pk)
    assert project.total_investment == Decimal("950.00")
    assert project.description == "孔李片区道路提升（测试）"
    assert project.source_note == "测试资料来源"
    assert project.location == "测试村甲"
    assert project.responsible_unit.name == UNIT
    assert project.contact_person == world.contact
    assert project.planned_start == datetime.date(2024, 3, 1)
    assert list(project.villages.values_list("name", flat=True)) == [VILLAGE]
    assert project.stage == Project.Stage.PRELIMINARY


def test_the_clear_marker_empties_a_value(world, described):
    report = run(
        one_cell_update(
            **{
                "项目简介": "（清空）",
                "资料来源": "(清空)",
                "责任单位": "（清空）",
                "计划开工日期": "（清空）",
                "涉及村（社区）": "（清空）",
            }
        ),
        world,
    )

    assert report.accepted, report.errors
    project = Project.objects.get(pk=described.pk)
    assert (project.description, project.source_note) == ("", "")
    assert project.responsible_unit is None
    assert project.planned_start is None
    assert project.villages.count() == 0
    assert project.location == "测试村甲"  # not named in the file


def test_clearing_a_required_column_is_refused_by_name(world, described):
    report = run(one_cell_update(**{"项目类别": "（清空）"}), world)

    assert not report.accepted
    assert any("项目类别" in error for error in report.errors), report.errors
    assert Project.objects.get(pk=described.pk).category == Project.Category.ROAD_INFRASTRUCTURE


def test_a_row_that_only_repeats_stored_values_is_unchanged(world, described):
    report = run(one_cell_update(**{"总投资（万元）": 800}), world, dry_run=True)

    assert report.accepted, report.errors
    sheet = report.sheets[0]
    assert (sheet.new, sheet.changed, sheet.unchanged) == (0, 0, 1)


def test_the_preview_lists_only_the_fields_that_change(world, described):
    report = project_workbook.run_sheets(
        read_spreadsheet(one_cell_update(**{"总投资（万元）": 950}), "更新.xlsx"),
        ImportReport(file_name="更新.xlsx", dry_run=True),
        user=world.importer,
        preview=True,
    )

    row = report.sheets[0].result.valid_rows()[0]
    headers = report.sheets[0].result.diff_headers
    shown = {header: cell for header, cell in zip(headers, row.diff, strict=True) if cell}
    assert set(shown) == {"项目名称", "总投资（万元）"}
    assert "<ins" in shown["总投资（万元）"]


def test_a_half_width_slash_in_a_category_is_accepted(world, described):
    with translation.override("zh-hans"):
        chinese = str(Project.Category.RURAL_REVITALIZATION.label)
    assert "／" in chinese or "/" in chinese
    typed = chinese.replace("／", " / ")

    report = run(one_cell_update(**{"项目类别": typed}), world)

    assert report.accepted, report.errors
    assert Project.objects.get(pk=described.pk).category == Project.Category.RURAL_REVITALIZATION


def test_the_template_explains_empty_cells_and_the_marker(db):
    sheets = read_spreadsheet(template_workbook(), "模板.xlsx")
    instructions = next(sheet for sheet in sheets if sheet.title == "填写说明")
    text = "\n".join(str(value) for _n, values in instructions.rows for value in values if value)
    text += "\n" + "\n".join(str(header) for header in instructions.headers if header)
    assert "空单元格表示不修改" in text
    assert "（清空）" in text
