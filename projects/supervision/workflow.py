"""督办's two closed loops as explicit state machines: a problem on the ledger and a
supervision order.

Each step names where it may start, where it leads, who may take it (a rule of
projects/rules.py, by its permission name), what it needs (a comment, fields) and what it
may carry (evidence). The services in services.py apply them; pages list
``available_*_steps`` to show only the buttons a user may press now.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..choices import OrderStatus, ProblemStatus
from ..rules import may


@dataclass(frozen=True)
class SupervisionStep:
    """One step of a loop: from which statuses, to which, by whose permission, with what."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str
    #: Fields of the item the step sets; ``required`` ones must be given and not blank.
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    needs_comment: bool = False
    #: Whether the step may carry an attachment (a photo or a document).
    takes_evidence: bool = False
    #: Whether the step tells people (alerts.ledger.record_supervision_step).
    notifies: bool = False

    def allowed(self, item, user) -> bool:
        """Return whether ``user`` may take the step on ``item`` now."""
        return item.status in self.sources and may(user, self.permission, item)


PROBLEM_STEPS = {
    step.name: step
    for step in [
        SupervisionStep(
            "assign",
            _("Assign"),
            (ProblemStatus.PENDING, ProblemStatus.ASSIGNED),
            ProblemStatus.ASSIGNED,
            "projects.assign_problem",
            fields=("responsible_unit", "responsible_person", "deadline", "level", "kind"),
            required=("responsible_unit", "deadline"),
            notifies=True,
        ),
        SupervisionStep(
            "start",
            _("Start rectification"),
            (ProblemStatus.ASSIGNED,),
            ProblemStatus.IN_PROGRESS,
            "projects.act_on_problem",
            fields=("rectification_plan",),
            required=("rectification_plan",),
            takes_evidence=True,
        ),
        SupervisionStep(
            "progress",
            _("Report progress"),
            (ProblemStatus.IN_PROGRESS,),
            ProblemStatus.IN_PROGRESS,
            "projects.act_on_problem",
            fields=("progress",),
            required=("progress",),
            takes_evidence=True,
        ),
        SupervisionStep(
            "resolve",
            _("Resolve"),
            (ProblemStatus.IN_PROGRESS,),
            ProblemStatus.RESOLVED,
            "projects.act_on_problem",
            needs_comment=True,
            takes_evidence=True,
        ),
        SupervisionStep(
            "return",
            _("Send back"),
            (ProblemStatus.RESOLVED,),
            ProblemStatus.IN_PROGRESS,
            "projects.return_problem",
            needs_comment=True,
            notifies=True,
        ),
        SupervisionStep(
            "strike_off",
            _("Verify and strike off"),
            (ProblemStatus.RESOLVED,),
            ProblemStatus.STRUCK_OFF,
            "projects.strike_off_problem",
        ),
    ]
}

ORDER_STEPS = {
    step.name: step
    for step in [
        SupervisionStep(
            "reply",
            _("Reply"),
            OrderStatus.awaiting_reply(),
            OrderStatus.REPLIED,
            "projects.reply_order",
            fields=("reply", "rectify_by"),
            required=("reply",),
            notifies=True,
        ),
        SupervisionStep(
            "accept",
            _("Accept the reply"),
            (OrderStatus.REPLIED,),
            OrderStatus.ACCEPTED,
            "projects.accept_order",
        ),
        SupervisionStep(
            "return",
            _("Send back"),
            (OrderStatus.REPLIED,),
            OrderStatus.RETURNED,
            "projects.accept_order",
            needs_comment=True,
            notifies=True,
        ),
    ]
}


def available_problem_steps(problem, user) -> list[SupervisionStep]:
    """Return the steps ``user`` may take on ``problem`` now."""
    return [step for step in PROBLEM_STEPS.values() if step.allowed(problem, user)]


def available_order_steps(order, user) -> list[SupervisionStep]:
    """Return the steps ``user`` may take on ``order`` now."""
    return [step for step in ORDER_STEPS.values() if step.allowed(order, user)]
