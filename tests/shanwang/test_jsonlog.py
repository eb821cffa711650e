"""Production logs: one JSON object per line, audit and access records as fields."""

import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

from shanwang.jsonlog import JsonLineFormatter

ROOT = Path(__file__).resolve().parents[2]


def formatted(name="shanwang.test", message="hello", args=None, exc_info=None) -> str:
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, exc_info)
    return JsonLineFormatter().format(record)


def test_a_record_is_one_line_of_json_with_utc_time_level_logger_and_message():
    """Line breaks of every kind stay escaped inside the one line; Chinese stays readable."""
    line = formatted(message="进度 %s\nforged\u2028line\u2029end\x85")
    assert line.splitlines() == [line]
    assert "进度" in line
    entry = json.loads(line)
    assert entry["message"] == "进度 %s\nforged\u2028line\u2029end\x85"
    assert (entry["level"], entry["logger"]) == ("WARNING", "shanwang.test")
    assert entry["time"].endswith("+00:00")
    assert entry["process"] == os.getpid()


def test_an_audit_record_is_embedded_as_an_object():
    audit = {"event": "login", "user": "wang.fang", "ip": "10.0.0.7"}
    entry = json.loads(formatted("shanwang.audit", json.dumps(audit)))
    assert entry["audit"] == audit
    assert entry["message"] == "audit: login"


def test_an_exception_comes_with_its_traceback():
    try:
        raise ValueError("bad figure")
    except ValueError:
        entry = json.loads(formatted(message="import failed", exc_info=sys.exc_info()))
    assert entry["message"] == "import failed"
    assert "ValueError: bad figure" in entry["exception"]


def test_a_gunicorn_access_record_becomes_http_fields():
    atoms = {"h": "10.0.0.7", "m": "GET", "U": "/projects/", "q": "page=2", "s": "200"}
    atoms |= {"B": 5120, "M": 42, "f": "-", "a": "Mozilla/5.0"}
    entry = json.loads(formatted("gunicorn.access", '%(h)s "%(r)s"', atoms))
    assert entry["message"] == "GET /projects/ 200"
    assert entry["http"] == {
        "remote_addr": "10.0.0.7",
        "method": "GET",
        "path": "/projects/",
        "query": "page=2",
        "status": "200",
        "bytes": 5120,
        "duration_ms": 42,
        "referer": "-",
        "user_agent": "Mozilla/5.0",
    }


def test_a_calendar_feed_key_is_masked_in_every_field():
    """The key of a calendar feed is in the path and the request line of gunicorn's
    access record, and may be in a traceback: the line has it in none of them."""
    key = "Ab3-_" * 8 + "xyz"
    atoms = {"h": "10.0.0.7", "m": "GET", "U": f"/calendar/{key}.ics", "q": "", "s": "200"}
    atoms |= {"r": f"GET /calendar/{key}.ics HTTP/1.1", "f": "-", "a": "iOS/17 dataaccessd"}
    line = formatted("gunicorn.access", '%(h)s "%(r)s" %(s)s', atoms)
    assert key not in line
    assert json.loads(line)["http"]["path"] == "/calendar/[redacted].ics"
    try:
        raise ValueError(f"feed /calendar/{key}.ics failed")
    except ValueError:
        line = formatted(message="feed failed", exc_info=sys.exc_info())
    assert key not in line
    assert "/calendar/[redacted].ics" in json.loads(line)["exception"]


LOG_A_WARNING = "import logging; logging.getLogger('shanwang.test').warning('进度检查')"


def run_production(*args: str, **env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "xm.shanwang.example",
        **env,
    }
    if "LOG_FORMAT" not in env:
        environment.pop("LOG_FORMAT", None)  # the default of debug off
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_debug_off_logs_are_json_lines_on_stdout():
    result = run_production("shell", "-c", LOG_A_WARNING)
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout.strip().splitlines()[-1])
    assert (entry["logger"], entry["message"]) == ("shanwang.test", "进度检查")
    assert "进度检查" not in result.stderr


def test_log_format_plain_keeps_text_on_stderr():
    result = run_production("shell", "-c", LOG_A_WARNING, LOG_FORMAT="plain")
    assert result.returncode == 0, result.stderr
    assert "WARNING shanwang.test 进度检查" in result.stderr
    assert "进度检查" not in result.stdout


def test_an_unknown_log_format_stops_start_up():
    result = run_production("check", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert 'LOG_FORMAT must be "plain" or "json"' in result.stderr
