"""The project list: filters in the URL, sorting, page size, and exports of exactly the
filtered rows that are safe to open in Excel."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from projects.models import Project
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("projects:list")


@pytest.fixture
def portfolio(user):
    village = VillageFactory(name="甲村")
    water = ProjectFactory(
        name="甲村水环境整治",
        category=Project.Category.WATER_REMEDIATION,
        description="河道清淤",
        statistics_registered=True,
        contact_person=user,
    )
    water.villages.add(village)
    road = ProjectFactory(
        name="乙路改造", category=Project.Category.ROAD_INFRASTRUCTURE, stage="planning"
    )
    late = ProjectFactory(name="逾期的厂房", category=Project.Category.FACTORY_BUILDING)
    MilestoneFactory(project=late, due_date=datetime.date(2020, 1, 1))
    AnnualPlanFactory(project=road, year=2025)
    return {"water": water, "road": road, "late": late, "village": village}


def names(response):
    return [row.record.name for row in response.context["table"].page.object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=清淤", ["甲村水环境整治"]),
        ("q=厂房", ["逾期的厂房"]),
        ("category=road_infrastructure", ["乙路改造"]),
        ("stage=planning", ["乙路改造"]),
        ("year=2025", ["乙路改造"]),
        ("statistics_registered=true", ["甲村水环境整治"]),
        ("overdue=on", ["逾期的厂房"]),
        ("light=red", ["逾期的厂房"]),
        ("mine=on", ["甲村水环境整治"]),
    ],
)
def test_each_filter(user_client, portfolio, query, expected):
    assert names(user_client.get(f"{LIST}?{query}")) == expected


def test_village_filter(user_client, portfolio):
    response = user_client.get(f"{LIST}?village={portfolio['village'].pk}")
    assert names(response) == ["甲村水环境整治"]


def test_sorting_and_page_size(user_client, portfolio):
    for index in range(30):
        ProjectFactory(name=f"项目{index:02d}")
    response = user_client.get(f"{LIST}?per_page=10&sort=-name")
    table = response.context["table"]
    assert table.paginator.per_page == 10
    # Names sort by pinyin, not by code point: yú (逾), yǐ (乙), then xiàng (项).
    assert names(response) == ["逾期的厂房", "乙路改造", *(f"项目{n}" for n in range(29, 21, -1))]
    # A page size outside the choices falls back to the default.
    assert user_client.get(f"{LIST}?per_page=100000").context["table"].paginator.per_page == 25


def test_the_table_works_without_javascript_and_with_htmx(user_client, portfolio):
    plain = user_client.get(f"{LIST}?category=road_infrastructure")
    swapped = user_client.get(f"{LIST}?category=road_infrastructure", HTTP_HX_REQUEST="true")
    for response in (plain, swapped):
        content = response.content.decode()
        assert 'id="project-results"' in content
        assert "乙路改造" in content
        assert "甲村水环境整治" not in content


def test_xlsx_export_holds_exactly_the_filtered_rows(user_client, portfolio):
    for index in range(40):  # more than a page: the export is not paginated
        ProjectFactory(name=f"道路{index}", category=Project.Category.ROAD_INFRASTRUCTURE)
    response = user_client.get(f"{LIST}?category=road_infrastructure&_export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("名称", "项目类别", "项目阶段")
    expected = set(
        Project.objects.filter(category=Project.Category.ROAD_INFRASTRUCTURE).values_list(
            "name", flat=True
        )
    )
    assert {row[0] for row in body} == expected
    assert len(body) == len(expected) == 41


def test_exports_make_formulas_inert(user_client, portfolio):
    for name in ('=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tcmd"):
        ProjectFactory(name=name, total_investment=Decimal("12.50"))
    xlsx = user_client.get(f"{LIST}?_export=xlsx&per_page=100")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://x")' in cells
    assert all(not str(cell).startswith(("=", "+", "-", "@", "\t")) for cell in cells)
    assert not any(row[0].data_type == "f" for row in sheet.iter_rows(min_row=2))
    amounts = [row[4].value for row in sheet.iter_rows(min_row=2) if row[4].value is not None]
    assert Decimal("12.5") in [Decimal(str(amount)) for amount in amounts]
    csv_response = user_client.get(f"{LIST}?_export=csv")
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Chinese as UTF-8
    values = [row[0] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))][1:]
    assert "'+1+1" in values and "'-2" in values


def test_the_completed_share_column(user_client):
    project = ProjectFactory(name="有计划的项目")
    today = datetime.date.today()
    AnnualPlanFactory(project=project, year=today.year, planned_investment=Decimal("200"))
    ProgressReportFactory(
        project=project, month=today.replace(day=1), investment_completed=Decimal("50")
    )
    content = user_client.get(LIST).content.decode()
    assert "25.0" in content


def test_the_list_sorts_by_pinyin_by_default(user_client, portfolio):
    """甲 (jiǎ), 乙 (yǐ), 逾 (yú): by pinyin, where code points would put 乙 first."""
    assert names(user_client.get(LIST)) == ["甲村水环境整治", "乙路改造", "逾期的厂房"]


@pytest.mark.parametrize("query", ["zlc", "ZLC", "zhanglou", "zhang lou", "张楼", "biaozhunhua"])
def test_search_finds_pinyin_and_initials(user_client, query):
    """zlc (the initials), zhanglou (the pinyin) and 张楼 find 张楼村标准化厂房."""
    ProjectFactory(name="张楼村标准化厂房")
    ProjectFactory(name="山王村省级和美乡村中心村")
    assert names(user_client.get(LIST, {"q": query})) == ["张楼村标准化厂房"]
