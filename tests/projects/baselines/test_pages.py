"""The baselines' pages: the list with the administrators' freeze form and its
confirmation step, the year's comparison (filters, totals, export), who may use them,
and query counts that stay constant as the portfolio grows."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from projects.baselines import services
from projects.choices import BaselineKind
from projects.models import AnnualPlan, PlanBaseline, Project
from tests.factories import bulk_portfolio

from .conftest import THIS_YEAR

LIST = reverse("projects:baselines")
FREEZE = reverse("projects:baseline_freeze")
YEAR = reverse("projects:baseline_year", args=[THIS_YEAR])


def freeze(user, kind=BaselineKind.ORIGINAL):
    return services.baseline_freeze(year=THIS_YEAR, kind=kind, reason="年初计划", user=user)


@pytest.mark.parametrize(
    "role", ["staff", "other_staff", "reviewer", "leader", "administrator", "superuser"]
)
def test_every_role_reads_the_pages(client, people, plans, role):
    client.force_login(getattr(people, role))
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert client.get(YEAR).status_code == 200
    may_freeze = role in ("administrator", "superuser")
    assert ('data-testid="baseline-freeze-form"' in listing.content.decode()) is may_freeze


def test_anonymous_and_roleless_users_are_kept_out(client, people, plans):
    assert client.get(LIST).status_code == 302
    assert client.get(YEAR).status_code == 302
    assert client.post(FREEZE, {}).status_code == 302
    client.force_login(people.outsider)
    assert client.get(LIST).status_code == 403
    assert client.get(YEAR).status_code == 403
    assert client.post(FREEZE, {}).status_code == 403


@pytest.mark.parametrize("role", ["staff", "reviewer", "leader"])
def test_only_administrators_may_post_a_freeze(client, people, plans, role):
    client.force_login(getattr(people, role))
    data = {"year": THIS_YEAR, "kind": "original", "reason": "年初", "confirmed": "1"}
    assert client.post(FREEZE, data).status_code == 403
    assert not PlanBaseline.objects.exists()


def test_the_list_warns_until_this_years_original_is_frozen(client, people, plans):
    client.force_login(people.leader)
    assert 'data-testid="baseline-missing"' in client.get(LIST).content.decode()
    freeze(people.administrator)
    content = client.get(LIST).content.decode()
    assert 'data-testid="baseline-missing"' not in content
    assert "年初计划" in content  # the reason
    assert "管理" in content  # who froze it (管理)


def test_a_freeze_is_confirmed_before_it_is_made(client, people, plans):
    client.force_login(people.administrator)
    data = {"year": THIS_YEAR, "kind": "original", "reason": "镇党委会<审定>"}

    confirm = client.post(FREEZE, data)

    assert confirm.status_code == 200
    content = confirm.content.decode()
    assert 'data-testid="confirm-step"' in content
    assert "镇党委会&lt;审定&gt;" in content  # user text escaped
    assert 'name="confirmed" value="1"' in content
    assert not PlanBaseline.objects.exists()

    done = client.post(FREEZE, {**data, "confirmed": "1"})

    assert done.status_code == 302
    assert done.url == YEAR
    baseline = PlanBaseline.objects.get()
    assert (baseline.kind, baseline.reason, baseline.entries.count()) == (
        "original",
        "镇党委会<审定>",
        3,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": THIS_YEAR, "kind": "original", "reason": "  "}, "reason"),
        ({"year": THIS_YEAR, "kind": "adjusted", "reason": "年中"}, "kind"),
        ({"year": "十", "kind": "original", "reason": "年初"}, "year"),
    ],
)
def test_bad_input_comes_back_with_its_field_and_saves_nothing(client, people, plans, data, field):
    client.force_login(people.administrator)
    response = client.post(FREEZE, {**data, "confirmed": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not PlanBaseline.objects.exists()


def test_a_second_freeze_comes_back_refused(client, people, plans):
    freeze(people.administrator)
    client.force_login(people.superuser)
    with translation.override("en"):
        response = client.post(
            FREEZE, {"year": THIS_YEAR, "kind": "original", "reason": "再来", "confirmed": "1"}
        )
    assert response.status_code == 400
    assert "已冻结" in response.context["form"].errors["kind"][0]
    assert PlanBaseline.objects.count() == 1


def test_the_year_page_compares_and_totals(client, people, plans):
    freeze(people.administrator)
    AnnualPlan.objects.filter(project=plans.school, year=THIS_YEAR).update(
        planned_investment=Decimal("600.00")
    )
    freeze(people.administrator, BaselineKind.ADJUSTED)
    AnnualPlan.objects.filter(project=plans.road, year=THIS_YEAR).update(
        planned_investment=Decimal("1100.00")
    )
    client.force_login(people.leader)

    response = client.get(YEAR)

    totals = response.context["totals"]
    assert totals == {
        "original": Decimal("1500.50"),
        "adjusted": Decimal("1600.00"),
        "adjustment": Decimal("99.50"),
        "live": Decimal("1700.00"),
        "actual": Decimal("150.25"),
        "count": 3,
        "moved": 1,
    }
    content = response.content.decode()
    footer = content[content.index('data-testid="baseline-totals"') :]
    footer = footer[: footer.index("</tr>")]
    for figure in ("1,500.50", "1,600.00", "+99.50", "1,700.00", "150.25"):
        assert figure in footer
    assert "1500.5" not in content.replace(",", ";")  # never a raw sum
    assert content.count('data-moved="1"') == 1  # the road, against the adjustment
    assert "+99.50" in content  # the school's adjustment … and the total's
    assert "+100.00" in content  # the road's live − adjusted


def test_the_year_page_filters_by_unit_category_and_moved(client, people, plans):
    freeze(people.administrator)
    AnnualPlan.objects.filter(project=plans.farm, year=THIS_YEAR).update(
        planned_investment=Decimal("10.00")
    )
    client.force_login(people.staff)

    def names(**query):
        return {project.name for project in client.get(YEAR, query).context["rows"]}

    assert names(unit=plans.unit_a.pk) == {plans.road.name, plans.farm.name}
    assert names(category=Project.Category.PUBLIC_SERVICE) == {plans.school.name}
    assert names(moved="on") == {plans.farm.name}
    assert names(unit="not-a-unit") == {plans.road.name, plans.school.name, plans.farm.name}


def test_the_year_page_exports_its_rows(client, people, plans):
    freeze(people.administrator)
    client.force_login(people.reviewer)

    response = client.get(YEAR, {"export": "xlsx", "unit": plans.unit_a.pk})

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    body = values[2:]
    assert [row[0] for row in body[:-1]] == [plans.road.name, plans.farm.name]  # by pinyin
    assert body[-1][2] == Decimal("1000.00") or float(body[-1][2]) == 1000.0
    assert sheet.cell(row=len(values), column=1).font.bold


def test_a_year_out_of_range_is_not_found(client, people):
    client.force_login(people.leader)
    assert client.get(reverse("projects:baseline_year", args=[9999])).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_stay_constant_as_the_portfolio_grows(client, people):
    """10 projects in both baselines, then 2,000 more with a plan (moved: not in them):
    the list, the year's page and a project's page make as many queries either way."""

    def grow(count):
        bulk_portfolio(count)
        AnnualPlan.objects.bulk_create(
            AnnualPlan(project=project, year=THIS_YEAR, planned_investment=Decimal(5))
            for project in Project.objects.filter(annual_plans__isnull=True)
        )

    grow(10)
    freeze(people.administrator)
    freeze(people.administrator, BaselineKind.ADJUSTED)
    client.force_login(people.administrator)
    project = Project.objects.first()
    urls = [LIST, YEAR, f"{YEAR}?page=2", project.get_absolute_url()]
    small = [_queries(client, url) for url in urls]

    grow(2000)
    large = [_queries(client, url) for url in urls]

    assert large == small
