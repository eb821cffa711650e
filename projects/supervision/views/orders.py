"""Placeholder until this part is written."""

from django.views import View


class OrderListView(View):
    pass


class OrderDetailView(View):
    pass


class OrderStepView(View):
    pass


class OrderIssueView(View):
    pass
