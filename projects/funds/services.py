"""Write side of a project's money (资金): a funding row for a new source, and the dated
entries of money allocated (下达), arrived (到位) and paid (支付).

Each takes the acting user, checks the rule ``projects.change_project`` on the project
(its unit's staff and contact person, reviewers, administrators; for superusers too),
runs in one transaction, validates before saving (amounts in 万元 above zero with two
decimals, a date not after today: the model's rules, so the admin and imports hold
them too), records who made the change in the history and writes an audit line. A
refusal raises PermissionDenied; bad input raises ValidationError by field, and nothing
is saved. The order allocated ≥ arrived ≥ paid is not forced (money may arrive before
the allocation's document is entered): the pages point it out.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanwang.audit import audit_log

from ..models import FundEntry, Funding, FundingSource, Project
from ..writing import only_fields, require, save

#: What an entry's edit may change.
ENTRY_FIELDS = ("funding", "kind", "date", "amount", "document_number", "note")


def _refusal(project) -> str:
    return _("You may only record the money of projects you are responsible for (%(project)s).") % {
        "project": project
    }


def _amount_errors(amount, *, field: str = "amount", required: bool = True) -> dict:
    """Return the error of an amount in 万元: given (when ``required``), a number, more
    than zero, at most two decimals."""
    label = FundEntry._meta.get_field("amount").verbose_name
    if amount is None or amount == "":
        if required:
            return {field: [_("Please fill in “%(field)s”.") % {"field": label}]}
        return {}
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return {field: [_("“%(field)s” must be a number in 10k yuan.") % {"field": label}]}
    if not value.is_finite() or value <= 0:
        return {field: [_("“%(field)s” must be more than zero.") % {"field": label}]}
    if value != value.quantize(Decimal("0.01")):
        return {field: [_("“%(field)s” has at most two decimals (10k yuan).") % {"field": label}]}
    return {}


@transaction.atomic
def funding_add(
    *,
    acting_user,
    project: Project,
    source: FundingSource,
    amount: Decimal | None = None,
    note: str = "",
) -> Funding:
    """Add ``source`` to the funding of ``project``, with its planned amount (万元, may be
    unknown); a source already on the project is refused, naming it."""
    require(acting_user, "projects.change_project", project, _refusal(project))
    errors = {}
    if amount is not None:
        value = Decimal(str(amount))
        if value < 0 or value != value.quantize(Decimal("0.01")):
            errors["amount"] = [
                _("The planned amount is zero or more, in 10k yuan with at most two decimals.")
            ]
    if source is not None and Funding.objects.filter(project=project, source=source).exists():
        errors["source"] = [
            _("“%(source)s” is already a funding source of this project.") % {"source": source}
        ]
    if errors:
        raise ValidationError(errors)
    funding = Funding(project=project, source=source, amount=amount, note=note or "")
    save(funding, acting_user=acting_user)
    audit_log(
        "funding_added",
        user=acting_user,
        project=project.pk,
        funding=funding.pk,
        source=str(source),
        amount=str(amount) if amount is not None else "",
    )
    return funding


def _check_entry(entry: FundEntry, *, project: Project) -> None:
    """Raise every error of ``entry`` at once, by field: ours (the amount, the source on
    the project) and the model's (the date not after today, the unique entry)."""
    errors = _amount_errors(entry.amount)
    if entry.funding_id is not None and entry.funding.project_id != project.pk:
        errors["funding"] = [_("The funding source belongs to another project.")]
    try:
        entry.full_clean(exclude=list(errors))
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def fund_entry_add(
    *,
    acting_user,
    funding: Funding,
    kind: str,
    date: datetime.date,
    amount: Decimal,
    document_number: str = "",
    note: str = "",
) -> FundEntry:
    """Record money of ``funding`` allocated, arrived or paid on ``date`` (万元)."""
    project = funding.project
    require(acting_user, "projects.change_project", project, _refusal(project))
    entry = FundEntry(
        funding=funding,
        kind=kind,
        date=date,
        amount=amount,
        document_number=(document_number or "").strip(),
        note=note or "",
        recorded_by=acting_user,
    )
    _check_entry(entry, project=project)
    save(entry, acting_user=acting_user)
    audit_log(
        "fund_entry_added",
        user=acting_user,
        project=project.pk,
        entry=entry.pk,
        kind=entry.kind,
        date=entry.date.isoformat(),
        amount=str(entry.amount),
    )
    return entry


@transaction.atomic
def fund_entry_update(*, acting_user, entry: FundEntry, **fields) -> FundEntry:
    """Change ``entry`` (any of ENTRY_FIELDS); moving it to another source keeps it on its
    project, and the user needs the right to the project."""
    only_fields(fields, ENTRY_FIELDS)
    entry = (
        FundEntry.objects.select_for_update().select_related("funding__project").get(pk=entry.pk)
    )
    project = entry.funding.project
    require(acting_user, "projects.change_project", project, _refusal(project))
    before = {name: str(getattr(entry, name)) for name in ENTRY_FIELDS}
    for name, value in fields.items():
        if name == "document_number":
            value = (value or "").strip()
        elif name == "note":
            value = value or ""
        setattr(entry, name, value)
    _check_entry(entry, project=project)
    save(entry, acting_user=acting_user)
    changed = {
        name: str(getattr(entry, name))
        for name in ENTRY_FIELDS
        if str(getattr(entry, name)) != before[name]
    }
    audit_log(
        "fund_entry_changed",
        user=acting_user,
        project=project.pk,
        entry=entry.pk,
        changed=",".join(sorted(changed)),
    )
    return entry


@transaction.atomic
def fund_entry_delete(*, acting_user, entry: FundEntry) -> None:
    """Delete ``entry`` (its history keeps it)."""
    entry = FundEntry.objects.select_related("funding__project").get(pk=entry.pk)
    project = entry.funding.project
    require(acting_user, "projects.change_project", project, _refusal(project))
    audit_log(
        "fund_entry_deleted",
        user=acting_user,
        project=project.pk,
        entry=entry.pk,
        kind=entry.kind,
        date=entry.date.isoformat(),
        amount=str(entry.amount),
    )
    entry._history_user = acting_user
    entry.delete()
