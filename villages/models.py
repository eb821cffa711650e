"""Villages and communities, their collective enterprises, income, honours and products."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import BoundedTextField, TimeStampedModel, plausible_year_constraint
from shanwang.pinyin import PINYIN_FIELDS, PinyinNamedModel


class Village(PinyinNamedModel, TimeStampedModel):
    """An administrative village (村) or community (社区) of the town."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("village")
        COMMUNITY = "community", _("community")

    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VILLAGE)
    description = BoundedTextField(_("description"), max_length=5000, blank=True)
    source_note = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords(
        verbose_name=_("historical village"), excluded_fields=list(PINYIN_FIELDS)
    )

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["name_sort", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:detail", args=[self.pk])


class Honour(TimeStampedModel):
    """A title awarded to a village, such as 省级美丽宜居村庄 or 淮南市文明村, or to the
    town itself (no village), such as 淮南市文明乡镇."""

    village = models.ForeignKey(
        Village,
        on_delete=models.CASCADE,
        related_name="honours",
        verbose_name=_("village"),
        null=True,
        blank=True,
        help_text=_("Empty when the honour was awarded to the town itself."),
    )
    title = models.CharField(_("honour title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    awarded_by = models.CharField(_("awarded by"), max_length=100, blank=True)
    source_note = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords(verbose_name=_("historical honour"))

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "title", "year"], name="honour_unique_per_village_year"
            ),
            # NULLs are distinct in a unique index: the town's honours need their own.
            models.UniqueConstraint(
                fields=["title", "year"],
                condition=Q(village__isnull=True),
                name="honour_unique_town_year",
                violation_error_message=_("The town already has this honour for this year."),
            ),
            plausible_year_constraint("year", name="honour_year_plausible"),
        ]

    def __str__(self):
        return f"{self.village or _('Shanwang Town')} · {self.title}（{self.year}）"


class CollectiveEnterprise(TimeStampedModel):
    """A village-owned cooperative, company or business line (村集体经济组织)."""

    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("cooperative")
        LABOUR_SERVICES = "labour_services", _("labour-services company")
        COLD_CHAIN = "cold_chain", _("cold-chain logistics")
        GRAIN_STORAGE = "grain_storage", _("grain storage and drying")
        MINERAL_WATER = "mineral_water", _("mineral water")
        FACTORY_LEASING = "factory_leasing", _("factory leasing")
        SAPLINGS = "saplings", _("saplings")
        FESTIVAL = "festival", _("festival and exhibition")
        FARMING_SERVICE = "farming_service", _("full-custody farming service")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PLANNING = "planning", _("in planning")
        BUILDING = "building", _("being built")
        COMPLETED = "completed", _("built")
        OPERATING = "operating", _("operating")
        CLOSED = "closed", _("closed")

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    partner_company = models.CharField(_("partner company"), max_length=200, blank=True)
    established = models.DateField(_("established"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPERATING
    )
    description = BoundedTextField(_("description"), max_length=5000, blank=True)
    source_note = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords(verbose_name=_("historical collective enterprise"))

    class Meta:
        verbose_name = _("collective enterprise")
        verbose_name_plural = _("collective enterprises")
        ordering = ["village__name_sort", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"], name="enterprise_unique_name_per_village"
            ),
        ]

    def __str__(self):
        return self.name


class CollectiveIncome(TimeStampedModel):
    """A village's collective income (村级集体经济收入) for one year, in 万元."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="incomes", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (10k yuan)"), max_digits=12, decimal_places=2)
    note = BoundedTextField(_("note"), max_length=2000, blank=True)
    source_note = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords(verbose_name=_("historical collective income"))

    class Meta:
        verbose_name = _("collective income")
        verbose_name_plural = _("collective incomes")
        ordering = ["village__name_sort", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="income_unique_per_year"),
            models.CheckConstraint(
                condition=Q(amount__gte=Decimal("0")),
                name="income_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
            plausible_year_constraint("year", name="income_year_plausible"),
        ]

    def __str__(self):
        return f"{self.village} {self.year}"


class SpecialtyProduct(TimeStampedModel):
    """A specialty farm product (一村一特色) of a village or of a place in the town."""

    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="specialty_products",
        verbose_name=_("village"),
        null=True,
        blank=True,
        help_text=_("Empty when the product belongs to the whole town or to a place."),
    )
    place = models.CharField(_("place"), max_length=50, blank=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = BoundedTextField(_("description"), max_length=5000, blank=True)
    source_note = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords(verbose_name=_("historical specialty product"))

    class Meta:
        verbose_name = _("specialty product")
        verbose_name_plural = _("specialty products")
        ordering = ["name"]

    def __str__(self):
        return self.name
