"""Choices shared by the models and the rules, defined apart so that the rules need no
model: ``rules`` → ``choices`` ← ``models``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    """Where a monthly report stands in its review (``ProgressReport.Status``)."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")

    @classmethod
    def open(cls) -> tuple["ReportStatus", ...]:
        """Return the statuses in which a report can still be changed."""
        return (cls.DRAFT, cls.RETURNED)

    @classmethod
    def filed(cls) -> tuple["ReportStatus", ...]:
        """Return the statuses of a report that counts as filed for its month."""
        return (cls.SUBMITTED, cls.APPROVED)
