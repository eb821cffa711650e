"""前期手续 in the Django admin: the templates by category with their items (history),
each project's approvals, and the actions that apply a template.

Every save goes through the approvals services, so the rules (projects/rules.py, for
superusers too) and the validations hold here as in the app: an obtained approval has
its date, the attachment is a document of the item's own project, an item is added or
removed only by reviewers and administrators. Which approvals are needed to start
construction is edited here: on a template's items (for the projects it is applied to
next) and on each item. Registered by an import in projects/admin.py, whose base classes
this module does not import (that would be an import cycle): the rules are asked here
with ``rules.may``.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shanwang.admin_site import HistoryAdmin

from ..models import ApprovalItem, ApprovalTemplate, ApprovalTemplateItem, Document, Project
from ..rules import may
from ..selectors import people_with_a_role
from . import services


def _message_of(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def apply_to_projects(modeladmin, request, projects) -> None:
    """Apply each project's category template through the service; report what was
    added and every refusal, by project."""
    added = 0
    for project in projects:
        try:
            added += len(services.apply_template(project, user=request.user))
        except (PermissionDenied, ValidationError) as error:
            modeladmin.message_user(request, f"{project}: {_message_of(error)}", messages.ERROR)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d approval added to the checklists.",
            "%(count)d approvals added to the checklists.",
            added,
        )
        % {"count": added},
        messages.SUCCESS,
    )


@admin.action(description=_("Apply the approvals template"))
def apply_approvals_template(modeladmin, request, queryset):
    """The Project admin's action: the category's template, to each selected project."""
    apply_to_projects(modeladmin, request, queryset)


class ApprovalTemplateItemInline(admin.TabularInline):
    model = ApprovalTemplateItem
    fields = ["position", "name", "needed_for_start"]
    extra = 0


@admin.register(ApprovalTemplate)
class ApprovalTemplateAdmin(HistoryAdmin):
    """A category's checklist (administrators); applied to the category's projects by
    the action, which adds only what each project lacks."""

    list_display = ["category", "item_count", "note"]
    inlines = [ApprovalTemplateItemInline]
    actions = ["apply_to_category"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("items")

    def _may_edit(self, request) -> bool:
        return may(request.user, "projects.change_approvaltemplate")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request)

    @admin.display(description=_("approvals"))
    def item_count(self, template):
        return len(template.items.all())

    @admin.action(description=_("Apply to the category's projects"))
    def apply_to_category(self, request, queryset):
        categories = list(queryset.values_list("category", flat=True))
        apply_to_projects(self, request, Project.objects.filter(category__in=categories))


@admin.register(ApprovalTemplateItem)
class ApprovalTemplateItemAdmin(HistoryAdmin):
    """One approval of a template, on its own (administrators): mostly edited inline on
    its template; listed here to see and change, across categories, which approvals are
    needed to start construction."""

    list_display = ["name", "template", "position", "needed_for_start"]
    list_filter = ["needed_for_start", "template"]
    search_fields = ["name"]
    list_select_related = ["template"]

    def _may_edit(self, request) -> bool:
        return may(request.user, "projects.change_approvaltemplate")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request)


class OverdueFilter(admin.SimpleListFilter):
    """The items still unsettled after their planned date (ApprovalItem.is_overdue_on)."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue only"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue_on(timezone.localdate())
        return queryset


@admin.register(ApprovalItem)
class ApprovalItemAdmin(HistoryAdmin):
    """Each project's approvals. A new one is added by ``approval_add``, a change saved
    by ``approval_update`` (whoever may change the project; whether it is needed to
    start, reviewers and administrators), a removal by ``approval_delete``."""

    list_display = [
        "name",
        "project",
        "status",
        "needed_for_start",
        "responsible_person",
        "planned_date",
        "actual_date",
        "document_number",
    ]
    list_filter = ["status", OverdueFilter, "needed_for_start", "project__responsible_unit"]
    search_fields = ["name", "project__name", "project__name_pinyin", "document_number"]
    date_hierarchy = "planned_date"
    autocomplete_fields = ["project"]
    list_select_related = ["project", "responsible_person"]
    fields = [
        "project",
        "name",
        "position",
        "needed_for_start",
        "status",
        "responsible_person",
        ("planned_date", "actual_date"),
        "document_number",
        "document",
        "note",
        "template_item",
    ]
    readonly_fields = ["template_item"]

    def get_readonly_fields(self, request, obj=None):
        readonly = [*self.readonly_fields]
        if obj is not None:
            readonly.extend(["project", "name"])
            if not may(request.user, "projects.apply_approvals_template", obj.project):
                readonly.append("needed_for_start")
        return readonly

    def has_add_permission(self, request):
        return super().has_add_permission(request) and may(
            request.user, "projects.apply_approvals_template"
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return (
            allowed
            if obj is None
            else allowed and may(request.user, "projects.change_approvalitem", obj)
        )

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return (
            allowed
            if obj is None
            else allowed and may(request.user, "projects.delete_approvalitem", obj.project)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "responsible_person":
            kwargs["queryset"] = people_with_a_role()
        if db_field.name == "document":
            # Only the item's own project's documents (the model's clean says so too).
            item_id = request.resolver_match.kwargs.get("object_id")
            project_id = (
                ApprovalItem.objects.filter(pk=item_id).values_list("project", flat=True).first()
                if item_id
                else None
            )
            kwargs["queryset"] = Document.objects.filter(project=project_id).order_by("-pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            if change:
                stored = ApprovalItem.objects.get(pk=obj.pk)
                fields = {
                    name: getattr(obj, name)
                    for name in services.UPDATE_FIELDS
                    if name in form.fields
                    and getattr(obj, obj._meta.get_field(name).attname)
                    != getattr(stored, stored._meta.get_field(name).attname)
                }
                saved = services.approval_update(obj, user=request.user, **fields)
            else:
                saved = services.approval_add(
                    obj.project,
                    user=request.user,
                    name=obj.name,
                    **{
                        name: getattr(obj, name)
                        for name in services.ADD_FIELDS
                        if name in form.fields and name != "document"
                    },
                )
        except ValidationError as error:
            raise PermissionDenied(_message_of(error)) from error
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def delete_model(self, request, obj):
        services.approval_delete(obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for item in queryset.select_related("project"):
            services.approval_delete(item, user=request.user)
