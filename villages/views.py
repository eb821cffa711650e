from django.views.generic import DetailView, ListView

from projects.views import PortfolioReaderMixin

from . import selectors


class VillageListView(PortfolioReaderMixin, ListView):
    template_name = "villages/village_list.html"
    context_object_name = "villages"

    def get_queryset(self):
        return selectors.village_list()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            town_collective_income=selectors.town_collective_income(), **kwargs
        )


class VillageDetailView(PortfolioReaderMixin, DetailView):
    template_name = "villages/village_detail.html"
    context_object_name = "village"

    def get_queryset(self):
        return selectors.village_list().prefetch_related("projects")
