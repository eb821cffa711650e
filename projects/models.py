"""The town's investment projects, their plans, milestones, monthly reports and indicators."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.models import FIRST_YEAR, LAST_YEAR, TimeStampedModel, plausible_year_constraint
from shanwang.validators import PhotoValidator

from .querysets import Light, LightReason, ProjectQuerySet

ZERO = Decimal("0")


class ResponsibleUnit(TimeStampedModel):
    """A town department or village committee that answers for projects (责任单位)."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("town department")
        VILLAGE_COMMITTEE = "village_committee", _("village or community committee")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committees",
        verbose_name=_("village"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="responsible_units",
        verbose_name=_("members"),
    )
    history = HistoricalRecords(verbose_name=_("historical responsible unit"))

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class FundingSource(TimeStampedModel):
    """A kind of money a project is paid from (资金来源); admins extend the list."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords(verbose_name=_("historical funding source"))

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Project(TimeStampedModel):
    """A public or industrial investment project tracked by the town (项目)."""

    class Category(models.TextChoices):
        WATER_REMEDIATION = "water_remediation", _("water environment remediation")
        SUBSIDENCE_TREATMENT = "subsidence_treatment", _("subsidence-area treatment")
        AFFORDABLE_HOUSING = "affordable_housing", _("affordable rental housing")
        FACTORY_BUILDING = "factory_building", _("standardized factory building")
        LAND_CONSOLIDATION = "land_consolidation", _("land consolidation")
        RURAL_REVITALIZATION = "rural_revitalization", _("rural revitalization / model village")
        ROAD_INFRASTRUCTURE = "road_infrastructure", _("road and infrastructure")
        ECOLOGICAL_RESTORATION = "ecological_restoration", _("ecological restoration")
        INDUSTRIAL = "industrial", _("industrial")
        PUBLIC_SERVICE = "public_service", _("public service")
        PLANNING = "planning", _("planning")

    class Stage(models.TextChoices):
        PLANNING = "planning", _("planning reserve")
        PRELIMINARY = "preliminary", _("preliminary")
        UNDER_CONSTRUCTION = "under_construction", _("under construction")
        COMPLETED = "completed", _("completed")
        IN_OPERATION = "in_operation", _("in operation")
        SUSPENDED = "suspended", _("suspended")
        CANCELLED = "cancelled", _("cancelled")

    #: Stages in which a project is expected to move and so gets a traffic light.
    ACTIVE_STAGES = (Stage.PRELIMINARY, Stage.UNDER_CONSTRUCTION)

    name = models.CharField(_("name"), max_length=200, unique=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    stage = models.CharField(
        _("stage"), max_length=30, choices=Stage.choices, default=Stage.PLANNING
    )
    statistics_registered = models.BooleanField(
        _("statistics registered"),
        null=True,
        blank=True,
        help_text=_("Entered in the statistical project database (入库纳统). Empty: not recorded."),
    )
    statistics_registered_year = models.PositiveSmallIntegerField(
        _("statistics registration year"), null=True, blank=True
    )
    villages = models.ManyToManyField(
        "villages.Village", blank=True, related_name="projects", verbose_name=_("villages")
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    scope_quantity = models.DecimalField(
        _("scope quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    scope_unit = models.CharField(
        _("scope unit"), max_length=20, blank=True, help_text=_("For example m², km, 亩.")
    )
    responsible_unit = models.ForeignKey(
        ResponsibleUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("responsible unit"),
    )
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_projects",
        verbose_name=_("contact person"),
    )
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_projects",
        verbose_name=_("supervising leader"),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_completion = models.DateField(_("planned completion"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_completion = models.DateField(_("actual completion"), null=True, blank=True)
    total_investment = models.DecimalField(
        _("total investment (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    source_note = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Which document this record came from."),
    )
    history = HistoricalRecords(verbose_name=_("historical project"), m2m_fields=[villages])

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment__isnull=True) | Q(total_investment__gte=ZERO),
                name="project_total_investment_not_negative",
                violation_error_message=_("Total investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(scope_quantity__isnull=True) | Q(scope_quantity__gte=ZERO),
                name="project_scope_not_negative",
                violation_error_message=_("The scope quantity cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_completion__isnull=True)
                | Q(planned_completion__gte=F("planned_start")),
                name="project_planned_completion_after_start",
                violation_error_message=_(
                    "The planned completion date cannot be before the planned start date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_completion__isnull=True)
                | Q(actual_completion__gte=F("actual_start")),
                name="project_actual_completion_after_start",
                violation_error_message=_(
                    "The actual completion date cannot be before the actual start date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(statistics_registered_year__isnull=True)
                | Q(
                    statistics_registered=True,
                    statistics_registered_year__gte=FIRST_YEAR,
                    statistics_registered_year__lte=LAST_YEAR,
                ),
                name="project_registration_year_needs_registration",
                violation_error_message=_(
                    "A statistics registration year needs the project to be registered."
                ),
            ),
        ]
        # The list's filters and sorts (the name has its unique index): a filtered page
        # reads its rows in name order and stops after one page.
        indexes = [
            models.Index(fields=["category", "name"], name="project_category_name_idx"),
            models.Index(fields=["stage", "name"], name="project_stage_name_idx"),
            models.Index(fields=["total_investment"], name="project_total_investment_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.pk])

    # The methods below read the annotations of ProjectQuerySet.with_traffic_light().

    def get_light_display(self) -> str:
        """Return the name of the project's traffic light."""
        return Light(self.light).label

    def light_explanation(self) -> str:
        """Return, in words, why the project has its traffic light."""
        reason = LightReason(self.light_reason)
        if reason in (LightReason.FAR_BEHIND, LightReason.BEHIND, LightReason.ON_PACE):
            figures = {
                "points": abs(self.pace_gap_points),
                "elapsed": self.pace_elapsed_share * 100,
                "completed": self.pace_completed_share * 100,
            }
            if reason == LightReason.ON_PACE:
                return (
                    _(
                        "On pace: %(completed).0f%% done against "
                        "%(elapsed).0f%% of the time elapsed."
                    )
                    % figures
                )
            return (
                _(
                    "%(points).1f percentage points behind schedule pace: %(completed).0f%% done "
                    "against %(elapsed).0f%% of the time elapsed."
                )
                % figures
            )
        if reason in (LightReason.MILESTONE_FAR_OVERDUE, LightReason.MILESTONE_OVERDUE):
            return _(
                "%(count)d milestone(s) overdue; the oldest, “%(title)s”, by %(days)d days."
            ) % {
                "count": self.overdue_milestone_count,
                "title": self.oldest_overdue_title,
                "days": self.max_days_overdue,
            }
        if reason == LightReason.NO_BASIS:
            return _(
                "No annual plan, nor total investment with planned dates, to measure pace "
                "against, and no milestone overdue."
            )
        return _("No traffic light in the stage “%(stage)s”.") % {"stage": self.get_stage_display()}


class Funding(TimeStampedModel):
    """The amount a project receives from one funding source."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="fundings", verbose_name=_("project")
    )
    source = models.ForeignKey(
        FundingSource,
        on_delete=models.PROTECT,
        related_name="fundings",
        verbose_name=_("funding source"),
    )
    amount = models.DecimalField(
        _("amount (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty when the source is known but not the amount."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords(verbose_name=_("historical funding"))

    class Meta:
        verbose_name = _("funding")
        verbose_name_plural = _("fundings")
        ordering = ["project", "source"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="funding_unique_source"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=ZERO),
                name="funding_amount_not_negative",
                violation_error_message=_("The funding amount cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.source}"


class AnnualPlan(TimeStampedModel):
    """A project's planned investment and physical goals for one year (年度计划)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="annual_plans", verbose_name=_("project")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    planned_investment = models.DecimalField(
        _("planned investment (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    physical_goals = models.TextField(_("physical goals"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    history = HistoricalRecords(verbose_name=_("historical annual plan"))

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["project", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="annual_plan_unique_year"),
            models.CheckConstraint(
                condition=Q(planned_investment__isnull=True) | Q(planned_investment__gte=ZERO),
                name="annual_plan_investment_not_negative",
                violation_error_message=_("The planned investment cannot be negative."),
            ),
            plausible_year_constraint("year", name="annual_plan_year_plausible"),
        ]
        # The plan-year filter and the town's planned investment of a year.
        indexes = [
            models.Index(
                fields=["year", "project"],
                include=["planned_investment"],
                name="annual_plan_year_idx",
            )
        ]

    def __str__(self):
        return f"{self.project} {self.year}"


class Milestone(TimeStampedModel):
    """A dated step of a project (节点): approval, tender award, start, completion acceptance."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="milestones",
        verbose_name=_("owner"),
    )
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    history = HistoricalRecords(verbose_name=_("historical milestone"))

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["project", "completed_on", "due_date"]),
            # Open milestones by due date: the dashboard's overdue and coming lists and
            # the reminder scan read only these.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(completed_on__isnull=True),
                name="milestone_open_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.title}"

    def is_overdue_on(self, on: datetime.date) -> bool:
        """Return whether the milestone is still open after its due date, as of ``on``.

        The same rule as ProjectQuerySet.with_milestone_summary's ``overdue`` in SQL.
        """
        return self.completed_on is None and self.due_date < on

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class ProgressReport(TimeStampedModel):
    """A monthly progress report (月报) submitted by a project's contact person."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="progress_reports",
        verbose_name=_("project"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the reported month."))
    physical_progress = models.DecimalField(
        _("physical progress (%)"), max_digits=5, decimal_places=2
    )
    investment_completed = models.DecimalField(
        _("investment completed this month (10k yuan)"), max_digits=14, decimal_places=2
    )
    narrative = models.TextField(_("progress narrative"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submitted_reports",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_reports",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    history = HistoricalRecords(verbose_name=_("historical progress report"))

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-month", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"],
                name="progress_report_unique_month",
                violation_error_message=_("This project already has a report for that month."),
            ),
            models.CheckConstraint(
                condition=Q(physical_progress__gte=ZERO) & Q(physical_progress__lte=Decimal(100)),
                name="progress_report_progress_0_100",
                violation_error_message=_("Physical progress must be between 0 and 100%%."),
            ),
            models.CheckConstraint(
                condition=Q(investment_completed__gte=ZERO),
                name="progress_report_investment_not_negative",
                violation_error_message=_("The investment completed cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="progress_report_month_first_day",
                violation_error_message=_("The month must be given as its first day."),
            ),
        ]
        indexes = [
            # Each project's approved investment, summed from the index alone.
            models.Index(
                fields=["project", "status", "month"],
                include=["investment_completed"],
                name="report_project_status_idx",
            ),
            # The town's approved investment of a year; reports waiting for review.
            models.Index(
                fields=["status", "month"],
                include=["investment_completed", "project"],
                name="report_status_month_idx",
            ),
            models.Index(
                fields=["status", "submitted_at", "id"], name="report_status_submitted_idx"
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.month:%Y-%m}"


class ReportPhoto(TimeStampedModel):
    """A site photo attached to a progress report."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=_("progress report"),
    )
    image = models.ImageField(_("image"), upload_to="reports/%Y/%m/", validators=[PhotoValidator()])
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_photos",
        verbose_name=_("uploaded by"),
    )
    history = HistoricalRecords(verbose_name=_("historical report photo"))

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["report", "pk"]

    def __str__(self):
        return self.caption or self.image.name


class TrafficLightThresholds(models.Model):
    """The admin-editable thresholds of the traffic light (红黄绿灯预警); one row."""

    yellow_points_behind = models.PositiveSmallIntegerField(
        _("yellow from points behind pace"), default=10
    )
    red_points_behind = models.PositiveSmallIntegerField(
        _("red above points behind pace"), default=30
    )
    red_days_overdue = models.PositiveSmallIntegerField(
        _("red above days a milestone is overdue"), default=30
    )
    history = HistoricalRecords(verbose_name=_("historical traffic-light thresholds"))

    class Meta:
        verbose_name = _("traffic-light thresholds")
        verbose_name_plural = _("traffic-light thresholds")
        constraints = [
            models.CheckConstraint(
                condition=Q(red_points_behind__gt=F("yellow_points_behind")),
                name="thresholds_red_beyond_yellow",
                violation_error_message=_(
                    "The red threshold must be more points behind than the yellow one."
                ),
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "TrafficLightThresholds":
        """Return the thresholds in force (the defaults until an admin changes them)."""
        return cls.objects.order_by("pk").first() or cls()


class Indicator(TimeStampedModel):
    """A town-level economic or social indicator from the work report (主要经济指标)."""

    class Kind(models.TextChoices):
        ABSOLUTE = "absolute", _("absolute value")
        GROWTH = "growth", _("year-on-year growth (%)")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords(verbose_name=_("historical indicator"))

    class Meta:
        verbose_name = _("town indicator")
        verbose_name_plural = _("town indicators")
        ordering = ["display_order", "code"]

    def __str__(self):
        return self.name


class IndicatorValue(TimeStampedModel):
    """An actual or target value of an indicator for one year."""

    class ValueKind(models.TextChoices):
        ACTUAL = "actual", _("actual")
        TARGET = "target", _("target")

    class Bound(models.TextChoices):
        EXACT = "exact", _("exactly")
        AT_LEAST = "at_least", _("at least")
        AT_MOST = "at_most", _("at most")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value_kind = models.CharField(_("actual or target"), max_length=10, choices=ValueKind.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    bound = models.CharField(_("bound"), max_length=10, choices=Bound.choices, default=Bound.EXACT)
    source_note = models.CharField(_("source"), max_length=300, blank=True)
    history = HistoricalRecords(verbose_name=_("historical indicator value"))

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "year", "value_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "value_kind"], name="indicator_value_unique"
            ),
            plausible_year_constraint("year", name="indicator_value_year_plausible"),
        ]

    def __str__(self):
        return f"{self.indicator} {self.year} {self.get_value_kind_display()}"


class StageTransition(models.Model):
    """A recorded change of a project's stage: who, when, from what to what, and why."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="stage_transitions",
        verbose_name=_("project"),
    )
    from_stage = models.CharField(_("from stage"), max_length=30, choices=Project.Stage.choices)
    to_stage = models.CharField(_("to stage"), max_length=30, choices=Project.Stage.choices)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.project}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"


class ReportTransition(models.Model):
    """A recorded step of a monthly report's review: submitted, approved or returned."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("progress report"),
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=ProgressReport.Status.choices
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=ProgressReport.Status.choices
    )
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("report review step")
        verbose_name_plural = _("report review steps")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.report}: {self.get_from_status_display()} → {self.get_to_status_display()}"


# Deadline alerts ----------------------------------------------------------------------


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
    report_reminder_day = models.PositiveSmallIntegerField(
        _("monthly report reminder on day of the month"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
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
    # "milestone:7", "project:3:2024-05" or "digest": what the alert is about.
    subject = models.CharField(_("subject"), max_length=60)
    period = models.DateField(_("due date or period"))
    days = models.SmallIntegerField(_("days left (negative: overdue)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OWED
    )
    owed_on = models.DateField(_("owed on"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
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
        if kind in (Kind.OVERDUE, Kind.ESCALATION):
            return self.email_overdue
        if kind in (Kind.REPORT_DUE, Kind.REPORT_OVERDUE):
            return self.email_reports
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
    url = models.URLField(_("robot webhook address"), max_length=500)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(verbose_name=_("historical group-chat robot"))

    class Meta:
        verbose_name = _("group-chat robot")
        verbose_name_plural = _("group-chat robots")

    def __str__(self):
        return f"{self.responsible_unit} · {self.get_kind_display()}"
