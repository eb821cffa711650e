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


class SupervisionLevel(models.TextChoices):
    """How closely a problem or a supervision order is followed (督办级别)."""

    NORMAL = "normal", _("ordinary")
    KEY = "key", _("key")
    LISTED = "listed", _("listed for supervision")

    @property
    def colour(self) -> str:
        """Return the order's colour by level: 蓝 ordinary, 黄 key, 红 listed."""
        return {"normal": "blue", "key": "yellow", "listed": "red"}[self.value]


class ProblemStatus(models.TextChoices):
    """Where a problem stands in the ledger's closed loop (问题台账)."""

    PENDING = "pending", _("to be assigned")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved, to be verified")
    STRUCK_OFF = "struck_off", _("struck off")

    @classmethod
    def unresolved(cls) -> tuple["ProblemStatus", ...]:
        """Return the statuses of a problem not yet resolved: overdue past its deadline."""
        return (cls.PENDING, cls.ASSIGNED, cls.IN_PROGRESS)

    @classmethod
    def open(cls) -> tuple["ProblemStatus", ...]:
        """Return the statuses of a problem still on the ledger (not struck off)."""
        return (cls.PENDING, cls.ASSIGNED, cls.IN_PROGRESS, cls.RESOLVED)


class OrderStatus(models.TextChoices):
    """Where a supervision order (督办单) stands."""

    ISSUED = "issued", _("awaiting reply")
    REPLIED = "replied", _("replied")
    RETURNED = "returned", _("sent back")
    ACCEPTED = "accepted", _("accepted")

    @classmethod
    def awaiting_reply(cls) -> tuple["OrderStatus", ...]:
        """Return the statuses of an order whose unit owes a reply."""
        return (cls.ISSUED, cls.RETURNED)


class ApprovalStatus(models.TextChoices):
    """Where one pre-construction approval (前期手续) stands."""

    NOT_STARTED = "not_started", _("not started")
    IN_PROGRESS = "in_progress", _("in progress")
    OBTAINED = "obtained", _("obtained")
    NOT_APPLICABLE = "not_applicable", _("not applicable")

    @classmethod
    def settled(cls) -> tuple["ApprovalStatus", ...]:
        """The statuses that no longer hold a project back: obtained, or not needed."""
        return (cls.OBTAINED, cls.NOT_APPLICABLE)


class FundEntryKind(models.TextChoices):
    """The three figures of money per funding source (下达 / 到位 / 支付)."""

    ALLOCATED = "allocated", _("allocated")
    ARRIVED = "arrived", _("arrived")
    PAID = "paid", _("paid")


class BaselineKind(models.TextChoices):
    """When an annual plan was frozen: at the start of the year or at the mid-year
    adjustment (年初计划 / 中期调整)."""

    ORIGINAL = "original", _("original plan")
    ADJUSTED = "adjusted", _("mid-year adjustment")


class ReviewerEscalations(models.TextChoices):
    """Which escalations of overdue milestones the reviewers get (ReminderPolicy)."""

    OWN_UNITS = "own_units", _("only those of their own responsible units")
    DAILY_SUMMARY = "daily_summary", _("one summary a day of all escalations")
    EVERY = "every", _("every escalation, one alert each")
