from django.urls import include, path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("indicators/", views.IndicatorListView.as_view(), name="indicators"),
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
    path("photos/<int:pk>/site/", views.PhotoSiteView.as_view(), name="photo_site"),
    path("photos/<int:pk>/original/", views.PhotoOriginalView.as_view(), name="photo_original"),
    path("reports/staged/<int:pk>/", views.StagedUploadView.as_view(), name="staged_upload"),
    path("", include("projects.alerts.urls")),
    path("", include("projects.briefing.urls")),
    path("", include("projects.documents.urls")),
    path("", include("projects.supervision.urls")),
    path("", include("projects.approvals.urls")),
    path("", include("projects.funds.urls")),
    path("", include("projects.registration.urls")),
    path("", include("projects.targets.urls")),
    path("", include("projects.baselines.urls")),
    path(
        "reports/<int:pk>/<slug:transition>/",
        views.ReportTransitionView.as_view(),
        name="report_transition",
    ),
]
