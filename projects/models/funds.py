"""The money of a project's funding sources as it moves: allocated (下达), arrived (到位)
and paid (支付), one dated row per instalment or payment."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import TimeStampedModel

from ..choices import FundEntryKind
from .portfolio import ZERO, Funding, dates_not_after_today


class FundEntry(TimeStampedModel):
    """One movement of money of a project's funding source: an allocation (下达, the
    document that grants it), an instalment arrived (到位) or a payment made (支付)."""

    Kind = FundEntryKind

    funding = models.ForeignKey(
        Funding,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("funding"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (10k yuan)"), max_digits=14, decimal_places=2)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entries",
        verbose_name=_("recorded by"),
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    history = HistoricalRecords(verbose_name=_("historical fund entry"))

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        ordering = ["funding", "date", "pk"]
        constraints = [
            # One entry per source, kind, day and document number: what a workbook row
            # is matched by, so that an exported sheet imports back unchanged.
            models.UniqueConstraint(
                fields=["funding", "kind", "date", "document_number"],
                name="fund_entry_once",
                violation_error_message=_(
                    "This source already has an entry of this kind on this day with this "
                    "document number: add the amounts up, or give the document number."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=ZERO),
                name="fund_entry_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
        ]
        indexes = [
            # The sums of a project's money by kind, up to a day.
            models.Index(
                fields=["funding", "kind", "date"],
                include=["amount"],
                name="fund_entry_kind_date_idx",
            ),
        ]

    def __str__(self):
        return f"{self.funding} · {self.get_kind_display()} {self.date}"

    def clean(self):
        super().clean()
        if errors := dates_not_after_today(self, "date"):
            raise ValidationError(errors)
