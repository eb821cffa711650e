"""The approvals' write side: the checklist made from the category's template (again:
only what is missing, no status overwritten), an item's update with its attachment
checked by content, custom items added and removed, each by its rule."""

import datetime
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from projects.approvals import services
from projects.models import ApprovalItem, ApprovalTemplate, Document, Project
from tests.factories import ProjectFactory

from .conftest import NEEDED_TO_START, TINY_PDF, TODAY

pytestmark = pytest.mark.django_db
Status = ApprovalItem.Status


def checklist(project) -> list[tuple]:
    return list(
        project.approvals.order_by("position", "pk").values_list(
            "name", "needed_for_start", "status"
        )
    )


def test_the_template_makes_the_checklist_in_its_order(cast):
    """Each of the template's approvals, with its place and whether it is needed to
    start, linked to the template's item; all not started."""
    template = ApprovalTemplate.objects.get(category=cast.project.category)
    expected = [
        (item.name, item.needed_for_start, Status.NOT_STARTED)
        for item in template.items.order_by("position")
    ]
    assert checklist(cast.project) == expected
    assert [name for name, needed, _status in expected if needed] == NEEDED_TO_START
    assert all(item.template_item_id for item in cast.project.approvals.all())


def test_applying_again_adds_only_what_is_missing_and_keeps_statuses(cast, caplog):
    """Applied twice, nothing is duplicated; an approval added to the template since is
    added; the statuses and dates already recorded stay."""
    services.approval_update(
        cast.item("招标"),
        user=cast.staff_a,
        status=Status.OBTAINED,
        actual_date=TODAY,
        document_number="招标2024-1",
    )
    assert services.apply_template(cast.project, user=cast.reviewer) == []
    template = ApprovalTemplate.objects.get(category=cast.project.category)
    template.items.create(name="水土保持方案", position=99)
    with caplog.at_level(logging.INFO, logger="shanwang.audit"):
        added = services.apply_template(cast.project, user=cast.reviewer)
    assert [item.name for item in added] == ["水土保持方案"]
    assert "approvals_template_applied" in caplog.text
    tender = cast.item("招标")
    assert (tender.status, tender.actual_date, tender.document_number) == (
        Status.OBTAINED,
        TODAY,
        "招标2024-1",
    )
    assert cast.project.approvals.count() == template.items.count()


def test_a_category_without_a_template_is_refused_by_name(cast):
    project = ProjectFactory(category=Project.Category.PLANNING)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.apply_template(project, user=cast.administrator)
    assert "has no approvals template" in str(error.value)
    assert not project.approvals.exists()


@pytest.mark.parametrize("role", ["staff_a", "leader", "contact"])
def test_only_reviewers_and_administrators_apply_the_template(cast, role):
    project = ProjectFactory(
        category=Project.Category.FACTORY_BUILDING, contact_person=cast.contact
    )
    with pytest.raises(PermissionDenied):
        services.apply_template(project, user=getattr(cast, role))
    services.apply_template(project, user=cast.superuser)  # a superuser is an administrator
    assert project.approvals.count() == 8


def test_an_obtained_approval_needs_its_date(cast):
    with pytest.raises(ValidationError) as error:
        services.approval_update(cast.item("施工许可"), user=cast.staff_a, status=Status.OBTAINED)
    assert "actual_date" in error.value.error_dict
    assert cast.item("施工许可").status == Status.NOT_STARTED


def test_the_date_obtained_is_not_after_today(cast):
    with pytest.raises(ValidationError) as error:
        services.approval_update(
            cast.item("施工许可"),
            user=cast.staff_a,
            status=Status.OBTAINED,
            actual_date=TODAY + datetime.timedelta(days=1),
        )
    assert "actual_date" in error.value.error_dict


def test_a_pdf_is_attached_as_an_approval_document_of_the_project(cast, media):
    item = services.approval_update(
        cast.item("施工许可"),
        user=cast.staff_a,
        status=Status.OBTAINED,
        actual_date=TODAY,
        document_number="建施〔2024〕12号",
        attachment=SimpleUploadedFile("permit.pdf", TINY_PDF),
    )
    document = Document.objects.get(pk=item.document_id)
    assert (document.project, document.kind, document.number) == (
        cast.project,
        Document.Kind.APPROVAL,
        "建施〔2024〕12号",
    )
    assert document.title == "施工许可" and document.uploaded_by == cast.staff_a
    assert item.history.first().history_user == cast.staff_a


def test_a_file_that_is_no_document_is_refused_on_the_attachment(cast, media):
    """Refused by its content, the error named after the form's field and in Chinese;
    neither the document nor the item's change is saved."""
    with pytest.raises(ValidationError) as error:
        services.approval_update(
            cast.item("施工许可"),
            user=cast.staff_a,
            status=Status.IN_PROGRESS,
            attachment=SimpleUploadedFile("permit.pdf", b"MZ\x90\x00 not a pdf"),
        )
    assert list(error.value.error_dict) == ["attachment"]
    message = " ".join(error.value.messages)
    assert any("\u4e00" <= character <= "\u9fff" for character in message), message
    assert not Document.objects.exists()
    assert cast.item("施工许可").status == Status.NOT_STARTED


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("staff_a", True),
        ("contact", True),
        ("reviewer", True),
        ("administrator", True),
        ("superuser", True),
        ("staff_b", False),
        ("leader", False),
    ],
)
def test_who_updates_an_item(cast, role, allowed):
    """Whoever may change the project: its unit's staff, its contact person, reviewers,
    administrators; not another unit's staff, not a leader."""
    call = lambda: services.approval_update(  # noqa: E731
        cast.item("环评批复"), user=getattr(cast, role), status=Status.IN_PROGRESS
    )
    if allowed:
        assert call().status == Status.IN_PROGRESS
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert cast.item("环评批复").status == Status.NOT_STARTED


def test_only_reviewers_and_administrators_change_what_is_needed_to_start(cast):
    with pytest.raises(PermissionDenied):
        services.approval_update(cast.item("招标"), user=cast.staff_a, needed_for_start=False)
    services.approval_update(cast.item("招标"), user=cast.reviewer, needed_for_start=False)
    assert cast.item("招标").needed_for_start is False


def test_a_field_outside_the_list_is_refused(cast):
    with pytest.raises(ValidationError):
        services.approval_update(cast.item("招标"), user=cast.administrator, project=None)


def test_custom_items_are_added_and_removed_by_reviewers_and_administrators(cast):
    with pytest.raises(PermissionDenied):
        services.approval_add(cast.project, user=cast.staff_a, name="文物勘探")
    item = services.approval_add(
        cast.project, user=cast.reviewer, name=" 文物勘探 ", needed_for_start=True
    )
    assert (item.name, item.position, item.needed_for_start) == ("文物勘探", 9, True)
    with pytest.raises(ValidationError) as error:
        services.approval_add(cast.project, user=cast.reviewer, name="文物勘探")
    assert "name" in error.value.error_dict
    with pytest.raises(ValidationError):
        services.approval_add(cast.project, user=cast.reviewer, name="  ")
    with pytest.raises(PermissionDenied):
        services.approval_delete(item, user=cast.staff_a)
    services.approval_delete(item, user=cast.administrator)
    assert not cast.project.approvals.filter(name="文物勘探").exists()
