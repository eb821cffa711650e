"""Write-side operations of the portfolio. Each takes the acting user and runs in one
transaction; the history records who made the change."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Milestone, ProgressReport


def _save(instance, *, acting_user):
    """Validate and save ``instance``, recording ``acting_user`` in its history."""
    instance.full_clean()
    instance._history_user = acting_user
    instance.save()
    return instance


@transaction.atomic
def milestone_complete(
    *, milestone: Milestone, acting_user, completed_on: datetime.date | None = None
) -> Milestone:
    """Mark a milestone as completed on ``completed_on`` (today by default)."""
    if milestone.completed_on is not None:
        raise ValidationError(
            _("The milestone “%(title)s” was already completed on %(date)s.")
            % {"title": milestone.title, "date": milestone.completed_on}
        )
    milestone.completed_on = completed_on or timezone.localdate()
    return _save(milestone, acting_user=acting_user)


@transaction.atomic
def progress_report_approve(
    *, report: ProgressReport, acting_user, comment: str = ""
) -> ProgressReport:
    """Approve a submitted report; its figures then count in the portfolio."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ProgressReport.Status.SUBMITTED:
        raise ValidationError(
            _("Only a submitted report can be approved; “%(report)s” is %(status)s.")
            % {"report": report, "status": report.get_status_display()}
        )
    if report.submitted_by_id == acting_user.pk:
        raise ValidationError(_("You cannot approve a report you submitted yourself."))
    report.status = ProgressReport.Status.APPROVED
    report.reviewed_by = acting_user
    report.reviewed_at = timezone.now()
    report.review_comment = comment
    return _save(report, acting_user=acting_user)
