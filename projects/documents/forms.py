"""The document form of the project page (kind, title, 文号, date, file)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ..models import Document

#: What the file picker offers; the server checks the content whatever was chosen.
ACCEPT = ",".join(
    (
        ".pdf",
        ".docx",
        ".xlsx",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
)


class DocumentForm(BootstrapFormMixin, forms.Form):
    """A new document: the file is checked by its content in the service
    (``Document.clean``), whose message names the file beside this field."""

    kind = Document._meta.get_field("kind").formfield()
    title = forms.CharField(
        label=Document._meta.get_field("title").verbose_name,
        max_length=Document._meta.get_field("title").max_length,
        required=False,
        help_text=_("Leave empty to name the document after its kind."),
    )
    number = Document._meta.get_field("number").formfield()
    issued_on = Document._meta.get_field("issued_on").formfield(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    file = forms.FileField(
        label=Document._meta.get_field("file").verbose_name,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, Word (DOCX) or Excel (XLSX), without macros."),
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the project page also holds the milestone form (id_title).
        kwargs.setdefault("auto_id", "id_document_%s")
        super().__init__(*args, **kwargs)
