"""Exports: real numbers with two decimals, real dates, inert text; a project's full
record; the collective income table in the import's shape."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext

from projects.workbooks.sheets import (
    PROJECT_SHEETS,
    READ_ONLY_SHEETS,
    import_projects_file,
)
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    VillageFactory,
)
from villages.models import CollectiveIncome

pytestmark = pytest.mark.django_db


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_project_list_xlsx_writes_amounts_and_dates_as_values(user_client):
    project = ProjectFactory(name="金额项目", total_investment=Decimal("1234.5"))
    MilestoneFactory(project=project, title="主体完工", due_date=datetime.date(2031, 5, 6))
    sheet = workbook(user_client.get(reverse("projects:list") + "?_export=xlsx")).active
    header = [cell.value for cell in sheet[1]]
    row = {header[index]: cell for index, cell in enumerate(sheet[2])}
    amount = row["总投资（万元）"]
    assert amount.value == 1234.5 and amount.number_format == "#,##0.00"
    milestone = row[gettext("next milestone")]
    assert milestone.is_date and milestone.value.date() == datetime.date(2031, 5, 6)
    assert row[gettext("next milestone title")].value == "主体完工"


def test_a_projects_full_record_imports_back_unchanged(user_client):
    project = ProjectFactory(name="=完整记录", total_investment=Decimal("88"))
    MilestoneFactory(project=project, title="开工", due_date=datetime.date(2030, 1, 2))
    ProgressReportFactory(project=project, month=datetime.date(2030, 1, 1))
    response = user_client.get(reverse("projects:record_xlsx", args=[project.pk]))
    book = workbook(response)
    assert book.sheetnames == [*(spec.title for spec in PROJECT_SHEETS), *READ_ONLY_SHEETS]
    assert book["项目"]["A2"].value == "'=完整记录"  # inert, never a formula
    assert book["节点"]["C2"].is_date
    report = import_projects_file(io.BytesIO(response.content), "record.xlsx", dry_run=True)
    assert report.accepted, report.errors
    assert [(s.title, s.new, s.changed) for s in report.sheets if s.new or s.changed] == []


def test_collective_income_exports_in_the_import_shape(user_client):
    village = VillageFactory(name="山王村")
    CollectiveIncome.objects.create(village=village, year=2024, amount=Decimal("57.1"))
    sheet = workbook(user_client.get(reverse("villages:income_xlsx")))["村集体经济收入"]
    assert [cell.value for cell in sheet[1]][:3] == ["村（社区）", "年度", "集体经济收入（万元）"]
    assert sheet["C2"].value == 57.1 and sheet["C2"].number_format == "#,##0.00"
    text = user_client.get(reverse("villages:income_csv")).content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][:3] == ["山王村", "2024", "57.10"]
