"""Load-test through gunicorn on loopback with wrk: the project list and the dashboard (50
connections for 60 s each), a project page and the monthly report's submission (30 s
each; the submission with 10 connections). Every GET carries the session cookie of a
logged-in user (50 users, one session each, taken in turn). Writes requests/s, latency
percentiles and the errors (socket errors, timeouts and every response other than 2xx)
as JSON; then bench/weight.py, when present, weighs the pages against the same server.

The submission (bench/wrk_report.lua) POSTs the report form with a real small JPEG and
a new idempotency key (client_key) per request, as the contact person of the project:
each request a project and month of its own (the scale projects under construction, for
this month and for the two months before the seeded year of reports), so that the rule
of one report per project and month never refuses one, and the four-eyes rule is not
in play (the author submits; nobody approves). Afterwards the database is asked: every
saved report answered (302 to its page) must exist with its photo (0 lost), and there
must be one report per key (0 duplicates).

gunicorn runs with deploy/gunicorn.conf.py when it exists (else ``gunicorn shanwang.wsgi
-w 5``), its address chosen by GUNICORN_BIND. Requests carry X-Forwarded-Proto: https, as
nginx sends it, since debug is off.

    python bench/loadtest.py --out var/bench/load.json [--seconds 60] [--connections 50]
        [--short-seconds 30] [--report-connections 10] [--only list|dashboard|project|report]
"""

import argparse
import datetime
import io
import json
import os
import re
import secrets
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
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from projects import selectors  # noqa: E402
from projects.models import ProgressReport, Project, ReportPhoto  # noqa: E402
from projects.rules import Role  # noqa: E402
from projects.seeding import scale  # noqa: E402

GUNICORN_CONFIG = BASE_DIR / "deploy" / "gunicorn.conf.py"
WRK_SCRIPT = Path(__file__).with_name("wrk_sessions.lua")
REPORT_SCRIPT = Path(__file__).with_name("wrk_report.lua")
WEIGHT_SCRIPT = Path(__file__).with_name("weight.py")
#: Form lines written for the submission: more than 10 connections send in 30 s.
REPORT_FORMS = 6000


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
    # A machine shared with other work may take its time to start five workers.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            urllib.request.urlopen(request, timeout=30).read()
            break
        except urllib.error.HTTPError:
            break  # it answers (503 would only mean the broker check)
        except OSError:
            time.sleep(0.5)
    else:
        process.terminate()
        raise SystemExit(f"gunicorn did not answer within 180 s; see {log_path}")
    return process, described


def worker_count(process: subprocess.Popen) -> int:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    try:
        return len(children.read_text().split())
    except OSError:
        return 0


def run_wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int,
    script: Path = WRK_SCRIPT,
    arguments: list[str],
) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        *arguments,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {"command": " ".join(command), **parse_wrk(output), "output": output}


def month_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def small_jpeg() -> bytes:
    """Return a real 640×480 JPEG of a site-like gradient with noise (about 45 KB)."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.effect_noise((640, 480), 40).convert("RGB").filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(image)
    for row in range(0, 480, 4):
        draw.line([(0, row), (640, row)], fill=(90 + row // 6, 120, 80), width=2)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=75)
    return buffer.getvalue()


def report_forms(path: Path, count: int) -> dict:
    """Write ``count`` form lines (path, cookies, CSRF token, month) for the submission:
    one project and month each, no report for it yet, as the project's contact person
    (logged in once each); return what the check afterwards needs."""
    this_month = selectors.today().replace(day=1)
    months = [this_month, month_back(this_month, 13), month_back(this_month, 14)]
    projects = list(
        scale.marked_projects()
        .filter(stage=Project.Stage.UNDER_CONSTRUCTION, contact_person__isnull=False)
        .order_by("pk")
        .values_list("pk", "contact_person_id")
    )
    taken = set(
        ProgressReport.objects.filter(
            project__in=[pk for pk, _ in projects], month__in=months
        ).values_list("project_id", "month")
    )
    users = {
        user.pk: user
        for user in get_user_model().objects.filter(pk__in={contact for _, contact in projects})
    }
    cookies: dict[int, tuple[str, str]] = {}
    lines, used = [], set()
    for month in months:
        for project_pk, contact_pk in projects:
            if len(lines) == count:
                break
            if (project_pk, month) in taken:
                continue
            if contact_pk not in cookies:
                client = Client()
                client.force_login(users[contact_pk])
                token = get_random_string(32)
                session = client.cookies[settings.SESSION_COOKIE_NAME].value
                cookies[contact_pk] = (
                    f"{settings.SESSION_COOKIE_NAME}={session}; "
                    f"{settings.CSRF_COOKIE_NAME}={token}",
                    token,
                )
            cookie, token = cookies[contact_pk]
            lines.append(
                "\t".join(
                    (
                        reverse("projects:report_add", args=[project_pk]),
                        cookie,
                        token,
                        f"{month:%Y-%m}",
                    )
                )
            )
            used.add(project_pk)
    path.write_text("\n".join(lines) + "\n")
    return {
        "forms": len(lines),
        "projects": sorted(used),
        "months": months,
        "users": len(cookies),
        "started": timezone.now(),
    }


def report_outcome(output: str, forms: dict) -> dict:
    """Count what the submission left: reports answered, found, with their photo, per key."""
    saved = [int(pk) for pk in re.search(r"^REPORTS (.*)$", output, re.M).group(1).split(",") if pk]
    found = set(ProgressReport.objects.filter(pk__in=saved).values_list("pk", flat=True))
    with_photo = set(
        ReportPhoto.objects.filter(report__in=saved).values_list("report_id", flat=True)
    )
    made = ProgressReport.objects.filter(
        project__in=forms["projects"],
        month__in=forms["months"],
        client_key__isnull=False,
        created_at__gte=forms["started"],
    )
    reports = made.count()
    keys = made.values("client_key").distinct().count()
    return {
        "sent": int(re.search(r"^SENT (\d+)$", output, re.M).group(1)),
        "form_lines": int(re.search(r"^LINES (\d+)$", output, re.M).group(1)),
        "saved_answers": len(saved),
        "lost": len(set(saved) - found),
        "without_photo": len(set(saved) - with_photo),
        "answered_twice": len(saved) - len(set(saved)),
        "reports": reports,
        "distinct_keys": keys,
        "duplicates": reports - keys,
        "unanswered_at_the_end": reports - len(found),
        "submitted": made.filter(status=ProgressReport.Status.SUBMITTED).count(),
        "not_ok": int(re.search(r"^NON_OK (\d+)$", output, re.M).group(1)),
    }


def run_weight(base_url: str, cookie: str, out: Path) -> dict | None:
    """Run bench/weight.py (page weight in Chromium) against this server, when present."""
    if not WEIGHT_SCRIPT.exists():
        return None
    print(f"bench/weight.py against {base_url}", flush=True)
    environment = {**os.environ, "BENCH_BASE_URL": base_url, "BENCH_SESSION_COOKIE": cookie}
    command = [
        sys.executable,
        str(WEIGHT_SCRIPT),
        "--base-url",
        base_url,
        "--cookie",
        cookie,
        "--out",
        str(out),
    ]
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    print(finished.stdout[-2000:], finished.stderr[-2000:], sep="\n", flush=True)
    if finished.returncode != 0 or not out.exists():
        return {"failed": f"exit {finished.returncode}: {finished.stderr.strip()[-300:]}"}
    return json.loads(out.read_text())


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
    not_ok = re.search(r"NON_(?:2XX|OK) (\d+)", output)
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
    parser.add_argument("--short-seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--report-connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    cookies = session_cookies(args.connections)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    cookies_file = work / "cookies.txt"
    cookies_file.write_text("\n".join(cookies) + "\n")
    project = (
        scale.marked_projects()
        .filter(stage=Project.Stage.UNDER_CONSTRUCTION)
        .order_by("pk")
        .first()
    )
    runs = [
        ("list", "/projects/", args.seconds, args.connections),
        ("dashboard", "/", args.seconds, args.connections),
        ("project", project.get_absolute_url(), args.short_seconds, args.connections),
        ("report", None, args.short_seconds, args.report_connections),
    ]
    runs = [run for run in runs if not args.only or run[0] in args.only]
    port = free_port()
    process, described = start_gunicorn(port, args.out.with_name("gunicorn.log"))
    results = {"server": described, "sessions": len(cookies), "pages": {}}
    origin = f"https://127.0.0.1:{port}"
    try:
        results["workers"] = worker_count(process)
        for name, path, seconds, connections in runs:
            if name == "report":
                forms = report_forms(work / "forms.txt", REPORT_FORMS)
                photo = work / "site.jpg"
                photo.write_bytes(small_jpeg())
                url = f"http://127.0.0.1:{port}/"
                script, arguments = (
                    REPORT_SCRIPT,
                    [
                        str(work / "forms.txt"),
                        str(photo),
                        secrets.token_hex(4),
                        origin,
                        str(args.threads),
                    ],
                )
            else:
                url = f"http://127.0.0.1:{port}{path}"
                script, arguments = WRK_SCRIPT, [str(cookies_file)]
            print(f"wrk {connections} connections, {seconds} s: {name} {url}", flush=True)
            page = run_wrk(
                url,
                seconds=seconds,
                connections=connections,
                threads=args.threads,
                script=script,
                arguments=arguments,
            )
            page.update(path=path or "POST /projects/<id>/reports/new/", seconds=seconds)
            page["connections"] = connections
            if name == "report":
                page["submission"] = report_outcome(page["output"], forms)
                page["output"] = re.sub(r"^REPORTS .*$", "REPORTS …", page["output"], flags=re.M)
                page["photo_bytes"] = photo.stat().st_size
            results["pages"][name] = page
            print(
                f"  {page['requests_per_second']:.1f} requests/s, "
                f"p99 {page['latency'].get('p99_ms', 0):.0f} ms, errors {page['errors']}"
                + (f", {page['submission']}" if "submission" in page else ""),
                flush=True,
            )
        if not args.only or "weight" in args.only:
            # An administrator reads every page weighed and may write the report.
            administrator = (
                get_user_model()
                .objects.filter(username__startswith=scale.USERNAME_PREFIX, is_superuser=True)
                .order_by("pk")
                .first()
            )
            client = Client()
            client.force_login(administrator)
            cookie = (
                f"{settings.SESSION_COOKIE_NAME}="
                f"{client.cookies[settings.SESSION_COOKIE_NAME].value}"
            )
            results["weight"] = run_weight(
                f"http://127.0.0.1:{port}", cookie, args.out.with_name("weight.json")
            )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        for leftover in work.iterdir():
            leftover.unlink()
        work.rmdir()
    results["connections"] = args.connections
    results["seconds"] = args.seconds
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
