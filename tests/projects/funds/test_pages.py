"""The funds' pages: the project page's money section, the project's funds page with its
entry form, an entry's edit and deletion with its confirmation, the town-wide overview
and the dashboard's row; each for the roles that may use it, 400 with the message beside
the field on bad input, and query counts that stay the same as the portfolio grows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.choices import FundEntryKind
from projects.funds import selectors
from projects.models import FundEntry, Funding, Project
from tests.factories import ProgressReportFactory, bulk_portfolio
from tests.projects.supervision.cast import cast_fixture  # noqa: F401
from tests.projects.supervision.test_ledger_pages import signed_in

from .factories import entry, funding, source

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
A, R, P = FundEntryKind.ALLOCATED, FundEntryKind.ARRIVED, FundEntryKind.PAID


def funds_url(project):
    return reverse("projects:funds", args=[project.pk])


def add_url(project):
    return reverse("projects:fund_entry_add", args=[project.pk])


@pytest.fixture
def money(cast):
    """The cast's project with 专项债: 100 allocated, 80 arrived, 20 paid; an approved
    report at 75 % (progress 55 points ahead of the 25 % paid)."""
    bonds = funding(cast.project, "专项债", amount="120")
    entry(bonds, A, TODAY - datetime.timedelta(days=40), "100", "财预〔2024〕1号")
    entry(bonds, R, TODAY - datetime.timedelta(days=30), "80")
    entry(bonds, P, TODAY - datetime.timedelta(days=1), "20")
    ProgressReportFactory(
        project=cast.project, month=TODAY.replace(day=1), physical_progress=Decimal("75")
    )
    return bonds


def test_the_project_page_shows_the_money_by_source_and_the_payment_light(cast, money):
    page = signed_in(cast.leader).get(cast.project.get_absolute_url()).content.decode()
    assert 'data-testid="project-funds"' in page
    assert 'data-source="专项债"' in page
    for figure in ("120.00", "100.00", "80.00", "20.00", "25.0%", "75.0%"):
        assert figure in page
    assert 'data-light="yellow"' in page  # 75 − 25 = 50 points ahead of the money


def test_a_staff_member_of_the_unit_records_an_instalment_on_the_funds_page(cast, money):
    client = signed_in(cast.staff_a)
    page = client.get(funds_url(cast.project)).content.decode()
    assert 'data-testid="fund-entry-form"' in page and "财预〔2024〕1号" in page
    response = client.post(
        add_url(cast.project),
        {
            "funding": money.pk,
            "kind": P,
            "date": TODAY.isoformat(),
            "amount": "10.5",
            "document_number": "",
            "note": "进度款",
        },
    )
    assert response.status_code == 302
    added = FundEntry.objects.get(note="进度款")
    assert (added.amount, added.recorded_by) == (Decimal("10.50"), cast.staff_a)
    page = client.get(funds_url(cast.project)).content.decode()
    assert "30.50" in page and 'data-testid="paid-by-month"' in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "0"), ("amount", "1.234"), ("date", "2999-01-01")],
)
def test_bad_input_comes_back_with_400_and_nothing_saved(cast, money, field, value):
    values = {"funding": money.pk, "kind": R, "date": TODAY.isoformat(), "amount": "5"}
    values[field] = value
    before = FundEntry.objects.count()
    response = signed_in(cast.staff_a).post(add_url(cast.project), values)
    assert response.status_code == 400
    assert response.context["entry_form"].errors[field]
    assert FundEntry.objects.count() == before


def test_a_source_of_another_project_is_not_offered(cast, money):
    other = funding(cast.project.__class__.objects.create(name="别的项目"), "村集体")
    response = signed_in(cast.staff_a).post(
        add_url(cast.project),
        {"funding": other.pk, "kind": R, "date": TODAY.isoformat(), "amount": "5"},
    )
    assert response.status_code == 400
    assert "funding" in response.context["entry_form"].errors


@pytest.mark.parametrize("role", ["staff_b", "leader", "outsider"])
def test_who_may_not_change_the_project_gets_403(cast, money, role):
    client = signed_in(getattr(cast, role))
    values = {"funding": money.pk, "kind": R, "date": TODAY.isoformat(), "amount": "5"}
    assert client.post(add_url(cast.project), values).status_code == 403
    first = money.entries.first()
    assert client.get(reverse("projects:fund_entry_edit", args=[first.pk])).status_code == 403
    assert client.post(reverse("projects:fund_entry_delete", args=[first.pk])).status_code == 403
    source("社会资本")
    assert (
        client.post(
            reverse("projects:funding_add", args=[cast.project.pk]), {"source": "1"}
        ).status_code
        == 403
    )
    assert FundEntry.objects.count() == 3


def test_the_leader_reads_the_funds_page_without_the_form(cast, money):
    page = signed_in(cast.leader).get(funds_url(cast.project)).content.decode()
    assert "财预〔2024〕1号" in page and 'data-testid="fund-entry-form"' not in page


def test_edit_and_delete_with_a_confirmation(cast, money):
    client = signed_in(cast.reviewer)
    paid = money.entries.get(kind=P)
    edit = reverse("projects:fund_entry_edit", args=[paid.pk])
    assert 'value="20.00"' in client.get(edit).content.decode()
    response = client.post(
        edit, {"funding": money.pk, "kind": P, "date": paid.date.isoformat(), "amount": "-1"}
    )
    assert response.status_code == 400
    response = client.post(
        edit, {"funding": money.pk, "kind": P, "date": paid.date.isoformat(), "amount": "22"}
    )
    assert response.status_code == 302
    paid.refresh_from_db()
    assert paid.amount == Decimal("22.00")
    delete = reverse("projects:fund_entry_delete", args=[paid.pk])
    assert "22.00" in client.get(delete).content.decode()
    assert FundEntry.objects.filter(pk=paid.pk).exists()  # a GET only asks
    assert client.post(delete).status_code == 302
    assert not FundEntry.objects.filter(pk=paid.pk).exists()


def test_a_funding_source_is_added_once(cast):
    client = signed_in(cast.contact)
    bonds = source("专项债")
    url = reverse("projects:funding_add", args=[cast.project.pk])
    assert client.post(url, {"source": bonds.pk, "amount": "50"}).status_code == 302
    assert Funding.objects.get(project=cast.project).amount == Decimal("50.00")
    response = client.post(url, {"source": bonds.pk})
    assert response.status_code == 400  # no longer offered
    assert Funding.objects.filter(project=cast.project).count() == 1


def test_user_text_is_escaped(cast):
    row = funding(cast.project, "<b>来源</b>")
    entry(row, R, TODAY, "1", number="<script>x</script>")
    page = signed_in(cast.staff_a).get(funds_url(cast.project)).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert "<b>来源</b>" not in page


def test_the_overview_lists_idle_funds_and_progress_ahead(cast, money):
    idle_project = Project.objects.create(name="沉淀项目")
    idle = funding(idle_project, "乡村振兴衔接资金", bridging=True)
    entry(idle, R, TODAY - datetime.timedelta(days=200), "100")
    for role in ("leader", "staff_b", "reviewer"):
        response = signed_in(getattr(cast, role)).get(reverse("projects:fund_overview"))
        assert response.status_code == 200
    overview = response.context["overview"]
    assert [project.name for project in overview.idle] == ["沉淀项目"]
    assert [project.name for project in overview.behind] == [cast.project.name]
    page = response.content.decode()
    assert 'data-source="乡村振兴衔接资金"' in page and "0.0%" in page


def _grow(count: int, *, portfolio: bool = True) -> None:
    """``count`` more projects, each with a source, money arrived long ago and a payment
    (idle funds); with ``portfolio``, also a milestone and an approved report each (the
    rest of the dashboard)."""
    if portfolio:
        bulk_portfolio(count)
    else:
        start = Project.objects.count()
        Project.objects.bulk_create(
            Project(name=f"资金项目{start + index}") for index in range(count)
        )
    projects = Project.objects.filter(fundings__isnull=True)
    bonds = source("专项债")
    rows = Funding.objects.bulk_create(
        Funding(project=project, source=bonds) for project in projects
    )
    day = TODAY - datetime.timedelta(days=150)
    FundEntry.objects.bulk_create(
        (
            FundEntry(funding=row, kind=kind, date=day, amount=Decimal(amount))
            for row in rows
            for kind, amount in ((R, "10"), (P, "1"))
        ),
        batch_size=2000,
    )


def test_the_pages_cost_the_same_with_more_projects(cast, money, django_assert_max_num_queries):
    client = signed_in(cast.staff_a)
    urls = [
        reverse("projects:dashboard"),
        reverse("projects:fund_overview"),
        funds_url(cast.project),
        cast.project.get_absolute_url(),
    ]
    _grow(10)
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        counts[url] = len(small)
    _grow(300)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_the_money_figures_cost_the_same_from_10_to_5000_projects(cast, money):
    """The selectors behind the pages, the briefing and the alerts: one query per figure
    set whatever the size (the town's counts, the overview's lists, the alert scan)."""

    def read():
        on = TODAY
        selectors.town_money(on=on, month=on.replace(day=1))
        overview = selectors.fund_overview(on=on)
        selectors.project_funds(cast.project, user=cast.staff_a, on=on)
        return overview

    _grow(10, portfolio=False)
    read()  # what the first read caches (the user's groups)
    with CaptureQueriesContext(connection) as small:
        read()
    _grow(5_000, portfolio=False)
    with CaptureQueriesContext(connection) as large:
        overview = read()
    assert len(large) == len(small)
    assert overview.money.idle_count == 5_010
    assert len(overview.idle) == selectors.LIST_LENGTH
