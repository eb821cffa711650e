from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
