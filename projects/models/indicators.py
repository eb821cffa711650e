"""The town-level indicators of the work report (主要指标), in the report's groups."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import TimeStampedModel, plausible_year_constraint


class Indicator(TimeStampedModel):
    """A town-level economic or social indicator from the work report (主要指标)."""

    class Kind(models.TextChoices):
        ABSOLUTE = "absolute", _("absolute value")
        GROWTH = "growth", _("year-on-year growth (%)")
        RANK = "rank", _("ranking")

    class Group(models.TextChoices):
        """The report's chapters, in its order: the groups of the 主要指标 page."""

        ECONOMY = "economy", _("economy")
        RURAL_REVITALIZATION = "rural_revitalization", _("rural revitalization")
        URBAN_RURAL = "urban_rural", _("urban and rural development")
        LIVELIHOOD = "livelihood", _("people's livelihood")
        SAFETY = "safety", _("work safety")
        GOVERNANCE = "governance", _("social governance")
        GOVERNMENT = "government", _("government affairs")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    group = models.CharField(
        _("group"), max_length=30, choices=Group.choices, default=Group.ECONOMY
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords(verbose_name=_("historical indicator"))

    class Meta:
        verbose_name = _("town indicator")
        verbose_name_plural = _("town indicators")
        ordering = ["display_order", "code"]

    def __str__(self):
        return self.name


class IndicatorValue(TimeStampedModel):
    """An actual or target value of an indicator for one year."""

    class ValueKind(models.TextChoices):
        ACTUAL = "actual", _("actual")
        TARGET = "target", _("target")

    class Bound(models.TextChoices):
        EXACT = "exact", _("exactly")
        AT_LEAST = "at_least", _("at least")
        AT_MOST = "at_most", _("at most")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value_kind = models.CharField(_("actual or target"), max_length=10, choices=ValueKind.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    bound = models.CharField(_("bound"), max_length=10, choices=Bound.choices, default=Bound.EXACT)
    statement = models.CharField(
        _("wording"),
        max_length=100,
        blank=True,
        help_text=_(
            "The report's words for a figure that is not a plain number, such as a ranking "
            "(全区第一); shown instead of the number, which keeps the rank (1)."
        ),
    )
    source_note = models.CharField(_("source"), max_length=300, blank=True)
    history = HistoricalRecords(verbose_name=_("historical indicator value"))

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "year", "value_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "value_kind"], name="indicator_value_unique"
            ),
            plausible_year_constraint("year", name="indicator_value_year_plausible"),
        ]

    def __str__(self):
        return f"{self.indicator} {self.year} {self.get_value_kind_display()}"
