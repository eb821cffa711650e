"""Production settings are safe, and start-up refuses to run without its secrets."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    # A production-like environment: nothing a test harness set for itself.
    environment = {**os.environ, **env}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "xm.shanwang.example",
}


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must be set"),
    ],
)
def test_start_up_stops_without_secret_key_or_hosts(missing, message):
    result = manage("check", **{**PRODUCTION, missing: ""})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_cookies_and_headers():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.X_FRAME_OPTIONS, s.SECURE_PROXY_SSL_HEADER[0])"
    )
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.split()[-6:] == [
        "True",
        "True",
        "True",
        "True",
        "DENY",
        "HTTP_X_FORWARDED_PROTO",
    ], result.stderr


def test_no_missing_migrations():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout
