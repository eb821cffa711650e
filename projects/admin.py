from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shanwang.admin_site import HistoryAdmin
from shanwang.spreadsheets.admin import WorkbookImportMixin
from shanwang.spreadsheets.exports import xlsx_response

from . import selectors, services
from .models import (
    AnnualPlan,
    CalendarDay,
    Funding,
    FundingSource,
    Indicator,
    IndicatorValue,
    Milestone,
    Notification,
    NotificationSettings,
    ProgressReport,
    Project,
    Reminder,
    ReminderPolicy,
    ReportPhoto,
    ReportTransition,
    ResponsibleUnit,
    StageTransition,
    TrafficLightThresholds,
    WebhookChannel,
)
from .workbooks.sheets import export_workbook, project_workbook, template_workbook


def _message_of(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


class ObjectPermissionAdmin(HistoryAdmin):
    """Ask the object-level rules (projects/rules.py) before adding, changing or deleting a
    row. ``add_permission_on`` names the permission and the parent it is checked on."""

    add_permission_on: tuple[str, str] | None = None

    def save_model(self, request, obj, form, change):
        if not change and self.add_permission_on:
            permission, parent = self.add_permission_on
            if not request.user.has_perm(permission, getattr(obj, parent)):
                raise PermissionDenied(_("You may only add records to projects you answer for."))
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return request.user.has_perm(f"projects.change_{self.opts.model_name}", obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return super().has_delete_permission(request) and self.has_change_permission(request, obj)


class FundingInline(admin.TabularInline):
    model = Funding
    extra = 0
    autocomplete_fields = ["source"]


class AnnualPlanInline(admin.TabularInline):
    model = AnnualPlan
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    autocomplete_fields = ["owner"]


class ProgressReportInline(admin.TabularInline):
    """Reports are listed here and changed on their own page, where the workflow rules."""

    model = ProgressReport
    extra = 0
    fields = ["month", "status", "physical_progress", "investment_completed", "submitted_by"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(WorkbookImportMixin, ObjectPermissionAdmin):
    workbook = project_workbook
    workbook_template = staticmethod(template_workbook)
    template_file_name = "项目台账导入模板.xlsx"
    actions = ["export_workbook"]
    list_display = [
        "name",
        "category",
        "stage",
        "traffic_light",
        "total_investment",
        "cumulative_investment",
        "year_completed_investment",
        "next_milestone_due",
        "overdue_milestone_count",
        "contact_person",
    ]
    list_filter = [
        "stage",
        "category",
        "statistics_registered",
        "villages",
        "responsible_unit",
    ]
    search_fields = ["name", "description", "location"]
    date_hierarchy = "planned_completion"
    autocomplete_fields = [
        "villages",
        "responsible_unit",
        "contact_person",
        "supervising_leader",
    ]
    list_select_related = ["contact_person"]
    inlines = [FundingInline, AnnualPlanInline, MilestoneInline, ProgressReportInline]
    fieldsets = [
        (None, {"fields": ["name", "category", "stage", "description"]}),
        (
            _("Where and how much"),
            {
                "fields": [
                    "villages",
                    "location",
                    ("scope_quantity", "scope_unit"),
                    "total_investment",
                    ("statistics_registered", "statistics_registered_year"),
                ]
            },
        ),
        (
            _("Who answers for it"),
            {"fields": ["responsible_unit", "contact_person", "supervising_leader"]},
        ),
        (
            _("Dates"),
            {
                "fields": [
                    ("planned_start", "planned_completion"),
                    ("actual_start", "actual_completion"),
                ]
            },
        ),
        (_("Source"), {"fields": ["source_note"]}),
    ]

    def get_queryset(self, request):
        return Project.objects.with_traffic_light(on=selectors.today())

    def save_model(self, request, obj, form, change):
        """Save the form's fields; a changed stage goes through the stage service, which
        takes the workflow's step or records an administrator's correction."""
        stage = obj.stage
        if change and "stage" in form.changed_data:
            obj.stage = form.initial["stage"]
        super().save_model(request, obj, form, change)
        if stage != obj.stage:
            try:
                services.project_stage_set(
                    project=obj,
                    stage=stage,
                    acting_user=request.user,
                    comment=str(_("Set in the admin")),
                )
            except ValidationError as error:
                raise PermissionDenied(_message_of(error)) from error
            obj.stage = stage

    def get_readonly_fields(self, request, obj=None):
        """Only administrators correct a stage directly (the workflow is the usual way);
        only reviewers and administrators change who answers for a project."""
        readonly = []
        if not request.user.has_perm("projects.cancel_project", obj):
            readonly.append("stage")
        if not request.user.has_perm("projects.assign_project", obj):
            readonly.extend(services.ASSIGNMENT_FIELDS)
        return readonly

    @admin.display(description=_("traffic light"), ordering="light")
    def traffic_light(self, project):
        return format_html(
            '<span title="{}">{}</span>', project.light_explanation(), project.get_light_display()
        )

    @admin.display(
        description=_("cumulative completed investment"), ordering="cumulative_investment"
    )
    def cumulative_investment(self, project):
        return project.cumulative_investment

    @admin.display(description=_("completed this year"), ordering="year_completed_investment")
    def year_completed_investment(self, project):
        return project.year_completed_investment

    @admin.display(description=_("next milestone"), ordering="next_milestone_due")
    def next_milestone_due(self, project):
        if project.next_milestone_due is None:
            return "—"
        return f"{project.next_milestone_due} {project.next_milestone_title}"

    @admin.display(description=_("overdue milestones"), ordering="overdue_milestone_count")
    def overdue_milestone_count(self, project):
        return project.overdue_milestone_count

    @admin.action(description=_("Export the selected projects as an import workbook (XLSX)"))
    def export_workbook(self, request, queryset):
        # The changelist's queryset carries annotations; the workbook needs plain rows.
        projects = Project.objects.filter(pk__in=queryset.values("pk"))
        return xlsx_response(export_workbook(projects), "项目台账.xlsx")


@admin.register(Milestone)
class MilestoneAdmin(ObjectPermissionAdmin):
    add_permission_on = ("projects.add_milestone", "project")
    list_display = ["title", "project", "due_date", "completed_on", "owner"]
    list_filter = ["completed_on", "project__stage"]
    search_fields = ["title", "project__name"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["project", "owner"]
    list_select_related = ["project", "owner"]
    actions = ["mark_completed"]

    @admin.action(description=_("Mark the selected milestones as completed today"))
    def mark_completed(self, request, queryset):
        completed = 0
        for milestone in queryset.filter(completed_on__isnull=True):
            try:
                services.milestone_complete(milestone=milestone, acting_user=request.user)
                completed += 1
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, _message_of(error), messages.ERROR)
        self.message_user(
            request,
            ngettext(
                "%(count)d milestone marked as completed.",
                "%(count)d milestones marked as completed.",
                completed,
            )
            % {"count": completed},
            messages.SUCCESS,
        )


class ReportPhotoInline(admin.TabularInline):
    model = ReportPhoto
    extra = 0
    autocomplete_fields = ["uploaded_by"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ObjectPermissionAdmin):
    add_permission_on = ("projects.add_progressreport", "project")
    list_display = [
        "project",
        "month",
        "status",
        "physical_progress",
        "investment_completed",
        "submitted_by",
        "reviewed_by",
    ]
    list_filter = ["status", "month"]
    search_fields = ["project__name", "narrative", "problems"]
    date_hierarchy = "month"
    autocomplete_fields = ["project", "submitted_by", "reviewed_by"]
    list_select_related = ["project", "submitted_by", "reviewed_by"]
    inlines = [ReportPhotoInline]
    actions = ["approve"]
    # The review fields change only through the workflow (the action below).
    readonly_fields = [
        "status",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]

    def has_change_permission(self, request, obj=None):
        """An approved report is immutable, for administrators too."""
        if obj is not None and obj.status == ProgressReport.Status.APPROVED:
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Approve the selected submitted reports"))
    def approve(self, request, queryset):
        approved = 0
        for report in queryset.select_related("project"):
            try:
                services.progress_report_approve(report=report, acting_user=request.user)
                approved += 1
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{report}: {_message_of(error)}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d report approved.", "%(count)d reports approved.", approved)
            % {"count": approved},
            messages.SUCCESS,
        )


@admin.register(ReportPhoto)
class ReportPhotoAdmin(ObjectPermissionAdmin):
    add_permission_on = ("projects.change_progressreport", "report")
    list_display = ["__str__", "report", "taken_at", "uploaded_by"]
    search_fields = ["caption", "report__project__name"]
    autocomplete_fields = ["report", "uploaded_by"]
    list_select_related = ["report__project", "uploaded_by"]

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return request.user.has_perm("projects.change_progressreport", obj.report)


@admin.register(AnnualPlan)
class AnnualPlanAdmin(HistoryAdmin):
    list_display = ["project", "year", "planned_investment", "physical_goals"]
    list_filter = ["year"]
    search_fields = ["project__name", "physical_goals"]
    autocomplete_fields = ["project"]
    list_select_related = ["project"]


@admin.register(Funding)
class FundingAdmin(HistoryAdmin):
    list_display = ["project", "source", "amount", "note"]
    list_filter = ["source"]
    search_fields = ["project__name", "source__name"]
    autocomplete_fields = ["project", "source"]
    list_select_related = ["project", "source"]


@admin.register(FundingSource)
class FundingSourceAdmin(HistoryAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(ResponsibleUnit)
class ResponsibleUnitAdmin(HistoryAdmin):
    list_display = ["name", "kind", "village"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["village", "members"]
    list_select_related = ["village"]


@admin.register(TrafficLightThresholds)
class TrafficLightThresholdsAdmin(HistoryAdmin):
    list_display = ["__str__", "yellow_points_behind", "red_points_behind", "red_days_overdue"]

    def has_add_permission(self, request):
        return not TrafficLightThresholds.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    list_display = ["name", "code", "unit", "kind", "display_order"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    inlines = [IndicatorValueInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(HistoryAdmin):
    list_display = ["indicator", "year", "value_kind", "bound", "value", "source_note"]
    list_filter = ["year", "value_kind", "indicator"]
    search_fields = ["indicator__name", "source_note"]
    autocomplete_fields = ["indicator"]
    list_select_related = ["indicator"]
    ordering = [F("indicator__display_order").asc(), "year"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workflow records are an audit trail: readable, never edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyAdmin):
    list_display = ["project", "from_stage", "to_stage", "acting_user", "at", "comment"]
    list_filter = ["to_stage"]
    search_fields = ["project__name", "comment"]
    date_hierarchy = "at"
    list_select_related = ["project", "acting_user"]


@admin.register(ReportTransition)
class ReportTransitionAdmin(ReadOnlyAdmin):
    list_display = ["report", "from_status", "to_status", "acting_user", "at", "comment"]
    list_filter = ["to_status"]
    search_fields = ["report__project__name", "comment"]
    date_hierarchy = "at"
    list_select_related = ["report__project", "acting_user"]


@admin.register(CalendarDay)
class CalendarDayAdmin(HistoryAdmin):
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(HistoryAdmin):
    list_display = [
        "__str__",
        "days_before",
        "on_due_day",
        "overdue_every_working_days",
        "escalate_to_leader_after_days",
        "escalate_to_reviewers_after_days",
        "report_reminder_day",
    ]

    def has_add_permission(self, request):
        return not ReminderPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The alert ledger: read it to see what was owed and sent; the scans write it."""

    list_display = ["owed_on", "kind", "address", "subject", "period", "status", "sent_at"]
    list_filter = ["status", "kind", "channel", "owed_on"]
    search_fields = ["subject", "address", "recipient__username", "last_error"]
    date_hierarchy = "owed_on"
    readonly_fields = [field.name for field in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "email_deadlines", "email_overdue", "email_reports", "digest"]
    list_filter = ["digest"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    exclude = ["calendar_token"]


@admin.register(WebhookChannel)
class WebhookChannelAdmin(HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["responsible_unit", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    autocomplete_fields = ["responsible_unit"]
