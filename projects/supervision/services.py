"""Write side of 督办: problems on the ledger, supervision orders, scheduling meetings.

Each takes the acting user, checks the rules (``projects.rules``, for superusers too),
runs in one transaction, validates before saving, records who made the change in the
history, writes an audit line and records every status step as a transition (who, when,
comment, evidence). A refused action raises PermissionDenied; an invalid one raises
ValidationError, by field; in both cases nothing is saved. The steps that tell people
(a problem assigned or sent back, an order issued, replied or sent back) record their
notices through ``alerts.ledger.record_supervision_step``.
"""

import datetime
import posixpath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanwang.audit import audit_log
from shanwang.documents import check_document, stored_name
from shanwang.photos import process_photo

from ..alerts import ledger
from ..alerts.workdays import WorkingDays
from ..choices import OrderStatus, ProblemStatus, ReportStatus, SupervisionLevel
from ..models import (
    Problem,
    ProblemTransition,
    ProgressReport,
    Project,
    SchedulingMeeting,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from ..rules import may
from ..writing import only_fields, require, save
from .workflow import ORDER_STEPS, PROBLEM_STEPS, SupervisionStep

#: What an edit of a problem outside its steps may change (the admin's form).
PROBLEM_EDIT_FIELDS = ("description", "kind", "level")
#: What an edit of an order outside its steps may change (the admin's form).
ORDER_EDIT_FIELDS = ("content", "level")
#: What assigning a problem sets (the "assign" step).
ASSIGNMENT_FIELDS = ("responsible_unit", "responsible_person", "deadline")
#: Fields only the workflow sets: no edit, no history revert restores them.
PROBLEM_WORKFLOW_FIELDS = (
    "status",
    "resolved_by",
    "resolved_on",
    "struck_off_by",
    "struck_off_on",
)
ORDER_WORKFLOW_FIELDS = ("status", "replied_by", "replied_on", "issued_by", "issued_on")
#: What a meeting's record holds besides its attendees.
MEETING_FIELDS = ("held_on", "title", "chair", "other_attendees", "notes", "next_meeting_on")
#: How many working days a unit may be given to reply to an order.
REPLY_WORKING_DAYS = range(1, 31)
#: How far ahead the working days of a reply deadline are looked up (30 working days
#: with the Spring Festival's week fit well within it).
_REPLY_HORIZON = datetime.timedelta(days=90)


def _fill_in(model, name: str) -> str:
    return _("Please fill in “%(field)s”.") % {"field": model._meta.get_field(name).verbose_name}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_not_before_today(errors: dict, name: str, day, *, today: datetime.date) -> None:
    if day is not None and day < today:
        errors.setdefault(name, []).append(
            _("The date cannot be before today (%(today)s).") % {"today": today.isoformat()}
        )


def _check_person_in_unit(errors: dict, person, unit) -> None:
    """A responsible person belongs to the responsible unit."""
    if person is None or unit is None:
        return
    if not unit.members.filter(pk=person.pk).exists():
        errors.setdefault("responsible_person", []).append(
            _("%(person)s is not a member of %(unit)s.")
            % {"person": person.get_full_name() or person.get_username(), "unit": unit}
        )


def assignment_errors(
    *, responsible_unit, responsible_person, deadline, today: datetime.date | None = None
) -> dict:
    """Return the errors, by field, of an assignment (or a decision, an order): a
    deadline before today, a responsible person outside the responsible unit. The
    admin's forms show them beside their fields; the services refuse them."""
    errors = {}
    _check_not_before_today(errors, "deadline", deadline, today=today or timezone.localdate())
    _check_person_in_unit(errors, responsible_person, responsible_unit)
    return errors


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _step_of(steps: dict, name: str, item, *, user, comment: str) -> SupervisionStep:
    """Return the step ``name`` when it is known, possible from the item's status and
    allowed to ``user``, with the comment it needs; raise otherwise."""
    step = steps.get(name)
    if step is None:
        raise ValidationError(_("Unknown step “%(name)s”.") % {"name": name})
    if item.status not in step.sources:
        raise ValidationError(
            _("“%(action)s” is not possible from the state “%(state)s”.")
            % {"action": step.label, "state": item.get_status_display()}
        )
    if step.name == "strike_off" and item.resolved_by_id == user.pk:
        audit_log("access_denied", user=user, action="strike_off", object=str(item))
        raise PermissionDenied(
            _("You resolved this problem: someone else verifies it and strikes it off.")
        )
    require(
        user,
        step.permission,
        item,
        _("You may not “%(action)s” on “%(object)s”.") % {"action": step.label, "object": item},
    )
    if step.needs_comment and _blank(comment):
        raise ValidationError({"comment": _fill_in(ProblemTransition, "comment")})
    return step


def _set_step_fields(item, step: SupervisionStep, fields: dict) -> dict:
    """Set the fields ``step`` takes on ``item``; return the errors of the required ones
    left blank. Fields the step does not take are refused."""
    unknown = sorted(set(fields) - set(step.fields))
    if unknown:
        raise ValidationError(
            _("“%(action)s” does not change these fields: %(fields)s.")
            % {"action": step.label, "fields": "、".join(unknown)}
        )
    errors = {}
    for name in step.required:
        if _blank(fields.get(name)):
            errors[name] = [_fill_in(type(item), name)]
    for name, value in fields.items():
        setattr(item, name, value)
    return errors


def _stored_evidence(upload, *, project: Project) -> ContentFile:
    """Return the evidence ``upload`` to store, checked by its content: a PDF, DOCX or
    XLSX as it is, a photo as its copy without metadata (no GPS position) with its
    caption strip; named by the server, never after the user's file."""
    try:
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        if head.startswith((b"%PDF-", b"PK\x03\x04")):
            checked = check_document(upload)
            data = upload.read()
            return ContentFile(data, name=stored_name("evidence", checked.extension))
        try:
            processed = process_photo(upload, project_name=project.name, month=None)
        except ValidationError as error:
            if error.code != "not_an_image":
                raise
            raise ValidationError(
                _(
                    "The evidence is a photo (JPEG, PNG, WebP or HEIC) or a PDF, Word (DOCX) "
                    "or Excel (XLSX) file."
                ),
                code="file_type",
            ) from None
        extension = posixpath.splitext(processed.served.name)[1]
        return ContentFile(processed.served.read(), name=stored_name("evidence", extension))
    except ValidationError as error:
        raise ValidationError({"evidence": error.messages}) from None


def _record_problem_step(
    problem: Problem, *, from_status: str, acting_user, comment: str, evidence=None
) -> ProblemTransition:
    step = ProblemTransition(
        problem=problem,
        from_status=from_status,
        to_status=problem.status,
        acting_user=acting_user,
        comment=comment,
    )
    step.full_clean(exclude=["evidence"])
    if evidence is not None:
        step.evidence = evidence
    step.save()
    return step


# Problems (问题台账) ------------------------------------------------------------------


@transaction.atomic
def problem_raise(
    *,
    acting_user,
    project: Project,
    description: str,
    kind: str = Problem.Kind.OTHER,
    level: str = SupervisionLevel.NORMAL,
    source_report: ProgressReport | None = None,
    source_line: int | None = None,
    meeting: SchedulingMeeting | None = None,
    responsible_unit=None,
    responsible_person=None,
    deadline: datetime.date | None = None,
    comment: str = "",
) -> Problem:
    """Put a problem of ``project`` on the ledger, to be assigned; when the unit and the
    deadline are given by someone who may assign, it is assigned at once (both steps
    recorded) and the unit is told."""
    require(
        acting_user,
        "projects.raise_problem",
        project,
        _("You may only raise problems on projects you are responsible for."),
    )
    assigning = responsible_unit is not None and deadline is not None
    if any(
        value is not None for value in (responsible_unit, responsible_person, deadline)
    ) and not may(acting_user, "projects.assign_problem"):
        audit_log("access_denied", user=acting_user, action="assign_problem", object=str(project))
        raise PermissionDenied(
            _("Only reviewers, leaders and administrators assign a problem to a unit.")
        )
    errors = assignment_errors(
        responsible_unit=responsible_unit, responsible_person=responsible_person, deadline=deadline
    )
    if source_report is not None and source_report.project_id != project.pk:
        errors["source_report"] = [_("The report belongs to another project.")]
    _raise_if(errors)
    problem = Problem(
        project=project,
        description=description,
        kind=kind,
        level=level,
        source_report=source_report,
        source_line=source_line,
        meeting=meeting,
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        deadline=deadline,
        raised_by=acting_user,
        status=ProblemStatus.PENDING,
    )
    save(problem, acting_user=acting_user)
    _record_problem_step(
        problem, from_status=ProblemStatus.PENDING, acting_user=acting_user, comment=comment
    )
    audit_log(
        "problem_raised",
        user=acting_user,
        problem=problem.pk,
        project=project.pk,
        report=getattr(source_report, "pk", None),
        meeting=getattr(meeting, "pk", None),
    )
    if assigning:
        _assign(problem, acting_user=acting_user, comment="")
    return problem


def _assign(problem: Problem, *, acting_user, comment: str) -> ProblemTransition:
    """Record the assignment of ``problem`` as it stands (its unit and deadline set)."""
    from_status = problem.status
    problem.status = ProblemStatus.ASSIGNED
    save(problem, acting_user=acting_user)
    step = _record_problem_step(
        problem, from_status=from_status, acting_user=acting_user, comment=comment
    )
    ledger.record_supervision_step(step)
    audit_log("problem_assign", user=acting_user, problem=problem.pk, to=problem.status)
    return step


@transaction.atomic
def problem_from_report_line(*, acting_user, report: ProgressReport, line: int) -> Problem:
    """Put line ``line`` (1-based, of ``report.problem_lines()``) of a submitted or
    approved report on the ledger, to be assigned: once per line, so a second tap (or a
    request sent twice) returns the problem the first made."""
    report = ProgressReport.objects.select_related("project").get(pk=report.pk)
    require(
        acting_user,
        "projects.raise_problem",
        report.project,
        _("You may only raise problems on projects you are responsible for."),
    )
    existing = Problem.objects.filter(source_report=report, source_line=line).first()
    if existing is not None:
        return existing
    if report.status not in ReportStatus.filed():
        raise ValidationError(
            {"line": _("Problems are taken from a report once it has been submitted.")}
        )
    lines = report.problem_lines()
    if not 1 <= line <= len(lines):
        raise ValidationError(
            {"line": _("The report has no problem on line %(line)d.") % {"line": line}}
        )
    description_field = Problem._meta.get_field("description")
    try:
        # A savepoint: the same tap sent twice in parallel fails this insert, not the
        # caller's transaction, and finds the problem the other request made.
        with transaction.atomic():
            return problem_raise(
                acting_user=acting_user,
                project=report.project,
                description=lines[line - 1][: description_field.max_length],
                source_report=report,
                source_line=line,
            )
    except (IntegrityError, ValidationError):
        existing = Problem.objects.filter(source_report=report, source_line=line).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def problem_step(
    *, acting_user, problem: Problem, step: str, comment: str = "", evidence=None, **fields
) -> ProblemTransition:
    """Take the step ``step`` of the problem's loop (``workflow.PROBLEM_STEPS``): assign,
    start, progress, resolve, return (退回重办) or strike off (销号), with the fields it
    sets, a comment and, for the unit's steps, an attachment as evidence."""
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("project", "responsible_unit")
        .get(pk=problem.pk)
    )
    taken = _step_of(PROBLEM_STEPS, step, problem, user=acting_user, comment=comment)
    if evidence is not None and not taken.takes_evidence:
        raise ValidationError(
            {"evidence": _("“%(action)s” takes no attachment.") % {"action": taken.label}}
        )
    errors = _set_step_fields(problem, taken, fields)
    today = timezone.localdate()
    if taken.name == "assign":
        if "deadline" in fields:
            _check_not_before_today(errors, "deadline", problem.deadline, today=today)
        _check_person_in_unit(errors, problem.responsible_person, problem.responsible_unit)
    _raise_if(errors)
    stored = _stored_evidence(evidence, project=problem.project) if evidence else None
    if taken.name == "assign":
        return _assign(problem, acting_user=acting_user, comment=comment)
    from_status = problem.status
    problem.status = taken.target
    if taken.name == "resolve":
        problem.resolved_by, problem.resolved_on = acting_user, today
    elif taken.name == "return":
        problem.resolved_by = problem.resolved_on = None
    elif taken.name == "strike_off":
        problem.struck_off_by, problem.struck_off_on = acting_user, today
    save(problem, acting_user=acting_user)
    recorded = _record_problem_step(
        problem,
        from_status=from_status,
        acting_user=acting_user,
        comment=comment,
        evidence=stored,
    )
    if taken.notifies:
        ledger.record_supervision_step(recorded)
    audit_log(
        f"problem_{taken.name}",
        user=acting_user,
        problem=problem.pk,
        to=problem.status,
        evidence=bool(stored),
    )
    return recorded


def _edit(item, *, acting_user, fields: dict, editable, only_by_steps: str) -> None:
    """Set ``fields`` on a locked problem or order and save it with its history and its
    audit line (problem_changed, order_changed); a field outside ``editable`` changes
    only through the item's steps, and then nothing is saved."""
    unknown = sorted(set(fields) - set(editable))
    if unknown:
        raise ValidationError(only_by_steps % {"fields": "、".join(unknown)})
    changed = sorted(name for name, value in fields.items() if getattr(item, name) != value)
    for name, value in fields.items():
        setattr(item, name, value)
    save(item, acting_user=acting_user)
    key = "order" if isinstance(item, SupervisionOrder) else "problem"
    audit_log(f"{key}_changed", user=acting_user, fields=changed, **{key: item.pk})


@transaction.atomic
def problem_update(*, acting_user, problem: Problem, **fields) -> Problem:
    """Change a problem's description, kind or level (the admin's form); who answers for
    it and its status change only through its steps."""
    problem = (
        Problem.objects.select_for_update(of=("self",)).select_related("project").get(pk=problem.pk)
    )
    require(
        acting_user,
        "projects.change_problem",
        problem,
        _("Only reviewers, leaders and administrators change a problem."),
    )
    _edit(
        problem,
        acting_user=acting_user,
        fields=fields,
        editable=PROBLEM_EDIT_FIELDS,
        only_by_steps=_("These fields change only through the problem's steps: %(fields)s."),
    )
    return problem


# Supervision orders (督办单) ----------------------------------------------------------


def reply_deadline_after(issued_on: datetime.date, working_days: int) -> datetime.date:
    """Return the ``working_days``-th working day after ``issued_on`` (the admins'
    holidays and adjusted working days included)."""
    calendar = WorkingDays(issued_on, issued_on + _REPLY_HORIZON)
    day, counted = issued_on, 0
    while counted < working_days:
        day += datetime.timedelta(days=1)
        counted += calendar.is_working_day(day)
    return day


@transaction.atomic
def order_issue(
    *,
    acting_user,
    project: Project,
    content: str,
    responsible_unit,
    level: str = SupervisionLevel.NORMAL,
    problem: Problem | None = None,
    meeting: SchedulingMeeting | None = None,
    responsible_person=None,
    reply_deadline: datetime.date | None = None,
    reply_within_working_days: int | None = None,
) -> SupervisionOrder:
    """Issue a supervision order on ``project`` (or one of its problems) to a unit, to be
    replied to by ``reply_deadline`` or within ``reply_within_working_days`` working
    days of today; the unit is told."""
    require(
        acting_user,
        "projects.issue_order",
        project,
        _("Only reviewers, leaders and administrators issue supervision orders."),
    )
    today = timezone.localdate()
    errors = {}
    if problem is not None and problem.project_id != project.pk:
        errors["problem"] = [_("The problem belongs to another project.")]
    if (reply_deadline is None) == (reply_within_working_days is None):
        errors["reply_deadline"] = [
            _("Give either the reply deadline or the number of working days to reply in.")
        ]
    elif reply_within_working_days is not None:
        if reply_within_working_days not in REPLY_WORKING_DAYS:
            errors["reply_within_working_days"] = [
                _("Give between %(low)d and %(high)d working days.")
                % {"low": REPLY_WORKING_DAYS[0], "high": REPLY_WORKING_DAYS[-1]}
            ]
        else:
            reply_deadline = reply_deadline_after(today, reply_within_working_days)
    else:
        _check_not_before_today(errors, "reply_deadline", reply_deadline, today=today)
    _check_person_in_unit(errors, responsible_person, responsible_unit)
    _raise_if(errors)
    order = SupervisionOrder(
        project=project,
        problem=problem,
        meeting=meeting,
        level=level,
        content=content,
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        issued_by=acting_user,
        issued_on=today,
        reply_deadline=reply_deadline,
        status=OrderStatus.ISSUED,
    )
    save(order, acting_user=acting_user)
    # The issue is a step too (issued → issued, the order's text as its comment), so
    # that it has its row in the order's record and its notices a subject.
    issued = SupervisionOrderTransition.objects.create(
        order=order,
        from_status=OrderStatus.ISSUED,
        to_status=OrderStatus.ISSUED,
        acting_user=acting_user,
        comment=content,
    )
    ledger.record_supervision_step(issued)
    audit_log(
        "order_issued",
        user=acting_user,
        order=order.pk,
        project=project.pk,
        problem=getattr(problem, "pk", None),
        reply_deadline=order.reply_deadline,
    )
    return order


@transaction.atomic
def order_update(*, acting_user, order: SupervisionOrder, **fields) -> SupervisionOrder:
    """Change what an order requires or its level (the admin's form); its unit, its
    deadline and its status stay as issued and replied."""
    order = (
        SupervisionOrder.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=order.pk)
    )
    require(
        acting_user,
        "projects.change_supervisionorder",
        order,
        _("Only reviewers, leaders and administrators change a supervision order."),
    )
    _edit(
        order,
        acting_user=acting_user,
        fields=fields,
        editable=ORDER_EDIT_FIELDS,
        only_by_steps=_("These fields change only through the order's steps: %(fields)s."),
    )
    return order


@transaction.atomic
def order_step(
    *, acting_user, order: SupervisionOrder, step: str, comment: str = "", **fields
) -> SupervisionOrderTransition:
    """Take the step ``step`` of an order (``workflow.ORDER_STEPS``): the unit's reply
    with its rectification measures, the issuer's acceptance or sending it back."""
    order = (
        SupervisionOrder.objects.select_for_update(of=("self",))
        .select_related("project", "responsible_unit")
        .get(pk=order.pk)
    )
    taken = _step_of(ORDER_STEPS, step, order, user=acting_user, comment=comment)
    errors = _set_step_fields(order, taken, fields)
    today = timezone.localdate()
    if taken.name == "reply":
        _check_not_before_today(errors, "rectify_by", order.rectify_by, today=today)
        order.replied_by, order.replied_on = acting_user, today
    _raise_if(errors)
    from_status = order.status
    order.status = taken.target
    save(order, acting_user=acting_user)
    recorded = SupervisionOrderTransition(
        order=order,
        from_status=from_status,
        to_status=order.status,
        acting_user=acting_user,
        comment=comment,
    )
    recorded.full_clean()
    recorded.save()
    if taken.notifies:
        ledger.record_supervision_step(recorded)
    audit_log(f"order_{taken.name}", user=acting_user, order=order.pk, to=order.status)
    return recorded


# Scheduling meetings (调度会) ---------------------------------------------------------


@transaction.atomic
def meeting_save(
    *, acting_user, meeting: SchedulingMeeting | None = None, attendees=None, **fields
) -> SchedulingMeeting:
    """Record a new scheduling meeting (without ``meeting``) or change one: its date,
    title, chair, attendees (kept as they are when not given), minutes, next date."""
    require(
        acting_user,
        "projects.record_meeting",
        meeting,
        _("Only reviewers, leaders and administrators record scheduling meetings."),
    )
    only_fields(fields, MEETING_FIELDS)
    created = meeting is None
    if created:
        meeting = SchedulingMeeting(recorded_by=acting_user)
    else:
        meeting = SchedulingMeeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    for name, value in fields.items():
        setattr(meeting, name, value)
    save(meeting, acting_user=acting_user)
    if attendees is not None or created:
        meeting.attendees.set(attendees or ())
    audit_log(
        "meeting_recorded" if created else "meeting_changed",
        user=acting_user,
        meeting=meeting.pk,
        fields=sorted(fields),
    )
    return meeting


#: A decision's fields, as the decision form names them, by the item's field names.
_DECISION_FIELDS = {"description": "text", "content": "text", "reply_deadline": "deadline"}


@transaction.atomic
def meeting_decide(
    *,
    acting_user,
    meeting: SchedulingMeeting,
    kind: str,
    project: Project,
    text: str,
    level: str,
    responsible_unit,
    responsible_person=None,
    deadline: datetime.date | None,
) -> Problem | SupervisionOrder:
    """Turn a decision of the meeting into an item with an owner and a deadline in one
    step: an assigned problem (``kind`` "problem") or an issued order ("order")."""
    require(
        acting_user,
        "projects.record_meeting",
        meeting,
        _("Only reviewers, leaders and administrators record scheduling meetings."),
    )
    errors = {}
    if kind not in ("problem", "order"):
        errors["kind"] = [_("A decision becomes a problem or a supervision order.")]
    for name, value, model_field in (
        ("text", text, "description"),
        ("responsible_unit", responsible_unit, "responsible_unit"),
        ("deadline", deadline, "deadline"),
    ):
        if _blank(value):
            errors[name] = [_fill_in(Problem, model_field)]
    _raise_if(errors)
    try:
        if kind == "problem":
            item = problem_raise(
                acting_user=acting_user,
                project=project,
                description=text,
                level=level,
                meeting=meeting,
                responsible_unit=responsible_unit,
                responsible_person=responsible_person,
                deadline=deadline,
            )
        else:
            item = order_issue(
                acting_user=acting_user,
                project=project,
                content=text,
                level=level,
                meeting=meeting,
                responsible_unit=responsible_unit,
                responsible_person=responsible_person,
                reply_deadline=deadline,
            )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {_DECISION_FIELDS.get(name, name): messages for name, messages in error}
        ) from None
    audit_log("meeting_decision", user=acting_user, meeting=meeting.pk, kind=kind, item=item.pk)
    return item
