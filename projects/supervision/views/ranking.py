"""Placeholder until this part is written."""

from django.views import View


class RankingView(View):
    pass


class RankingUnitView(View):
    pass
