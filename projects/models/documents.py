"""Documents (批复文件, 合同, 验收资料) attached to a project or to one of its reports."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import TimeStampedModel

from .portfolio import Project
from .reports import ProgressReport


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
