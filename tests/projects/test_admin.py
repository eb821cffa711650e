"""The Django admin: every model is manageable, fast and records who changed what."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Milestone, ProgressReport, Project
from tests.admin_forms import inline_prefixes
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    UserFactory,
    bulk_portfolio,
)
from villages.models import Village

EMPTY_INLINES = {
    f"{prefix}-{field}": "0"
    for prefix in inline_prefixes(Project)
    for field in ("TOTAL_FORMS", "INITIAL_FORMS")
}

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {"projects", "villages"}
#: Records that are themselves a log (who did what, what was sent) or personal state.
AUDIT_RECORDS = {
    "StageTransition",
    "ReportTransition",
    "ProblemTransition",
    "SupervisionOrderTransition",
    "Reminder",
    "Notification",
    "NotificationSettings",
    # A form's files kept until it is saved, for two days at most: not a record.
    "StagedUpload",
    # A frozen plan baseline never changes (docs/baselines.md): nothing to keep a history of.
    "PlanBaseline",
    "PlanBaselineEntry",
}


def domain_models():
    return [model for model in admin.site._registry if model._meta.app_label in DOMAIN_APPS]


def test_every_domain_model_is_registered_with_history():
    from django.apps import apps

    for app_label in DOMAIN_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            assert model in admin.site._registry, f"{model.__name__} is not in the admin"
            if model.__name__ in AUDIT_RECORDS:
                continue  # append-only records of who did what: they are the history
            assert hasattr(model, "history"), f"{model.__name__} keeps no history"


@pytest.mark.parametrize("view", ["changelist", "add"])
def test_every_admin_page_opens(admin_client, view):
    ProjectFactory()
    for model in domain_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")
        response = admin_client.get(url)
        assert response.status_code in (200, 403), url  # 403: the one-row thresholds
        if response.status_code == 200:
            assert "山王镇" in response.content.decode()


def make_portfolio(count):
    bulk_portfolio(count, village=Village.objects.create(name=f"村{count}"), contact=UserFactory())


def changelist_queries(admin_client, count, query=""):
    Project.objects.all().delete()
    make_portfolio(count)
    assert Project.objects.count() == count
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(reverse("admin:projects_project_changelist") + query)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "?o=4", "?stage__exact=under_construction&q=测试"])
def test_project_changelist_query_count_does_not_grow(admin_client, query):
    """The project changelist runs as many queries at 500 projects as at 10."""
    small = changelist_queries(admin_client, 10, query)
    large = changelist_queries(admin_client, 500, query)
    assert large == small


def test_changelist_shows_the_computed_figures(admin_client):
    project = ProjectFactory(name="有灯的项目")
    MilestoneFactory(project=project, due_date=datetime.date(2020, 1, 1))
    content = admin_client.get(reverse("admin:projects_project_changelist")).content.decode()
    assert "有灯的项目" in content
    assert "红灯" in content  # a milestone years overdue


def test_mark_milestones_completed_action_records_the_user(admin_client, admin_user):
    milestone = MilestoneFactory()
    response = admin_client.post(
        reverse("admin:projects_milestone_changelist"),
        {"action": "mark_completed", "_selected_action": [milestone.pk]},
        follow=True,
    )
    assert response.status_code == 200
    milestone.refresh_from_db()
    assert milestone.completed_on is not None
    assert milestone.history.first().history_user == admin_user


def test_approve_action_approves_submitted_reports_only(admin_client, admin_user):
    staff = UserFactory()
    submitted = ProgressReportFactory(status=ProgressReport.Status.SUBMITTED, submitted_by=staff)
    draft = ProgressReportFactory(
        status=ProgressReport.Status.DRAFT, month=datetime.date(2024, 2, 1)
    )
    response = admin_client.post(
        reverse("admin:projects_progressreport_changelist"),
        {"action": "approve", "_selected_action": [submitted.pk, draft.pk]},
        follow=True,
    )
    content = response.content.decode()
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert submitted.status == ProgressReport.Status.APPROVED
    assert submitted.reviewed_by == admin_user
    assert draft.status == ProgressReport.Status.DRAFT
    assert "只有已提交的月报才能审核通过" in content or "已提交" in content


def test_bad_input_in_the_admin_saves_nothing_and_says_why_in_chinese(admin_client):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        {
            "name": "错误日期的项目",
            "category": Project.Category.INDUSTRIAL,
            "stage": Project.Stage.PLANNING,
            "planned_start": "2024-05-01",
            "planned_completion": "2024-04-01",
            "total_investment": "-3",
            **EMPTY_INLINES,
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "计划完工日期不能早于计划开工日期" in content
    assert "总投资不能为负数" in content
    assert not Project.objects.filter(name="错误日期的项目").exists()


def test_history_shows_who_changed_what(admin_client, admin_user):
    project = ProjectFactory(name="改名前")
    admin_client.post(
        reverse("admin:projects_project_change", args=[project.pk]),
        {
            "name": "改名后",
            "category": project.category,
            "stage": project.stage,
            **EMPTY_INLINES,
        },
    )
    latest = Project.history.filter(id=project.pk).first()
    assert latest.name == "改名后"
    assert latest.history_user == admin_user
    page = admin_client.get(reverse("admin:projects_project_history", args=[project.pk]))
    assert admin_user.username in page.content.decode()


def test_thresholds_are_a_single_row(admin_client):
    from projects.models import TrafficLightThresholds

    url = reverse("admin:projects_trafficlightthresholds_add")
    assert admin_client.get(url).status_code == 200
    TrafficLightThresholds.objects.create()
    assert admin_client.get(url).status_code == 403


def test_milestones_inline_on_the_project_page(admin_client):
    milestone = MilestoneFactory(title="主体封顶")
    page = admin_client.get(reverse("admin:projects_project_change", args=[milestone.project.pk]))
    assert "主体封顶" in page.content.decode()
    assert Milestone.objects.count() == 1


def test_the_project_admin_finds_a_project_by_its_pinyin_initials(admin_client):
    ProjectFactory(name="张楼村标准化厂房")
    ProjectFactory(name="山王村省级和美乡村中心村")

    page = admin_client.get(reverse("admin:projects_project_changelist"), {"q": "zlc"})

    assert "张楼村标准化厂房" in page.content.decode()
    assert "山王村省级和美乡村中心村" not in page.content.decode()
