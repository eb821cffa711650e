from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .validators import FieldMaxLengthValidator

FIRST_YEAR, LAST_YEAR = 1949, 2100


def plausible_year_constraint(field: str, *, name: str) -> models.CheckConstraint:
    """Return a constraint keeping ``field`` (a year) between 1949 and 2100."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": FIRST_YEAR, f"{field}__lte": LAST_YEAR}),
        name=name,
        # Django formats this message itself, so the bounds are written out.
        violation_error_message=_("The year must be between 1949 and 2100."),
    )


class TimeStampedModel(models.Model):
    """Abstract base recording when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BoundedTextField(models.TextField):
    """A text field whose ``max_length`` is a model rule, checked by ``full_clean`` (so
    by forms, the admin and imports alike), not only a hint to the form's widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def formfield(self, **kwargs):
        """Return the form field (the app's forms and the admin's alike): its textarea
        carries ``maxlength`` and a text too long is refused with the field's name."""
        field = super().formfield(**kwargs)
        if self.max_length is not None:
            field.validators = [
                *(v for v in field.validators if not isinstance(v, MaxLengthValidator)),
                FieldMaxLengthValidator(self.max_length, label=field.label),
            ]
        return field
