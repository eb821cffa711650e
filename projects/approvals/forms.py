"""The forms of the approvals (前期手续): an item's update, with its attachment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ..forms import DATE_WIDGET
from ..models import ApprovalItem
from ..selectors import people_with_a_role

#: What a browser offers to attach (the server checks the content, not the name).
ATTACHMENT_TYPES = ".pdf,.docx,.xlsx"


class ApprovalUpdateForm(BootstrapFormMixin, forms.ModelForm):
    """An approval's status, person, dates, document number, note and attachment; the
    service checks the rules and the file."""

    attachment = forms.FileField(
        label=_("attachment"),
        required=False,
        help_text=_("A PDF, Word (DOCX) or Excel (XLSX) file of the approval."),
        widget=forms.ClearableFileInput(attrs={"accept": ATTACHMENT_TYPES}),
    )

    class Meta:
        model = ApprovalItem
        fields = [
            "status",
            "responsible_person",
            "planned_date",
            "actual_date",
            "document_number",
            "note",
        ]
        widgets = {"planned_date": DATE_WIDGET, "actual_date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = people_with_a_role()

    def _post_clean(self):
        # The service validates the item (with the rules and the attachment): the form
        # only checks the values it was given.
        pass

    def changes(self) -> dict:
        """Return the model fields of the form, for the service."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
