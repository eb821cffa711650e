"""The routes of funds; included by projects/urls.py under the projects namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("funds/", views.FundOverviewView.as_view(), name="fund_overview"),
    path("projects/<int:pk>/funds/", views.ProjectFundsView.as_view(), name="funds"),
    path(
        "projects/<int:pk>/funds/entries/new/",
        views.FundEntryAddView.as_view(),
        name="fund_entry_add",
    ),
    path(
        "projects/<int:pk>/funds/sources/new/",
        views.FundingAddView.as_view(),
        name="funding_add",
    ),
    path("fund-entries/<int:pk>/edit/", views.FundEntryEditView.as_view(), name="fund_entry_edit"),
    path(
        "fund-entries/<int:pk>/delete/",
        views.FundEntryDeleteView.as_view(),
        name="fund_entry_delete",
    ),
]
