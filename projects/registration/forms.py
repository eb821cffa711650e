"""The form of a statistics registration (入库纳统): the date it was registered on."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ..forms import DATE_WIDGET


class RegistrationRecordForm(BootstrapFormMixin, forms.Form):
    """The day the project was entered in the statistical project database; the service
    refuses a day before its actual start or after today, beside this field."""

    statistics_registered_on = forms.DateField(
        label=_("statistics registration date"),
        widget=DATE_WIDGET,
        help_text=_("Not before the actual start, not after today."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"statistics_registered_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
