"""The columns of the collective income workbook (村集体经济收入)."""

from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from shanwang.spreadsheets.engine import (
    KeyedInstanceLoader,
    SheetSpec,
    TownResource,
    WorkbookImport,
)
from shanwang.spreadsheets.widgets import AmountWidget, LookupWidget, TextWidget, YearWidget

from .models import CollectiveIncome, Village

VILLAGE = "村（社区）"


class CollectiveIncomeResource(TownResource):
    village = Field("village", VILLAGE, LookupWidget(Village, "name", what=_("village")))
    year = Field("year", "年度", YearWidget(required=True))
    amount = Field("amount", "集体经济收入（万元）", AmountWidget(required=True))
    note = Field("note", "备注", TextWidget())
    source_note = Field("source_note", "资料来源", TextWidget(max_length=200))

    class Meta:
        model = CollectiveIncome
        name = _("Collective income")
        fields = ("village", "year", "amount", "note", "source_note")
        import_id_fields = ("village", "year")
        instance_loader_class = KeyedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    @staticmethod
    def export_queryset(incomes):
        return incomes.select_related("village").order_by(
            "village__name_sort", "village__name", "year"
        )


INCOME_SHEETS = [SheetSpec("村集体经济收入", CollectiveIncomeResource, key=(VILLAGE, "年度"))]

income_workbook = WorkbookImport("collective_income", INCOME_SHEETS)
