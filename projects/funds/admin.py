"""The funds in the Django admin: every entry of money (下达 / 到位 / 支付) with its
history, filtered by kind and source and found by project; the entries listed on their
funding row (read-only there: an entry is changed on its own page).

Every save and deletion goes through the funds' services, so the rule
(``projects.change_project`` on the entry's project, asked with ``rules.may``: superusers
are held to it too), the validations and the audit line hold here as in the app.
Registered by an import in projects/admin.py, whose base classes this module does not
import (that would be an import cycle)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from shanwang import formatting
from shanwang.admin_site import HistoryAdmin

from ..models import FundEntry
from ..rules import may
from . import services


def _message_of(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


class FundEntryInline(admin.TabularInline):
    """A funding row's entries, as a record: changed on the entry's own admin page."""

    model = FundEntry
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["kind", "date", "amount", "document_number", "note", "recorded_by"]
    readonly_fields = fields
    ordering = ["date", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FundEntry)
class FundEntryAdmin(HistoryAdmin):
    list_display = ["project", "source", "kind", "date", "entry_amount", "document_number"]
    list_filter = ["kind", "funding__source"]
    search_fields = ["funding__project__name", "funding__project__name_pinyin", "document_number"]
    date_hierarchy = "date"
    autocomplete_fields = ["funding"]
    list_select_related = ["funding__project", "funding__source"]
    fields = ["funding", "kind", "date", "amount", "document_number", "note", "recorded_by"]
    readonly_fields = ["recorded_by"]

    @admin.display(description=_("project"), ordering="funding__project__name")
    def project(self, entry):
        return entry.funding.project

    @admin.display(description=_("funding source"), ordering="funding__source__name")
    def source(self, entry):
        return entry.funding.source

    @admin.display(description=FundEntry._meta.get_field("amount").verbose_name, ordering="amount")
    def entry_amount(self, entry):
        return formatting.amount(entry.amount)

    def _may(self, request, entry) -> bool:
        return may(request.user, "projects.change_project", entry.funding.project)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request)
        return allowed if obj is None else allowed and self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request)
        return allowed if obj is None else allowed and self._may(request, obj)

    def _service(self, call, **kwargs):
        """Run a service: a refusal or an invalid value is a 403 naming it (the form has
        shown the errors it can beside their fields), and nothing is saved."""
        try:
            return call(**kwargs)
        except ValidationError as error:
            raise PermissionDenied(_message_of(error)) from error

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in services.ENTRY_FIELDS}
        if change:
            saved = self._service(
                services.fund_entry_update, acting_user=request.user, entry=obj, **values
            )
        else:
            saved = self._service(services.fund_entry_add, acting_user=request.user, **values)
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def delete_model(self, request, obj):
        self._service(services.fund_entry_delete, acting_user=request.user, entry=obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset.select_related("funding__project"):
            self._service(services.fund_entry_delete, acting_user=request.user, entry=entry)
