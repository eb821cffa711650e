"""/healthz reports database and broker reachability for monitoring."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]


def healthz_in_a_fresh_process(**env):
    """Ask /healthz from a new process configured with ``env``."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "shanwang.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(status), json.loads(body)


@pytest.mark.django_db
def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_database_down_answers_503():
    status, body = healthz_in_a_fresh_process(
        DATABASE_URL="postgres://postgres@127.0.0.1:9/nowhere"
    )
    assert status == 503
    assert body["database"] == "unreachable"
    assert body["status"] == "down"


def test_broker_down_is_reported_but_not_fatal(tmp_path):
    status, body = healthz_in_a_fresh_process(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",
    )
    assert status == 200
    assert body == {"status": "degraded", "database": "ok", "broker": "unreachable"}


@pytest.mark.django_db
def test_real_redis_broker_is_reachable(client):
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
    assert client.get("/healthz").json()["broker"] == "ok"


@pytest.mark.django_db
def test_real_postgresql_is_used_when_configured(client, uses_postgresql):
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert client.get("/healthz").json()["database"] == "ok"
