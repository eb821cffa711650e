"""The money figures (ProjectQuerySet.with_money and the funds selectors): each sum
checked against an independent SQL sum over projects_fundentry, the payment rate, the
payment light on its edge dates, and the order allocated ≥ arrived ≥ paid not forced."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from projects.choices import FundEntryKind
from projects.funds import selectors
from projects.models import Project, TrafficLightThresholds
from projects.querysets import Light, PaymentReason
from tests.factories import ProgressReportFactory, ProjectFactory, created_on

from .factories import entry, funding

A, R, P = FundEntryKind.ALLOCATED, FundEntryKind.ARRIVED, FundEntryKind.PAID
ON = datetime.date(2024, 6, 15)


def raw_sum(project_id: int, kind: str, on: datetime.date) -> Decimal:
    """The sum as plain SQL has it, without the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(e.amount), 0) FROM projects_fundentry e "
            "JOIN projects_funding f ON f.id = e.funding_id "
            "WHERE f.project_id = %s AND e.kind = %s AND e.date <= %s",
            [project_id, kind, on],
        )
        return Decimal(str(cursor.fetchone()[0])).quantize(Decimal("0.01"))


def money_of(project, on=ON, **kwargs):
    return Project.objects.with_money(on=on, **kwargs).get(pk=project.pk)


@pytest.mark.django_db
def test_sums_match_an_independent_sql_sum_per_kind_and_day():
    """Each project's allocated / arrived / paid equals Σ of its entries up to the day,
    over all its sources, and leaves out later entries and other projects'."""
    project, other = ProjectFactory(), ProjectFactory()
    bonds, village = funding(project, "专项债"), funding(project, "村集体")
    entry(bonds, A, datetime.date(2024, 1, 10), "1000.10")
    entry(bonds, R, datetime.date(2024, 2, 1), "400.05")
    entry(village, R, datetime.date(2024, 3, 1), "0.30")
    entry(bonds, P, datetime.date(2024, 4, 1), "123.45")
    entry(village, P, datetime.date(2024, 6, 15), "0.15")
    entry(bonds, P, datetime.date(2024, 6, 16), "999.99")  # after the day
    entry(funding(other, "专项债"), P, datetime.date(2024, 1, 1), "77.00")
    for day in (datetime.date(2024, 1, 9), datetime.date(2024, 3, 31), ON):
        figures = money_of(project, day)
        assert figures.money_allocated == raw_sum(project.pk, A, day)
        assert figures.money_arrived == raw_sum(project.pk, R, day)
        assert figures.money_paid == raw_sum(project.pk, P, day)
    figures = money_of(project)
    assert (figures.money_allocated, figures.money_arrived, figures.money_paid) == (
        Decimal("1000.10"),
        Decimal("400.35"),
        Decimal("123.60"),
    )
    assert figures.payment_rate == pytest.approx(123.60 / 400.35)
    assert figures.first_arrival == datetime.date(2024, 2, 1)


@pytest.mark.django_db
def test_nothing_arrived_means_no_rate_and_no_light():
    project = ProjectFactory()
    entry(funding(project), A, datetime.date(2024, 1, 10), "50")
    figures = money_of(project)
    assert figures.payment_rate is None
    assert figures.payment_light == Light.NONE
    assert figures.payment_light_reason == PaymentReason.NOTHING_ARRIVED
    assert figures.money_arrived == Decimal("0.00")


@pytest.mark.django_db
def test_paid_beyond_arrived_is_shown_not_refused():
    """Money paid before its arrival is entered: the rate exceeds 100 % and the page's
    note says so."""
    project = ProjectFactory()
    row = funding(project, amount="100")
    entry(row, R, datetime.date(2024, 5, 1), "10")
    entry(row, P, datetime.date(2024, 5, 2), "25")
    figures = money_of(project)
    assert figures.payment_rate == pytest.approx(2.5)
    funds = selectors.project_funds(project, user=AnonymousUser(), on=ON)
    assert funds.totals.paid_beyond_arrived and funds.totals.arrived_beyond_allocated
    assert funds.rows[0].figures.paid == Decimal("25.00")
    assert funds.planned == Decimal("100.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first_arrival", "paid", "reason"),
    [
        # Exactly three months before the 15th of June: idle.
        (datetime.date(2024, 3, 15), "49.99", PaymentReason.IDLE),
        # One day short of three months: not yet.
        (datetime.date(2024, 3, 16), "49.99", PaymentReason.ON_TRACK),
        # Exactly half paid is not "less than half".
        (datetime.date(2024, 1, 2), "50", PaymentReason.ON_TRACK),
    ],
)
def test_idle_funds_on_the_edge_dates(first_arrival, paid, reason):
    project = ProjectFactory()
    row = funding(project)
    entry(row, R, first_arrival, "100")
    entry(row, P, datetime.date(2024, 6, 1), paid)
    figures = money_of(project)
    assert figures.payment_light_reason == reason
    assert (
        figures.payment_light
        == {
            PaymentReason.IDLE: Light.RED,
            PaymentReason.ON_TRACK: Light.GREEN,
        }[reason]
    )


@pytest.mark.django_db
def test_month_end_arrival_is_idle_on_the_short_months_last_day():
    """Money arrived on 30 November is three months old on 29 February (a leap year)."""
    project = ProjectFactory()
    entry(funding(project), R, datetime.date(2023, 11, 30), "10")
    assert money_of(project, datetime.date(2024, 2, 28)).payment_light == Light.GREEN
    assert money_of(project, datetime.date(2024, 2, 29)).payment_light == Light.RED


@pytest.mark.django_db
def test_progress_ahead_of_the_money_turns_yellow_beyond_the_points():
    """The latest approved report's physical progress minus the rate (in %) above 30
    points is yellow; exactly 30 is green; a draft report does not count."""
    project = ProjectFactory()
    row = funding(project)
    entry(row, R, datetime.date(2024, 6, 1), "100")
    entry(row, P, datetime.date(2024, 6, 2), "20")
    ProgressReportFactory(
        project=project, month=datetime.date(2024, 4, 1), physical_progress=Decimal("50")
    )
    figures = money_of(project)
    assert float(figures.money_physical_progress) == 50
    assert figures.payment_light_reason == PaymentReason.ON_TRACK  # 50 − 20 = 30
    ProgressReportFactory(
        project=project, month=datetime.date(2024, 5, 1), physical_progress=Decimal("50.01")
    )
    assert money_of(project).payment_light_reason == PaymentReason.BEHIND_PROGRESS
    ProgressReportFactory(
        project=project,
        month=datetime.date(2024, 6, 1),
        physical_progress=Decimal("90"),
        status="draft",
    )
    assert float(money_of(project).money_physical_progress) == pytest.approx(50.01)


@pytest.mark.django_db
def test_thresholds_are_read_from_the_admin_row():
    TrafficLightThresholds.objects.create(idle_funds_months=1, idle_funds_paid_percent=80)
    project = ProjectFactory()
    row = funding(project)
    entry(row, R, datetime.date(2024, 5, 15), "100")
    entry(row, P, datetime.date(2024, 5, 20), "70")
    assert money_of(project).payment_light_reason == PaymentReason.IDLE


@pytest.mark.django_db
def test_town_totals_by_source_and_the_bridging_rate():
    project, other = ProjectFactory(), ProjectFactory()
    bridging = funding(project, "乡村振兴衔接资金", bridging=True, amount="200")
    bridging_other = funding(other, "乡村振兴衔接资金", bridging=True)
    bonds = funding(other, "专项债", amount="300")
    entry(bridging, R, datetime.date(2023, 12, 1), "80")  # last year: not this year's rate
    entry(bridging, R, datetime.date(2024, 2, 1), "100")
    entry(bridging_other, R, datetime.date(2024, 3, 1), "60")
    entry(bridging, P, datetime.date(2024, 5, 1), "140")
    entry(bonds, R, datetime.date(2024, 1, 5), "300")
    entry(bonds, P, datetime.date(2024, 6, 1), "30")
    created_on(datetime.date(2023, 1, 1))
    town = selectors.town_money(on=ON, month=datetime.date(2024, 6, 1))
    assert town.bridging.figures.arrived == Decimal("160.00")
    assert town.bridging.rate == pytest.approx(140 / 160)
    assert town.all_time.arrived == Decimal("540.00")
    assert town.year.arrived == Decimal("460.00")
    assert town.month_paid == Decimal("30.00")
    assert town.idle_count == 1  # 专项债 of ``other``: 30 of 360 paid since January
    rows = {row.source.name: row for row in selectors.totals_by_source(on=ON)}
    assert rows["乡村振兴衔接资金"].planned == Decimal("200.00")
    assert rows["乡村振兴衔接资金"].figures.paid == Decimal("140.00")
    assert rows["专项债"].figures.payment_rate == pytest.approx(0.1)
    months = selectors.paid_by_month(year=2024)
    assert [row.paid for row in months][4:6] == [Decimal("140.00"), Decimal("30.00")]
    assert len(months) == 12
