"""Placeholder until this part is written."""

from django.views import View


class ProblemListView(View):
    pass


class ProblemDetailView(View):
    pass


class ProblemStepView(View):
    pass


class ProblemEvidenceView(View):
    pass


class ProblemCreateView(View):
    pass


class ProblemFromReportView(View):
    pass
