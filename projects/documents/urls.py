from django.urls import path

from . import views

# Included from projects/urls.py: the names live in the app namespace "projects".
urlpatterns = [
    path(
        "projects/<int:pk>/documents/",
        views.DocumentUploadView.as_view(),
        name="document_add",
    ),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document_download"),
    path(
        "documents/<int:pk>/delete/",
        views.DocumentDeleteView.as_view(),
        name="document_delete",
    ),
]
