"""A monthly report whose physical progress falls below the last approved one, or whose
month's investment exceeds what remains of the annual plan, is submitted only with an
explanation; the reviewer sees the warning."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects import selectors, services
from projects.models import ProgressReport
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import AnnualPlanFactory, ProgressReportFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = ProgressReport.Status
OCTOBER, NOVEMBER = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)


@pytest.fixture
def clerk(client):
    user = with_role(UserFactory(), Role.STAFF)
    client.force_login(user)
    return user


@pytest.fixture
def project(clerk):
    project = ProjectFactory(contact_person=clerk)
    AnnualPlanFactory(project=project, year=2026, planned_investment=Decimal("800.00"))
    ProgressReportFactory(
        project=project,
        month=OCTOBER,
        physical_progress=Decimal("87.80"),
        investment_completed=Decimal("500.00"),
        status=Status.APPROVED,
    )
    return project


def report_form(project, **values) -> dict:
    return {
        "month": "2026-11",
        "physical_progress": "90",
        "investment_completed": "100",
        "narrative": "主体施工",
        "problems": "",
        "deviation_explanation": "",
        "submit": "1",
    } | values


def test_a_plausible_report_has_nothing_to_explain(project):
    report = ProgressReport(
        project=project,
        month=NOVEMBER,
        physical_progress=Decimal("90"),
        investment_completed=Decimal("300"),
    )

    assert report.deviations() == []


def test_a_fall_in_progress_and_an_overrun_are_both_named(project):
    report = ProgressReport(
        project=project,
        month=NOVEMBER,
        physical_progress=Decimal("5"),
        investment_completed=Decimal("99999"),
    )

    deviations = [str(deviation) for deviation in report.deviations()]

    assert len(deviations) == 2
    assert "87.8%" in deviations[0] and "5.0%" in deviations[0]
    assert "300.00" in deviations[1]  # 800 planned − 500 approved


def test_submitting_a_fall_without_an_explanation_is_refused_on_the_form(client, project):
    url = reverse("projects:report_add", args=[project.pk])

    response = client.post(url, report_form(project, physical_progress="5"))

    assert response.status_code in (200, 400)
    assert "提交前请说明" in response.content.decode()
    assert not ProgressReport.objects.filter(month=NOVEMBER).exists()  # nothing half-saved


def test_with_an_explanation_it_is_submitted_and_the_reviewer_is_warned(client, project):
    url = reverse("projects:report_add", args=[project.pk])
    response = client.post(
        url,
        report_form(
            project,
            physical_progress="5",
            deviation_explanation="上月误报，现按监理核定的工程量更正",
        ),
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(month=NOVEMBER)
    assert report.status == Status.SUBMITTED

    reviewer = with_role(UserFactory(), Role.REVIEWER)
    client.force_login(reviewer)
    page = client.get(reverse("projects:report", args=[report.pk])).content.decode()

    assert 'data-testid="report-deviations"' in page
    assert "上月误报" in page


def test_the_service_refuses_the_submit_of_an_overrun_without_explanation(clerk, project):
    report = services.progress_report_create(
        project=project,
        acting_user=clerk,
        month=NOVEMBER,
        physical_progress=Decimal("90"),
        investment_completed=Decimal("99999"),
    )

    with pytest.raises(ValidationError) as refused:
        services.progress_report_transition(report=report, transition="submit", acting_user=clerk)

    assert set(refused.value.message_dict) == {"deviation_explanation"}
    report.refresh_from_db()
    assert report.status == Status.DRAFT


def test_the_warning_costs_a_constant_number_of_queries(
    client, project, django_assert_max_num_queries
):
    report = ProgressReportFactory(
        project=project,
        month=NOVEMBER,
        physical_progress=Decimal("5"),
        investment_completed=Decimal("10"),
        status=Status.SUBMITTED,
    )

    with django_assert_max_num_queries(2):
        assert len(report.deviations()) == 1


@pytest.mark.parametrize(
    ("today", "month"),
    [(datetime.date(2026, 12, 1), "2026-11"), (datetime.date(2026, 12, 21), "2026-12")],
)
def test_a_new_report_starts_on_the_month_that_is_due(client, project, monkeypatch, today, month):
    """On 1 December the report due is November's: the form starts there."""
    monkeypatch.setattr(selectors, "today", lambda: today)

    page = client.get(reverse("projects:report_add", args=[project.pk])).content.decode()

    assert f'value="{month}"' in page
