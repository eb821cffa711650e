"""督办 in the Django admin: problems, supervision orders and scheduling meetings, each with
its steps as a read-only record, and the one row of the ranking's weights.

Every save goes through the supervision services, so the rules (projects/rules.py, for
superusers too) and the validations hold here as in the app: a status never changes in a
form (the services move it, with its step), a history revert restores none of the
workflow's fields, and the four eyes of striking off hold in the admin's action too.
Registered by an import in projects/admin.py, whose base classes this module does not
import (that would be an import cycle): the rules are asked here with ``rules.may``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shanwang import formatting
from shanwang.admin_site import HistoryAdmin, ReadOnlyAdmin

from ..choices import ProblemStatus
from ..models import (
    AssessmentWeights,
    Problem,
    ProblemTransition,
    SchedulingMeeting,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from ..rules import is_administrator, may
from ..selectors import people_with_a_role
from . import services


def _message_of(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def _changed(obj, names) -> dict:
    """Return the fields of ``names`` whose value on ``obj`` differs from the stored row
    (the change form and the history revert alike: the revert's form starts from the
    old version, so its own changed_data says nothing)."""
    stored = type(obj)._default_manager.get(pk=obj.pk)
    return {
        name: getattr(obj, name)
        for name in names
        if getattr(obj, obj._meta.get_field(name).attname)
        != getattr(stored, stored._meta.get_field(name).attname)
    }


class StepInline(admin.TabularInline):
    """An item's recorded steps: who, when, from what to what, the comment. A record,
    never edited here."""

    extra = 0
    can_delete = False
    fields = ["at", "acting_user", "from_status", "to_status", "comment"]
    readonly_fields = fields
    ordering = ["at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProblemTransitionInline(StepInline):
    model = ProblemTransition
    fields = [*StepInline.fields, "evidence_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("acting_user")

    @admin.display(description=_("evidence"))
    def evidence_link(self, step):
        return evidence_link(step)


def evidence_link(step) -> str:
    """Return a link to the permission-checked download of a step's evidence."""
    if not step.evidence:
        return formatting.EMPTY
    return format_html(
        '<a href="{}">{}</a>', reverse("projects:problem_evidence", args=[step.pk]), _("Download")
    )


class SupervisionOrderTransitionInline(StepInline):
    model = SupervisionOrderTransition

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("acting_user")


class SupervisionAdmin(HistoryAdmin):
    """What the three admins share: a row is changed when its rule allows it
    (``row_permission``, asked with ``may``: superusers are held to it too); nothing of
    the ledger is deleted here (a wrong problem is struck off, with its record)."""

    row_permission = ""
    #: Who may add a row (asked with ``may``, beside the model's add permission).
    add_permission = ""
    person_fields: tuple[str, ...] = ()

    def has_add_permission(self, request):
        return super().has_add_permission(request) and may(request.user, self.add_permission)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request)
        return allowed if obj is None else allowed and may(request.user, self.row_permission, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.person_fields:
            kwargs["queryset"] = people_with_a_role().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.person_fields:
            kwargs["queryset"] = people_with_a_role().order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _saved(self, obj, saved) -> None:
        """Make ``obj`` (the admin's instance) the row the service saved, for what the
        admin does next (its log entry, its redirect)."""
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def _service(self, call, **kwargs):
        """Run a service for the admin: a refusal or an invalid value is a 403 naming it
        (the form has shown the errors it can beside their fields), and nothing is saved
        (the admin saves the form in one transaction)."""
        try:
            return call(**kwargs)
        except ValidationError as error:
            raise PermissionDenied(_message_of(error)) from error


class ProblemAdminForm(forms.ModelForm):
    """An assignment's errors (a deadline before today, a person outside the unit) are
    shown beside their fields, as the service would refuse them."""

    def clean(self):
        cleaned = super().clean()
        assigning = [name for name in services.ASSIGNMENT_FIELDS if name in self.fields]
        if assigning and any(name in self.changed_data for name in assigning):
            values = {
                name: cleaned.get(name, getattr(self.instance, name))
                for name in services.ASSIGNMENT_FIELDS
            }
            for name, errors in services.assignment_errors(**values).items():
                for error in errors:
                    self.add_error(name if name in self.fields else None, error)
        return cleaned


@admin.register(Problem)
class ProblemAdmin(SupervisionAdmin):
    """The ledger's problems. A new one is raised (and, with a unit and a deadline,
    assigned) by the service; a change of its description, kind or level is an edit
    (``problem_update``), a change of who answers for it or of its deadline the "assign"
    step, while it is still to be assigned or assigned. The rest is the loop's."""

    form = ProblemAdminForm
    row_permission = "projects.change_problem"
    add_permission = "projects.assign_problem"
    person_fields = ("responsible_person",)
    list_display = [
        "short_description",
        "project",
        "kind",
        "level",
        "status",
        "responsible_unit",
        "responsible_person",
        "deadline",
    ]
    list_filter = ["status", "level", "kind", "responsible_unit"]
    search_fields = ["description", "project__name", "project__name_pinyin"]
    date_hierarchy = "deadline"
    autocomplete_fields = ["project", "responsible_unit", "source_report", "meeting"]
    list_select_related = ["project", "responsible_unit", "responsible_person"]
    inlines = [ProblemTransitionInline]
    actions = ["strike_off"]
    fieldsets = [
        (None, {"fields": ["project", "description", "kind", "level"]}),
        (
            _("Who answers for it"),
            {"fields": ["responsible_unit", "responsible_person", "deadline"]},
        ),
        (
            _("Where it was raised"),
            {"fields": ["source_report", "meeting", "raised_by"]},
        ),
        (
            _("Where it stands"),
            {
                "fields": [
                    "status",
                    "rectification_plan",
                    "progress",
                    ("resolved_by", "resolved_on"),
                    ("struck_off_by", "struck_off_on"),
                ]
            },
        ),
    ]
    #: Set by the loop's steps only: never in a form, never by a revert.
    workflow_fields = (*services.PROBLEM_WORKFLOW_FIELDS, "rectification_plan", "progress")
    workflow_note = _(
        "A revert does not restore the status, the rectification measures, the progress "
        "nor who resolved or struck off the problem: those change only through its steps "
        "on the problem's page."
    )

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = [*self.workflow_fields, "raised_by"]
        if obj is not None:
            readonly.extend(["project", "source_report", "meeting"])
        if not may(request.user, "projects.assign_problem") or (
            obj is not None and obj.status not in (ProblemStatus.PENDING, ProblemStatus.ASSIGNED)
        ):
            readonly.extend(services.ASSIGNMENT_FIELDS)
        return readonly

    def save_model(self, request, obj, form, change):
        if not change:
            problem = self._service(
                services.problem_raise,
                acting_user=request.user,
                project=obj.project,
                description=obj.description,
                kind=obj.kind,
                level=obj.level,
                source_report=obj.source_report,
                meeting=obj.meeting,
                responsible_unit=obj.responsible_unit,
                responsible_person=obj.responsible_person,
                deadline=obj.deadline,
                comment=str(_("Recorded in the admin")),
            )
            self._saved(obj, problem)
            return
        edits = _changed(
            obj, [name for name in services.PROBLEM_EDIT_FIELDS if name in form.fields]
        )
        assignment = _changed(
            obj, [name for name in services.ASSIGNMENT_FIELDS if name in form.fields]
        )
        if edits:
            self._service(services.problem_update, acting_user=request.user, problem=obj, **edits)
        if assignment:
            self._service(
                services.problem_step,
                acting_user=request.user,
                problem=obj,
                step="assign",
                comment=str(_("Assigned in the admin")),
                **{name: getattr(obj, name) for name in services.ASSIGNMENT_FIELDS},
            )
        self._saved(obj, Problem.objects.get(pk=obj.pk))

    @admin.display(description=Problem._meta.get_field("description").verbose_name)
    def short_description(self, problem):
        return problem.description[:40]

    @admin.action(description=_("Verify and strike off the selected resolved problems"))
    def strike_off(self, request, queryset):
        struck_off = 0
        for problem in queryset.filter(status=ProblemStatus.RESOLVED):
            try:
                services.problem_step(acting_user=request.user, problem=problem, step="strike_off")
                struck_off += 1
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{problem}: {_message_of(error)}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d problem struck off.", "%(count)d problems struck off.", struck_off)
            % {"count": struck_off},
            messages.SUCCESS,
        )


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(SupervisionAdmin):
    """Supervision orders. A new one is issued by the service (the unit is told); a
    change of what it requires or of its level is an edit (``order_update``); its unit,
    deadline, reply and status are the order's steps'."""

    row_permission = "projects.change_supervisionorder"
    add_permission = "projects.issue_order"
    person_fields = ("responsible_person",)
    list_display = [
        "short_content",
        "project",
        "level",
        "status",
        "responsible_unit",
        "issued_by",
        "issued_on",
        "reply_deadline",
        "replied_on",
    ]
    list_filter = ["status", "level", "responsible_unit"]
    search_fields = ["content", "reply", "project__name", "project__name_pinyin"]
    date_hierarchy = "reply_deadline"
    autocomplete_fields = ["project", "problem", "responsible_unit", "meeting"]
    list_select_related = ["project", "responsible_unit", "issued_by"]
    inlines = [SupervisionOrderTransitionInline]
    fieldsets = [
        (None, {"fields": ["project", "problem", "meeting", "level", "content"]}),
        (
            _("Who answers for it"),
            {"fields": ["responsible_unit", "responsible_person", "reply_deadline"]},
        ),
        (
            _("Where it stands"),
            {
                "fields": [
                    ("issued_by", "issued_on"),
                    "status",
                    "reply",
                    "rectify_by",
                    ("replied_by", "replied_on"),
                ]
            },
        ),
    ]
    workflow_fields = (*services.ORDER_WORKFLOW_FIELDS, "reply", "rectify_by")
    workflow_note = _(
        "A revert does not restore the status, the reply nor who issued or replied to the "
        "order: those change only through its steps on the order's page."
    )

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.workflow_fields)
        if obj is not None:
            readonly.extend(
                ["project", "problem", "meeting", "responsible_unit", "responsible_person"]
            )
            readonly.append("reply_deadline")
        return readonly

    def save_model(self, request, obj, form, change):
        if not change:
            order = self._service(
                services.order_issue,
                acting_user=request.user,
                project=obj.project,
                content=obj.content,
                responsible_unit=obj.responsible_unit,
                level=obj.level,
                problem=obj.problem,
                meeting=obj.meeting,
                responsible_person=obj.responsible_person,
                reply_deadline=obj.reply_deadline,
            )
            self._saved(obj, order)
            return
        edits = _changed(obj, [name for name in services.ORDER_EDIT_FIELDS if name in form.fields])
        if edits:
            self._service(services.order_update, acting_user=request.user, order=obj, **edits)
        self._saved(obj, SupervisionOrder.objects.get(pk=obj.pk))

    @admin.display(description=SupervisionOrder._meta.get_field("content").verbose_name)
    def short_content(self, order):
        return order.content[:40]


class DecidedProblemInline(admin.TabularInline):
    """The problems a meeting decided, read-only: they are changed on their own page."""

    model = Problem
    fields = ["project", "description", "responsible_unit", "deadline", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DecidedOrderInline(DecidedProblemInline):
    model = SupervisionOrder
    fields = ["project", "content", "responsible_unit", "reply_deadline", "status"]
    readonly_fields = fields


@admin.register(SchedulingMeeting)
class SchedulingMeetingAdmin(SupervisionAdmin):
    """Scheduling meetings (调度会), recorded by the service; their decisions are the
    problems and orders listed below, made on the meeting's page."""

    row_permission = "projects.record_meeting"
    add_permission = "projects.record_meeting"
    person_fields = ("chair", "attendees")
    list_display = ["held_on", "title", "chair", "next_meeting_on", "recorded_by"]
    search_fields = ["title", "notes"]
    date_hierarchy = "held_on"
    list_select_related = ["chair", "recorded_by"]
    filter_horizontal = ["attendees"]
    readonly_fields = ["recorded_by"]
    inlines = [DecidedProblemInline, DecidedOrderInline]
    fields = [
        ("held_on", "title"),
        "chair",
        "attendees",
        "other_attendees",
        "notes",
        "next_meeting_on",
        "recorded_by",
    ]

    def save_model(self, request, obj, form, change):
        meeting = self._service(
            services.meeting_save,
            acting_user=request.user,
            meeting=obj if change else None,
            attendees=form.cleaned_data.get("attendees"),
            **{name: getattr(obj, name) for name in services.MEETING_FIELDS},
        )
        self._saved(obj, meeting)

    def save_related(self, request, form, formsets, change):
        # The attendees were saved by meeting_save; the inlines are read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class StepAdmin(ReadOnlyAdmin):
    """The steps of the loops, a record to read: never added, changed or deleted here."""

    date_hierarchy = "at"


@admin.register(ProblemTransition)
class ProblemTransitionAdmin(StepAdmin):
    list_display = ["problem", "from_status", "to_status", "acting_user", "at", "comment"]
    list_filter = ["to_status"]
    search_fields = ["problem__description", "problem__project__name", "comment"]
    list_select_related = ["problem__project", "acting_user"]
    fields = [
        "problem",
        "from_status",
        "to_status",
        "acting_user",
        "at",
        "comment",
        "evidence_link",
    ]
    readonly_fields = fields

    @admin.display(description=_("evidence"))
    def evidence_link(self, step):
        return evidence_link(step)


@admin.register(SupervisionOrderTransition)
class SupervisionOrderTransitionAdmin(StepAdmin):
    list_display = ["order", "from_status", "to_status", "acting_user", "at", "comment"]
    list_filter = ["to_status"]
    search_fields = ["order__content", "order__project__name", "comment"]
    list_select_related = ["order__project", "acting_user"]


@admin.register(AssessmentWeights)
class AssessmentWeightsAdmin(HistoryAdmin):
    """The ranking's weights: one row, changed by administrators."""

    list_display = [
        "__str__",
        "problems_on_time",
        "replies_on_time",
        "reports_on_time",
        "milestones_on_time",
        "schedule_pace",
        "marked",
    ]

    def has_add_permission(self, request):
        return (
            is_administrator(request.user)
            and not AssessmentWeights.objects.exists()
            and super().has_add_permission(request)
        )

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
