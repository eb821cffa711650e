"""The stage and report workflows: legal steps are recorded, illegal ones change nothing."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from projects import services
from projects.models import ProgressReport, Project, ReportTransition, StageTransition
from projects.rules import Role
from projects.workflows import REPORT_TRANSITIONS, STAGE_TRANSITIONS
from tests.conftest import with_role
from tests.factories import ProgressReportFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

Stage = Project.Stage
Status = ProgressReport.Status
DAY = datetime.date(2024, 3, 1)


@pytest.fixture
def administrator():
    return with_role(UserFactory(username="office"), Role.ADMINISTRATOR)


@pytest.fixture
def reviewer():
    return with_role(UserFactory(username="reviewer"), Role.REVIEWER)


@pytest.fixture
def staff():
    return with_role(UserFactory(username="staff"), Role.STAFF)


def snapshot(obj):
    obj.refresh_from_db()
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


ILLEGAL_STAGE_STEPS = [
    (stage, name)
    for stage, name in itertools.product(Stage.values, STAGE_TRANSITIONS)
    if stage not in STAGE_TRANSITIONS[name].sources
]


@pytest.mark.parametrize(("stage", "transition"), ILLEGAL_STAGE_STEPS)
def test_every_illegal_stage_change_is_refused(administrator, stage, transition):
    project = ProjectFactory(stage=stage, actual_start=DAY, actual_completion=DAY)
    before = snapshot(project)
    with pytest.raises(ValidationError) as error:
        services.project_stage_change(
            project=project, transition=transition, acting_user=administrator, comment="原因"
        )
    assert "不能" in str(error.value) or "not possible" in str(error.value)
    assert snapshot(project) == before
    assert not StageTransition.objects.exists()


def test_the_whole_stage_path_is_recorded(staff):
    project = ProjectFactory(stage=Stage.PLANNING, contact_person=staff)
    steps = [
        ("begin_preliminary", {}, Stage.PRELIMINARY),
        ("start_construction", {"actual_start": DAY}, Stage.UNDER_CONSTRUCTION),
        ("complete", {"actual_completion": DAY}, Stage.COMPLETED),
        ("put_into_operation", {}, Stage.IN_OPERATION),
    ]
    for transition, dates, target in steps:
        project = services.project_stage_change(
            project=project, transition=transition, acting_user=staff, comment=transition, **dates
        )
        assert project.stage == target
    recorded = list(
        StageTransition.objects.order_by("pk").values_list(
            "from_stage", "to_stage", "acting_user", "comment"
        )
    )
    assert recorded == [
        (Stage.PLANNING, Stage.PRELIMINARY, staff.pk, "begin_preliminary"),
        (Stage.PRELIMINARY, Stage.UNDER_CONSTRUCTION, staff.pk, "start_construction"),
        (Stage.UNDER_CONSTRUCTION, Stage.COMPLETED, staff.pk, "complete"),
        (Stage.COMPLETED, Stage.IN_OPERATION, staff.pk, "put_into_operation"),
    ]
    assert project.history.first().history_user == staff


@pytest.mark.parametrize(
    ("stage", "transition", "missing"),
    [
        (Stage.PRELIMINARY, "start_construction", "实际开工日期"),
        (Stage.UNDER_CONSTRUCTION, "complete", "实际完工日期"),
    ],
)
def test_steps_need_their_dates(administrator, stage, transition, missing):
    project = ProjectFactory(stage=stage)
    with pytest.raises(ValidationError) as error:
        services.project_stage_change(
            project=project, transition=transition, acting_user=administrator
        )
    assert missing in str(error.value)
    assert Project.objects.get(pk=project.pk).stage == stage


def test_suspend_needs_a_reason_and_resume_returns_to_the_stage_before(reviewer):
    project = ProjectFactory(stage=Stage.UNDER_CONSTRUCTION)
    with pytest.raises(ValidationError):
        services.project_stage_change(project=project, transition="suspend", acting_user=reviewer)
    services.project_stage_change(
        project=project, transition="suspend", acting_user=reviewer, comment="资金未到位"
    )
    resumed = services.project_stage_change(
        project=project, transition="resume", acting_user=reviewer
    )
    assert resumed.stage == Stage.UNDER_CONSTRUCTION


@pytest.mark.parametrize(
    ("transition", "stage", "allowed_roles"),
    [
        ("begin_preliminary", Stage.PLANNING, {"staff", "reviewer", "administrator"}),
        ("suspend", Stage.PLANNING, {"reviewer", "administrator"}),
        ("cancel", Stage.PLANNING, {"administrator"}),
    ],
)
def test_who_may_take_each_step(staff, reviewer, administrator, transition, stage, allowed_roles):
    users = {"staff": staff, "reviewer": reviewer, "administrator": administrator}
    leader = with_role(UserFactory(username="leader"), Role.LEADER)
    users["leader"] = leader
    for role, user in users.items():
        project = ProjectFactory(stage=stage, contact_person=staff)
        if role in allowed_roles:
            services.project_stage_change(
                project=project, transition=transition, acting_user=user, comment="原因"
            )
        else:
            with pytest.raises(PermissionDenied):
                services.project_stage_change(
                    project=project, transition=transition, acting_user=user, comment="原因"
                )
            assert Project.objects.get(pk=project.pk).stage == stage


ILLEGAL_REPORT_STEPS = [
    (status, name)
    for status, name in itertools.product(Status.values, REPORT_TRANSITIONS)
    if status not in REPORT_TRANSITIONS[name].sources
]


@pytest.mark.parametrize(("status", "transition"), ILLEGAL_REPORT_STEPS)
def test_every_illegal_report_step_is_refused(administrator, status, transition):
    report = ProgressReportFactory(status=status)
    before = snapshot(report)
    with pytest.raises(ValidationError):
        services.progress_report_transition(
            report=report, transition=transition, acting_user=administrator, comment="意见"
        )
    assert snapshot(report) == before
    assert not ReportTransition.objects.exists()


def test_report_round_trip_records_each_step(staff, reviewer):
    report = ProgressReportFactory(
        status=Status.DRAFT, project=ProjectFactory(contact_person=staff)
    )
    services.progress_report_transition(report=report, transition="submit", acting_user=staff)
    services.progress_report_transition(
        report=report, transition="return", acting_user=reviewer, comment="请补充现场照片"
    )
    services.progress_report_transition(report=report, transition="submit", acting_user=staff)
    approved = services.progress_report_transition(
        report=report, transition="approve", acting_user=reviewer
    )
    assert approved.status == Status.APPROVED
    assert (approved.submitted_by, approved.reviewed_by) == (staff, reviewer)
    steps = list(
        ReportTransition.objects.order_by("pk").values_list(
            "from_status", "to_status", "acting_user", "comment"
        )
    )
    assert steps == [
        (Status.DRAFT, Status.SUBMITTED, staff.pk, ""),
        (Status.SUBMITTED, Status.RETURNED, reviewer.pk, "请补充现场照片"),
        (Status.RETURNED, Status.SUBMITTED, staff.pk, ""),
        (Status.SUBMITTED, Status.APPROVED, reviewer.pk, ""),
    ]


def test_returning_needs_a_comment(reviewer):
    report = ProgressReportFactory(status=Status.SUBMITTED)
    with pytest.raises(ValidationError):
        services.progress_report_transition(
            report=report, transition="return", acting_user=reviewer
        )
    assert ProgressReport.objects.get(pk=report.pk).status == Status.SUBMITTED


def test_a_reviewer_cannot_approve_a_report_they_submitted(reviewer):
    report = ProgressReportFactory(status=Status.SUBMITTED, submitted_by=reviewer)
    with pytest.raises(PermissionDenied):
        services.progress_report_approve(report=report, acting_user=reviewer)
    assert ProgressReport.objects.get(pk=report.pk).status == Status.SUBMITTED


def test_an_approved_report_is_immutable(administrator):
    report = ProgressReportFactory(status=Status.APPROVED)
    before = snapshot(report)
    with pytest.raises(ValidationError) as error:
        services.progress_report_update(report=report, acting_user=administrator, narrative="改动")
    assert "已通过" in str(error.value) or "approved" in str(error.value)
    assert snapshot(report) == before


def test_illegal_step_on_the_web_answers_400_with_the_reason(client, administrator):
    report = ProgressReportFactory(status=Status.DRAFT)
    client.force_login(administrator)
    response = client.post(
        reverse("projects:report_transition", args=[report.pk, "approve"]), {"confirmed": "1"}
    )
    assert response.status_code == 400
    assert ProgressReport.objects.get(pk=report.pk).status == Status.DRAFT
    project = ProjectFactory(stage=Stage.PRELIMINARY)
    response = client.post(
        reverse("projects:stage", args=[project.pk]), {"transition": "start_construction"}
    )
    assert response.status_code == 400
    assert "实际开工日期" in response.content.decode()


def test_forbidden_step_on_the_web_answers_403(client, staff):
    report = ProgressReportFactory(status=Status.SUBMITTED)
    client.force_login(staff)
    response = client.post(
        reverse("projects:report_transition", args=[report.pk, "approve"]), {"confirmed": "1"}
    )
    assert response.status_code == 403
    assert ProgressReport.objects.get(pk=report.pk).status == Status.SUBMITTED
