"""The plan baselines in the Django admin: a record to read, never added, changed or
deleted here, by superusers neither (ReadOnlyAdmin). A baseline is frozen on the app's
page (projects:baselines), through the service; a wrongly frozen one is a matter for the
database administrator (docs/baselines.md). Registered by an import in projects/admin.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shanwang import formatting
from shanwang.admin_site import ReadOnlyAdmin
from shanwang.people import person_name

from ..models import PlanBaseline, PlanBaselineEntry


class PlanBaselineEntryInline(admin.TabularInline):
    """A baseline's entries, as frozen."""

    model = PlanBaselineEntry
    extra = 0
    can_delete = False
    fields = ["project", "planned_investment", "physical_goals"]
    readonly_fields = fields
    ordering = ["project__name_sort", "project__name"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanBaseline)
class PlanBaselineAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "year", "kind", "frozen_at", "frozen_by_name", "reason"]
    list_filter = ["year", "kind"]
    search_fields = ["reason"]
    date_hierarchy = "frozen_at"
    list_select_related = ["frozen_by"]
    fields = ["year", "kind", "reason", "frozen_by", "frozen_at"]
    readonly_fields = fields

    def get_inlines(self, request, obj):
        # At 10,000 projects the inline would be a page of 10,000 rows: the entries'
        # own list (filtered by the baseline) is the way to them then.
        if obj is not None and obj.entries.count() > 500:
            return []
        return [PlanBaselineEntryInline]

    @admin.display(description=_("frozen by"), ordering="frozen_by__last_name")
    def frozen_by_name(self, baseline):
        return person_name(baseline.frozen_by)


@admin.register(PlanBaselineEntry)
class PlanBaselineEntryAdmin(ReadOnlyAdmin):
    list_display = ["project", "baseline", "planned_investment_amount", "physical_goals"]
    list_filter = ["baseline__year", "baseline__kind"]
    search_fields = ["project__name", "physical_goals"]
    list_select_related = ["project", "baseline"]

    @admin.display(
        description=PlanBaselineEntry._meta.get_field("planned_investment").verbose_name,
        ordering="planned_investment",
    )
    def planned_investment_amount(self, entry):
        return formatting.amount(entry.planned_investment)
