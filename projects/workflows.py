"""The two workflows as explicit state machines: a project's stage, a report's review.

Each transition names where it may start, where it leads, who may take it (a rules
predicate) and what it requires. Services in services.py apply them; views and
templates list ``available_*`` transitions to show only the buttons a user may press.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from . import rules as perms
from .models import ProgressReport, Project

Stage = Project.Stage
Status = ProgressReport.Status


@dataclass(frozen=True)
class Step:
    """One step of a workflow: from which states, to which, who may take it, what it needs."""

    name: str
    label: str
    sources: tuple[str, ...]
    # None: back to the stage the project was in before it was suspended.
    target: str | None
    permission: Callable
    # Return an error message when the object is not ready for the transition.
    requirement: Callable = field(default=lambda obj: None)
    needs_comment: bool = False


def needs_actual_start(project):
    if project.actual_start is None:
        return _("Starting construction needs the actual start date.")
    return None


def needs_explanation(report):
    """A report whose figures need explaining (``ProgressReport.deviations``) is submitted
    with its explanation."""
    if report.deviation_explanation.strip() or not (deviations := report.deviations()):
        return None
    return {
        "deviation_explanation": _("Explain before submitting: %(deviations)s")
        % {"deviations": " ".join(str(deviation) for deviation in deviations)}
    }


def needs_approvals(project):
    """Starting construction waits for the approvals needed to start (前期手续 marked so
    in the template or on the item) until each is obtained or not applicable; a project
    with no checklist is not held back."""
    if project.pk is None:
        return None
    waiting = list(project.approvals.blocking_start().values_list("name", flat=True))
    if not waiting:
        return None
    return _("Construction cannot start: %(approvals)s not yet obtained.") % {
        "approvals": "、".join(waiting)
    }


def entry_problems(project, stage: str, *, from_stage: str) -> dict[str, str]:
    """What stops ``project`` from entering ``stage`` from ``from_stage`` by any path, an
    administrator's correction included, by field (empty: nothing): 在建 says when
    construction started and has the approvals needed to start, except when a suspended
    project resumes."""
    problems = {}
    if stage == Project.Stage.UNDER_CONSTRUCTION and from_stage != Project.Stage.SUSPENDED:
        if problem := needs_actual_start(project):
            problems["actual_start"] = problem
        if problem := needs_approvals(project):
            problems["stage"] = problem
    return problems


def entry_problem(project, stage: str, *, from_stage: str) -> str | None:
    """The first of ``entry_problems`` (None: nothing stops the project)."""
    return next(iter(entry_problems(project, stage, from_stage=from_stage).values()), None)


def _needs_actual_completion(project):
    if project.actual_completion is None:
        return _("Completion needs the actual completion date.")
    return None


STAGE_TRANSITIONS = {
    transition.name: transition
    for transition in [
        Step(
            "begin_preliminary",
            _("Begin preliminary work"),
            (Stage.PLANNING,),
            Stage.PRELIMINARY,
            perms.can_edit_project,
        ),
        Step(
            "start_construction",
            _("Start construction"),
            (Stage.PRELIMINARY,),
            Stage.UNDER_CONSTRUCTION,
            perms.can_edit_project,
            lambda project: entry_problem(
                project, Stage.UNDER_CONSTRUCTION, from_stage=Stage.PRELIMINARY
            ),
        ),
        Step(
            "complete",
            _("Complete construction"),
            (Stage.UNDER_CONSTRUCTION,),
            Stage.COMPLETED,
            perms.can_edit_project,
            _needs_actual_completion,
        ),
        Step(
            "put_into_operation",
            _("Put into operation"),
            (Stage.COMPLETED,),
            Stage.IN_OPERATION,
            perms.can_edit_project,
        ),
        Step(
            "suspend",
            _("Suspend"),
            (Stage.PLANNING, Stage.PRELIMINARY, Stage.UNDER_CONSTRUCTION),
            Stage.SUSPENDED,
            perms.can_edit_any_project,
            needs_comment=True,
        ),
        Step(
            "resume",
            _("Resume"),
            (Stage.SUSPENDED,),
            None,
            perms.can_edit_any_project,
        ),
        Step(
            "cancel",
            _("Cancel the project"),
            (Stage.PLANNING, Stage.PRELIMINARY, Stage.UNDER_CONSTRUCTION, Stage.SUSPENDED),
            Stage.CANCELLED,
            perms.is_administrator,
            needs_comment=True,
        ),
    ]
}

REPORT_TRANSITIONS = {
    transition.name: transition
    for transition in [
        Step(
            "submit",
            _("Submit for review"),
            (Status.DRAFT, Status.RETURNED),
            Status.SUBMITTED,
            perms.can_edit_report,
            needs_explanation,
        ),
        Step(
            "approve",
            _("Approve"),
            (Status.SUBMITTED,),
            Status.APPROVED,
            perms.can_review_report,
        ),
        Step(
            "return",
            _("Return for changes"),
            (Status.SUBMITTED,),
            Status.RETURNED,
            perms.can_review_report,
            needs_comment=True,
        ),
    ]
}


def available_stage_transitions(project, user) -> list[Step]:
    """Return the stage transitions ``user`` may take on ``project`` now."""
    return [
        transition
        for transition in STAGE_TRANSITIONS.values()
        if project.stage in transition.sources and transition.permission.test(user, project)
    ]


def available_report_transitions(report, user) -> list[Step]:
    """Return the review steps ``user`` may take on ``report`` now."""
    return [
        transition
        for transition in REPORT_TRANSITIONS.values()
        if report.status in transition.sources and transition.permission.test(user, report)
    ]
