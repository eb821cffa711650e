"""The briefing's pages; included by projects/urls.py, in its ``projects`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("briefing/", views.BriefingView.as_view(), name="briefing"),
    path("briefing/xlsx/", views.BriefingWorkbookView.as_view(), name="briefing_xlsx"),
    path("briefing/pdf/", views.BriefingPdfView.as_view(), name="briefing_pdf"),
]
