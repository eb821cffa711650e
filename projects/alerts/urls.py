"""The alert pages; included by projects/urls.py, in its ``projects`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", views.NotificationReadView.as_view(), name="notifications_read"),
    path(
        "notifications/settings/",
        views.NotificationSettingsView.as_view(),
        name="notification_settings",
    ),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
