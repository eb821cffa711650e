"""The routes of registration; included by projects/urls.py under the projects namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "registration/unregistered/",
        views.UnregisteredListView.as_view(),
        name="unregistered",
    ),
    path(
        "registration/projects/<int:pk>/record/",
        views.RegistrationRecordView.as_view(),
        name="registration_record",
    ),
    path(
        "registration/projects/<int:pk>/clear/",
        views.RegistrationClearView.as_view(),
        name="registration_clear",
    ),
]
