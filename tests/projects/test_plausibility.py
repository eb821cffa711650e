"""Plausibility rules live in the model and the stage service, so the app's forms, the
admin and imports all apply them: what actually happened did not happen after today, a
project enters 在建 with its actual start, and a milestone is not due years before the
project begins."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from projects.models import Milestone, Project, StageTransition
from projects.rules import Role
from projects.workbooks.sheets import import_projects_file
from tests.conftest import with_role
from tests.factories import ProjectFactory, UserFactory

from .test_stage_paths import admin_form_data
from .workbooks.corpus import project_book

pytestmark = pytest.mark.django_db

Stage = Project.Stage
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def administrator(client):
    user = with_role(UserFactory(), Role.ADMINISTRATOR)
    client.force_login(user)
    return user


@pytest.fixture
def project():
    return ProjectFactory(
        stage=Stage.PRELIMINARY,
        category=Project.Category.ROAD_INFRASTRUCTURE,
        planned_start=datetime.date(2024, 3, 1),
        planned_completion=datetime.date(2025, 6, 30),
    )


def import_rows(user, **row) -> list[str]:
    report = import_projects_file(io.BytesIO(project_book(projects=[row])), "台账.xlsx", user=user)
    return report.errors


def project_row(project, **values) -> dict:
    return {"项目名称": project.name, "项目类别": "道路及基础设施"} | values


# Actual dates are not after today ------------------------------------------------------


def test_the_app_form_refuses_an_actual_start_after_today(client, administrator, project):
    response = client.post(
        reverse("projects:edit", args=[project.pk]),
        {"actual_start": TOMORROW.isoformat(), "planned_start": "2024-03-01"},
    )

    assert response.status_code in (200, 400)
    assert "不能晚于今天" in response.content.decode()
    project.refresh_from_db()
    assert project.actual_start is None


def test_the_admin_refuses_an_actual_completion_after_today(client, administrator, project):
    project.actual_start = datetime.date(2024, 3, 5)
    project.save()
    url = reverse("admin:projects_project_change", args=[project.pk])

    response = client.post(
        url, admin_form_data(project, actual_completion=TOMORROW.isoformat(), _save="Save")
    )

    assert response.status_code == 200
    assert "不能晚于今天" in response.content.decode()
    project.refresh_from_db()
    assert project.actual_completion is None


def test_an_import_refuses_an_actual_start_after_today_by_column(administrator, project):
    errors = import_rows(administrator, **project_row(project, 实际开工日期=TOMORROW))

    assert any("实际开工日期" in error and "不能晚于今天" in error for error in errors), errors
    project.refresh_from_db()
    assert project.actual_start is None


def test_a_milestone_cannot_be_completed_in_the_future(administrator, project):
    milestone = Milestone.objects.create(
        project=project, title="完成招标", due_date=datetime.date(2024, 2, 20)
    )
    milestone.completed_on = TOMORROW

    with pytest.raises(ValidationError) as refused:
        milestone.full_clean()
    assert set(refused.value.message_dict) == {"completed_on"}


# 在建 needs an actual start on or before today ------------------------------------------


def test_the_stage_button_refuses_a_start_in_the_future(client, administrator, project):
    response = client.post(
        reverse("projects:stage", args=[project.pk]),
        {"transition": "start_construction", "actual_start": TOMORROW.isoformat()},
    )

    assert response.status_code == 400
    project.refresh_from_db()
    assert project.stage == Stage.PRELIMINARY
    assert not StageTransition.objects.filter(project=project).exists()


def test_an_administrators_correction_to_under_construction_needs_the_start(administrator):
    project = ProjectFactory(stage=Stage.PLANNING)

    errors = import_rows(administrator, **project_row(project, 项目阶段="在建"))

    assert any("实际开工日期" in error for error in errors), errors
    project.refresh_from_db()
    assert project.stage == Stage.PLANNING


def test_an_import_to_under_construction_with_a_past_start_is_taken(administrator, project):
    errors = import_rows(
        administrator,
        **project_row(project, 项目阶段="在建", 实际开工日期=datetime.date(2024, 3, 10)),
    )

    assert errors == []
    project.refresh_from_db()
    assert (project.stage, project.actual_start) == (
        Stage.UNDER_CONSTRUCTION,
        datetime.date(2024, 3, 10),
    )


def test_resuming_a_suspended_project_needs_no_new_start(administrator):
    project = ProjectFactory(stage=Stage.SUSPENDED)
    StageTransition.objects.create(
        project=project,
        from_stage=Stage.UNDER_CONSTRUCTION,
        to_stage=Stage.SUSPENDED,
        acting_user=administrator,
        comment="资金未到位",
    )

    errors = import_rows(administrator, **project_row(project, 项目阶段="在建"))

    assert errors == []


# Milestones are not due long before the project starts ---------------------------------


def test_the_app_refuses_a_milestone_due_years_before_the_start(client, administrator, project):
    response = client.post(
        reverse("projects:milestone_add", args=[project.pk]),
        {"title": "完成立项", "due_date": "2020-01-01"},
    )

    assert response.status_code == 400
    assert "核对年份" in response.content.decode() or "check the year" in response.content.decode()
    assert not Milestone.objects.filter(project=project).exists()


def test_the_app_accepts_a_milestone_due_months_before_the_start(client, administrator, project):
    response = client.post(
        reverse("projects:milestone_add", args=[project.pk]),
        {"title": "完成立项", "due_date": "2023-10-01"},
    )

    assert response.status_code == 302
    assert Milestone.objects.filter(project=project, title="完成立项").exists()


def test_the_admin_refuses_a_milestone_due_years_before_the_start(client, administrator, project):
    response = client.post(
        reverse("admin:projects_milestone_add"),
        {"project": project.pk, "title": "完成立项", "due_date": "2020-01-01", "_save": "Save"},
    )

    assert response.status_code == 200
    assert not Milestone.objects.filter(project=project).exists()


def test_an_import_refuses_a_milestone_due_years_before_the_start(administrator, project):
    data = project_book(
        projects=[project_row(project)],
        milestones=[
            {"项目名称": project.name, "节点名称": "完成立项", "计划完成日期": "2020-01-01"}
        ],
    )

    report = import_projects_file(io.BytesIO(data), "台账.xlsx", user=administrator)

    assert any("计划完成日期" in error for error in report.errors), report.errors
    assert not Milestone.objects.filter(project=project).exists()


def test_an_existing_early_milestone_can_still_be_edited(administrator, project):
    """A milestone loaded long ago keeps its date; only a new or moved date is checked."""
    milestone = Milestone.objects.create(
        project=project, title="完成立项", due_date=datetime.date(2020, 1, 1)
    )
    milestone = Milestone.objects.get(pk=milestone.pk)
    milestone.note = "补录"

    milestone.full_clean()


def test_an_import_refuses_a_planned_completion_before_the_start(administrator, project):
    errors = import_rows(
        administrator,
        **project_row(project, 计划开工日期="2024-05-01", 计划完工日期="2024-01-01"),
    )

    assert errors, "a completion before the start must be refused"
    project.refresh_from_db()
    assert project.planned_start == datetime.date(2024, 3, 1)


def test_without_a_planned_start_only_a_date_years_back_is_refused(administrator):
    project = ProjectFactory(planned_start=None, planned_completion=None)
    today = timezone.localdate()
    three_years_back = today - datetime.timedelta(days=3 * 365)
    six_years_back = today - datetime.timedelta(days=6 * 365)
    backfilled = Milestone(project=project, title="完成验收", due_date=three_years_back)
    mistyped = Milestone(project=project, title="完成招标", due_date=six_years_back)

    backfilled.full_clean()
    with pytest.raises(ValidationError) as refused:
        mistyped.full_clean()
    assert set(refused.value.message_dict) == {"due_date"}


def test_the_admin_form_names_the_missing_start_of_under_construction(client, administrator):
    project = ProjectFactory(stage=Stage.PRELIMINARY)
    url = reverse("admin:projects_project_change", args=[project.pk])

    response = client.post(
        url, admin_form_data(project, stage=Stage.UNDER_CONSTRUCTION, _save="Save")
    )

    assert response.status_code == 200
    assert "实际开工日期" in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Stage.PRELIMINARY
    assert not StageTransition.objects.filter(project=project).exists()
