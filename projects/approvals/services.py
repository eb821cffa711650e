"""Write side of the pre-construction approvals (前期手续): a project's checklist made
from its category's template, each item kept up to date with its attachment, a custom
item added or removed.

Each takes the acting user, checks the rules (``projects.rules``, for superusers too),
runs in one transaction, validates before saving (``ApprovalItem.clean``: an obtained
approval has its date, no date after today), records who made the change in the
history and writes an audit line. A refused action raises PermissionDenied, an invalid
one ValidationError, by field; in both cases nothing is saved. The attachment is a
project document made by ``documents.services.document_add``, so its content checks
apply.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shanwang.audit import audit_log

from ..documents.services import document_add
from ..models import ApprovalItem, ApprovalTemplate, Document, Project
from ..writing import only_fields, require, save

#: What an update of an item may change (the app's form, the admin's).
UPDATE_FIELDS = (
    "status",
    "responsible_person",
    "planned_date",
    "actual_date",
    "document_number",
    "note",
    "needed_for_start",
    # An existing document of the project (the admin's choice); a new file is ``attachment``.
    "document",
)
#: What an item added by hand is made of.
ADD_FIELDS = ("position", *UPDATE_FIELDS)


def _fill_in(name: str) -> str:
    return _("Please fill in “%(field)s”.") % {
        "field": ApprovalItem._meta.get_field(name).verbose_name
    }


@transaction.atomic
def apply_template(project: Project, *, user) -> list[ApprovalItem]:
    """Give ``project`` the approvals of its category's template that it lacks (by name),
    in the template's order; the items it has keep their status and everything else.
    Return the items added (none when the checklist is complete)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(
        user,
        "projects.apply_approvals_template",
        project,
        _("Only reviewers and administrators apply the approvals template."),
    )
    template = ApprovalTemplate.objects.filter(category=project.category).first()
    if template is None:
        raise ValidationError(
            _("The category “%(category)s” has no approvals template: an administrator adds one.")
            % {"category": project.get_category_display()}
        )
    present = set(project.approvals.values_list("name", flat=True))
    added = []
    for template_item in template.items.order_by("position", "pk"):
        if template_item.name in present:
            continue
        item = ApprovalItem(
            project=project,
            template_item=template_item,
            name=template_item.name,
            position=template_item.position,
            needed_for_start=template_item.needed_for_start,
        )
        added.append(save(item, acting_user=user))
    audit_log(
        "approvals_template_applied",
        user=user,
        project=project.pk,
        template=template.pk,
        added=len(added),
    )
    return added


def _attach(item: ApprovalItem, upload, *, user) -> Document:
    """Store ``upload`` as the item's approval document on its project, checked by its
    content; an error names the attachment."""
    try:
        return document_add(
            project=item.project,
            acting_user=user,
            file=upload,
            kind=Document.Kind.APPROVAL,
            title=item.name,
            number=item.document_number,
            issued_on=item.actual_date,
        )
    except ValidationError as error:
        raise ValidationError({"attachment": error.messages}) from None


@transaction.atomic
def approval_update(item: ApprovalItem, *, user, attachment=None, **fields) -> ApprovalItem:
    """Change the status, person, dates, document number, note (or, for reviewers and
    administrators, whether it is needed to start) of ``item``; with ``attachment`` (a
    PDF, DOCX or XLSX), store it as the item's document. An obtained approval needs the
    date it was obtained."""
    item = ApprovalItem.objects.select_for_update().select_related("project").get(pk=item.pk)
    require(
        user,
        "projects.change_approvalitem",
        item,
        _("You may only update the approvals of projects you are responsible for."),
    )
    only_fields(fields, UPDATE_FIELDS)
    if "needed_for_start" in fields and fields["needed_for_start"] != item.needed_for_start:
        require(
            user,
            "projects.apply_approvals_template",
            item.project,
            _("Only reviewers and administrators decide which approvals are needed to start."),
        )
    changed = sorted(name for name, value in fields.items() if getattr(item, name) != value)
    for name, value in fields.items():
        setattr(item, name, value)
    if "document_number" in fields:
        item.document_number = (item.document_number or "").strip()
    if attachment is not None:
        # Validated first: a refused item leaves no document behind (one transaction).
        item.full_clean(exclude=["document"])
        item.document = _attach(item, attachment, user=user)
        changed.append("document")
    save(item, acting_user=user)
    audit_log(
        "approval_changed", user=user, approval=item.pk, project=item.project_id, fields=changed
    )
    return item


@transaction.atomic
def approval_add(project: Project, *, user, name: str, **fields) -> ApprovalItem:
    """Add an approval of ``project``'s own to its checklist (one its template lacks)."""
    require(
        user,
        "projects.add_approvalitem",
        project,
        _("Only reviewers and administrators add approvals to a project."),
    )
    only_fields(fields, ADD_FIELDS)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _fill_in("name")})
    if project.approvals.filter(name=name).exists():
        raise ValidationError({"name": _("The project already has this approval.")})
    if "position" not in fields:
        last = project.approvals.order_by("-position").values_list("position", flat=True).first()
        fields["position"] = (last or 0) + 1
    item = ApprovalItem(project=project, name=name, **fields)
    try:
        with transaction.atomic():
            save(item, acting_user=user)
    except IntegrityError:  # two at once: the constraint decides
        raise ValidationError({"name": _("The project already has this approval.")}) from None
    audit_log("approval_added", user=user, approval=item.pk, project=project.pk, name=name)
    return item


@transaction.atomic
def approval_delete(item: ApprovalItem, *, user) -> None:
    """Remove ``item`` from its project's checklist (its document stays with the project)."""
    item = ApprovalItem.objects.select_for_update().select_related("project").get(pk=item.pk)
    require(
        user,
        "projects.delete_approvalitem",
        item.project,
        _("Only reviewers and administrators remove approvals from a project."),
    )
    pk, project_id, name = item.pk, item.project_id, item.name
    item._history_user = user
    item.delete()
    audit_log("approval_deleted", user=user, approval=pk, project=project_id, name=name)
