"""Write side of the plan baselines: freezing a year's annual plans, the one write there is.

A baseline is frozen by an administrator (``projects.freeze_baseline``, asked with
``rules.may``: superusers are held to it too), with a reason, once per year and kind, the
mid-year adjustment only after the original. Every annual plan of the year is copied in
one transaction; afterwards nothing changes it: there is no edit path in the app or the
admin (docs/baselines.md).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shanwang.audit import audit_log

from ..choices import BaselineKind
from ..models import AnnualPlan, PlanBaseline, PlanBaselineEntry
from ..writing import require

#: Rows written per INSERT: SQLite takes at most 999 parameters a statement in old builds,
#: Django splits by it anyway; PostgreSQL is fastest with a few thousand.
ENTRY_BATCH = 1000


def baseline_freeze(*, year: int, kind: str, reason: str, user) -> PlanBaseline:
    """Freeze every annual plan of ``year`` as the baseline ``kind``; return it.

    Refused (PermissionDenied) to anyone but an administrator; refused (ValidationError,
    by field) for a blank reason, an unknown kind, a second freeze of the same year and
    kind, an adjustment before the original, and a year without any annual plan. Nothing
    is saved when refused."""
    require(user, "projects.freeze_baseline", None, _("Only administrators freeze a baseline."))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Please give the reason for freezing the plan.")]
    if kind not in BaselineKind.values:
        errors["kind"] = [_("Unknown baseline “%(kind)s”.") % {"kind": kind}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _check_freezable(year=year, kind=kind)
        baseline = PlanBaseline(year=year, kind=kind, reason=reason, frozen_by=user)
        baseline.full_clean()
        try:
            with transaction.atomic():
                baseline.save()
        except IntegrityError:
            # Another administrator froze it between the check and the save.
            raise ValidationError({"kind": [_already_frozen(year, kind)]}) from None
        entries = PlanBaselineEntry.objects.bulk_create(
            (
                PlanBaselineEntry(
                    baseline=baseline,
                    project_id=project_id,
                    planned_investment=planned_investment,
                    physical_goals=physical_goals,
                )
                for project_id, planned_investment, physical_goals in AnnualPlan.objects.filter(
                    year=year
                )
                .order_by("project_id")
                .values_list("project_id", "planned_investment", "physical_goals")
                .iterator(chunk_size=ENTRY_BATCH)
            ),
            batch_size=ENTRY_BATCH,
        )
        audit_log(
            "baseline_freeze",
            user=user,
            year=year,
            kind=kind,
            baseline=baseline.pk,
            entries=len(entries),
        )
    return baseline


def _already_frozen(year: int, kind: str) -> str:
    return _("The %(kind)s of %(year)d has already been frozen; a baseline never changes.") % {
        "kind": BaselineKind(kind).label,
        "year": year,
    }


def _check_freezable(*, year: int, kind: str) -> None:
    """Raise ValidationError when the baseline ``kind`` of ``year`` may not be frozen now."""
    frozen = set(PlanBaseline.objects.filter(year=year).values_list("kind", flat=True))
    if kind in frozen:
        raise ValidationError({"kind": [_already_frozen(year, kind)]})
    if kind == BaselineKind.ADJUSTED and BaselineKind.ORIGINAL not in frozen:
        raise ValidationError(
            {
                "kind": [
                    # Translators: 请先冻结%(year)d年的年初计划，再做中期调整。
                    _("Freeze the original plan of %(year)d first, then the mid-year adjustment.")
                    % {"year": year}
                ]
            }
        )
    if not AnnualPlan.objects.filter(year=year).exists():
        raise ValidationError(
            {
                "year": [
                    _("No project has an annual plan for %(year)d: there is nothing to freeze.")
                    % {"year": year}
                ]
            }
        )
