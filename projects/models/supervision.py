"""督办: the problem ledger (问题台账), supervision orders (督办单), the monthly scheduling
meeting (调度会) and the weights of the units' monthly ranking (考核).

A problem's status and an order's status change only through the supervision services,
which record every step (who, when, comment, evidence) as a transition.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import BoundedTextField, TimeStampedModel

from ..choices import OrderStatus, ProblemStatus, SupervisionLevel
from ..querysets import ProblemQuerySet, SupervisionOrderQuerySet
from .portfolio import Project, ResponsibleUnit
from .reports import ProgressReport
from .transitions import Transition


class SchedulingMeeting(TimeStampedModel):
    """A monthly scheduling meeting (调度会): who met, when, and what they decided (its
    decisions are the problems and orders recorded with it)."""

    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chaired_meetings",
        verbose_name=_("chair"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="scheduling_meetings",
        verbose_name=_("attendees"),
    )
    other_attendees = models.CharField(
        _("other attendees"),
        max_length=500,
        blank=True,
        help_text=_("People without an account, separated by commas."),
    )
    notes = BoundedTextField(_("minutes"), max_length=10000, blank=True)
    next_meeting_on = models.DateField(_("next meeting on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords(verbose_name=_("historical scheduling meeting"))

    class Meta:
        verbose_name = _("scheduling meeting")
        verbose_name_plural = _("scheduling meetings")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_meeting_on__isnull=True) | Q(next_meeting_on__gt=F("held_on")),
                name="meeting_next_after_held",
                violation_error_message=_("The next meeting comes after this one."),
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("projects:meeting", args=[self.pk])


class Problem(TimeStampedModel):
    """A problem on the ledger (问题台账): owned by a unit and a person, with a deadline,
    moved through its closed loop 待交办 → 已交办 → 办理中 → 已办结 → 已销号 by the
    supervision services only."""

    Status = ProblemStatus
    Level = SupervisionLevel

    class Kind(models.TextChoices):
        LAND = "land", _("land")
        FUNDING = "funding", _("funding")
        APPROVALS = "approvals", _("approvals")
        CONSTRUCTION = "construction", _("construction")
        PUBLIC = "public", _("residents' requests")
        OTHER = "other", _("other")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="problems", verbose_name=_("project")
    )
    description = BoundedTextField(_("problem description"), max_length=2000)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    level = models.CharField(
        _("supervision level"),
        max_length=10,
        choices=SupervisionLevel.choices,
        default=SupervisionLevel.NORMAL,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProblemStatus.choices,
        default=ProblemStatus.PENDING,
        editable=False,
    )
    responsible_unit = models.ForeignKey(
        ResponsibleUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("responsible unit"),
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("person responsible"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    rectification_plan = BoundedTextField(_("rectification measures"), max_length=4000, blank=True)
    progress = BoundedTextField(_("progress"), max_length=4000, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    source_report = models.ForeignKey(
        ProgressReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="raised_problems",
        verbose_name=_("from the monthly report"),
    )
    # The line of the report's problems the item was made from (one tap per line, once).
    source_line = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    meeting = models.ForeignKey(
        SchedulingMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("decided at the meeting"),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True, editable=False)
    struck_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("struck off by"),
    )
    struck_off_on = models.DateField(_("struck off on"), null=True, blank=True, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    history = HistoricalRecords(verbose_name=_("historical problem"))

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problem ledger")
        ordering = ["deadline", "pk"]
        permissions = [("strike_off_problem", "Can verify and strike off a problem")]
        indexes = [
            models.Index(fields=["project", "status", "deadline"], name="problem_project_idx"),
            models.Index(fields=["responsible_unit", "status"], name="problem_unit_idx"),
            models.Index(fields=["status", "deadline"], name="problem_status_idx"),
        ]
        constraints = [
            # Four eyes: whoever resolved a problem does not also verify it.
            models.CheckConstraint(
                condition=Q(struck_off_by__isnull=True)
                | Q(resolved_by__isnull=True)
                | ~Q(struck_off_by=F("resolved_by")),
                name="problem_struck_off_by_another",
                violation_error_message=_(
                    "A problem is struck off by someone other than the person who resolved it."
                ),
            ),
            models.UniqueConstraint(
                fields=["source_report", "source_line"],
                condition=Q(source_report__isnull=False, source_line__isnull=False),
                name="problem_once_per_report_line",
                violation_error_message=_("This line of the report is already on the ledger."),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.description[:40]}"

    def get_absolute_url(self):
        return reverse("projects:problem", args=[self.pk])

    @property
    def colour(self) -> str:
        return SupervisionLevel(self.level).colour

    def is_overdue_on(self, on) -> bool:
        """Return whether the problem is unresolved after its deadline on day ``on``: the
        rule the lights and alerts apply in SQL (ProblemQuerySet.overdue_on)."""
        return (
            self.deadline is not None
            and self.status in ProblemStatus.unresolved()
            and self.deadline < on
        )


class ProblemTransition(Transition):
    """A recorded step of a problem: assigned, started, progress, resolved, sent back,
    struck off; with its evidence (a photo or a document)."""

    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("problem")
    )
    from_status = models.CharField(_("from status"), max_length=20, choices=ProblemStatus.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=ProblemStatus.choices)
    evidence = models.FileField(_("evidence"), upload_to="problems/%Y/%m/", blank=True)

    class Meta(Transition.Meta):
        verbose_name = _("problem step")
        verbose_name_plural = _("problem steps")

    def __str__(self):
        return f"{self.problem}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class SupervisionOrder(TimeStampedModel):
    """A supervision order (督办单): issued by a leader or reviewer on a project or one of
    its problems, answered by the unit with its rectification plan by the reply
    deadline, accepted or sent back. Its colour follows its level (蓝/黄/红)."""

    Status = OrderStatus
    Level = SupervisionLevel

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="supervision_orders",
        verbose_name=_("project"),
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("problem"),
    )
    meeting = models.ForeignKey(
        SchedulingMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("decided at the meeting"),
    )
    level = models.CharField(
        _("supervision level"),
        max_length=10,
        choices=SupervisionLevel.choices,
        default=SupervisionLevel.NORMAL,
    )
    content = BoundedTextField(_("what is required"), max_length=4000)
    responsible_unit = models.ForeignKey(
        ResponsibleUnit,
        on_delete=models.PROTECT,
        related_name="supervision_orders",
        verbose_name=_("responsible unit"),
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_orders",
        verbose_name=_("person responsible"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("issued by"),
    )
    issued_on = models.DateField(_("issued on"), editable=False)
    reply_deadline = models.DateField(_("reply deadline"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.ISSUED,
        editable=False,
    )
    reply = BoundedTextField(_("reply: rectification measures"), max_length=4000, blank=True)
    rectify_by = models.DateField(_("rectified by"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("replied by"),
    )
    replied_on = models.DateField(_("replied on"), null=True, blank=True, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    history = HistoricalRecords(verbose_name=_("historical supervision order"))

    objects = SupervisionOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["reply_deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "reply_deadline"], name="order_status_idx"),
            models.Index(fields=["responsible_unit", "status"], name="order_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reply_deadline__gte=F("issued_on")),
                name="order_reply_after_issue",
                violation_error_message=_("The reply deadline is on or after the issue date."),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.content[:40]}"

    def get_absolute_url(self):
        return reverse("projects:order", args=[self.pk])

    @property
    def colour(self) -> str:
        return SupervisionLevel(self.level).colour

    def is_overdue_on(self, on) -> bool:
        """Return whether the unit's reply is late on day ``on``."""
        return self.status in OrderStatus.awaiting_reply() and self.reply_deadline < on


class SupervisionOrderTransition(Transition):
    """A recorded step of a supervision order: issued, replied, accepted, sent back."""

    order = models.ForeignKey(
        SupervisionOrder,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("supervision order"),
    )
    from_status = models.CharField(_("from status"), max_length=20, choices=OrderStatus.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=OrderStatus.choices)

    class Meta(Transition.Meta):
        verbose_name = _("supervision order step")
        verbose_name_plural = _("supervision order steps")

    def __str__(self):
        return f"{self.order}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class AssessmentWeights(models.Model):
    """The weights of the responsible units' monthly ranking (考核); one row,
    admin-editable. A unit's score is the weighted mean of its rates over the
    indicators it had items for, in points out of 100."""

    problems_on_time = models.PositiveSmallIntegerField(_("problems resolved on time"), default=30)
    replies_on_time = models.PositiveSmallIntegerField(_("supervision replies on time"), default=20)
    reports_on_time = models.PositiveSmallIntegerField(_("monthly reports on time"), default=20)
    milestones_on_time = models.PositiveSmallIntegerField(_("milestones on time"), default=15)
    schedule_pace = models.PositiveSmallIntegerField(_("schedule pace"), default=15)
    marked = models.PositiveSmallIntegerField(_("units marked at the top and bottom"), default=3)
    history = HistoricalRecords(verbose_name=_("historical assessment weights"))

    class Meta:
        verbose_name = _("assessment weights")
        verbose_name_plural = _("assessment weights")
        constraints = [
            models.CheckConstraint(
                condition=Q(problems_on_time__gt=0)
                | Q(replies_on_time__gt=0)
                | Q(reports_on_time__gt=0)
                | Q(milestones_on_time__gt=0)
                | Q(schedule_pace__gt=0),
                name="assessment_some_weight",
                violation_error_message=_("At least one weight is above zero."),
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "AssessmentWeights":
        """Return the weights in force (the defaults until an admin changes them)."""
        return cls.objects.order_by("pk").first() or cls()

    def as_dict(self) -> dict[str, int]:
        """Return the weight of each indicator, by its field name."""
        return {name: getattr(self, name) for name in INDICATORS}


#: The ranking's indicators, in the order the tables show them.
INDICATORS = (
    "problems_on_time",
    "replies_on_time",
    "reports_on_time",
    "milestones_on_time",
    "schedule_pace",
)
