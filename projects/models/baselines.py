"""The annual plan's baselines (基线): the plan of every project as it stood when an
administrator froze it at the start of the year and at the mid-year adjustment (中期调整),
kept beside the live plan, which may move."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shanwang.models import BoundedTextField, plausible_year_constraint

from ..choices import BaselineKind
from .portfolio import ZERO, Project


class PlanBaseline(models.Model):
    """One freezing of the year's annual plans: who, when, why. Its rows never change."""

    Kind = BaselineKind

    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("baseline"), max_length=10, choices=Kind.choices)
    reason = BoundedTextField(_("reason"), max_length=2000)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="plan_baselines",
        verbose_name=_("frozen by"),
    )
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annual plan baseline")
        verbose_name_plural = _("annual plan baselines")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kind"],
                name="plan_baseline_once",
                violation_error_message=_("This year's plan has already been frozen so."),
            ),
            plausible_year_constraint("year", name="plan_baseline_year_plausible"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("projects:baseline_year", args=[self.year])


class PlanBaselineEntry(models.Model):
    """A project's annual plan as it stood when the baseline was frozen."""

    baseline = models.ForeignKey(
        PlanBaseline,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("annual plan baseline"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="plan_baseline_entries",
        verbose_name=_("project"),
    )
    planned_investment = models.DecimalField(
        _("planned investment (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    physical_goals = BoundedTextField(_("physical goals"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("annual plan baseline entry")
        verbose_name_plural = _("annual plan baseline entries")
        ordering = ["baseline", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "project"], name="plan_baseline_entry_once"
            ),
            models.CheckConstraint(
                condition=Q(planned_investment__isnull=True) | Q(planned_investment__gte=ZERO),
                name="plan_baseline_investment_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.baseline} · {self.project}"
