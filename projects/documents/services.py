"""Write side of documents: add, change the description of, and delete a document.

Each takes the acting user, checks the rules (``projects.rules``), runs in one
transaction, validates before saving (``Document.clean`` checks the file by its content)
and writes an audit line. A refused action raises PermissionDenied, an invalid one
ValidationError; in both cases nothing is saved.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanwang.audit import audit_log

from ..models import Document, ProgressReport, Project
from ..writing import delete_files_on_commit, only_fields, require, save

#: What a document's description is made of; the file itself is replaced by a new upload.
DESCRIPTION_FIELDS = ("kind", "title", "number", "issued_on")


def _title_for(kind: str, title: str) -> str:
    """Return the title, or the kind's label when none was given (never the user's path,
    which a phone fills with a camera's or a cloud drive's file name)."""
    return title.strip() or str(Document.Kind(kind).label)


@transaction.atomic
def document_add(
    *,
    project: Project,
    acting_user,
    file,
    kind: str,
    title: str = "",
    number: str = "",
    issued_on: datetime.date | None = None,
    report: ProgressReport | None = None,
) -> Document:
    """Attach a PDF, DOCX or XLSX to ``project`` (and to ``report``, one of its open
    reports); the file is checked by its content and refused with a message naming it."""
    require(
        acting_user,
        "projects.add_document",
        project,
        _("Documents can only be added to your projects."),
    )
    if report is not None:
        report = ProgressReport.objects.select_related("project").get(pk=report.pk)
        if report.project_id != project.pk:
            raise ValidationError({"report": _("The report belongs to another project.")})
        require(
            acting_user,
            "projects.change_progressreport",
            report,
            _("Documents can only be added to your projects' draft or returned reports."),
        )
    document = Document(
        project=project,
        report=report,
        kind=kind,
        title=_title_for(kind, title),
        number=number.strip(),
        issued_on=issued_on,
        file=file,
        uploaded_by=acting_user,
    )
    save(document, acting_user=acting_user)
    audit_log(
        "document_added",
        user=acting_user,
        document=document.pk,
        project=project.pk,
        report=report.pk if report else None,
        content_type=document.content_type,
        size=document.size,
    )
    return document


@transaction.atomic
def document_update(*, document: Document, acting_user, **fields) -> Document:
    """Change a document's kind, title, number or date."""
    document = Document.objects.select_related("project", "report").get(pk=document.pk)
    require(
        acting_user,
        "projects.change_document",
        document,
        _("You may not change this document."),
    )
    only_fields(fields, DESCRIPTION_FIELDS)
    changed = sorted(name for name, value in fields.items() if getattr(document, name) != value)
    for name, value in fields.items():
        setattr(document, name, value)
    if "title" in fields:
        document.title = _title_for(document.kind, document.title or "")
    save(document, acting_user=acting_user)
    audit_log("document_changed", user=acting_user, document=document.pk, fields=changed)
    return document


@transaction.atomic
def document_delete(*, document: Document, acting_user) -> None:
    """Delete a document and, once the transaction commits, its file."""
    document = Document.objects.select_related("project", "report").get(pk=document.pk)
    require(
        acting_user,
        "projects.delete_document",
        document,
        _("You may not delete this document."),
    )
    file, pk, project_id = document.file, document.pk, document.project_id
    document._history_user = acting_user
    document.delete()
    delete_files_on_commit([file])
    audit_log("document_deleted", user=acting_user, document=pk, project=project_id)
