"""The monthly report's quantities (本月完成, beside 形象进度): one optional number per
target of the month's year, saved with the report in its transaction, refused beside
their field when negative or of another year, never for a target of another project;
kept on a returned report's edit; shown on the report page; once per idempotency key."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from projects import selectors, services
from projects.models import ProgressReport, ReportedQuantity
from projects.targets.services import quantity_field

from .cast import cast_fixture, report, target  # noqa: F401

pytestmark = pytest.mark.django_db


def report_data(**changes) -> dict:
    data = {
        "month": "2024-05",
        "physical_progress": "40",
        "investment_completed": "0",
        "narrative": "平整土地",
        "problems": "",
        "document_kind": "other",
        "client_key": str(uuid.uuid4()),
        "save": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def staff_client(client, cast):
    client.force_login(cast.staff_a)
    return client


@pytest.fixture
def farmland(cast):
    return target(cast.project, year=2024, name="新增耕地", planned="200", unit="亩")


def add_url(project) -> str:
    return reverse("projects:report_add", args=[project.pk])


def test_the_form_asks_for_the_targets_of_the_month_due(cast, staff_client):
    """A new report's form has a number per target of the year of the month due (and of
    this year); targets of other years and other projects are not asked for."""
    year = selectors.report_month_due().year
    due = target(cast.project, year=year, name="本年目标", unit="户", planned="5")
    target(cast.project, year=year - 3, name="旧目标")
    target(cast.other_project, year=year, name="他项目目标")
    with translation.override("en"):
        page = staff_client.get(add_url(cast.project)).content.decode()
    assert f'name="{quantity_field(due)}"' in page
    assert "本年目标 本月完成（户）" in page
    assert "旧目标" not in page and "他项目目标" not in page


def test_quantities_are_saved_with_the_report(cast, staff_client, farmland):
    """The quantity is stored with the new report; zero is a figure, an empty box none;
    the report page shows it."""
    other = target(cast.project, name="“旱改水”", planned="500")
    response = staff_client.post(
        add_url(cast.project),
        report_data(**{quantity_field(farmland): "12.5", quantity_field(other): ""}),
    )
    assert response.status_code == 302
    made = ProgressReport.objects.get()
    assert list(made.quantities.values_list("target__name", "quantity")) == [
        ("新增耕地", Decimal("12.50"))
    ]
    page = staff_client.get(reverse("projects:report", args=[made.pk])).content.decode()
    assert 'data-testid="report-quantities"' in page
    assert "新增耕地 · 12.5 亩" in page


def test_a_negative_quantity_is_refused_beside_its_field_and_nothing_is_saved(
    cast, staff_client, farmland
):
    response = staff_client.post(
        add_url(cast.project), report_data(**{quantity_field(farmland): "-3"})
    )
    assert response.status_code == 400
    assert quantity_field(farmland) in response.context["form"].errors
    assert not ProgressReport.objects.exists()
    assert not ReportedQuantity.objects.exists()


def test_a_quantity_of_another_years_target_is_refused_beside_its_field(cast, staff_client):
    """The month chosen decides the year: a quantity given for a target of another year
    shown on the form is refused, naming the years."""
    year = selectors.report_month_due().year
    shown = target(cast.project, year=year, name="本年目标")
    response = staff_client.post(
        add_url(cast.project),
        report_data(month=f"{year - 1}-12", **{quantity_field(shown): "1"}),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors[quantity_field(shown)]
    assert str(year) in errors[0] and f"{year - 1}-12" in errors[0]
    assert not ProgressReport.objects.exists()


def test_a_target_of_another_project_is_refused_and_nothing_is_saved(cast):
    """The service refuses it by the model's rule, naming the target, within the
    report's transaction: not even the report is created."""
    elsewhere = target(cast.other_project, name="他项目目标")
    with pytest.raises(ValidationError) as refused:
        services.progress_report_save(
            acting_user=cast.staff_a,
            project=cast.project,
            fields={
                "month": datetime.date(2024, 5, 1),
                "physical_progress": Decimal(40),
                "investment_completed": Decimal(0),
            },
            quantities={elsewhere: Decimal(1)},
        )
    assert list(refused.value.error_dict) == [quantity_field(elsewhere)]
    assert "他项目目标" in refused.value.messages[0]
    assert not ProgressReport.objects.exists()


def test_a_returned_reports_edit_keeps_its_quantities(cast, staff_client, farmland):
    """The edit form shows the stored quantity; changing it changes the row, emptying
    the box removes it."""
    returned = report(
        cast.project,
        datetime.date(2024, 5, 1),
        status=ProgressReport.Status.RETURNED,
        **{f"t{farmland.pk}": "7"},
    )
    edit_url = reverse("projects:report_edit", args=[returned.pk])
    form = staff_client.get(edit_url).context["form"]
    assert form[quantity_field(farmland)].value() == Decimal("7.00")
    data = report_data(**{quantity_field(farmland): "9"})
    del data["month"]
    assert staff_client.post(edit_url, data).status_code == 302
    assert ReportedQuantity.objects.get().quantity == Decimal("9.00")
    data[quantity_field(farmland)] = ""
    assert staff_client.post(edit_url, data).status_code == 302
    assert not ReportedQuantity.objects.exists()


def test_a_form_sent_twice_gives_one_report_and_its_quantities_once(cast, staff_client, farmland):
    data = report_data(**{quantity_field(farmland): "4"})
    for _ in range(2):
        assert staff_client.post(add_url(cast.project), data).status_code == 302
    assert ProgressReport.objects.count() == 1
    assert ReportedQuantity.objects.get().quantity == Decimal("4.00")


def test_a_submitted_reports_quantities_are_locked(cast, farmland):
    """No one changes what a report under review gives, administrators included."""
    submitted = report(
        cast.project, datetime.date(2024, 5, 1), status=ProgressReport.Status.SUBMITTED
    )
    with pytest.raises(PermissionDenied):
        services.progress_report_save(
            acting_user=cast.administrator,
            report=submitted,
            fields={},
            quantities={farmland: Decimal(3)},
        )
    assert not ReportedQuantity.objects.exists()


def test_who_set_a_quantity_wrote_the_report_and_does_not_approve_it(cast, farmland):
    """Four eyes: an administrator who set a quantity of a colleague's draft is one of
    its authors; another reviewer approves it."""
    draft = report(cast.project, datetime.date(2024, 5, 1), status=ProgressReport.Status.DRAFT)
    services.progress_report_save(
        acting_user=cast.administrator,
        report=draft,
        fields={},
        quantities={farmland: Decimal(3)},
    )
    services.progress_report_transition(report=draft, transition="submit", acting_user=cast.staff_a)
    with pytest.raises(PermissionDenied):
        services.progress_report_approve(report=draft, acting_user=cast.administrator)
    services.progress_report_approve(report=draft, acting_user=cast.reviewer)
    draft.refresh_from_db()
    assert draft.status == ProgressReport.Status.APPROVED
