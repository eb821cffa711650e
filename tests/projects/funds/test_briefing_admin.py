"""The briefing's 资金 section (page, workbook) as of its day, the admin of the fund
entries (through the services, for superusers too), and the work report's bridging
funds: the indicator and the flagged source."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from projects.briefing.figures import monthly_briefing
from projects.briefing.xlsx import briefing_workbook
from projects.choices import FundEntryKind
from projects.funds import selectors
from projects.models import FundEntry, FundingSource, IndicatorValue
from projects.seeding import report_data
from tests.factories import created_on
from tests.projects.supervision.cast import cast_fixture  # noqa: F401
from tests.projects.supervision.test_ledger_pages import signed_in

from .factories import entry, funding

pytestmark = pytest.mark.django_db
R, P = FundEntryKind.ARRIVED, FundEntryKind.PAID
MAY = datetime.date(2024, 5, 1)
TODAY = datetime.date.today()


@pytest.fixture
def money(cast):
    bridging = funding(cast.project, "乡村振兴衔接资金", bridging=True, amount="300")
    entry(bridging, R, datetime.date(2024, 1, 10), "200")
    entry(bridging, P, datetime.date(2024, 5, 20), "30")
    entry(bridging, P, datetime.date(2024, 6, 3), "170")  # after May: not in its briefing
    created_on(datetime.date(2023, 12, 1))
    return bridging


def test_the_briefing_section_counts_up_to_its_day(cast, money):
    section = monthly_briefing(month=MAY).funds
    assert section.as_of == datetime.date(2024, 5, 31)
    assert section.month_paid == Decimal("30.00")
    (row,) = section.sources
    assert (row.figures.arrived, row.figures.paid) == (Decimal("200.00"), Decimal("30.00"))
    assert section.bridging.rate == pytest.approx(0.15)
    assert [project.name for project in section.idle] == [cast.project.name]
    assert section.idle_count == 1
    with translation.override("en"):
        workbook = openpyxl.load_workbook(
            io.BytesIO(briefing_workbook(monthly_briefing(month=MAY)))
        )
    sheet = workbook["Funds"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:6] == ["乡村振兴衔接资金", 300, 0, 200, 30, 0.15]
    assert any(row[0] == cast.project.name for row in values)


def test_the_briefing_page_shows_the_section(cast, money):
    response = signed_in(cast.leader).get(reverse("projects:briefing"), {"month": "2024-05"})
    page = response.content.decode()
    assert 'data-testid="briefing-funds"' in page and "15.0%" in page


def test_the_admin_saves_through_the_services_and_holds_the_rule(cast, money):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast.superuser)
    url = reverse("admin:projects_fundentry_add")
    values = {
        "funding": money.pk,
        "kind": P,
        "date": "2024-07-01",
        "amount": "5.5",
        "document_number": "",
        "note": "",
    }
    assert client.post(url, values).status_code == 302
    added = FundEntry.objects.get(date=datetime.date(2024, 7, 1))
    assert added.recorded_by == cast.superuser
    assert client.get(reverse("admin:projects_fundentry_changelist")).status_code == 200
    assert client.get(reverse("admin:projects_funding_change", args=[money.pk])).status_code == 200
    # A staff member of another unit may not change the project's money, in the admin too.
    cast.staff_b.is_staff = True
    cast.staff_b.save()
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(cast.staff_b)
    change = reverse("admin:projects_fundentry_change", args=[added.pk])
    assert other.post(change, {**values, "amount": "9"}).status_code in (302, 403)
    added.refresh_from_db()
    assert added.amount == Decimal("5.50")


def test_the_report_data_loads_the_bridging_indicator_and_flags_the_source():
    call_command("load_report_data")
    value = IndicatorValue.objects.get(indicator__code=selectors.BRIDGING_INDICATOR, year=2023)
    assert value.value == Decimal("100")
    assert value.indicator.unit == "%" and value.indicator.name == "乡村振兴衔接资金支出率"
    assert "资金支出率100%" in value.source_note
    assert list(
        FundingSource.objects.filter(is_bridging_fund=True).values_list("name", flat=True)
    ) == [report_data.BRIDGING_FUNDS]
    assert selectors.reported_bridging_rate() == value
