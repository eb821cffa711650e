"""Physical targets (实物工作量) in the Django admin, with their history, and the
quantities a report gives: an inline of the report's admin, and their own list.

A target is saved and deleted through the targets' services, so the rules hold here as
in the app (``projects.change_project``, asked with ``rules.may``: superusers are held
to it too; a target that reports give quantities for is deleted by administrators
only). The quantities inline is the report's own: the report admin's rule (only an
open report is changed, for everyone) locks it with the report; its targets are the
report's project's for the report month's year. Registered by an import in
projects/admin.py, whose base classes this module does not import (an import cycle).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from shanwang import formatting
from shanwang.admin_site import HistoryAdmin

from ..models import PhysicalTarget, ReportedQuantity
from ..rules import is_administrator, may
from . import services


def _message_of(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


@admin.register(PhysicalTarget)
class PhysicalTargetAdmin(HistoryAdmin):
    list_display = ["project", "year", "name", "planned", "source_note"]
    list_filter = ["year"]
    search_fields = ["name", "project__name"]
    autocomplete_fields = ["project"]
    list_select_related = ["project"]
    fields = ["project", *services.TARGET_FIELDS]

    @admin.display(
        description=PhysicalTarget._meta.get_field("planned_quantity").verbose_name,
        ordering="planned_quantity",
    )
    def planned(self, target):
        return f"{formatting.figure(target.planned_quantity)} {target.unit}"

    def get_readonly_fields(self, request, obj=None):
        # A target stays with its project (the service refuses moving it).
        return ["project"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request)
        if obj is None:
            return allowed
        return allowed and may(request.user, "projects.change_project", obj.project)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request)
        if obj is None:
            return allowed
        return (
            allowed
            and may(request.user, "projects.change_project", obj.project)
            and (is_administrator(request.user) or not obj.reported.exists())
        )

    def get_deleted_objects(self, objs, request):
        """Django asks the right to delete each quantity the target takes with it; the
        service's rule is that an administrator deletes them with the target, even
        those of approved reports (which their own admin locks)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if is_administrator(request.user):
            perms_needed = perms_needed - {str(ReportedQuantity._meta.verbose_name)}
        return deleted, counts, perms_needed, protected

    def save_model(self, request, obj, form, change):
        fields = {name: getattr(obj, name) for name in services.TARGET_FIELDS}
        try:
            saved = services.target_save(
                obj.project,
                user=request.user,
                target=obj if change else None,
                **fields,
            )
        except ValidationError as error:
            raise PermissionDenied(_message_of(error)) from error
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db

    def delete_model(self, request, obj):
        try:
            services.target_delete(obj, user=request.user)
        except ValidationError as error:
            raise PermissionDenied(_message_of(error)) from error

    def delete_queryset(self, request, queryset):
        for target in queryset.select_related("project"):
            try:
                services.target_delete(target, user=request.user)
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{target}: {_message_of(error)}", messages.ERROR)


class ReportedQuantityInline(admin.TabularInline):
    """What a report says was achieved of its project's targets that month."""

    model = ReportedQuantity
    extra = 0
    fields = ["target", "quantity"]
    verbose_name = _("physical target achieved this month")
    verbose_name_plural = _("physical targets achieved this month")

    # Only on a saved report: its targets are its project's for its month's year (on a
    # new report's page the inline is absent).
    def has_add_permission(self, request, obj=None):
        return obj is not None and super().has_add_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return obj is not None and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is not None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and super().has_delete_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if "target" in formset.form.base_fields:
            targets = PhysicalTarget.objects.none()
            if obj is not None:
                targets = PhysicalTarget.objects.filter(
                    project_id=obj.project_id, year=obj.month.year
                )
            # A new form class each call: the queryset is this report's alone.
            formset.form.base_fields["target"].queryset = targets
        return formset


@admin.register(ReportedQuantity)
class ReportedQuantityAdmin(HistoryAdmin):
    """A report's quantities one by one, under the report's rule (only an open report
    changes, for superusers too); saved and deleted through the service. A row stays on
    its report and target: only its quantity changes."""

    list_display = ["report", "target", "achieved"]
    search_fields = ["target__name", "report__project__name"]
    autocomplete_fields = ["report", "target"]
    list_select_related = ["report__project", "target"]

    @admin.display(
        description=ReportedQuantity._meta.get_field("quantity").verbose_name,
        ordering="quantity",
    )
    def achieved(self, row):
        return f"{formatting.figure(row.quantity)} {row.target.unit}"

    def get_readonly_fields(self, request, obj=None):
        return ["report", "target"] if obj is not None else []

    def _may(self, request, obj) -> bool:
        return may(request.user, "projects.change_progressreport", obj.report)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request)
        return allowed if obj is None else allowed and self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request)
        return allowed if obj is None else allowed and self._may(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            services.report_quantity_set(
                obj.report, target=obj.target, quantity=obj.quantity, acting_user=request.user
            )
        except ValidationError as error:
            raise PermissionDenied(_message_of(error)) from error
        saved = ReportedQuantity.objects.get(report=obj.report, target=obj.target)
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db

    def delete_model(self, request, obj):
        services.report_quantity_set(
            obj.report, target=obj.target, quantity=None, acting_user=request.user
        )

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("report__project", "target"):
            try:
                self.delete_model(request, row)
            except PermissionDenied as error:
                self.message_user(request, f"{row}: {error}", messages.ERROR)
