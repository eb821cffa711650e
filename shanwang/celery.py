"""The Celery app. Configuration comes from Django settings prefixed with CELERY_."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanwang.settings")

app = Celery("shanwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
