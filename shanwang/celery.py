"""The Celery app. Configuration comes from Django settings prefixed with CELERY_."""

import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanwang.settings")

app = Celery("shanwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.celeryd_init.connect
@signals.beat_init.connect
@signals.before_task_publish.connect
def make_broker_folders(**kwargs) -> None:
    """Make the embedded filesystem broker's folders, which its transport lists when a
    worker starts and writes to when a task is sent; nothing to do on Redis."""
    if not app.conf.broker_url.startswith("filesystem://"):
        return
    options = app.conf.broker_transport_options
    for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(name):
            Path(options[name]).mkdir(parents=True, exist_ok=True)
