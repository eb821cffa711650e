"""Status badges coloured by status, in words; errors beside their fields, with a summary
at the form's top that links to them."""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse

from projects.forms import ProjectForm
from projects.models import Notification, ProgressReport, Project, Reminder, ResponsibleUnit
from projects.querysets import Light
from projects.templatetags.portfolio_terms import BADGE_CLASSES, badge, badge_class
from shanwang.forms import BootstrapFormMixin, apply_validation_error, error_summary
from tests.factories import ProgressReportFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_each_report_status_has_its_own_badge_class():
    classes = {
        status: badge_class(ProgressReport.Status, status) for status in ProgressReport.Status
    }
    assert classes == {
        ProgressReport.Status.DRAFT: "text-bg-secondary",
        ProgressReport.Status.SUBMITTED: "text-bg-info",
        ProgressReport.Status.RETURNED: "text-bg-warning",
        ProgressReport.Status.APPROVED: "text-bg-success",
    }
    assert len(set(classes.values())) == len(ProgressReport.Status)


@pytest.mark.parametrize(
    "choices", [ProgressReport.Status, Reminder.Status, Reminder.Kind, Project.Stage, Light]
)
def test_every_status_has_a_colour(choices):
    """A status added later cannot fall back to grey unnoticed."""
    assert set(BADGE_CLASSES[choices]) == set(choices.values)


def test_a_badge_says_its_status_in_words():
    """The colour is never the only signal; a report's status, a project's stage and a
    notice's kind each get theirs."""
    report = ProgressReportFactory.build(status=ProgressReport.Status.RETURNED)
    assert badge(report, "status") == (
        '<span class="badge text-bg-warning" data-badge="status-returned">已退回</span>'
    )
    project = ProjectFactory.build(stage=Project.Stage.SUSPENDED)
    assert "text-bg-warning" in badge(project, "stage")
    assert project.get_stage_display() in badge(project, "stage")
    notice = Notification(kind=Reminder.Kind.REPORT_APPROVED)
    assert "text-bg-success" in badge(notice, "kind")


def test_the_report_and_project_pages_colour_the_status(user_client):
    project = ProjectFactory(stage=Project.Stage.UNDER_CONSTRUCTION)
    report = ProgressReportFactory(project=project, status=ProgressReport.Status.SUBMITTED)
    detail = user_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'class="badge text-bg-primary" data-badge="stage-under_construction">在建' in detail
    assert 'class="badge text-bg-info" data-badge="status-submitted">已提交' in detail
    page = user_client.get(reverse("projects:report", args=[report.pk])).content.decode()
    assert 'data-badge="status-submitted"' in page


class DateForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label="名称")
    due_date = forms.DateField(label="到期日期")
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)


def test_a_services_error_lands_on_the_fields_it_names():
    """Each named field is marked invalid and focused first; an error of the whole form
    and one on a field the form does not show go to the top, the latter named."""
    form = ProjectForm(data={}, instance=Project(), can_assign=False)
    form.is_valid()
    apply_validation_error(
        form,
        ValidationError(
            {
                "actual_start": "实际开工日期不能晚于今天。",
                "responsible_unit": "请指定负责单位。",
                "__all__": "项目已被他人修改。",
            }
        ),
    )
    assert form.errors["actual_start"] == ["实际开工日期不能晚于今天。"]
    assert "项目已被他人修改。" in form.non_field_errors()
    assert "责任单位：请指定负责单位。" in form.non_field_errors()
    widget = form.fields["actual_start"].widget
    assert "is-invalid" in widget.attrs["class"].split()
    assert widget.attrs["aria-invalid"] == "true"


def test_the_summary_counts_the_errors_and_links_to_their_fields():
    form = DateForm(data={"due_date": "not a date"})
    assert not form.is_valid()
    form.add_error(None, "整个表单的问题")
    form.add_error("hidden", "隐藏字段的问题")
    summary = error_summary(form)
    assert [(entry.label, entry.anchor) for entry in summary] == [
        ("", ""),
        ("名称", "id_title"),
        ("到期日期", "id_due_date"),
        ("Hidden", ""),
    ]
    html = Template('{% include "partials/form_errors.html" %}').render(Context({"form": form}))
    assert "请修正下列 4 处错误" in html or "4 errors" in html  # before the catalogue has it
    assert html.count("<li>") == 4
    assert '<a class="alert-link" href="#id_title">名称：' in html
    assert "整个表单的问题" in html
    # The first invalid field is focused when the page loads, no other.
    assert form.fields["title"].widget.attrs.get("autofocus") is True
    assert "autofocus" not in form.fields["due_date"].widget.attrs


def test_a_list_of_boxes_is_linked_at_its_first_box():
    form = ProjectForm(data={"villages": ["999"]}, instance=Project(), can_assign=False)
    form.is_valid()
    label = form["villages"].label
    villages = next(entry for entry in error_summary(form) if entry.label == label)
    assert villages.anchor == "id_villages_0"


@pytest.fixture
def project_of(user):
    unit = ResponsibleUnit.objects.create(name="测试单位", kind=ResponsibleUnit.Kind.DEPARTMENT)
    unit.members.add(user)
    return ProjectFactory(responsible_unit=unit)


def field_error_follows(page: str, field_id: str) -> bool:
    """Whether the field's error stands right after the field (its input, its help)."""
    start = page.index(f'id="{field_id}"')
    error = page.find(f'id="{field_id}_error"', start)
    return error != -1 and page.count('class="mb-2"', start, error) == 0


@pytest.mark.parametrize(
    "form",
    ["project edit", "stage", "milestone", "notification settings"],
)
def test_every_form_shows_errors_beside_their_fields_and_a_summary(form, user_client, project_of):
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    url, data, field = {
        "project edit": (
            reverse("projects:edit", args=[project_of.pk]),
            {"actual_start": future, "total_investment": "abc"},
            "id_total_investment",
        ),
        "stage": (
            reverse("projects:stage", args=[project_of.pk]),
            {"transition": "no-such-step"},
            "id_transition",
        ),
        "milestone": (
            reverse("projects:milestone_add", args=[project_of.pk]),
            {"title": "", "due_date": "2025-13-40"},
            "id_due_date",
        ),
        "notification settings": (
            reverse("projects:notification_settings"),
            {"digest": "hourly"},
            "id_digest",
        ),
    }[form]
    response = user_client.post(url, data)
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert 'data-testid="form-errors"' in page
    assert f'href="#{field}"' in page
    assert field_error_follows(page, field)
    assert 'aria-invalid="true"' in page
