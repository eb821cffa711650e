"""The admin holds the same rules as the app (issue 18): for the row as it will be saved,
in every form, inline, action and history revert, for superusers too; a revert never
restores a workflow's state; each user's own records stay theirs; reviewers can pick
people."""

import datetime
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from projects import services
from projects.models import (
    AnnualPlan,
    Funding,
    FundingSource,
    Milestone,
    Notification,
    NotificationSettings,
    ProgressReport,
    Project,
    Reminder,
    ReportPhoto,
    ReportTransition,
    StageTransition,
    WebhookChannel,
)
from projects.rules import Role
from tests.admin_forms import admin_form_data, admin_url, photo_file, revert_data, revert_url
from tests.conftest import with_role
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    UserFactory,
    VillageFactory,
)
from villages.models import CollectiveIncome

pytestmark = pytest.mark.django_db

Stage = Project.Stage
Status = ProgressReport.Status
ROBOT_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ab12345678-secret-key-9f"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def town():
    """Two units, each with a staff member who may use the admin (is_staff) and a project;
    unit A has a second project; a reviewer, an administrator and a superuser."""
    unit_a, unit_b = ResponsibleUnitFactory(name="甲单位"), ResponsibleUnitFactory(name="乙单位")
    staff_a = with_role(UserFactory(username="staff.a", is_staff=True), Role.STAFF)
    staff_b = with_role(UserFactory(username="staff.b", is_staff=True), Role.STAFF)
    unit_a.members.add(staff_a)
    unit_b.members.add(staff_b)
    return SimpleNamespace(
        staff_a=staff_a,
        staff_b=staff_b,
        reviewer=with_role(UserFactory(username="reviewer"), Role.REVIEWER),
        administrator=with_role(UserFactory(username="office"), Role.ADMINISTRATOR),
        superuser=UserFactory(username="root", is_superuser=True, is_staff=True),
        project_a=ProjectFactory(name="甲项目", responsible_unit=unit_a, stage=Stage.PLANNING),
        project_a2=ProjectFactory(name="甲项目二", responsible_unit=unit_a, stage=Stage.PLANNING),
        project_b=ProjectFactory(name="乙项目", responsible_unit=unit_b, stage=Stage.PLANNING),
    )


def draft_report(project, month=datetime.date(2024, 5, 1), **fields):
    return ProgressReportFactory(project=project, month=month, status=Status.DRAFT, **fields)


# 1. Re-parenting: the rule holds for the row as it will be saved -------------------------


def test_staff_cannot_move_their_milestone_to_another_units_project(client, town):
    """The change form asks the rule on the new project too: 403, and nothing moves."""
    milestone = MilestoneFactory(project=town.project_a, title="开工")
    client.force_login(town.staff_a)
    response = client.post(
        admin_url(Milestone, "change", milestone.pk),
        admin_form_data(milestone, project=town.project_b),
    )
    assert response.status_code == 403
    assert "乙项目" in response.content.decode()  # the refusal names the project
    milestone.refresh_from_db()
    assert milestone.project == town.project_a


def test_staff_may_move_a_milestone_between_their_own_projects(client, town):
    milestone = MilestoneFactory(project=town.project_a, title="开工")
    client.force_login(town.staff_a)
    response = client.post(
        admin_url(Milestone, "change", milestone.pk),
        admin_form_data(milestone, project=town.project_a2),
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.project == town.project_a2


def test_staff_cannot_move_their_draft_report_onto_another_units_project(client, town):
    report = draft_report(town.project_a)
    client.force_login(town.staff_a)
    response = client.post(
        admin_url(ProgressReport, "change", report.pk),
        admin_form_data(report, project=town.project_b),
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.project == town.project_a


def test_staff_cannot_attach_a_photo_to_another_units_approved_report(client, town):
    approved = ProgressReportFactory(project=town.project_b, status=Status.APPROVED)
    client.force_login(town.staff_a)
    response = client.post(
        admin_url(ReportPhoto, "add"),
        {"report": approved.pk, "image": photo_file(), "uploaded_by": town.staff_b.pk},
    )
    assert response.status_code == 403
    assert not ReportPhoto.objects.exists()


def test_who_uploaded_a_photo_is_set_by_the_server_never_by_the_form(client, town):
    """A forged ``uploaded_by`` is ignored on the photo page and in the report's inline."""
    report = draft_report(town.project_a)
    client.force_login(town.staff_a)
    response = client.post(
        admin_url(ReportPhoto, "add"),
        {
            "report": report.pk,
            "image": photo_file(),
            "caption": "页面",
            "uploaded_by": town.staff_b.pk,
        },
    )
    assert response.status_code == 302
    data = admin_form_data(report)
    data.update(
        {
            "photos-TOTAL_FORMS": "1",
            "photos-0-image": photo_file("inline.jpg"),
            "photos-0-caption": "内联",
            "photos-0-uploaded_by": town.staff_b.pk,
        }
    )
    response = client.post(admin_url(ProgressReport, "change", report.pk), data)
    assert response.status_code == 302
    uploaders = dict(ReportPhoto.objects.values_list("caption", "uploaded_by"))
    assert uploaders == {"页面": town.staff_a.pk, "内联": town.staff_a.pk}


def test_a_revert_cannot_move_a_row_to_another_units_project(client, town):
    """Reverting to a version that sat on another unit's project is a re-parenting too."""
    milestone = MilestoneFactory(project=town.project_b, title="开工")
    milestone.project = town.project_a
    milestone.save()
    version = milestone.history.earliest()
    client.force_login(town.staff_a)
    response = client.post(revert_url(milestone, version), revert_data(version))
    assert response.status_code == 403
    milestone.refresh_from_db()
    assert milestone.project == town.project_a


@pytest.mark.parametrize("model", [Funding, AnnualPlan])
def test_fundings_and_annual_plans_follow_the_rule_of_their_project(client, town, model):
    """Staff whose group was given the model permissions change only their own projects'
    fundings and plans: the rule of the project holds for the old and the new one."""
    group = Group.objects.get(name=Role.STAFF.value)
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=[f"add_{model._meta.model_name}", f"change_{model._meta.model_name}"]
        )
    )
    if model is Funding:
        row = Funding.objects.create(
            project=town.project_a, source=FundingSource.objects.create(name="专项债")
        )
    else:
        row = AnnualPlan.objects.create(project=town.project_a, year=2024)
    client.force_login(town.staff_a)
    response = client.post(
        admin_url(model, "change", row.pk), admin_form_data(row, project=town.project_b)
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.project == town.project_a
    response = client.post(
        admin_url(model, "change", row.pk), admin_form_data(row, project=town.project_a2)
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.project == town.project_a2


def test_the_project_pages_inlines_hold_the_rules_of_their_rows(client, town):
    """A milestone added in the project page's inline is saved as on its own page."""
    client.force_login(town.staff_a)
    data = admin_form_data(town.project_a)
    data.update(
        {
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-title": "内联节点",
            "milestones-0-due_date": "2024-09-30",
            "milestones-0-project": town.project_b.pk,  # forged: the inline uses its page's
        }
    )
    response = client.post(admin_url(Project, "change", town.project_a.pk), data)
    assert response.status_code in (200, 302)
    assert not Milestone.objects.filter(project=town.project_b).exists()


def test_the_mark_completed_action_names_the_refused_milestone(client, town):
    milestone = MilestoneFactory(project=town.project_b, title="乙的节点")
    client.force_login(town.staff_a)
    response = client.post(
        admin_url(Milestone, "changelist"),
        {"action": "mark_completed", "_selected_action": [milestone.pk]},
        follow=True,
    )
    milestone.refresh_from_db()
    assert milestone.completed_on is None
    errors = [
        str(message) for message in response.context["messages"] if message.level_tag == "error"
    ]
    assert errors and all("乙的节点" in error for error in errors)


def test_village_records_are_moved_between_villages_by_administrators_only(client, town):
    own, other = VillageFactory(name="甲村"), VillageFactory(name="乙村")
    income = CollectiveIncome.objects.create(village=own, year=2023, amount=Decimal("10"))
    for user, expected in ((town.reviewer, own), (town.administrator, other)):
        client.force_login(user)
        client.post(
            admin_url(CollectiveIncome, "change", income.pk),
            admin_form_data(income, village=other),
        )
        income.refresh_from_db()
        assert income.village == expected, user


# 2. A revert never restores a workflow's state -----------------------------------------


def test_a_reviewers_revert_does_not_bring_a_cancelled_project_back(client, town):
    """The revert restores the other fields; the stage stays, and no transition appears."""
    project = town.project_a
    project.location = "旧地点"
    project.save()
    version = project.history.latest()
    project.location, project.stage = "新地点", Stage.CANCELLED
    project.save()
    client.force_login(town.reviewer)
    response = client.post(revert_url(project, version), revert_data(version))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.location) == (Stage.CANCELLED, "旧地点")
    assert not StageTransition.objects.exists()


def test_staff_cannot_resume_a_suspended_project_by_a_revert(client, town):
    project = town.project_a
    project.stage = Stage.UNDER_CONSTRUCTION
    project.save()
    version = project.history.latest()
    project.stage = Stage.SUSPENDED
    project.save()
    client.force_login(town.staff_a)
    client.post(revert_url(project, version), revert_data(version))
    project.refresh_from_db()
    assert project.stage == Stage.SUSPENDED
    assert not StageTransition.objects.exists()


def test_a_revert_does_not_restore_a_reports_status(client, town):
    """A submitted report cannot be reverted at all (it is frozen); a returned one gets
    its old figures back but stays returned."""
    report = draft_report(town.project_a, physical_progress=Decimal("5"))
    version = report.history.latest()
    report.status, report.submitted_by = Status.SUBMITTED, town.staff_a
    report.save()
    client.force_login(town.administrator)
    response = client.post(revert_url(report, version), revert_data(version))
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED

    report.status, report.physical_progress = Status.RETURNED, Decimal("7")
    report.save()
    response = client.post(revert_url(report, version), revert_data(version))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.physical_progress) == (Status.RETURNED, Decimal("5"))
    assert report.submitted_by == town.staff_a
    assert not ReportTransition.objects.exists()


def test_the_revert_page_says_the_stage_is_changed_by_its_buttons(client, town):
    project = town.project_a
    client.force_login(town.administrator)
    page = client.get(revert_url(project, project.history.earliest())).content.decode()
    assert 'id="revert-workflow-note"' in page
    assert 'name="stage"' not in page  # shown, not editable
    assert 'name="location"' in page


def test_a_refused_revert_saves_nothing(client, town):
    """A revert refused by the rules leaves the record as it was (the revert runs in one
    transaction, like the change form)."""
    project = town.project_a
    version = project.history.latest()
    project.location = "新地点"
    project.save()
    client.force_login(town.staff_b)
    response = client.post(revert_url(project, version), revert_data(version))
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.location == "新地点"


# 3. The report rules hold for superusers too --------------------------------------------


def test_a_superuser_cannot_edit_a_submitted_report(client, town):
    report = draft_report(town.project_a, investment_completed=Decimal("5"))
    report.status, report.submitted_by = Status.SUBMITTED, town.staff_a
    report.save()
    client.force_login(town.superuser)
    response = client.post(
        admin_url(ProgressReport, "change", report.pk),
        admin_form_data(report, investment_completed="999"),
    )
    assert response.status_code == 403
    assert client.get(reverse("projects:report_edit", args=[report.pk])).status_code == 403
    page = client.get(reverse("projects:report", args=[report.pk])).content.decode()
    assert reverse("projects:report_edit", args=[report.pk]) not in page
    with pytest.raises(PermissionDenied):
        services.progress_report_update(report=report, acting_user=town.superuser, narrative="改")
    report.refresh_from_db()
    assert report.investment_completed == Decimal("5")


def test_nobody_approves_a_report_they_edited(client, town):
    """A superuser who edited a draft in the admin cannot approve it once it is submitted,
    in the admin nor in the app; a reviewer who did not touch it can."""
    report = draft_report(town.project_a, investment_completed=Decimal("5"))
    client.force_login(town.superuser)
    response = client.post(
        admin_url(ProgressReport, "change", report.pk),
        admin_form_data(report, investment_completed="999"),
    )
    assert response.status_code == 302
    services.progress_report_transition(
        report=report, transition="submit", acting_user=town.staff_a
    )

    client.post(
        admin_url(ProgressReport, "changelist"),
        {"action": "approve", "_selected_action": [report.pk]},
    )
    client.post(
        reverse("projects:report_transition", args=[report.pk, "approve"]), {"confirmed": "1"}
    )
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    page = client.get(reverse("projects:report", args=[report.pk])).content.decode()
    assert reverse("projects:report_transition", args=[report.pk, "approve"]) not in page

    services.progress_report_approve(report=report, acting_user=town.reviewer)
    report.refresh_from_db()
    assert report.status == Status.APPROVED


def test_an_administrator_who_added_a_photo_cannot_approve_the_report(town):
    report = draft_report(town.project_a)
    services.report_photo_add(report=report, acting_user=town.administrator, image=photo_file())
    services.progress_report_transition(
        report=report, transition="submit", acting_user=town.staff_a
    )
    with pytest.raises(PermissionDenied):
        services.progress_report_approve(report=report, acting_user=town.administrator)


def test_a_superuser_cannot_add_a_photo_to_an_approved_report(client, town):
    approved = ProgressReportFactory(project=town.project_a, status=Status.APPROVED)
    client.force_login(town.superuser)
    response = client.post(
        admin_url(ReportPhoto, "add"), {"report": approved.pk, "image": photo_file()}
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.report_photo_add(report=approved, acting_user=town.superuser, image=photo_file())
    assert not approved.photos.exists()


def test_a_superuser_cannot_delete_an_approved_report(client, town):
    """Not in the project page's inline, the report's delete page, the delete action, nor
    by deleting its project."""
    project = town.project_a
    approved = ProgressReportFactory(project=project, status=Status.APPROVED)
    client.force_login(town.superuser)
    data = admin_form_data(project)
    data.update(
        {
            "progress_reports-TOTAL_FORMS": "1",
            "progress_reports-INITIAL_FORMS": "1",
            "progress_reports-0-id": approved.pk,
            "progress_reports-0-project": project.pk,
            "progress_reports-0-DELETE": "on",
        }
    )
    client.post(admin_url(Project, "change", project.pk), data)
    assert (
        client.post(admin_url(ProgressReport, "delete", approved.pk), {"post": "yes"}).status_code
        == 403
    )
    client.post(
        admin_url(ProgressReport, "changelist"),
        {"action": "delete_selected", "_selected_action": [approved.pk], "post": "yes"},
    )
    assert client.post(admin_url(Project, "delete", project.pk), {"post": "yes"}).status_code == 403
    assert ProgressReport.objects.filter(pk=approved.pk).exists()


def test_a_draft_report_may_still_be_deleted_by_an_administrator(client, town):
    report = draft_report(town.project_a)
    client.force_login(town.superuser)
    response = client.post(admin_url(ProgressReport, "delete", report.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not ProgressReport.objects.filter(pk=report.pk).exists()


# 12. Each user's own records; the ledger and robots for administrators ------------------


def test_notifications_and_settings_are_each_users_own_in_the_admin(client, town):
    mine = Notification.objects.create(user=town.reviewer, kind="due", key="a", title="我的通知")
    theirs = Notification.objects.create(user=town.staff_a, kind="due", key="b", title="别人的通知")
    NotificationSettings.objects.create(user=town.staff_a)
    own_settings = NotificationSettings.objects.create(user=town.reviewer)
    client.force_login(town.reviewer)
    page = client.get(admin_url(Notification, "changelist")).content.decode()
    assert "我的通知" in page and "别人的通知" not in page
    assert client.get(admin_url(Notification, "change", mine.pk)).status_code == 200
    assert client.get(admin_url(Notification, "change", theirs.pk)).status_code == 302  # "no such"
    page = client.get(admin_url(NotificationSettings, "changelist")).content.decode()
    assert "staff.a" not in page
    assert client.get(admin_url(NotificationSettings, "change", own_settings.pk)).status_code == 200

    client.force_login(town.administrator)
    page = client.get(admin_url(Notification, "changelist")).content.decode()
    assert "我的通知" in page and "别人的通知" in page


def test_the_ledger_and_the_robots_are_for_administrators_only(client, town):
    robot = WebhookChannel.objects.create(
        responsible_unit=town.project_a.responsible_unit, kind="wecom", url=ROBOT_URL
    )
    Reminder.objects.create(
        channel="webhook",
        webhook=robot,
        address=f"webhook:{robot.pk}",
        kind="due",
        subject="milestone:1",
        period=datetime.date(2024, 6, 30),
        owed_on=datetime.date(2024, 6, 30),
        last_error=f"HTTPSConnectionPool: Max retries exceeded with url: {ROBOT_URL}",
    )
    client.force_login(town.reviewer)
    assert client.get(admin_url(Reminder, "changelist")).status_code == 403
    assert client.get(admin_url(WebhookChannel, "changelist")).status_code == 403
    assert client.get(admin_url(WebhookChannel, "history", robot.pk)).status_code == 403
    assert "secret" not in client.get(reverse("admin:index")).content.decode()

    client.force_login(town.administrator)
    listing = client.get(admin_url(WebhookChannel, "changelist")).content.decode()
    assert "send?key=ab…9f" in listing and "secret" not in listing
    edit_form = client.get(admin_url(WebhookChannel, "change", robot.pk)).content.decode()
    assert ROBOT_URL in edit_form
    robot.url = ROBOT_URL.replace("9f", "0e")
    robot.save()
    history = client.get(admin_url(WebhookChannel, "history", robot.pk)).content.decode()
    assert "secret" not in history
    reminder = Reminder.objects.get()
    detail = client.get(admin_url(Reminder, "change", reminder.pk)).content.decode()
    assert "key=ab…9f" in detail and "secret" not in detail


# 14. Reviewers pick people in the admin --------------------------------------------------


def autocomplete(client, model, field, term=""):
    return client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": term,
        },
    )


def test_reviewers_get_a_narrow_list_of_people_to_assign(client, town):
    """Active users with a role, found by name; only ids and names are sent, and the user
    admin itself stays closed to them."""
    town.staff_a.last_name, town.staff_a.first_name = "王", "芳"
    town.staff_a.email = "wang@example.org"
    town.staff_a.save()
    with_role(UserFactory(username="gone", is_active=False), Role.STAFF)
    UserFactory(username="no.role")
    client.force_login(town.reviewer)
    response = autocomplete(client, Project, "contact_person")
    assert response.status_code == 200
    results = json.loads(response.content)["results"]
    names = {row["text"] for row in results}
    assert {"staff.a", "staff.b", "reviewer", "office"} <= names
    assert not names & {"gone", "no.role", "root"}
    assert all(set(row) == {"id", "text"} for row in results)
    found = json.loads(autocomplete(client, Milestone, "owner", "王芳").content)["results"]
    assert [row["text"] for row in found] == ["staff.a"]
    assert json.loads(autocomplete(client, Milestone, "owner", "example").content)["results"] == []
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_the_narrow_list_needs_the_right_to_fill_in_the_field(client, town):
    """A leader who may use the admin but change nothing, or a field that is not an
    autocomplete of its page, gets 403."""
    leader = with_role(UserFactory(username="leader", is_staff=True), Role.LEADER)
    client.force_login(leader)
    assert autocomplete(client, Project, "contact_person").status_code == 403
    client.force_login(town.reviewer)
    assert autocomplete(client, ProgressReport, "submitted_by").status_code == 403
