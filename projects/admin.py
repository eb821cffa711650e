import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.template_utils import HistoricalRecordContextHelper

from shanwang import formatting
from shanwang.admin_site import HistoryAdmin, ReadOnlyAdmin
from shanwang.spreadsheets.admin import WorkbookImportMixin
from shanwang.spreadsheets.exports import xlsx_response

from . import selectors, services, tasks
from .alerts import delivery
from .approvals import admin as approvals_admin  # registers 前期手续
from .baselines import admin as baselines_admin  # noqa: F401 (registers the baselines)
from .forms import ProjectCodeField, project_code_in_use
from .funds.admin import FundEntryInline  # and registers the fund entries
from .models import (
    AnnualPlan,
    CalendarDay,
    Document,
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
    StagedUpload,
    StageTransition,
    TrafficLightThresholds,
    WebhookChannel,
)
from .rules import is_administrator, may
from .seeding import demo
from .supervision import admin as supervision_admin  # noqa: F401 (registers 督办)
from .targets.admin import ReportedQuantityInline  # and registers the physical targets
from .workbooks.sheets import export_workbook, project_workbook, template_workbook
from .workflows import entry_problems


def _message_of(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


_QUERY_VALUE = re.compile(r"(?P<name>[?&][^=&\s#]+=)(?P<value>[^&\s#'\"<>]+)")


def masked_secrets(text: str) -> str:
    """Return ``text`` with each URL query value cut to its first and last two characters:
    a robot's address shows as ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ab…9f``,
    its key (the robot's only credential) never whole."""

    def shorten(match):
        value = match["value"]
        return match["name"] + (f"{value[:2]}…{value[-2:]}" if len(value) > 8 else "…")

    return _QUERY_VALUE.sub(shorten, text or "")


class ObjectPermissionAdmin(HistoryAdmin):
    """Hold the object-level rules (projects/rules.py) in every admin path: the change and
    add forms, the history ("revert") form, the inlines of other admins and the actions.

    A row is changed only when the rule ``row_permission``, tested on the row or on
    ``row_permission_on`` (the parent it hangs on), lets the user change it both as it is
    and as it will be saved: moving a milestone to another unit's project needs the right
    to the old project and to the new one. A new row also needs ``add_permission_on``
    (permission, parent). Fields the server sets (who uploaded a photo) are set in
    ``set_bookkeeping``, never taken from the form. The rules are tested themselves
    (``may``), so they hold for superusers too; a refusal is a 403 naming the row and its
    parent, and nothing is saved (the admin saves a form and its inlines in one
    transaction).
    """

    row_permission = ""
    row_permission_on = ""
    add_permission_on: tuple[str, str] | None = None

    def rule_target(self, obj):
        """Return what ``row_permission`` is tested on for the row ``obj``."""
        return getattr(obj, self.row_permission_on) if self.row_permission_on else obj

    def may_edit(self, request, obj) -> bool:
        return may(request.user, self.row_permission, self.rule_target(obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request)
        return allowed if obj is None else allowed and self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request)
        return allowed if obj is None else allowed and self.may_edit(request, obj)

    def set_bookkeeping(self, request, obj, change: bool) -> None:
        """Set the fields the server keeps on ``obj`` (none by default)."""

    def check_rules(self, request, obj, change: bool) -> None:
        """Raise PermissionDenied unless the rules let the user save ``obj`` as it is now
        (from the database) and as it will be saved."""
        verbose_name = str(self.opts.verbose_name)
        if change:
            saved = self.model._default_manager.get(pk=obj.pk)
            if not self.may_edit(request, saved):
                raise PermissionDenied(
                    _("You may not change the %(model)s “%(object)s”.")
                    % {"model": verbose_name, "object": saved}
                )
        refused = not self.may_edit(request, obj)
        if not change and self.add_permission_on:
            permission, parent = self.add_permission_on
            refused = refused or not may(request.user, permission, getattr(obj, parent))
        if not refused:
            return
        parent_name = self.row_permission_on or (self.add_permission_on or (None, None))[1]
        if parent_name is None:
            raise PermissionDenied(
                _("You may not save the %(model)s “%(object)s” like this.")
                % {"model": verbose_name, "object": obj}
            )
        raise PermissionDenied(
            _("You may not put the %(model)s “%(object)s” on the %(field)s “%(parent)s”.")
            % {
                "model": verbose_name,
                "object": obj,
                "field": self.opts.get_field(parent_name).verbose_name,
                "parent": getattr(obj, parent_name),
            }
        )

    def save_model(self, request, obj, form, change):
        self.set_bookkeeping(request, obj, change)
        self.check_rules(request, obj, change)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Hold each inline row to the rules of its own admin, as if saved there."""
        row_admin = self.admin_site._registry.get(formset.model)
        deleted = formset.deleted_forms
        for row in formset.forms:
            if row in deleted:
                if row_admin is not None and not row_admin.has_delete_permission(
                    request, row.instance
                ):
                    raise PermissionDenied(
                        _("You may not delete the %(model)s “%(object)s”.")
                        % {"model": formset.model._meta.verbose_name, "object": row.instance}
                    )
            elif row.has_changed() and isinstance(row_admin, ObjectPermissionAdmin):
                existing = row.instance.pk is not None
                row_admin.set_bookkeeping(request, row.instance, existing)
                row_admin.check_rules(request, row.instance, existing)
        super().save_formset(request, form, formset, change)

    def autocomplete_choices(self, request, field, term):
        """Return the people a user may pick in ``field`` without viewing the user admin
        (shanwang.admin_site.NarrowAutocompleteJsonView): the active users who have a
        role, found by username or name."""
        if field.related_model is not get_user_model():
            return None
        people = selectors.people_with_a_role().annotate(
            written_name=Concat("last_name", "first_name")
        )
        for word in term.split():
            people = people.filter(
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(written_name__icontains=word)
            )
        return people.distinct().order_by("username")


class AdministratorsOnlyAdmin(admin.ModelAdmin):
    """Records only administrators see: the alert ledger, the robots' addresses."""

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return is_administrator(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request.user) and super().has_delete_permission(request, obj)


class OwnRowsAdmin(admin.ModelAdmin):
    """A user's own rows (notifications, notification settings): each user sees only
    theirs; administrators see everyone's."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if is_administrator(request.user) else rows.filter(user=request.user)

    def _is_own(self, request, obj) -> bool:
        return obj is None or is_administrator(request.user) or obj.user_id == request.user.pk

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._is_own(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._is_own(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._is_own(request, obj)


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
    """Reports are listed here and changed, or deleted, on their own page, where the
    workflow and the rules decide (an approved report is never deleted)."""

    model = ProgressReport
    extra = 0
    fields = ["month", "status", "physical_progress", "investment_completed", "submitted_by"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def document_download_link(document) -> str:
    """Return a link to the permission-checked download of a saved document."""
    if document.pk is None or not document.file:
        return formatting.EMPTY
    return format_html(
        '<a href="{}" download>{}</a> ({}, {})',
        document.get_absolute_url(),
        document.download_name,
        document.type_label,
        document.size_label,
    )


class DocumentAdminForm(forms.ModelForm):
    """The file is checked by its content in ``Document.clean`` (as on every path); the
    widget shows no link to the stored file, which only the download view serves."""

    class Meta:
        model = Document
        fields = ["project", "report", "kind", "title", "number", "issued_on", "file"]
        widgets = {"file": forms.FileInput(attrs={"accept": ".pdf,.docx,.xlsx"})}


class DocumentInline(admin.TabularInline):
    """A project's documents; each row is held to DocumentAdmin's rules when saved."""

    model = Document
    form = DocumentAdminForm
    fields = ["kind", "title", "number", "issued_on", "report", "file", "download_link"]
    readonly_fields = ["download_link"]
    autocomplete_fields = ["report"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report__project", "project")

    @admin.display(description=_("file"))
    def download_link(self, document):
        return document_download_link(document)


class ProjectAdminForm(forms.ModelForm):
    """A stage set in the form meets the stage service's rules on the form, field by
    field, rather than as a refusal after the save."""

    class Meta:
        # The code as the app's form reads it: folded, and NULL when empty.
        field_classes = {"code": ProjectCodeField}

    def clean_code(self):
        code = self.cleaned_data["code"]
        if error := project_code_in_use(code, self.instance):
            raise error
        return code

    def clean(self):
        cleaned = super().clean()
        stage, before = cleaned.get("stage"), self.initial.get("stage")
        if self.instance.pk and stage and before and stage != before:
            candidate = Project(pk=self.instance.pk, actual_start=cleaned.get("actual_start"))
            for field, problem in entry_problems(candidate, stage, from_stage=before).items():
                self.add_error(field if field in self.fields else None, problem)
        return cleaned


@admin.register(Project)
class ProjectAdmin(WorkbookImportMixin, ObjectPermissionAdmin):
    form = ProjectAdminForm
    row_permission = "projects.change_project"
    workflow_fields = ("stage",)
    workflow_note = _(
        "A revert does not restore the stage: change it with the stage buttons on the "
        "project's page (or, as an administrator, in this form), so that the step is "
        "recorded."
    )
    workbook = project_workbook
    workbook_template = staticmethod(template_workbook)
    template_file_name = "项目台账导入模板.xlsx"
    actions = ["export_workbook", approvals_admin.apply_approvals_template]
    list_display = [
        "name",
        "category",
        "stage",
        "traffic_light",
        "total_investment_amount",
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
    # A name is found by its pinyin and initials too (zlc: 张楼村标准化厂房).
    search_fields = ["name", "name_pinyin", "name_initials", "code", "description", "location"]
    date_hierarchy = "planned_completion"
    autocomplete_fields = [
        "villages",
        "responsible_unit",
        "contact_person",
        "supervising_leader",
    ]
    list_select_related = ["contact_person"]
    inlines = [
        FundingInline,
        AnnualPlanInline,
        MilestoneInline,
        ProgressReportInline,
        DocumentInline,
    ]
    fieldsets = [
        (None, {"fields": ["name", "code", "category", "stage", "description"]}),
        (
            _("Where and how much"),
            {
                "fields": [
                    "villages",
                    "location",
                    ("scope_quantity", "scope_unit"),
                    "total_investment",
                    (
                        "statistics_registered",
                        "statistics_registered_year",
                        "statistics_registered_on",
                    ),
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
        if not may(request.user, "projects.cancel_project", obj):
            readonly.append("stage")
        if not may(request.user, "projects.assign_project", obj):
            readonly.extend(services.ASSIGNMENT_FIELDS)
        return readonly

    @admin.display(description=_("traffic light"), ordering="light")
    def traffic_light(self, project):
        return format_html(
            '<span title="{}">{}</span>', project.light_explanation(), project.get_light_display()
        )

    @admin.display(
        description=Project._meta.get_field("total_investment").verbose_name,
        ordering="total_investment",
    )
    def total_investment_amount(self, project):
        return formatting.amount(project.total_investment)

    @admin.display(
        description=_("cumulative completed investment"), ordering="cumulative_investment"
    )
    def cumulative_investment(self, project):
        return formatting.amount(project.cumulative_investment)

    @admin.display(description=_("completed this year"), ordering="year_completed_investment")
    def year_completed_investment(self, project):
        return formatting.amount(project.year_completed_investment)

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
        return xlsx_response(export_workbook(projects), demo.marked_file_name("项目台账.xlsx"))


@admin.register(Milestone)
class MilestoneAdmin(ObjectPermissionAdmin):
    row_permission = "projects.change_milestone"
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
                self.message_user(request, f"{milestone}: {_message_of(error)}", messages.ERROR)
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


class PhotoEvidenceMixin:
    """Show a photo's evidence (capture time, position, perceptual hash: read from the
    file by the server) read-only, and to administrators a link to the original."""

    evidence_fields = ("taken_at", "latitude", "longitude", "perceptual_hash")

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *self.evidence_fields]
        if may(request.user, "projects.view_photo_original"):
            fields.append("original_link")
        return fields

    @admin.display(description=_("original file"))
    def original_link(self, photo):
        if photo.pk is None or not photo.original:
            return formatting.EMPTY
        return format_html(
            '<a href="{}">{}</a>',
            reverse("projects:photo_original", kwargs={"pk": photo.pk}),
            _("Download the original"),
        )


class ReportPhotoInline(PhotoEvidenceMixin, admin.TabularInline):
    """A report's photos; who uploaded one is set by the server (ReportPhotoAdmin)."""

    model = ReportPhoto
    extra = 0
    readonly_fields = ["uploaded_by"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ObjectPermissionAdmin):
    """Reports: the rules decide who changes one (only an open one, never an approved
    one, for superusers too); the review fields change only through the workflow."""

    row_permission = "projects.change_progressreport"
    add_permission_on = ("projects.add_progressreport", "project")
    list_display = [
        "project",
        "month",
        "status",
        "physical_progress_percent",
        "investment_completed_amount",
        "submitted_by",
        "reviewed_by",
    ]
    list_filter = ["status", "month"]
    search_fields = ["project__name", "narrative", "problems"]
    date_hierarchy = "month"
    autocomplete_fields = ["project"]
    list_select_related = ["project", "submitted_by", "reviewed_by"]
    inlines = [ReportPhotoInline, ReportedQuantityInline]
    actions = ["approve"]
    # The review fields change only through the workflow (the action below).
    workflow_fields = (
        "status",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    )
    readonly_fields = workflow_fields
    workflow_note = _(
        "A revert does not restore the review status, nor who submitted or reviewed the "
        "report: submit, approve or return it with its buttons on the report's page."
    )

    @admin.display(
        description=ProgressReport._meta.get_field("physical_progress").verbose_name,
        ordering="physical_progress",
    )
    def physical_progress_percent(self, report):
        return formatting.percent_of_hundred(report.physical_progress)

    @admin.display(
        description=ProgressReport._meta.get_field("investment_completed").verbose_name,
        ordering="investment_completed",
    )
    def investment_completed_amount(self, report):
        return formatting.amount(report.investment_completed)

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
class ReportPhotoAdmin(PhotoEvidenceMixin, ObjectPermissionAdmin):
    """A photo is changed with its report: only while the report may be changed."""

    row_permission = "projects.change_progressreport"
    row_permission_on = "report"
    list_display = ["__str__", "report", "taken_at", "uploaded_by"]
    search_fields = ["caption", "report__project__name"]
    autocomplete_fields = ["report"]
    readonly_fields = ["uploaded_by"]
    list_select_related = ["report__project", "uploaded_by"]

    def set_bookkeeping(self, request, obj, change):
        if not change:
            obj.uploaded_by = request.user


@admin.register(Document)
class DocumentAdmin(ObjectPermissionAdmin):
    """Documents: staff change their projects' documents, not those of a report under
    review or approved; reviewers and administrators any (projects/rules.py)."""

    form = DocumentAdminForm
    row_permission = "projects.change_document"
    add_permission_on = ("projects.add_document", "project")
    list_display = [
        "title",
        "project",
        "kind",
        "number",
        "issued_on",
        "type_label",
        "size_label",
        "uploaded_by",
    ]
    list_filter = ["kind"]
    search_fields = ["title", "number", "project__name"]
    date_hierarchy = "issued_on"
    autocomplete_fields = ["project", "report"]
    list_select_related = ["project", "report", "uploaded_by"]
    readonly_fields = ["download_link", "content_type", "size_label", "uploaded_by"]

    def set_bookkeeping(self, request, obj, change):
        if not change:
            obj.uploaded_by = request.user

    @admin.display(description=_("file type"))
    def type_label(self, document):
        return document.type_label

    @admin.display(description=_("size"), ordering="size")
    def size_label(self, document):
        return document.size_label

    @admin.display(description=_("file"))
    def download_link(self, document):
        return document_download_link(document)


@admin.register(AnnualPlan)
class AnnualPlanAdmin(ObjectPermissionAdmin):
    row_permission = "projects.change_project"
    row_permission_on = "project"
    list_display = ["project", "year", "planned_investment_amount", "physical_goals"]
    list_filter = ["year"]
    search_fields = ["project__name", "physical_goals"]
    autocomplete_fields = ["project"]
    list_select_related = ["project"]

    @admin.display(
        description=AnnualPlan._meta.get_field("planned_investment").verbose_name,
        ordering="planned_investment",
    )
    def planned_investment_amount(self, plan):
        return formatting.amount(plan.planned_investment)


@admin.register(Funding)
class FundingAdmin(ObjectPermissionAdmin):
    row_permission = "projects.change_project"
    row_permission_on = "project"
    list_display = ["project", "source", "funding_amount", "note"]
    list_filter = ["source"]
    search_fields = ["project__name", "source__name"]
    autocomplete_fields = ["project", "source"]
    list_select_related = ["project", "source"]
    inlines = [FundEntryInline]

    @admin.display(description=Funding._meta.get_field("amount").verbose_name, ordering="amount")
    def funding_amount(self, funding):
        return formatting.amount(funding.amount)


@admin.register(FundingSource)
class FundingSourceAdmin(HistoryAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(ResponsibleUnit)
class ResponsibleUnitAdmin(HistoryAdmin):
    list_display = ["name", "kind", "village"]
    list_filter = ["kind"]
    search_fields = ["name", "name_pinyin", "name_initials"]
    autocomplete_fields = ["village", "members"]
    list_select_related = ["village"]


class TrafficLightThresholdsAdminForm(forms.ModelForm):
    class Meta:
        model = TrafficLightThresholds
        fields = [
            "yellow_points_behind",
            "red_points_behind",
            "red_days_overdue",
            "listed_problem_light",
            "key_problem_light",
            "normal_problem_light",
            "idle_funds_months",
            "idle_funds_paid_percent",
            "progress_ahead_of_money_points",
        ]
        # Said here, not on the model: a help text on a field would be a migration.
        help_texts = {
            "listed_problem_light": _(
                "The light of a project with an item listed for supervision still "
                "unresolved after its deadline."
            ),
            "key_problem_light": _(
                "The light of a project with a key problem still unresolved after its deadline."
            ),
            "normal_problem_light": _(
                "The light of a project with an ordinary problem still unresolved after "
                "its deadline. A red light from a problem comes before the pace and the "
                "milestones; a yellow one before their yellow."
            ),
        }


@admin.register(TrafficLightThresholds)
class TrafficLightThresholdsAdmin(HistoryAdmin):
    form = TrafficLightThresholdsAdminForm
    list_display = [
        "__str__",
        "yellow_points_behind",
        "red_points_behind",
        "red_days_overdue",
        "listed_problem_light",
        "key_problem_light",
        "normal_problem_light",
    ]

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
    list_display = ["indicator", "year", "value_kind", "bound", "figure", "source_note"]
    list_filter = ["year", "value_kind", "indicator"]
    search_fields = ["indicator__name", "source_note"]
    autocomplete_fields = ["indicator"]
    list_select_related = ["indicator"]
    ordering = [F("indicator__display_order").asc(), "year"]

    @admin.display(
        description=IndicatorValue._meta.get_field("value").verbose_name, ordering="value"
    )
    def figure(self, value):
        """The value as the report writes it, with its unit (4.5 %, 29,800 万元)."""
        unit = value.indicator.unit
        return f"{formatting.figure(value.value, unit)} {unit}".strip()


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
        "problem_escalate_after_working_days",
        "report_reminder_day",
        "alerts_switched_on",
        "reviewer_escalations",
    ]

    def has_add_permission(self, request):
        return not ReminderPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(AdministratorsOnlyAdmin):
    """The alert ledger, for administrators: read it to see what was owed and sent; the
    scans write it. An error may quote a robot's address: its key is shown cut."""

    list_display = [
        "owed_on",
        "kind",
        "address",
        "subject",
        "period",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "masked_last_error",
    ]
    list_filter = ["status", "kind", "channel", "owed_on"]
    search_fields = ["subject", "address", "recipient__username"]
    date_hierarchy = "owed_on"
    actions = ["send_again"]
    readonly_fields = [
        "masked_last_error" if field.name == "last_error" else field.name
        for field in Reminder._meta.fields
    ]
    exclude = ["last_error"]

    @admin.display(description=_("last error"))
    def masked_last_error(self, reminder):
        return masked_secrets(reminder.last_error)

    @admin.action(description=_("Send the failed alerts again"))
    def send_again(self, request, queryset):
        ids = delivery.send_again(queryset.values_list("pk", flat=True))
        transaction.on_commit(lambda: tasks.queue_delivery(ids))
        self.message_user(
            request,
            ngettext(
                "%(count)d failed alert queued again.",
                "%(count)d failed alerts queued again.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(OwnRowsAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(OwnRowsAdmin):
    list_display = ["user", "email_deadlines", "email_overdue", "email_reports", "digest"]
    list_filter = ["digest"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    exclude = ["calendar_token"]


class MaskedURLHistoryHelper(HistoricalRecordContextHelper):
    """The history of a robot shows its address with the key cut."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return masked_secrets(value) if change.field == "url" else value


@admin.register(WebhookChannel)
class WebhookChannelAdmin(AdministratorsOnlyAdmin, HistoryAdmin):
    """The group-chat robots, for administrators. The address holds the robot's key: it is
    shown whole only in the edit form, cut everywhere else (list, history, a read-only
    page)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["responsible_unit", "kind", "masked_url", "is_active"]
    list_filter = ["kind", "is_active"]
    autocomplete_fields = ["responsible_unit"]
    readonly_fields = ["masked_url"]

    def get_fields(self, request, obj=None):
        editable = obj is None or self.has_change_permission(request, obj)
        return ["responsible_unit", "kind", "url" if editable else "masked_url", "is_active"]

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedURLHistoryHelper(self.model, historical_record)

    @admin.display(description=_("robot webhook address"))
    def masked_url(self, channel):
        return masked_secrets(channel.url)


@admin.register(StagedUpload)
class StagedUploadAdmin(ReadOnlyAdmin):
    """The files a report form kept after it did not validate, read-only: they belong to
    the user's unsaved form, become photos and documents when it is saved, and expire
    after two days (services.staged_uploads_expire)."""

    list_display = ["name", "uploaded_by", "key", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["name", "uploaded_by__username"]
    fields = ["name", "caption", "uploaded_by", "key", "created_at"]
    readonly_fields = fields
