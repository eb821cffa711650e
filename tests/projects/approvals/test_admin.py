"""前期手续 in the admin: the actions apply the templates through the service, an item's
change goes through the update service (its rule, its validation), the attachment is
chosen among the item's own project's documents, and the templates are the
administrators'."""

import pytest
from django.urls import reverse

from projects.models import ApprovalItem, ApprovalTemplate, Document, Project
from tests.admin_forms import admin_form_data
from tests.factories import ProjectFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db
Status = ApprovalItem.Status


def test_the_project_lists_action_applies_the_template(cast, client):
    fresh = ProjectFactory(category=Project.Category.FACTORY_BUILDING)
    planning = ProjectFactory(category=Project.Category.PLANNING)
    client.force_login(cast.reviewer)
    response = client.post(
        reverse("admin:projects_project_changelist"),
        {
            "action": "apply_approvals_template",
            "_selected_action": [fresh.pk, planning.pk, cast.project.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert fresh.approvals.count() == 8 and cast.project.approvals.count() == 8
    assert not planning.approvals.exists()
    assert planning.name in response.content.decode()  # its refusal, by project


def test_the_templates_action_applies_to_the_categorys_projects(cast, client):
    other = ProjectFactory(category=Project.Category.FACTORY_BUILDING)
    template = ApprovalTemplate.objects.get(category=Project.Category.FACTORY_BUILDING)
    client.force_login(cast.administrator)
    client.post(
        reverse("admin:projects_approvaltemplate_changelist"),
        {"action": "apply_to_category", "_selected_action": [template.pk]},
    )
    assert other.approvals.count() == 8


def test_reviewers_read_but_do_not_edit_the_templates(cast, client):
    template = ApprovalTemplate.objects.get(category=Project.Category.FACTORY_BUILDING)
    client.force_login(cast.reviewer)
    url = reverse("admin:projects_approvaltemplate_change", args=[template.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="category"' not in page.content.decode()
    assert client.post(url, {"category": template.category}).status_code == 403


def test_an_items_change_goes_through_the_service(cast, client, media):
    item = cast.item("施工许可")
    mine = Document.objects.create(
        project=cast.project, kind=Document.Kind.APPROVAL, title="许可", file="x.pdf"
    )
    theirs = Document.objects.create(
        project=ProjectFactory(), kind=Document.Kind.APPROVAL, title="别人的", file="y.pdf"
    )
    client.force_login(cast.reviewer)
    url = reverse("admin:projects_approvalitem_change", args=[item.pk])
    form = client.get(url).context["adminform"].form
    assert list(form.fields["document"].queryset) == [mine]
    refused = client.post(url, admin_form_data(item, status=Status.OBTAINED, _save="Save"))
    assert refused.status_code == 200  # the form again: the date obtained is missing
    assert ApprovalItem.objects.get(pk=item.pk).status == Status.NOT_STARTED
    response = client.post(
        url,
        admin_form_data(
            item,
            status=Status.OBTAINED,
            actual_date=TODAY.isoformat(),
            document=mine.pk,
            _save="Save",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    item.refresh_from_db()
    assert (item.status, item.document) == (Status.OBTAINED, mine)
    assert item.history.first().history_user == cast.reviewer
    assert theirs.pk not in ApprovalItem.objects.values_list("document", flat=True)


def test_another_units_staff_cannot_open_an_item_for_change(cast, client):
    client.force_login(cast.staff_b)
    url = reverse("admin:projects_approvalitem_change", args=[cast.item("招标").pk])
    assert client.get(url).status_code in (302, 403)
