"""The routes of approvals; included by projects/urls.py under the projects namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
