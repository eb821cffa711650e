"""Reachability checks of the services the app depends on, for /healthz."""

import logging

from django.db import connection

from .celery import app as celery_app

logger = logging.getLogger(__name__)


def database_reachable() -> bool:
    """Return whether the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not reachable"
        logger.exception("Health check: database unreachable")
        return False


def broker_reachable() -> bool:
    """Return whether the Celery broker accepts a connection."""
    try:
        with celery_app.connection_for_write() as broker:
            # For Redis this opens a channel, which pings the server.
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=3)
        return True
    except Exception:
        logger.exception("Health check: broker unreachable")
        return False
