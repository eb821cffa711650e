"""One write path for a stage: the app's buttons, the admin form and an import all go
through the stage service, which takes the workflow's step or records an
administrator's correction; each writes a StageTransition and an audit line."""

import datetime
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.urls import reverse

from projects import services
from projects.models import Project, StageTransition
from projects.rules import Role
from tests.admin_forms import inline_prefixes
from tests.conftest import with_role
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

Stage = Project.Stage


def admin_form_data(project, **changes) -> dict:
    """The admin change form of ``project`` as posted, with ``changes``."""
    data = {
        key: value
        for key, value in model_to_dict(project).items()
        if value is not None and key != "villages"
    }
    data.update(changes)
    for prefix in inline_prefixes(Project):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


def test_a_workflow_step_set_by_stage_is_recorded_as_that_step():
    """Setting the next stage of the workflow is the workflow's step, not a correction."""
    reviewer = with_role(UserFactory(), Role.REVIEWER)
    project = ProjectFactory(stage=Stage.PLANNING)

    services.project_stage_set(
        project=project, stage=Stage.PRELIMINARY, acting_user=reviewer, comment="批复下达"
    )

    transition = StageTransition.objects.get(project=project)
    assert (transition.from_stage, transition.to_stage) == (Stage.PLANNING, Stage.PRELIMINARY)
    assert not transition.is_override


def test_an_administrator_correction_is_a_transition_marked_as_such(caplog):
    """An administrator may set any stage; the transition says it was a correction and
    the audit log has its own line for it."""
    administrator = with_role(UserFactory(), Role.ADMINISTRATOR)
    project = ProjectFactory(stage=Stage.PLANNING)

    with caplog.at_level(logging.INFO, logger="shanwang.audit"):
        services.project_stage_set(
            project=project, stage=Stage.COMPLETED, acting_user=administrator, comment="补录"
        )

    project.refresh_from_db()
    transition = StageTransition.objects.get(project=project)
    assert project.stage == Stage.COMPLETED
    assert transition.is_override and transition.comment.endswith("补录")
    assert "stage_override" in caplog.text


def test_a_reviewer_cannot_skip_the_workflow():
    """Outside the workflow's steps only an administrator may set a stage."""
    reviewer = with_role(UserFactory(), Role.REVIEWER)
    project = ProjectFactory(stage=Stage.PLANNING)

    with pytest.raises(PermissionDenied):
        services.project_stage_set(
            project=project, stage=Stage.COMPLETED, acting_user=reviewer, comment=""
        )

    project.refresh_from_db()
    assert project.stage == Stage.PLANNING
    assert not StageTransition.objects.exists()


def test_the_admin_form_records_the_stage_change(admin_client, admin_user):
    """A stage changed in the admin form is a StageTransition by the administrator."""
    project = ProjectFactory(stage=Stage.PRELIMINARY, actual_start=datetime.date(2024, 3, 1))
    url = reverse("admin:projects_project_change", args=[project.pk])

    response = admin_client.post(
        url, admin_form_data(project, stage=Stage.UNDER_CONSTRUCTION, _save="Save")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    transition = StageTransition.objects.get(project=project)
    assert project.stage == Stage.UNDER_CONSTRUCTION
    assert (transition.to_stage, transition.acting_user) == (Stage.UNDER_CONSTRUCTION, admin_user)
    assert not transition.is_override  # the workflow's own step: start construction


def test_the_admin_form_marks_a_jump_as_a_correction(admin_client):
    project = ProjectFactory(stage=Stage.PLANNING)
    url = reverse("admin:projects_project_change", args=[project.pk])

    admin_client.post(url, admin_form_data(project, stage=Stage.IN_OPERATION, _save="Save"))

    assert StageTransition.objects.get(project=project).is_override


def test_an_unchanged_stage_in_the_admin_records_nothing(admin_client):
    project = ProjectFactory(stage=Stage.PLANNING)
    url = reverse("admin:projects_project_change", args=[project.pk])

    admin_client.post(url, admin_form_data(project, location="山王村", _save="Save"))

    project.refresh_from_db()
    assert project.location == "山王村"
    assert not StageTransition.objects.exists()
