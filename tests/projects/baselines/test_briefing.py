"""The briefing's baseline section: the year's original, adjusted, live and actual totals
as of its day, the projects whose plan moved, on the page (formatted, escaped) and in
its 计划基线 sheet."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from projects.baselines import briefing, services
from projects.briefing.figures import monthly_briefing
from projects.briefing.xlsx import briefing_workbook
from projects.choices import BaselineKind
from projects.models import AnnualPlan
from tests.factories import created_on

from .conftest import THIS_YEAR

TODAY = timezone.localdate()
JANUARY = datetime.date(THIS_YEAR, 1, 1)


@pytest.fixture
def moved(people, plans):
    """Both baselines frozen; afterwards the road's plan rises to 1,234.56 and a project
    named to test escaping gets a plan it had in neither baseline."""
    services.baseline_freeze(
        year=THIS_YEAR, kind=BaselineKind.ORIGINAL, reason="年初", user=people.administrator
    )
    AnnualPlan.objects.filter(project=plans.school, year=THIS_YEAR).update(
        planned_investment=Decimal("450.00")
    )
    services.baseline_freeze(
        year=THIS_YEAR, kind=BaselineKind.ADJUSTED, reason="年中", user=people.administrator
    )
    AnnualPlan.objects.filter(project=plans.road, year=THIS_YEAR).update(
        planned_investment=Decimal("1234.56")
    )
    plans.farm.name = "<b>农田</b>"
    plans.farm.save()
    AnnualPlan.objects.filter(project=plans.farm, year=THIS_YEAR).update(
        planned_investment=Decimal("20.00")
    )
    # Recorded before the briefings' days.
    created_on(datetime.date(THIS_YEAR - 1, 12, 1))
    return plans


def test_the_section_totals_and_moved_projects(moved):
    section = briefing.section(month=JANUARY, as_of=TODAY)

    assert section.totals == {
        "original": Decimal("1500.50"),
        "adjusted": Decimal("1450.00"),
        "adjustment": Decimal("-50.50"),
        "live": Decimal("1704.56"),
        "actual": Decimal("150.25"),
        "count": 3,
        "moved": 2,
    }
    # Measured against the adjustment: the farm (added, no amount frozen) first, then
    # the road (+234.56); the school moved only between the baselines.
    assert [project.pk for project in section.moved] == [moved.farm.pk, moved.road.pk]
    assert section.moved[1].drift == Decimal("234.56")
    assert section.moved_not_shown == 0


def test_a_briefing_before_the_freeze_knows_no_baseline(moved):
    section = briefing.section(month=JANUARY, as_of=TODAY - datetime.timedelta(days=1))
    assert section.baselines.latest is None
    assert section.moved == []
    assert section.totals["original"] is None
    assert section.totals["live"] == Decimal("1704.56")


def test_the_briefing_page_prints_the_section(client, people, moved):
    client.force_login(people.leader)
    response = client.get(reverse("projects:briefing"), {"month": f"{TODAY:%Y-%m}"})
    assert response.status_code == 200
    content = response.content.decode()
    table = content[content.index('data-testid="briefing-baselines"') :]
    table = table[: table.index("</table>")]
    for figure in ("1,500.50", "1,450.00", "1,704.56", "150.25"):
        assert figure in table
    listing = content[content.index('data-testid="briefing-baselines-moved"') :]
    listing = listing[: listing.index("</table>")]
    assert "&lt;b&gt;农田&lt;/b&gt;" in listing
    assert "<b>农田</b>" not in listing
    assert "+234.56" in listing


def test_the_briefing_workbook_has_the_baseline_sheet(moved):
    with translation.override("en"):
        workbook = openpyxl.load_workbook(
            io.BytesIO(briefing_workbook(monthly_briefing(month=TODAY, today=TODAY)))
        )
        sheet = workbook["Plan baselines"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "frozen on" in rows[0][0]
    assert [row[0] for row in rows[2:-1]] == ["<b>农田</b>", moved.road.name]
    total = rows[-1]
    assert [Decimal(str(value)) for value in (total[2], total[3], total[5], total[7])] == [
        Decimal("1500.50"),
        Decimal("1450.00"),
        Decimal("1704.56"),
        Decimal("150.25"),
    ]
    assert sheet.cell(row=len(rows), column=3).number_format != "General"
