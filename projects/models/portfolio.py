"""The portfolio: projects, who answers for them, their money, plans and milestones."""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang import formatting
from shanwang.models import (
    FIRST_YEAR,
    LAST_YEAR,
    BoundedTextField,
    TimeStampedModel,
    plausible_year_constraint,
)
from shanwang.pinyin import PINYIN_FIELDS, PinyinNamedModel

from ..querysets import REASON_OF_PROBLEM_LEVEL, Light, LightReason, ProjectQuerySet

ZERO = Decimal("0")
#: How far before a project's planned start a milestone may fall due (approvals come first).
MILESTONE_LEAD = datetime.timedelta(days=366)
#: Without a planned start: how far in the past a new milestone may fall due (backfilled
#: history, not a mistyped year such as 2020 for 2026).
MILESTONE_LOOKBACK = datetime.timedelta(days=5 * 365 + 1)
#: How much of an overdue problem's description the light's one-line explanation shows.
LIGHT_EXPLANATION_DESCRIPTION_CHARS = 40


def dates_not_after_today(instance, *names: str) -> dict[str, ValidationError]:
    """The errors of the date fields ``names`` of ``instance`` that lie in the future:
    what has actually happened cannot have happened after today."""
    today = timezone.localdate()
    return {
        name: ValidationError(
            _("The %(field)s cannot be later than today (%(today)s)."),
            params={"field": instance._meta.get_field(name).verbose_name, "today": today},
            code="future",
        )
        for name in names
        if getattr(instance, name) is not None and getattr(instance, name) > today
    }


#: The project code's parts: 年份码-地区码-行业码-类型码-流水码.
PROJECT_CODE_PATTERN = re.compile(
    r"^(?P<year>\d{4})-(?P<division>\d{6})-(?P<industry>\d{2})-(?P<type>\d{2})-(?P<serial>\d{6})$"
)
#: The first year of the national investment project online approval platform's codes.
PROJECT_CODE_FIRST_YEAR = 2014
#: The two-digit province codes of GB/T 2260 (the division code's first two digits).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "  # noqa: SIM905
    "61 62 63 64 65 71 81 82".split()
)
#: The type codes: 01 审批 (approval), 02 核准 (authorization), 03 备案 (filing).
PROJECT_CODE_TYPES = frozenset({"01", "02", "03"})
#: Full-width characters a code is often typed with, and what they stand for.
_CODE_FOLDING = str.maketrans("０１２３４５６７８９－—–", "0123456789---")


def normalized_project_code(code: str | None) -> str | None:
    """Return ``code`` as stored: full-width digits and dashes folded, spaces dropped;
    None for an empty code."""
    if code is None:
        return None
    code = "".join(str(code).translate(_CODE_FOLDING).split())
    return code or None


def project_code_problem(code: str) -> str | None:
    """Return what is wrong with a (normalized) project code, naming the part, or None."""
    match = PROJECT_CODE_PATTERN.match(code)
    if match is None:
        return _(
            "The project code has 24 characters in five parts, year-division-industry-"
            "type-serial, for example 2023-340405-48-01-012345."
        )
    parts = match.groupdict()
    year = int(parts["year"])
    if not PROJECT_CODE_FIRST_YEAR <= year <= timezone.localdate().year + 1:
        return _("The project code's year %(year)s is not plausible.") % {"year": parts["year"]}
    if parts["division"][:2] not in PROVINCE_CODES:
        return _("The project code's division code %(division)s names no province.") % {
            "division": parts["division"]
        }
    if parts["industry"] == "00":
        return _("The project code's industry code cannot be 00.")
    if parts["type"] not in PROJECT_CODE_TYPES:
        return _(
            "The project code's type code %(type)s is none of 01 (approval), "
            "02 (authorization) and 03 (filing)."
        ) % {"type": parts["type"]}
    if parts["serial"] == "000000":
        return _("The project code's serial number cannot be 000000.")
    return None


class ResponsibleUnit(PinyinNamedModel, TimeStampedModel):
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
    history = HistoricalRecords(
        verbose_name=_("historical responsible unit"), excluded_fields=list(PINYIN_FIELDS)
    )

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["kind", "name_sort", "name"]

    def __str__(self):
        return self.name


class FundingSource(TimeStampedModel):
    """A kind of money a project is paid from (资金来源); admins extend the list."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = BoundedTextField(_("description"), max_length=5000, blank=True)
    is_bridging_fund = models.BooleanField(
        _("rural revitalization bridging funds"),
        default=False,
        help_text=_(
            "Ticked: the source counts toward the bridging funds' spending rate "
            "(衔接资金支出率) that the work report states."
        ),
    )
    history = HistoricalRecords(verbose_name=_("historical funding source"))

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Project(PinyinNamedModel, TimeStampedModel):
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
    statistics_registered_on = models.DateField(
        _("statistics registration date"), null=True, blank=True
    )
    # The 24-character code of the national investment project online approval platform
    # (投资项目统一代码); NULL, not "", when unknown, so that unique holds for the known ones.
    code = models.CharField(
        _("project code"),
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        help_text=_("For example 2023-340405-48-01-012345."),
    )
    villages = models.ManyToManyField(
        "villages.Village", blank=True, related_name="projects", verbose_name=_("villages")
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    # The site point (WGS 84, as a phone's GPS gives it): photos taken far from it are
    # flagged for the reviewer. Entered on a form or taken from the first located photo.
    site_latitude = models.DecimalField(
        _("site latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    site_longitude = models.DecimalField(
        _("site longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
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
    description = BoundedTextField(_("description"), max_length=5000, blank=True)
    source_note = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Which document this record came from."),
    )
    history = HistoricalRecords(
        verbose_name=_("historical project"),
        m2m_fields=[villages],
        excluded_fields=list(PINYIN_FIELDS),
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name_sort", "name"]
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
                condition=Q(statistics_registered_on__isnull=True) | Q(statistics_registered=True),
                name="project_registration_date_needs_registration",
                violation_error_message=_(
                    "A statistics registration date needs the project to be registered."
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
        # The list's filters and sorts: a page, filtered or not, reads its rows in pinyin
        # order and stops after one page.
        indexes = [
            models.Index(fields=["name_sort", "name"], name="project_name_sort_idx"),
            models.Index(
                fields=["category", "name_sort", "name"], name="project_category_sort_idx"
            ),
            models.Index(fields=["stage", "name_sort", "name"], name="project_stage_sort_idx"),
            models.Index(fields=["total_investment"], name="project_total_investment_idx"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.code = normalized_project_code(self.code)
        errors = dates_not_after_today(
            self, "actual_start", "actual_completion", "statistics_registered_on"
        )
        if self.code is not None and (problem := project_code_problem(self.code)):
            errors["code"] = ValidationError(problem, code="invalid")
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.pk])

    # The methods below read the annotations of ProjectQuerySet.with_traffic_light().

    def get_light_display(self) -> str:
        """Return the name of the project's traffic light."""
        return Light(self.light).label

    def light_explanation(self) -> str:
        """Return, in words, why the project has its traffic light."""
        reason = LightReason(self.light_reason)
        if reason in REASON_OF_PROBLEM_LEVEL.values():
            return self._overdue_problem_explanation(reason)
        if reason in (LightReason.FAR_BEHIND, LightReason.BEHIND, LightReason.ON_PACE):
            # Percentages and points with one decimal, as every page writes them.
            figures = {
                "points": formatting.points(abs(self.pace_gap_points)),
                "elapsed": formatting.percent(self.pace_elapsed_share),
                "completed": formatting.percent(self.pace_completed_share),
            }
            if reason == LightReason.ON_PACE:
                return (
                    _(
                        # Translators: 达到序时进度：完成比例%(completed)s，序时进度%(elapsed)s。
                        "On pace: %(completed)s done against %(elapsed)s of the time elapsed."
                    )
                    % figures
                )
            return (
                _(
                    # Translators: 滞后序时进度%(points)s个百分点：完成比例%(completed)s，
                    # 序时进度%(elapsed)s。
                    "%(points)s percentage points behind schedule pace: %(completed)s done "
                    "against %(elapsed)s of the time elapsed."
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
        if reason in (LightReason.NOT_REGISTERED_LONG, LightReason.NOT_REGISTERED):
            return self.registration_explanation()
        if reason == LightReason.NO_BASIS:
            return _(
                "No annual plan, nor total investment with planned dates, to measure pace "
                "against, and no milestone overdue."
            )
        return _("No traffic light in the stage “%(stage)s”.") % {"stage": self.get_stage_display()}

    def registration_explanation(self) -> str:
        """Return, in words, how long the started project has gone without statistics
        registration, with its total investment and the threshold (the annotations of
        ProjectQuerySet.with_registration)."""
        return _(
            # Translators: 开工已%(days)d天未入库纳统（总投资%(investment)s，起报标准%(threshold)s）
            "Started %(days)d days ago and not statistics-registered (total investment "
            "%(investment)s, registration threshold %(threshold)s)."
        ) % {
            "days": self.days_since_start,
            "investment": formatting.amount_in_sentence(self.total_investment),
            "threshold": formatting.amount_in_sentence(self.registration_threshold),
        }

    def _overdue_problem_explanation(self, reason) -> str:
        """Return the one line naming the overdue problem that decides the light: what it
        is, by how many days, its unit, and how many problems are overdue in all."""
        days = {"days": self.overdue_problem_days}
        if reason == LightReason.LISTED_PROBLEM_OVERDUE:
            # Translators: 挂牌督办事项逾期%(days)d天
            what = _("Item listed for supervision overdue by %(days)d days") % days
        elif reason == LightReason.KEY_PROBLEM_OVERDUE:
            # Translators: 重点问题逾期%(days)d天
            what = _("Key problem overdue by %(days)d days") % days
        else:
            # Translators: 问题逾期%(days)d天
            what = _("Problem overdue by %(days)d days") % days
        figures = {
            "what": what,
            # One line: the description's line breaks folded, a long one cut.
            "description": Truncator(" ".join(self.overdue_problem_description.split())).chars(
                LIGHT_EXPLANATION_DESCRIPTION_CHARS
            ),
            "unit": self.overdue_problem_unit,
        }
        if self.overdue_problem_unit:
            # Translators: %(what)s：“%(description)s”（%(unit)s）
            line = _("%(what)s: “%(description)s” (%(unit)s)") % figures
        else:
            # Translators: %(what)s：“%(description)s”
            line = _("%(what)s: “%(description)s”") % figures
        if self.overdue_problem_count > 1:
            # Translators: %(line)s；共%(count)d个问题逾期
            line = _("%(line)s; %(count)d problems overdue in all") % {
                "line": line,
                "count": self.overdue_problem_count,
            }
        return line


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
    physical_goals = BoundedTextField(_("physical goals"), max_length=2000, blank=True)
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
    note = BoundedTextField(_("note"), max_length=2000, blank=True)
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

    @classmethod
    def from_db(cls, db, field_names, values):
        milestone = super().from_db(db, field_names, values)
        milestone._stored_due_date = milestone.__dict__.get("due_date")
        return milestone

    def clean(self):
        super().clean()
        errors = dates_not_after_today(self, "completed_on")
        changed = self.due_date != getattr(self, "_stored_due_date", None)
        # Without its project (a form checked before the service sets it) the bound is
        # unknown: the service's full_clean applies it.
        if (
            self.project_id
            and self.due_date
            and changed
            and self.due_date < self.earliest_due_date()
        ):
            errors["due_date"] = ValidationError(
                _(
                    "The due date %(due)s is more than a year before the project's planned "
                    "start (or, without one, more than five years ago): check the year."
                ),
                params={"due": self.due_date},
                code="implausible",
            )
        if errors:
            raise ValidationError(errors)

    def earliest_due_date(self) -> datetime.date:
        """The earliest plausible due date of a new or moved milestone: a year before the
        project's planned start, or five years before today when it has none."""
        if self.project.planned_start is not None:
            return self.project.planned_start - MILESTONE_LEAD
        return timezone.localdate() - MILESTONE_LOOKBACK

    def is_overdue_on(self, on: datetime.date) -> bool:
        """Return whether the milestone is still open after its due date, as of ``on``.

        The same rule as ProjectQuerySet.with_milestone_summary's ``overdue`` in SQL.
        """
        return self.completed_on is None and self.due_date < on

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


#: What an overdue problem may do to its project's light: red, yellow, or nothing.
PROBLEM_LIGHTS = [
    (Light.RED.value, Light.RED.label),
    (Light.YELLOW.value, Light.YELLOW.label),
    (Light.NONE.value, _("no effect")),
]


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
    # The light an open problem past its deadline gives its project, by its level (督办).
    listed_problem_light = models.CharField(
        _("light of an overdue listed problem"),
        max_length=10,
        choices=PROBLEM_LIGHTS,
        default=Light.RED,
    )
    key_problem_light = models.CharField(
        _("light of an overdue key problem"),
        max_length=10,
        choices=PROBLEM_LIGHTS,
        default=Light.YELLOW,
    )
    normal_problem_light = models.CharField(
        _("light of an overdue ordinary problem"),
        max_length=10,
        choices=PROBLEM_LIGHTS,
        default=Light.NONE,
    )
    # Statistics registration (入库纳统): a started project at or above the threshold
    # not registered so many months after its actual start turns yellow, then red.
    registration_threshold = models.DecimalField(
        _("registration threshold (10k yuan of total investment)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("500"),
        validators=[MinValueValidator(ZERO)],
    )
    registration_yellow_months = models.PositiveSmallIntegerField(
        _("yellow when not registered months after the start"),
        default=1,
        validators=[MinValueValidator(1)],
    )
    registration_red_months = models.PositiveSmallIntegerField(
        _("red when not registered months after the start"),
        default=2,
        validators=[MinValueValidator(1)],
    )
    # Money (资金): the payment rate's light and the funds alerts.
    idle_funds_months = models.PositiveSmallIntegerField(
        _("idle funds: months after the money arrived"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    idle_funds_paid_percent = models.PositiveSmallIntegerField(
        _("idle funds: less than this share paid (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
    )
    progress_ahead_of_money_points = models.PositiveSmallIntegerField(
        _("progress ahead of the money by more than points"),
        default=30,
        validators=[MaxValueValidator(100)],
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
            models.CheckConstraint(
                condition=Q(registration_red_months__gt=F("registration_yellow_months")),
                name="thresholds_registration_red_after_yellow",
                violation_error_message=_(
                    "Red for registration must come more months after the start than yellow."
                ),
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "TrafficLightThresholds":
        """Return the thresholds in force (the defaults until an admin changes them)."""
        return cls.objects.order_by("pk").first() or cls()

    def problem_lights(self) -> dict[str, str]:
        """Return the light an overdue problem gives its project, by the problem's level."""
        return {
            "listed": self.listed_problem_light,
            "key": self.key_problem_light,
            "normal": self.normal_problem_light,
        }
