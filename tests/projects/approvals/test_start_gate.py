"""The start gate: a project enters 在建 only once every approval needed to start is
obtained or not applicable, on every path (the app's stage button, the admin's stage
field, an import's ``project_stage_set``, an administrator's correction, a superuser);
resuming from suspension and a project without a checklist are not held back."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from projects import services as project_services
from projects.approvals import services
from projects.models import ApprovalItem, Project, StageTransition
from tests.admin_forms import admin_form_data
from tests.factories import ProjectFactory

from .conftest import NEEDED_TO_START, TODAY, settle

pytestmark = pytest.mark.django_db
Stage = Project.Stage


def stage_of(project) -> str:
    return Project.objects.values_list("stage", flat=True).get(pk=project.pk)


def test_the_stage_button_is_refused_naming_what_is_missing(cast):
    with pytest.raises(ValidationError) as error:
        project_services.project_stage_change(
            project=cast.project, transition="start_construction", acting_user=cast.staff_a
        )
    message = " ".join(error.value.messages)
    assert all(name in message for name in NEEDED_TO_START)
    assert "环评批复" not in message  # not needed to start
    assert stage_of(cast.project) == Stage.PRELIMINARY
    settle(cast)
    project_services.project_stage_change(
        project=cast.project, transition="start_construction", acting_user=cast.staff_a
    )
    assert stage_of(cast.project) == Stage.UNDER_CONSTRUCTION


def test_not_applicable_settles_an_approval_and_the_message_names_the_rest(cast, client):
    """On the web the refusal is the project page again (400) naming the approvals left."""
    settle(cast, ["立项/可研批复"])
    services.approval_update(
        cast.item("招标"), user=cast.staff_a, status=ApprovalItem.Status.NOT_APPLICABLE
    )
    client.force_login(cast.staff_a)
    response = client.post(
        reverse("projects:stage", args=[cast.project.pk]), {"transition": "start_construction"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "施工许可" in page
    assert stage_of(cast.project) == Stage.PRELIMINARY


@pytest.mark.parametrize("role", ["administrator", "superuser", "reviewer"])
def test_an_import_or_a_correction_is_refused_too(cast, role):
    """project_stage_set (the admin form, the imports): the workflow's step and an
    administrator's correction alike."""
    with pytest.raises(ValidationError) as error:
        project_services.project_stage_set(
            project=cast.project,
            stage=Stage.UNDER_CONSTRUCTION,
            acting_user=getattr(cast, role),
            comment="导入",
        )
    assert "施工许可" in " ".join(error.value.messages)
    assert stage_of(cast.project) == Stage.PRELIMINARY
    assert not StageTransition.objects.filter(project=cast.project).exists()


def test_a_correction_from_planning_is_held_back_too(cast):
    project = ProjectFactory(
        category=Project.Category.FACTORY_BUILDING, stage=Stage.PLANNING, actual_start=TODAY
    )
    services.apply_template(project, user=cast.administrator)
    with pytest.raises(ValidationError):
        project_services.project_stage_set(
            project=project,
            stage=Stage.UNDER_CONSTRUCTION,
            acting_user=cast.administrator,
            comment="",
        )
    assert stage_of(project) == Stage.PLANNING


def test_the_admin_stage_field_shows_the_refusal_beside_the_stage(cast, client):
    client.force_login(cast.superuser)
    url = reverse("admin:projects_project_change", args=[cast.project.pk])
    with translation.override("en"):
        response = client.post(
            url, admin_form_data(cast.project, stage=Stage.UNDER_CONSTRUCTION, _save="Save")
        )
    assert response.status_code == 200  # the form again, with its error
    assert "施工许可" in response.content.decode()
    assert stage_of(cast.project) == Stage.PRELIMINARY
    settle(cast)
    response = client.post(
        url, admin_form_data(cast.project, stage=Stage.UNDER_CONSTRUCTION, _save="Save")
    )
    assert response.status_code == 302
    assert stage_of(cast.project) == Stage.UNDER_CONSTRUCTION


def test_the_rule_is_the_items_own_flag(cast):
    """Unticking "needed to start" on the items (the admin-editable rule) opens the gate."""
    for name in NEEDED_TO_START:
        services.approval_update(cast.item(name), user=cast.reviewer, needed_for_start=False)
    project_services.project_stage_change(
        project=cast.project, transition="start_construction", acting_user=cast.staff_a
    )
    assert stage_of(cast.project) == Stage.UNDER_CONSTRUCTION


def test_resuming_and_a_project_without_a_checklist_are_not_held_back(cast):
    project_services.project_stage_change(
        project=cast.project, transition="suspend", acting_user=cast.reviewer, comment="停工"
    )
    Project.objects.filter(pk=cast.project.pk).update(stage=Stage.SUSPENDED)
    StageTransition.objects.filter(project=cast.project).update(from_stage=Stage.UNDER_CONSTRUCTION)
    project_services.project_stage_change(
        project=cast.project, transition="resume", acting_user=cast.reviewer
    )
    assert stage_of(cast.project) == Stage.UNDER_CONSTRUCTION
    bare = ProjectFactory(stage=Stage.PRELIMINARY, actual_start=TODAY)
    project_services.project_stage_change(
        project=bare, transition="start_construction", acting_user=cast.administrator
    )
    assert stage_of(bare) == Stage.UNDER_CONSTRUCTION
