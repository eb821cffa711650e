"""The funds' forms: an entry of money allocated, arrived or paid (下达 / 到位 / 支付) on
one of the project's funding sources, and a new funding source on the project. The
rules are the services' (and the model's); the forms only read and offer choices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ..models import FundEntry, Funding, FundingSource

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: A phone's keypad with a decimal point for an amount in 万元.
AMOUNT_WIDGET = forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"})


class FundingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.source.name


class FundEntryForm(BootstrapFormMixin, forms.ModelForm):
    """An entry on one of ``project``'s funding rows."""

    class Meta:
        model = FundEntry
        fields = ["funding", "kind", "date", "amount", "document_number", "note"]
        field_classes = {"funding": FundingChoiceField}
        widgets = {"date": DATE_WIDGET, "amount": AMOUNT_WIDGET}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["funding"].queryset = (
            Funding.objects.filter(project=project)
            .select_related("source")
            .order_by("source__name")
        )
        self.fields["funding"].label = _("funding source")
        self.fields["funding"].empty_label = None
        self.fields["kind"].choices = FundEntry.Kind.choices

    def _post_clean(self):
        # The services validate the entry (with the acting user): nothing is checked on
        # an unsaved instance here, so that every error comes from one place.
        pass


class FundingForm(BootstrapFormMixin, forms.Form):
    """A funding source added to ``project``, with its planned amount."""

    source = forms.ModelChoiceField(
        label=_("funding source"), queryset=FundingSource.objects.none()
    )
    amount = forms.DecimalField(
        label=_("planned amount (10k yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    note = forms.CharField(
        label=Funding._meta.get_field("note").verbose_name, max_length=300, required=False
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = FundingSource.objects.exclude(
            fundings__project=project
        ).order_by("name")
