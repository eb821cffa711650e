"""Placeholder until this part is written."""

from django.views import View


class MeetingListView(View):
    pass


class MeetingCreateView(View):
    pass


class MeetingDetailView(View):
    pass


class MeetingUpdateView(View):
    pass


class MeetingDecisionView(View):
    pass


class MeetingPackView(View):
    pass


class MeetingPackWorkbookView(View):
    pass


class MeetingPackPdfView(View):
    pass
