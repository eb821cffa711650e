"""The routes of baselines; included by projects/urls.py under the projects namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("baselines/", views.BaselineListView.as_view(), name="baselines"),
    path("baselines/freeze/", views.BaselineFreezeView.as_view(), name="baseline_freeze"),
    path("baselines/<int:year>/", views.BaselineYearView.as_view(), name="baseline_year"),
]
