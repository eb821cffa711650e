"""Deadline alerts: the working-day calendar, the policy, the ledger, notices and robots."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import TimeStampedModel
from shanwang.validators import AllowedHostURLValidator

from ..choices import ReviewerEscalations
from .portfolio import Milestone, Project, ResponsibleUnit


class CalendarDay(models.Model):
    """An official holiday or adjusted working day, overriding the chinese-calendar
    package; admins add each year's days when the State Council publishes them."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_("Ticked: a working day (an adjusted weekend); empty: a holiday."),
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    history = HistoricalRecords(verbose_name=_("historical calendar day"))

    class Meta:
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holidays and adjusted working days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class ReminderPolicy(models.Model):
    """When deadline alerts go out and to whom they escalate; one row, admin-editable."""

    days_before = models.CharField(
        _("days before the due date"),
        max_length=50,
        default="7,3,1",
        validators=[
            RegexValidator(
                r"^\d{1,3}(,\d{1,3})*$",
                _("Give whole numbers of days separated by commas, e.g. 7,3,1."),
            )
        ],
    )
    on_due_day = models.BooleanField(_("remind on the due day"), default=True)
    overdue_every_working_days = models.PositiveSmallIntegerField(
        _("repeat overdue notices every N working days"), default=3
    )
    escalate_to_leader_after_days = models.PositiveSmallIntegerField(
        _("escalate to the supervising leader after days overdue"), default=7
    )
    escalate_to_reviewers_after_days = models.PositiveSmallIntegerField(
        _("escalate to the reviewers after days overdue"), default=30
    )
    problem_escalate_after_working_days = models.PositiveSmallIntegerField(
        _("escalate overdue problems and replies to the supervising leader after working days"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    report_reminder_day = models.PositiveSmallIntegerField(
        _("monthly report reminder on day of the month"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    # Milestones already overdue on this day get one backlog summary per recipient
    # instead of every notice and escalation they were owed until then (docs/alerts.md).
    alerts_switched_on = models.DateField(
        _("alerts switched on"),
        null=True,
        blank=True,
        help_text=_(
            "Milestones already overdue on this day get one backlog summary per recipient, "
            "not one alert each. Set by the first scan when empty."
        ),
    )
    reviewer_escalations = models.CharField(
        _("escalations to the reviewers"),
        max_length=20,
        choices=ReviewerEscalations.choices,
        default=ReviewerEscalations.DAILY_SUMMARY,
    )
    history = HistoricalRecords(verbose_name=_("historical reminder policy"))

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(overdue_every_working_days__gte=1),
                name="policy_overdue_interval_positive",
                violation_error_message=_("Overdue notices repeat every 1 working day or more."),
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "ReminderPolicy":
        """Return the policy in force (the defaults until an admin changes them)."""
        return cls.objects.order_by("pk").first() or cls()

    def days_before_list(self) -> list[int]:
        return sorted({int(days) for days in self.days_before.split(",") if days}, reverse=True)


class Reminder(models.Model):
    """The ledger of alerts: one row per (address, kind, subject, period), so that an alert
    is owed once and sent once, whatever scans, workers or brokers do."""

    class Kind(models.TextChoices):
        UPCOMING = "upcoming", _("deadline coming")
        DUE = "due", _("due today")
        OVERDUE = "overdue", _("overdue")
        ESCALATION = "escalation", _("escalation")
        REPORT_DUE = "report_due", _("monthly report due")
        REPORT_OVERDUE = "report_overdue", _("monthly report overdue")
        DIGEST = "digest", _("weekly digest")
        BRIEFING = "briefing", _("monthly briefing")
        REPORT_SUBMITTED = "report_submitted", _("report submitted for review")
        REPORT_RETURNED = "report_returned", _("report returned")
        REPORT_APPROVED = "report_approved", _("report approved")
        PROBLEM_ASSIGNED = "problem_assigned", _("problem assigned")
        PROBLEM_RETURNED = "problem_returned", _("problem sent back")
        ORDER_ISSUED = "order_issued", _("supervision order issued")
        ORDER_REPLIED = "order_replied", _("supervision order replied")
        ORDER_RETURNED = "order_returned", _("supervision order sent back")
        FUNDS_IDLE = "funds_idle", _("funds idle")
        FUNDS_BEHIND_PROGRESS = "funds_behind", _("payments behind the physical progress")
        BACKLOG = "backlog", _("overdue backlog")
        ESCALATION_SUMMARY = "escalations", _("escalations of the day")

    class Status(models.TextChoices):
        OWED = "owed", _("owed")
        SENT = "sent", _("sent")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed for good")

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        WEBHOOK = "webhook", _("group-chat robot")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    webhook = models.ForeignKey(
        "WebhookChannel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("group-chat robot"),
    )
    # "user:12" or "webhook:3": one column that is never NULL, for the unique constraint.
    address = models.CharField(_("address"), max_length=40, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # The review step (submitted, returned, approved) a review notice is about.
    review_step = models.ForeignKey(
        "ReportTransition", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The problem or supervision order a 督办 alert is about.
    problem = models.ForeignKey(
        "Problem", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    supervision_order = models.ForeignKey(
        "SupervisionOrder",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    # The pre-construction approval a deadline alert is about.
    approval_item = models.ForeignKey(
        "ApprovalItem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    # "milestone:7", "project:3:2024-05" or "digest": what the alert is about.
    subject = models.CharField(_("subject"), max_length=60)
    period = models.DateField(_("due date or period"))
    days = models.SmallIntegerField(_("days left (negative: overdue)"), default=0)
    # A summary (backlog, escalations of the day): {"count": n, "milestones": [the ids of
    # the most overdue, at most SUMMARY_ITEMS], "mine": the recipient's own projects only}.
    summary = models.JSONField(_("summary"), null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OWED
    )
    owed_on = models.DateField(_("owed on"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # After a transient failure: not tried again before this time (backoff).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The scan that wrote the row: lets a scan count exactly the rows it added.
    scan_id = models.UUIDField(null=True, editable=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders (ledger)")
        ordering = ["-owed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["address", "kind", "subject", "period"], name="reminder_once"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "owed_on"]),
            # A scan counts the rows it added by its id.
            models.Index(fields=["scan_id"], name="reminder_scan_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject} → {self.address}"


#: The notices of a step of the 督办 loop (the deadlines of problems and orders are
#: ordinary deadline alerts: upcoming, due, overdue, escalation).
SUPERVISION_NOTICES = (
    Reminder.Kind.PROBLEM_ASSIGNED,
    Reminder.Kind.PROBLEM_RETURNED,
    Reminder.Kind.ORDER_ISSUED,
    Reminder.Kind.ORDER_REPLIED,
    Reminder.Kind.ORDER_RETURNED,
)


class Notification(models.Model):
    """An in-app notice (the bell), made for the same events as the alerts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Reminder.Kind.choices)
    # kind|subject|period of the alert: one notice per user and alert.
    key = models.CharField(max_length=100, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]

    def __str__(self):
        return self.title


class NotificationSettings(models.Model):
    """A user's choice of which alerts come by email, and whether the weekly digest does."""

    class Digest(models.TextChoices):
        WEEKLY = "weekly", _("weekly")
        NEVER = "never", _("never")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    email_deadlines = models.BooleanField(_("email deadline alerts"), default=True)
    email_overdue = models.BooleanField(_("email overdue notices and escalations"), default=True)
    email_reports = models.BooleanField(_("email monthly report reminders"), default=True)
    email_reviews = models.BooleanField(
        _("email review notices (submitted, returned, approved)"), default=True
    )
    email_supervision = models.BooleanField(
        _("email supervision notices (problems assigned, orders issued, replies)"), default=True
    )
    digest = models.CharField(
        _("digest by email"), max_length=10, choices=Digest.choices, default=Digest.WEEKLY
    )
    calendar_token = models.CharField(
        _("calendar feed key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user)

    def wants_email(self, kind: str) -> bool:
        """Return whether this user wants alerts of ``kind`` by email."""
        Kind = Reminder.Kind
        if kind in (Kind.UPCOMING, Kind.DUE):
            return self.email_deadlines
        # A summary stands for overdue notices and escalations: it follows their choice.
        if kind in (Kind.OVERDUE, Kind.ESCALATION, Kind.BACKLOG, Kind.ESCALATION_SUMMARY):
            return self.email_overdue
        # Money idle or behind the works: a warning like an overdue deadline.
        if kind in (Kind.FUNDS_IDLE, Kind.FUNDS_BEHIND_PROGRESS):
            return self.email_overdue
        if kind in (Kind.REPORT_DUE, Kind.REPORT_OVERDUE):
            return self.email_reports
        if kind in (Kind.REPORT_SUBMITTED, Kind.REPORT_RETURNED, Kind.REPORT_APPROVED):
            return self.email_reviews
        if kind in SUPERVISION_NOTICES:
            return self.email_supervision
        if kind == Kind.BRIEFING:
            return True  # the monthly briefing is the town's report to its leaders
        return self.digest == self.Digest.WEEKLY


class WebhookChannel(TimeStampedModel):
    """A group-chat robot (企业微信 or 钉钉) that receives a responsible unit's alerts."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom (企业微信)")
        DINGTALK = "dingtalk", _("DingTalk (钉钉)")

    responsible_unit = models.ForeignKey(
        ResponsibleUnit,
        on_delete=models.CASCADE,
        related_name="webhooks",
        verbose_name=_("responsible unit"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(
        _("robot webhook address"),
        max_length=500,
        validators=[AllowedHostURLValidator("ROBOT_WEBHOOK_HOSTS")],
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(verbose_name=_("historical group-chat robot"))

    class Meta:
        verbose_name = _("group-chat robot")
        verbose_name_plural = _("group-chat robots")

    def __str__(self):
        return f"{self.responsible_unit} · {self.get_kind_display()}"
