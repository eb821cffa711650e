"""The targets' figures: achieved by month is the sum of what the approved reports of
that month give (checked against an independent SQL sum), to date, as a share of the
planned quantity, beside the share of the year elapsed; a constant number of queries."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import PhysicalTarget, ProgressReport, ReportedQuantity
from projects.querysets import elapsed_share_of_year
from projects.targets import selectors
from tests.factories import ProjectFactory

from .cast import cast_fixture, report, target  # noqa: F401

pytestmark = pytest.mark.django_db

ON = datetime.date(2024, 7, 15)


def test_only_approved_reports_count(cast):
    """Drafts, submitted and returned reports give quantities that do not count yet,
    like their investment."""
    farmland = target(cast.project, planned="200")
    key = f"t{farmland.pk}"
    report(cast.project, datetime.date(2024, 3, 1), **{key: "20"})
    for month, status in [
        (4, ProgressReport.Status.SUBMITTED),
        (5, ProgressReport.Status.DRAFT),
        (6, ProgressReport.Status.RETURNED),
    ]:
        report(cast.project, datetime.date(2024, month, 1), status=status, **{key: "50"})
    (year,) = selectors.project_targets(cast.project, user=cast.staff_a, on=ON).years
    (figures,) = year.targets
    assert figures.by_month[2] == Decimal("20.00")
    assert [value for value in figures.by_month if value is not None] == [Decimal("20.00")]
    assert figures.achieved == Decimal("20.00")
    assert figures.share == Decimal("0.1")
    assert [row.month for row in year.months] == [datetime.date(2024, 3, 1)]


def test_months_after_the_day_do_not_count_and_the_share_of_the_year_is_beside(cast):
    farmland = target(cast.project, planned="0")
    key = f"t{farmland.pk}"
    report(cast.project, datetime.date(2024, 7, 1), **{key: "3"})
    report(cast.project, datetime.date(2024, 8, 1), **{key: "4"})
    target(cast.project, year=2025, name="明年目标")
    target(cast.project, year=2023, name="去年目标")
    years = selectors.project_targets(cast.project, user=cast.staff_a, on=ON).years
    assert [(year.year, year.elapsed_share) for year in years] == [
        (2025, 0.0),
        (2024, elapsed_share_of_year(ON)),
        (2023, 1.0),
    ]
    (figures,) = years[1].targets
    assert figures.achieved == Decimal("3.00")
    # Nothing planned: no share of nothing.
    assert figures.share is None


def as_date(value) -> datetime.date:
    """SQLite returns a date column of a raw query as text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value[:10])


def test_month_sums_agree_with_an_independent_sql_sum(cast):
    """Random quantities over several projects, targets, months and statuses: every
    month's figure is the SQL sum of the approved reports' quantities of that month."""
    rng = random.Random(16)
    projects = [cast.project, cast.other_project, ProjectFactory()]
    targets = [
        target(project, name=f"目标{index}", planned=str(rng.randint(1, 900)))
        for project in projects
        for index in range(3)
    ]
    # Half of the reports approved, the rest in the other statuses.
    statuses = [ProgressReport.Status.APPROVED] * 3 + list(ProgressReport.Status)[:3]
    for project in projects:
        for month in range(1, 13):
            made = report(project, datetime.date(2024, month, 1), status=rng.choice(statuses))
            ReportedQuantity.objects.bulk_create(
                ReportedQuantity(
                    report=made,
                    target=item,
                    quantity=Decimal(rng.randint(0, 99999)) / 100,
                )
                for item in targets
                if item.project_id == project.pk and rng.random() < 0.8
            )
    on = datetime.date(2024, 12, 31)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q.target_id, r.month, SUM(q.quantity) FROM projects_reportedquantity q"
            " JOIN projects_progressreport r ON r.id = q.report_id"
            " WHERE r.status = %s GROUP BY q.target_id, r.month",
            [ProgressReport.Status.APPROVED.value],
        )
        expected = {
            (target_id, as_date(month)): Decimal(str(total)).quantize(Decimal("0.01"))
            for target_id, month, total in cursor.fetchall()
        }
    checked = 0
    for project in projects:
        for figures in selectors.project_targets(project, user=cast.leader, on=on).years[0].targets:
            for number, value in enumerate(figures.by_month, start=1):
                key = (figures.target.pk, datetime.date(2024, number, 1))
                assert value == expected.get(key), key
                checked += value is not None
            assert figures.achieved == sum(
                (total for (pk, _), total in expected.items() if pk == figures.target.pk),
                Decimal(0),
            )
    assert checked == len(expected) > 5


def test_the_figures_take_two_queries_whatever_the_number_of_targets(cast):
    """The targets and their month sums: two queries (the rule asks none for a leader
    once the user's groups are cached)."""
    few = target(cast.project, name="一")
    report(cast.project, datetime.date(2024, 1, 1), **{f"t{few.pk}": "1"})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.project_targets(cast.project, user=cast.leader, on=ON)
        return len(captured)

    queries()  # the leader's groups, cached on the user
    small = queries()
    PhysicalTarget.objects.bulk_create(
        PhysicalTarget(
            project=cast.project, year=2024, name=f"目标{index}", unit="m²", planned_quantity=10
        )
        for index in range(40)
    )
    many = list(PhysicalTarget.objects.filter(project=cast.project))
    for month in range(2, 13):
        made = report(cast.project, datetime.date(2024, month, 1))
        ReportedQuantity.objects.bulk_create(
            ReportedQuantity(report=made, target=item, quantity=1) for item in many
        )
    assert queries() == small == 2
