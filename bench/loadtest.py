"""Load-test the project list and the dashboard through gunicorn on loopback with wrk:
50 connections for 60 s each, every request with the session cookie of a logged-in user
(50 users, one session each, taken in turn). Writes requests/s, latency percentiles and
the errors (socket errors, timeouts and every response other than 2xx) as JSON.

gunicorn runs with deploy/gunicorn.conf.py when it exists (else ``gunicorn shanwang.wsgi
-w 5``), its address chosen by GUNICORN_BIND. Requests carry X-Forwarded-Proto: https, as
nginx sends it, since debug is off.

    python bench/loadtest.py --out var/bench/load.json [--seconds 60] [--connections 50]
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanwang.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from projects.rules import Role  # noqa: E402
from projects.seeding import scale  # noqa: E402

GUNICORN_CONFIG = BASE_DIR / "deploy" / "gunicorn.conf.py"
WRK_SCRIPT = Path(__file__).with_name("wrk_sessions.lua")
PAGES = {"list": "/projects/", "dashboard": "/"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_cookies(count: int) -> list[str]:
    """Log ``count`` scale users in (reviewers, leaders and administrators: every one of
    them reads the dashboard) and return their session cookies."""
    users = (
        get_user_model()
        .objects.filter(
            username__startswith=scale.USERNAME_PREFIX,
            groups__name__in=[Role.REVIEWER.value, Role.LEADER.value, Role.ADMINISTRATOR.value],
        )
        .order_by("pk")
        .distinct()[:count]
    )
    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


def start_gunicorn(port: int, log_path: Path) -> tuple[subprocess.Popen, str]:
    environment = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_CONTROL_SOCKET": "",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    if GUNICORN_CONFIG.exists():
        command = [gunicorn, "-c", str(GUNICORN_CONFIG)]
        described = "gunicorn -c deploy/gunicorn.conf.py"
    else:
        command = [gunicorn, "shanwang.wsgi", "-w", "5", "-b", f"127.0.0.1:{port}"]
        described = "gunicorn shanwang.wsgi -w 5"
    log = log_path.open("wb")
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            urllib.request.urlopen(request, timeout=5).read()
            break
        except urllib.error.HTTPError:
            break  # it answers (503 would only mean the broker check)
        except OSError:
            time.sleep(0.5)
    else:
        process.terminate()
        raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")
    return process, described


def worker_count(process: subprocess.Popen) -> int:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    try:
        return len(children.read_text().split())
    except OSError:
        return 0


def run_wrk(url: str, *, seconds: int, connections: int, threads: int, cookies_file: Path) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(WRK_SCRIPT),
        url,
        "--",
        str(cookies_file),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {"command": " ".join(command), **parse_wrk(output), "output": output}


def parse_wrk(output: str) -> dict:
    def seconds_of(value: str, unit: str) -> float:
        return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]

    latency = {}
    for percent, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M):
        latency[f"p{percent}_ms"] = seconds_of(value, unit) * 1000
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_total = sum(int(count) for count in socket_errors.groups()) if socket_errors else 0
    not_ok = re.search(r"NON_2XX (\d+)", output)
    statuses = dict(re.findall(r"STATUS (\d+) (\d+)", output))
    return {
        "requests": requests,
        "requests_per_second": per_second,
        "latency": latency,
        "socket_errors": socket_total,
        "non_2xx": int(not_ok.group(1)) if not_ok else None,
        "statuses": {status: int(count) for status, count in statuses.items()},
        "errors": socket_total + (int(not_ok.group(1)) if not_ok else 0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    cookies = session_cookies(args.connections)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as cookies_file:
        cookies_file.write("\n".join(cookies) + "\n")
    port = free_port()
    process, described = start_gunicorn(port, args.out.with_name("gunicorn.log"))
    results = {"server": described, "sessions": len(cookies), "pages": {}}
    try:
        results["workers"] = worker_count(process)
        for name, path in PAGES.items():
            url = f"http://127.0.0.1:{port}{path}"
            print(f"wrk {args.connections} connections, {args.seconds} s: {url}", flush=True)
            results["pages"][name] = run_wrk(
                url,
                seconds=args.seconds,
                connections=args.connections,
                threads=args.threads,
                cookies_file=Path(cookies_file.name),
            )
            page = results["pages"][name]
            print(
                f"  {page['requests_per_second']:.1f} requests/s, "
                f"p99 {page['latency'].get('p99_ms', 0):.0f} ms, errors {page['errors']}",
                flush=True,
            )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        Path(cookies_file.name).unlink(missing_ok=True)
    results["connections"] = args.connections
    results["seconds"] = args.seconds
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
