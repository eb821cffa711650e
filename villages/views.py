from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, View

from projects import selectors as portfolio_selectors
from shanwang import charts
from shanwang.mixins import PortfolioReaderMixin
from shanwang.spreadsheets.exports import xlsx_response

from . import selectors
from .imports import export_income_csv, export_income_workbook


class VillageListView(PortfolioReaderMixin, ListView):
    """村集体经济: every village with its enterprises, income, honours and products."""

    template_name = "villages/village_list.html"
    context_object_name = "villages"

    def get_queryset(self):
        return selectors.village_list()

    def get_context_data(self, **kwargs):
        town_total = portfolio_selectors.town_collective_income()
        return super().get_context_data(
            town_collective_income=town_total,
            incomes=selectors.incomes_with_growth(),
            town_products=selectors.town_specialty_products(),
            income_chart=charts.bar(
                [row["year"] for row in town_total],
                [(_("town total"), [row["amount"].value for row in town_total])],
                unit=_("10k yuan"),
            ),
            **kwargs,
        )


class VillageDetailView(PortfolioReaderMixin, DetailView):
    template_name = "villages/village_detail.html"
    context_object_name = "village"

    def get_queryset(self):
        return selectors.village_list().prefetch_related("projects")

    def get_context_data(self, **kwargs):
        incomes = selectors.incomes_with_growth().filter(village=self.object)
        return super().get_context_data(
            incomes=incomes,
            income_chart=charts.bar(
                [income.year for income in incomes],
                [(_("collective income"), [income.amount for income in incomes])],
                unit=_("10k yuan"),
            ),
            **kwargs,
        )


class IncomeExportView(PortfolioReaderMixin, View):
    """Every village's collective income, in the shape of the income import."""

    export_format = "xlsx"

    def get(self, request):
        if self.export_format == "csv":
            response = HttpResponse(export_income_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="collective-income.csv"'
            return response
        return xlsx_response(export_income_workbook(), "村集体经济收入.xlsx")
