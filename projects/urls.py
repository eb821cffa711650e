from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="detail"),
    path("projects/<int:pk>/xlsx/", views.ProjectRecordExportView.as_view(), name="record_xlsx"),
    path("projects/<int:pk>/edit/", views.ProjectUpdateView.as_view(), name="edit"),
    path("projects/<int:pk>/stage/", views.ProjectStageView.as_view(), name="stage"),
    path(
        "projects/<int:pk>/milestones/",
        views.MilestoneCreateView.as_view(),
        name="milestone_add",
    ),
    path(
        "milestones/<int:pk>/complete/",
        views.MilestoneCompleteView.as_view(),
        name="milestone_complete",
    ),
    path("projects/<int:pk>/reports/new/", views.ReportFormView.as_view(), name="report_add"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report"),
    path("reports/<int:report_pk>/edit/", views.ReportFormView.as_view(), name="report_edit"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", views.NotificationReadView.as_view(), name="notifications_read"),
    path(
        "notifications/settings/",
        views.NotificationSettingsView.as_view(),
        name="notification_settings",
    ),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("briefing/", views.BriefingView.as_view(), name="briefing"),
    path("briefing/xlsx/", views.BriefingWorkbookView.as_view(), name="briefing_xlsx"),
    path("briefing/pdf/", views.BriefingPdfView.as_view(), name="briefing_pdf"),
    path(
        "reports/<int:pk>/<slug:transition>/",
        views.ReportTransitionView.as_view(),
        name="report_transition",
    ),
]
