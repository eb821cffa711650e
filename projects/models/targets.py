"""Physical targets (实物工作量): the quantities a project plans for a year (亩, 户, 套,
m², 公里 or any unit) and what each monthly report says was achieved that month."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import TimeStampedModel, plausible_year_constraint

from .portfolio import ZERO, Project
from .reports import ProgressReport


class PhysicalTarget(TimeStampedModel):
    """A quantity a project plans to achieve in one year, e.g. 新增耕地 200 亩."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="physical_targets",
        verbose_name=_("project"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("target"), max_length=100)
    unit = models.CharField(
        _("unit"), max_length=20, help_text=_("For example 亩, 户, 套, m², 公里.")
    )
    planned_quantity = models.DecimalField(_("planned quantity"), max_digits=14, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    source_note = models.CharField(_("source"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    history = HistoricalRecords(verbose_name=_("historical physical target"))

    class Meta:
        verbose_name = _("physical target")
        verbose_name_plural = _("physical targets")
        ordering = ["project", "-year", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "name"],
                name="physical_target_unique_name",
                violation_error_message=_("The project already has this target for the year."),
            ),
            models.CheckConstraint(
                condition=Q(planned_quantity__gte=ZERO),
                name="physical_target_planned_not_negative",
                violation_error_message=_("The planned quantity cannot be negative."),
            ),
            plausible_year_constraint("year", name="physical_target_year_plausible"),
        ]

    def __str__(self):
        return f"{self.project} · {self.year} {self.name}"

    def clean(self):
        """Put the constraints' errors beside their fields, for every path (the app's
        form, the admin, imports): a second target of the same name for the year, a
        negative planned quantity."""
        super().clean()
        errors = {}
        if self.planned_quantity is not None and self.planned_quantity < ZERO:
            errors["planned_quantity"] = _("The planned quantity cannot be negative.")
        if self.project_id is not None and self.year and self.name:
            twins = PhysicalTarget.objects.filter(
                project_id=self.project_id, year=self.year, name=self.name
            ).exclude(pk=self.pk)
            if twins.exists():
                errors["name"] = _("The project already has a target “%(name)s” for %(year)s.") % {
                    "name": self.name,
                    "year": self.year,
                }
        if errors:
            raise ValidationError(errors)

    def reports_giving_quantities(self) -> list:
        """Return the reports that give a quantity for this target, by month."""
        return list(
            ProgressReport.objects.filter(quantities__target=self)
            .order_by("month", "pk")
            .distinct()
        )

    def share_achieved(self, achieved):
        """Return ``achieved`` as a share of the planned quantity (None when none is
        planned: no share of nothing)."""
        if achieved is None or not self.planned_quantity:
            return None
        return achieved / self.planned_quantity


class ReportedQuantity(models.Model):
    """What a monthly report says was achieved of one physical target in its month."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="quantities",
        verbose_name=_("progress report"),
    )
    target = models.ForeignKey(
        PhysicalTarget,
        on_delete=models.CASCADE,
        related_name="reported",
        verbose_name=_("physical target"),
    )
    quantity = models.DecimalField(_("achieved this month"), max_digits=14, decimal_places=2)
    history = HistoricalRecords(verbose_name=_("historical reported quantity"))

    class Meta:
        verbose_name = _("reported quantity")
        verbose_name_plural = _("reported quantities")
        ordering = ["report", "target__position", "target_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "target"],
                name="reported_quantity_once",
                violation_error_message=_("The report already gives this target's quantity."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=ZERO),
                name="reported_quantity_not_negative",
                violation_error_message=_("The quantity achieved cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.report} · {self.target.name}"

    def clean(self):
        super().clean()
        if self.quantity is not None and self.quantity < ZERO:
            raise ValidationError(
                {"quantity": _("The quantity achieved cannot be negative.")}, code="negative"
            )
        if self.report_id is None or self.target_id is None:
            return
        if self.target.project_id != self.report.project_id:
            raise ValidationError(
                {"target": _("The target belongs to another project.")}, code="project"
            )
        if self.target.year != self.report.month.year:
            raise ValidationError(
                {"target": _("The target is for another year than the report's month.")},
                code="year",
            )
