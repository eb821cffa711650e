from django.contrib import admin

from shanwang.admin_site import HistoryAdmin

from .models import CollectiveEnterprise, CollectiveIncome, Honour, SpecialtyProduct, Village


class CollectiveEnterpriseInline(admin.StackedInline):
    model = CollectiveEnterprise
    extra = 0
    fields = [("name", "kind", "status"), ("partner_company", "established"), "description"]


class CollectiveIncomeInline(admin.TabularInline):
    model = CollectiveIncome
    extra = 0


class SpecialtyProductInline(admin.TabularInline):
    model = SpecialtyProduct
    extra = 0
    fields = ["name", "place", "description"]


class HonourInline(admin.TabularInline):
    model = Honour
    extra = 0


@admin.register(Village)
class VillageAdmin(HistoryAdmin):
    list_display = ["name", "kind", "source_note"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [
        CollectiveEnterpriseInline,
        CollectiveIncomeInline,
        SpecialtyProductInline,
        HonourInline,
    ]


@admin.register(CollectiveEnterprise)
class CollectiveEnterpriseAdmin(HistoryAdmin):
    list_display = ["name", "village", "kind", "status", "partner_company", "established"]
    list_filter = ["kind", "status", "village"]
    search_fields = ["name", "partner_company", "description"]
    date_hierarchy = "established"
    autocomplete_fields = ["village"]
    list_select_related = ["village"]


@admin.register(CollectiveIncome)
class CollectiveIncomeAdmin(HistoryAdmin):
    list_display = ["village", "year", "amount", "note"]
    list_filter = ["year", "village"]
    search_fields = ["village__name", "note"]
    autocomplete_fields = ["village"]
    list_select_related = ["village"]


@admin.register(Honour)
class HonourAdmin(HistoryAdmin):
    list_display = ["title", "village", "year", "awarded_by"]
    list_filter = ["year", "village"]
    search_fields = ["title", "village__name"]
    autocomplete_fields = ["village"]
    list_select_related = ["village"]


@admin.register(SpecialtyProduct)
class SpecialtyProductAdmin(HistoryAdmin):
    list_display = ["name", "village", "place"]
    list_filter = ["village"]
    search_fields = ["name", "place"]
    autocomplete_fields = ["village"]
    list_select_related = ["village"]
