from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shanwang import formatting
from shanwang.admin_site import HistoryAdmin
from shanwang.spreadsheets.admin import WorkbookImportMixin
from shanwang.spreadsheets.exports import xlsx_response

from .imports import export_income_workbook, income_template_workbook
from .models import CollectiveEnterprise, CollectiveIncome, Honour, SpecialtyProduct, Village
from .resources import income_workbook


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
    # 张楼村 is found as 张楼, zhanglou or zlc.
    search_fields = ["name", "name_pinyin", "name_initials"]
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


@admin.register(CollectiveIncome)
class CollectiveIncomeAdmin(WorkbookImportMixin, HistoryAdmin):
    workbook = income_workbook
    workbook_template = staticmethod(income_template_workbook)
    template_file_name = "村集体经济收入导入模板.xlsx"
    list_display = ["village", "year", "income_amount", "note"]
    list_filter = ["year", "village"]
    list_select_related = ["village"]
    search_fields = ["village__name", "note"]
    autocomplete_fields = ["village"]
    actions = ["export_workbook"]

    @admin.display(
        description=CollectiveIncome._meta.get_field("amount").verbose_name, ordering="amount"
    )
    def income_amount(self, income):
        return formatting.amount(income.amount)

    @admin.action(description=_("Export the selected rows as an import workbook (XLSX)"))
    def export_workbook(self, request, queryset):
        return xlsx_response(export_income_workbook(queryset), "村集体经济收入.xlsx")
