"""Calendar-feed keys never reach a log (shanwang/log_redaction.py): not Django's request
log, not runserver's or gunicorn's request lines, plain or JSON, not nginx's access log."""

import contextlib
import io
import json
import logging
import re
from pathlib import Path

import pytest
from django.urls import reverse

from projects.models import NotificationSettings
from shanwang.log_redaction import redact

ROOT = Path(__file__).resolve().parents[2]
KEY = "Ab3-_" * 8 + "xyz"  # 43 characters, as secrets.token_urlsafe(32) makes them
OTHER_KEY = "Zz9" * 14 + "q"


@contextlib.contextmanager
def console_output():
    """Yield what the configured console handler (shanwang/settings.py LOGGING) writes."""
    [handler] = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    output = io.StringIO()
    previous = handler.setStream(output)
    try:
        yield output
    finally:
        handler.setStream(previous)


def test_redact_masks_the_key_of_a_feed_address_and_nothing_else():
    assert redact(f"GET /calendar/{KEY}.ics HTTP/1.1") == "GET /calendar/[redacted].ics HTTP/1.1"
    assert redact(f"https://xm.example/calendar/{KEY}.ics") == (
        "https://xm.example/calendar/[redacted].ics"
    )
    assert redact("GET /projects/12/reports/new/ HTTP/1.1") == (
        "GET /projects/12/reports/new/ HTTP/1.1"
    )


@pytest.mark.django_db
def test_djangos_log_of_a_feed_that_is_not_found_has_no_key(client):
    """A revoked key keeps being polled by the phone: each 404 is logged without it."""
    with console_output() as output:
        assert client.get(reverse("projects:calendar_feed", args=[KEY])).status_code == 404
        assert client.get("/projects/999999/").status_code in {302, 404}
    logged = output.getvalue()
    assert "Not Found: /calendar/[redacted].ics" in logged
    assert KEY not in logged


def test_runservers_request_lines_have_no_key():
    with console_output() as output:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /calendar/{KEY}.ics HTTP/1.1", "200", "1024"
        )
    assert "GET /calendar/[redacted].ics HTTP/1.1" in output.getvalue()
    assert KEY not in output.getvalue()


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_gunicorns_access_log_has_no_key(served_database, gunicorn, user, log_format):
    """Under gunicorn with deploy/gunicorn.conf.py, neither the served feed nor the 404 of
    a revoked one leaves its key in the access log (nor in Django's log of the 404)."""
    NotificationSettings.objects.create(user=user, calendar_token=KEY)
    server = gunicorn(LOG_FORMAT=log_format)
    assert server.get(f"/calendar/{KEY}.ics")[0] == 200
    assert server.get(f"/calendar/{OTHER_KEY}.ics")[0] == 404
    logged = server.stop()
    assert KEY not in logged
    assert OTHER_KEY not in logged
    access = [line for line in logged.splitlines() if "/calendar/[redacted].ics" in line]
    assert len(access) >= 3, logged  # two request lines and Django's "Not Found"
    if log_format == "json":
        paths = {json.loads(line).get("http", {}).get("path") for line in access}
        assert "/calendar/[redacted].ics" in paths


def test_nginx_logs_the_feeds_address_without_its_key():
    """nginx's access log writes the masked address and referer, never $request_uri."""
    config = (ROOT / "deploy" / "nginx" / "shanwang.conf").read_text()
    [log_format] = re.findall(r"log_format shanwang_json.*?;\n", config, re.DOTALL)
    assert "$request_uri" not in log_format
    assert "$http_referer" not in log_format
    assert '"uri":"$shanwang_logged_uri"' in log_format
    assert "map $request_uri $shanwang_logged_uri" in config
    mapping = re.search(r"map \$request_uri \$shanwang_logged_uri \{\n\s+\"~(.+?)\"", config)
    assert re.search(mapping[1].replace("\\\\", "\\"), f"/calendar/{KEY}.ics")
