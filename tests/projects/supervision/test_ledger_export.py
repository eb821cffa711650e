"""The ledger's export: the column layout a county 问题台账 uses (序号, 项目名称, 问题描述,
责任单位, 责任人, 办结时限, 办理进展, 状态), headed in Chinese whatever the page's language,
exactly the filtered rows in the page's order, and inert formula cells."""

import csv
import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Problem
from projects.supervision import services
from tests.factories import ProblemFactory, ProjectFactory

from .cast import IN_A_WEEK, cast_fixture  # noqa: F401
from .test_ledger_pages import assigned, signed_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LEDGER = reverse("projects:problems")
HEADERS = ("序号", "项目名称", "问题描述", "责任单位", "责任人", "办结时限", "办理进展", "状态")


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["问题台账"]
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()], sheet


@pytest.fixture
def ledger(cast):
    cast.staff_b.last_name, cast.staff_b.first_name = "李", "明"
    cast.staff_b.save()
    working = assigned(cast, description="征地补偿未到位", responsible_person=cast.staff_b)
    services.problem_step(
        acting_user=cast.staff_b, problem=working, step="start", rectification_plan="分两批拨付"
    )
    planned = assigned(cast, description="管线迁改滞后")
    services.problem_step(
        acting_user=cast.staff_b, problem=planned, step="start", rectification_plan="协调供电所"
    )
    services.problem_step(
        acting_user=cast.staff_b, problem=planned, step="progress", progress="已完成一半"
    )
    late = ProblemFactory(
        project=ProjectFactory(name="乙村厂房"),
        description="施工许可未批",
        status=Problem.Status.IN_PROGRESS,
        responsible_unit=cast.unit_b,
        deadline=TODAY - datetime.timedelta(days=3),
    )
    return {"working": working, "planned": planned, "late": late}


def test_the_county_layout_in_chinese_whatever_the_language(cast, ledger):
    response = signed_in(cast.reviewer).get(f"{LEDGER}?_export=xlsx")
    rows, _sheet = sheet_rows(response)
    assert rows[0] == HEADERS
    body = rows[1:]
    assert [row[0] for row in body] == [1, 2, 3]  # 序号: the row number
    # By deadline, as the page: the late one first.
    late, first, second = body
    assert late[1:4] == ("乙村厂房", "施工许可未批", "乙单位")
    assert late[5].date() == ledger["late"].deadline
    assert late[7].endswith("（已逾期）")
    by_description = {row[2]: row for row in (first, second)}
    working = by_description["征地补偿未到位"]
    assert working[1] == "山王村道路" and working[4] == "李明"
    assert working[5].date() == IN_A_WEEK
    assert working[6] == "分两批拨付"  # no progress yet: the rectification plan
    assert "已逾期" not in working[7]
    assert by_description["管线迁改滞后"][6] == "已完成一半"  # the latest progress
    assert by_description["管线迁改滞后"][4] is None
    assert quote("问题台账") in response["Content-Disposition"]


def test_the_export_holds_exactly_the_filtered_rows(cast, ledger):
    for index in range(30):  # more than a page: the export is not paginated
        ProblemFactory(project=cast.project, description=f"批量问题{index}", kind="land")
    reviewer = signed_in(cast.reviewer)
    rows, _sheet = sheet_rows(reviewer.get(f"{LEDGER}?kind=land&_export=xlsx&per_page=10"))
    assert len(rows) == 31 and {row[2] for row in rows[1:]} == {
        f"批量问题{index}" for index in range(30)
    }
    rows, _sheet = sheet_rows(reviewer.get(f"{LEDGER}?overdue=on&_export=xlsx"))
    assert [row[2] for row in rows[1:]] == ["施工许可未批"]
    # Staff export only what they see.
    rows, _sheet = sheet_rows(signed_in(cast.staff_a).get(f"{LEDGER}?_export=xlsx"))
    assert {row[2] for row in rows[1:]} == {"征地补偿未到位", "管线迁改滞后"} | {
        f"批量问题{index}" for index in range(30)
    }


def test_formula_cells_are_inert(cast):
    for text in ('=HYPERLINK("http://x","点我")', "+1+1", "@SUM(A1)"):
        assigned(cast, description=text)
    reviewer = signed_in(cast.reviewer)
    rows, sheet = sheet_rows(reviewer.get(f"{LEDGER}?_export=xlsx"))
    descriptions = [row[2] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x","点我")' in descriptions
    assert all(not str(text).startswith(("=", "+", "@")) for text in descriptions)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    text = reviewer.get(f"{LEDGER}?_export=csv").content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Chinese as UTF-8
    values = [row[2] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))][1:]
    assert "'+1+1" in values
