"""The units' monthly ranking (考核): the table of a month, and the items behind one
unit's figures."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from ... import selectors
from ...models import ResponsibleUnit
from .. import ranking


class RankingMixin(PermissionRequiredMixin):
    """A page of the ranking of the month in ?month=YYYY-MM (default: last month), for
    every role; a month that names none, or is not over, gets status 400 and its reason."""

    permission_required = "projects.read_ranking"

    def get(self, request, *args, **kwargs):
        try:
            month = ranking.parse_month(request.GET.get("month"), today=selectors.today())
        except ValidationError as error:
            context = self.get_context_data(month_error=error.messages[0])
            return self.render_to_response(context, status=400)
        return self.render_to_response(self.get_context_data(**self.figures(month)))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            month_value=self.request.GET.get("month", ""),
            latest_month=ranking.month_before(selectors.today()),
            **kwargs,
        )


class RankingView(RankingMixin, TemplateView):
    """考核排名: the units of a month by score, the top and bottom marked."""

    template_name = "projects/supervision/ranking.html"

    def figures(self, month):
        return {"ranking": ranking.unit_ranking(month=month)}


class RankingUnitView(RankingMixin, TemplateView):
    """One unit's figures of a month and the items each one counts."""

    template_name = "projects/supervision/ranking_unit.html"

    def figures(self, month):
        unit = get_object_or_404(ResponsibleUnit, pk=self.kwargs["pk"])
        monthly = ranking.unit_ranking(month=month)
        items = ranking.ranking_items(month=month, unit=unit, user=self.request.user)
        return {
            "unit": unit,
            "ranking": monthly,
            "row": monthly.row_of(unit.pk),
            "sections": [
                {"indicator": indicator, "items": items[indicator.name]}
                for indicator in monthly.indicators
            ],
        }
