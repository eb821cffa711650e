"""The routes of approvals; included by projects/urls.py under the projects namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("approvals/", views.ApprovalListView.as_view(), name="approval_list"),
    path("approvals/<int:pk>/edit/", views.ApprovalEditView.as_view(), name="approval_edit"),
    path(
        "projects/<int:pk>/approvals/apply/",
        views.ApprovalsApplyView.as_view(),
        name="approvals_apply",
    ),
]
