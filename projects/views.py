from django.http import Http404
from django.views.generic import DetailView, TemplateView
from django_tables2 import SingleTableView

from villages import selectors as village_selectors

from . import selectors
from .models import Project
from .tables import ProjectTable


class DashboardView(TemplateView):
    """工作台: the portfolio at a glance."""

    template_name = "projects/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            stage_counts=selectors.stage_counts(),
            light_counts=selectors.light_counts(),
            town_indicators=selectors.indicator_table(),
            collective_income_total=village_selectors.town_collective_income(),
            **kwargs,
        )


class ProjectListView(SingleTableView):
    table_class = ProjectTable
    template_name = "projects/project_list.html"

    def get_queryset(self):
        return selectors.project_list()


class ProjectDetailView(DetailView):
    template_name = "projects/project_detail.html"
    context_object_name = "project"

    def get_object(self, queryset=None):
        try:
            return selectors.project_detail(pk=self.kwargs["pk"])
        except Project.DoesNotExist as missing:
            raise Http404 from missing
