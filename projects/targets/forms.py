"""The form of a physical target on its own page (add, change)."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin
from shanwang.models import FIRST_YEAR, LAST_YEAR

from ..models import PhysicalTarget
from .services import TARGET_FIELDS


class PhysicalTargetForm(BootstrapFormMixin, forms.ModelForm):
    """A target's year, name, unit and planned quantity. Its instance carries the
    project, so that the model's checks (one name per year, nothing negative) show
    beside their fields; the service checks them again when it saves."""

    class Meta:
        model = PhysicalTarget
        fields = list(TARGET_FIELDS)
        widgets = {"planned_quantity": forms.NumberInput(attrs={"inputmode": "decimal"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        year.validators += [MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
        year.widget.attrs |= {"min": FIRST_YEAR, "max": LAST_YEAR, "inputmode": "numeric"}
        self.fields["planned_quantity"].widget.attrs["min"] = 0
        self.fields["position"].help_text = _("Targets are listed by this number.")
