"""Write side of the physical targets (实物工作量): a project's targets for a year, and
the quantities a monthly report gives for them.

Each takes the acting user, checks the rule (``projects.change_project`` for a target,
the report's own rules for its quantities, for superusers too), runs in one
transaction, validates before saving (``full_clean``: the model's errors by field),
records who made the change in the history and writes an audit line. A refused action
raises PermissionDenied; an invalid one ValidationError; in both cases nothing is saved.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanwang.audit import audit_log

from ..models import PhysicalTarget, ProgressReport, Project, ReportedQuantity
from ..rules import is_administrator
from ..writing import only_fields, require, save

#: What a target's form sets.
TARGET_FIELDS = ("year", "name", "unit", "planned_quantity", "position", "source_note")


def quantity_field(target) -> str:
    """Return the name of the report form's field for ``target`` (a target or its pk):
    the services' errors on a quantity are named by it."""
    return f"quantity_{getattr(target, 'pk', target)}"


def deletion_refused(reports, *, user) -> bool:
    """Return whether ``user``, who may change the project, is refused the deletion of a
    target that ``reports`` give quantities for: anyone but an administrator is."""
    return bool(reports) and not is_administrator(user)


def _months(reports) -> str:
    return "、".join(f"{report.month:%Y-%m}" for report in reports)


@transaction.atomic
def target_save(
    project: Project, *, user, target: PhysicalTarget | None = None, **fields
) -> PhysicalTarget:
    """Add a physical target to ``project`` or, with ``target``, change one of its
    targets; ``fields`` are those of TARGET_FIELDS. The year of a target that reports
    already give quantities for stays: those quantities are of that year."""
    require(
        user,
        "projects.change_project",
        project,
        _("You may only change the targets of projects you are responsible for."),
    )
    only_fields(fields, TARGET_FIELDS)
    if target is None:
        target = PhysicalTarget(project=project)
        event = "target_added"
    else:
        target = PhysicalTarget.objects.select_for_update().get(pk=target.pk)
        if target.project_id != project.pk:
            raise ValidationError(_("The target belongs to another project."))
        event = "target_changed"
        moved = "year" in fields and fields["year"] != target.year
        if moved and (reports := target.reports_giving_quantities()):
            raise ValidationError(
                {
                    "year": _(
                        "The reports of %(months)s give quantities for this target in "
                        "%(year)s: its year stays."
                    )
                    % {"months": _months(reports), "year": target.year}
                }
            )
    for name, value in fields.items():
        setattr(target, name, value)
    if target.source_note is None:
        target.source_note = ""
    save(target, acting_user=user)
    audit_log(
        event,
        user=user,
        project=project.pk,
        target=target.pk,
        year=target.year,
        name=target.name,
        planned=str(target.planned_quantity),
        unit=target.unit,
    )
    return target


@transaction.atomic
def target_delete(target: PhysicalTarget, *, user) -> None:
    """Delete a physical target. One that reports already give quantities for is
    deleted, with those quantities, by an administrator only; anyone else is told which
    reports give them."""
    target = PhysicalTarget.objects.select_for_update().select_related("project").get(pk=target.pk)
    require(
        user,
        "projects.change_project",
        target.project,
        _("You may only change the targets of projects you are responsible for."),
    )
    reports = target.reports_giving_quantities()
    if deletion_refused(reports, user=user):
        raise ValidationError(
            _(
                "The reports of %(months)s give quantities for “%(name)s”: only an "
                "administrator may delete it, with those quantities."
            )
            % {"months": _months(reports), "name": target.name}
        )
    pk = target.pk
    target._history_user = user
    for quantity in ReportedQuantity.objects.filter(target_id=pk):
        quantity._history_user = user
        quantity.delete()
    target.delete()
    audit_log(
        "target_deleted",
        user=user,
        project=target.project_id,
        target=pk,
        year=target.year,
        name=target.name,
        reports=[report.pk for report in reports],
    )


def report_quantities_save(
    report: ProgressReport, *, acting_user, quantities: dict[PhysicalTarget, Decimal | None]
) -> None:
    """Set the quantities ``report`` gives for its project's targets: a value (zero
    included) is stored, None removes the one stored. Called by
    ``services.progress_report_save`` within its transaction, after the report itself is
    saved, so the report's rules (who may change it, only while it is open) have held.

    An error names the target and is keyed by its form field (``quantity_field``)."""
    if not quantities:
        return
    stored = {
        row.target_id: row
        for row in ReportedQuantity.objects.select_for_update().filter(report=report)
    }
    changed = {}
    for target, value in quantities.items():
        row = stored.get(target.pk)
        if value is None:
            if row is not None:
                row._history_user = acting_user
                row.delete()
                changed[target.pk] = None
            continue
        if row is not None and row.quantity == value:
            continue
        row = row or ReportedQuantity(report=report, target=target)
        row.quantity = value
        try:
            save(row, acting_user=acting_user)
        except ValidationError as error:
            raise ValidationError(
                {
                    quantity_field(target): [
                        _("“%(name)s”: %(error)s") % {"name": target.name, "error": message}
                        for message in error.messages
                    ]
                }
            ) from None
        changed[target.pk] = str(value)
    if changed:
        audit_log("report_quantities_saved", user=acting_user, report=report.pk, quantities=changed)


@transaction.atomic
def report_quantity_set(
    report: ProgressReport, *, target: PhysicalTarget, quantity: Decimal | None, acting_user
) -> None:
    """Set (None: remove) the quantity ``report`` gives for ``target`` on its own (the
    admin's list of quantities), under the report's rule: only an open report changes,
    by those who may change it, for superusers too."""
    report = ProgressReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    require(
        acting_user,
        "projects.change_progressreport",
        report,
        _("You may only change your projects' draft or returned reports."),
    )
    report_quantities_save(report, acting_user=acting_user, quantities={target: quantity})
