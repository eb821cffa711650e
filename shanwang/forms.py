from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.text import capfirst
from django.utils.translation import pgettext


class BootstrapFormMixin:
    """Give every widget its Bootstrap 5 class, and mark invalid fields after validation
    (also those a service's error names afterwards, see apply_validation_error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else ""
            elif isinstance(widget, forms.Select | forms.NullBooleanSelect):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        self._mark_invalid()

    def add_error(self, field, error):
        super().add_error(field, error)
        if hasattr(self, "cleaned_data"):
            self._mark_invalid()

    def _mark_invalid(self):
        """Mark each field with errors invalid, and focus the first one when the page
        loads (so that a phone scrolls to it, without a script)."""
        first = True
        for name, field in self.fields.items():
            if name not in self.errors:
                continue
            widget = field.widget
            classes = widget.attrs.get("class", "").split()
            if "is-invalid" not in classes:
                widget.attrs["class"] = " ".join([*classes, "is-invalid"])
            widget.attrs["aria-invalid"] = "true"
            if first and not widget.is_hidden:
                widget.attrs["autofocus"] = True
                first = False
            else:
                widget.attrs.pop("autofocus", None)


@dataclass(frozen=True)
class FormError:
    """One entry of a form's error summary: a field's errors (with the id of its input
    to link to, "" when there is none on the page), or one error of the form as a whole
    (without a label)."""

    label: str
    anchor: str
    messages: tuple[str, ...]


def error_summary(form) -> list[FormError]:
    """Return the form's errors for the summary at its top: the form's own errors first,
    then each field's, in the fields' order."""
    summary = [FormError("", "", (message,)) for message in form.non_field_errors()]
    for bound in form:
        if not bound.errors:
            continue
        anchor = "" if bound.is_hidden else bound.auto_id or ""
        if anchor and isinstance(bound.field.widget, forms.RadioSelect):
            # A list of boxes: go to the first of them (CheckboxSelectMultiple too).
            anchor = f"{anchor}_0"
        summary.append(FormError(str(bound.label), anchor, tuple(bound.errors)))
    return summary


def apply_validation_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its fields where it names them;
    an error on a field the form does not show goes to the top, named by its label."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            label = _model_field_label(form, name)
            messages = ValidationError(errors).messages
            form.add_error(
                None,
                [f"{label}{pgettext('label', ': ')}{message}" for message in messages]
                if label
                else messages,
            )


def _model_field_label(form, name: str) -> str:
    """Return the label of the model field ``name`` of a model form, "" if there is none."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return ""
    try:
        return str(capfirst(model._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return ""
