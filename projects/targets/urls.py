"""The routes of targets; included by projects/urls.py under the projects namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("projects/<int:pk>/targets/new/", views.TargetCreateView.as_view(), name="target_add"),
    path("targets/<int:pk>/edit/", views.TargetUpdateView.as_view(), name="target_edit"),
    path("targets/<int:pk>/delete/", views.TargetDeleteView.as_view(), name="target_delete"),
]
