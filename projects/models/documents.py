"""Documents (批复文件, 合同, 验收资料) attached to a project or to one of its reports."""

import math
import posixpath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.documents import DOCX, PDF, XLSX, check_document, stored_name
from shanwang.formatting import number
from shanwang.models import TimeStampedModel

from .portfolio import Project
from .reports import ProgressReport

#: How each stored type is named on a page.
TYPE_LABELS = {PDF: "PDF", DOCX: "Word", XLSX: "Excel"}


def kind_order() -> models.Case:
    """Return the position of a document's kind in the order the choices list them
    (批复文件, 合同, 验收资料, 其他), for ordering a list grouped by kind."""
    return models.Case(
        *(
            models.When(kind=value, then=models.Value(position))
            for position, value in enumerate(Document.Kind.values)
        ),
        default=models.Value(len(Document.Kind.values)),
        output_field=models.IntegerField(),
    )


class Document(TimeStampedModel):
    """A PDF, Word or Excel file of a project: checked by its content when uploaded and
    served only as a download, after the permission check."""

    class Kind(models.TextChoices):
        APPROVAL = "approval", _("approval document")
        CONTRACT = "contract", _("contract")
        ACCEPTANCE = "acceptance", _("acceptance records")
        OTHER = "other", _("other")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="documents", verbose_name=_("project")
    )
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("progress report"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("document date"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/")
    # Found in the content when the file was checked, never taken from the browser.
    content_type = models.CharField(_("file type"), max_length=100, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("uploaded by"),
    )
    history = HistoricalRecords(verbose_name=_("historical document"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["project", "kind", "-issued_on", "pk"]
        indexes = [models.Index(fields=["project", "kind"], name="document_project_kind_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:document_download", kwargs={"pk": self.pk})

    def clean(self):
        """Check a newly chosen file by its content (on every path: the app, the admin,
        imports), take its type and size from that check and name it after the kind,
        never after the user's path; a report's document belongs to the report's project."""
        super().clean()
        if (
            self.report_id is not None
            and self.project_id is not None
            and self.report.project_id != self.project_id
        ):
            raise ValidationError(
                {"report": _("The report belongs to another project.")}, code="project"
            )
        if self.file and not self.file._committed:
            try:
                checked = check_document(self.file.file)
            except ValidationError as error:
                raise ValidationError({"file": error.error_list}) from None
            self.content_type = checked.content_type
            self.size = checked.size
            self.file.name = stored_name(self.kind, checked.extension)

    @property
    def extension(self) -> str:
        """Return the extension the file is stored with (".pdf")."""
        return posixpath.splitext(self.file.name)[1].lower()

    @property
    def type_label(self) -> str:
        """Return the document's type as people name it ("PDF", "Word", "Excel")."""
        return TYPE_LABELS.get(self.content_type, self.extension.lstrip(".").upper())

    @property
    def size_label(self) -> str:
        """Return the file's size in KB below 1 MB (rounded up: a page of 300 bytes is
        "1 KB", never "0 KB"), in MB above ("320 KB", "2.4 MB")."""
        if self.size < 1024 * 1024:
            return f"{number(math.ceil(self.size / 1024), 0)} KB"
        return f"{number(self.size / (1024 * 1024), 1)} MB"

    @property
    def download_name(self) -> str:
        """Return the name the file is downloaded as: its title and its extension."""
        return f"{self.title}{self.extension}"
