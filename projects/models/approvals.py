"""Pre-construction approvals (前期手续): the checklist templates by category, and each
project's items, with their status, person, dates, document number and attachment."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import TimeStampedModel

from ..choices import ApprovalStatus
from ..querysets import ApprovalItemQuerySet
from .documents import Document
from .portfolio import Project, dates_not_after_today


class ApprovalTemplate(TimeStampedModel):
    """The checklist of approvals a project of one category needs (前期手续模板);
    administrators edit it and apply it to the category's projects."""

    category = models.CharField(
        _("category"), max_length=30, choices=Project.Category.choices, unique=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords(verbose_name=_("historical approvals template"))

    class Meta:
        verbose_name = _("approvals template")
        verbose_name_plural = _("approvals templates")
        ordering = ["category"]

    def __str__(self):
        return str(_("Approvals of “%(category)s”") % {"category": self.get_category_display()})


class ApprovalTemplateItem(models.Model):
    """One approval of a template, in its place in the checklist."""

    template = models.ForeignKey(
        ApprovalTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("approvals template"),
    )
    name = models.CharField(_("approval"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    needed_for_start = models.BooleanField(
        _("needed to start construction"),
        default=False,
        help_text=_(
            "Ticked: the project cannot enter “under construction” until this approval "
            "is obtained or marked not applicable."
        ),
    )
    history = HistoricalRecords(verbose_name=_("historical approvals template item"))

    class Meta:
        verbose_name = _("approvals template item")
        verbose_name_plural = _("approvals template items")
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "name"],
                name="approval_template_item_unique_name",
                violation_error_message=_("The template already lists this approval."),
            ),
        ]

    def __str__(self):
        return self.name


class ApprovalItem(TimeStampedModel):
    """One pre-construction approval of a project (前期手续事项)."""

    Status = ApprovalStatus

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("project")
    )
    # The template item it was made from (kept when the template later changes).
    template_item = models.ForeignKey(
        ApprovalTemplateItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="project_items",
        verbose_name=_("approvals template item"),
    )
    name = models.CharField(_("approval"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    needed_for_start = models.BooleanField(_("needed to start construction"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_items",
        verbose_name=_("responsible person"),
    )
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("date obtained"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    # The approval's file, a project document of the kind "approval document".
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="approval_items",
        verbose_name=_("attachment"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    history = HistoricalRecords(verbose_name=_("historical approval"))

    objects = ApprovalItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("pre-construction approval")
        verbose_name_plural = _("pre-construction approvals")
        ordering = ["project", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="approval_item_unique_name",
                violation_error_message=_("The project already has this approval."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ApprovalStatus.OBTAINED) | Q(actual_date__isnull=False),
                name="approval_obtained_has_date",
                violation_error_message=_("An obtained approval needs the date obtained."),
            ),
        ]
        indexes = [
            # The alert scan and the dashboard read open items by planned date.
            models.Index(
                fields=["planned_date", "id"],
                condition=Q(status__in=["not_started", "in_progress"]),
                name="approval_open_planned_idx",
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.name}"

    def clean(self):
        super().clean()
        errors = dates_not_after_today(self, "actual_date")
        if self.status == ApprovalStatus.OBTAINED and self.actual_date is None:
            errors["actual_date"] = ValidationError(
                _("An obtained approval needs the date obtained."), code="required"
            )
        if (
            self.document_id is not None
            and self.project_id is not None
            and self.document.project_id != self.project_id
        ):
            errors["document"] = ValidationError(
                _("The attachment belongs to another project."), code="project"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_settled(self) -> bool:
        return self.status in ApprovalStatus.settled()

    @property
    def blocks_start(self) -> bool:
        """Return whether the item stops its project entering 在建 (needed to start and
        unsettled): the rule of ApprovalItemQuerySet.blocking_start, read off the row."""
        return self.needed_for_start and not self.is_settled

    def is_overdue_on(self, on: datetime.date) -> bool:
        """Return whether the item is still open after its planned date, as of ``on``:
        the rule of ApprovalItemQuerySet.overdue_on in SQL."""
        return not self.is_settled and self.planned_date is not None and self.planned_date < on

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())
