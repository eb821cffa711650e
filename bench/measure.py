"""Measure the pages and jobs of issue 8 in-process, against the database DATABASE_URL names
(seeded by bench/run.sh with ``seed_scale``); write the figures as JSON.

Server time is the time Django's test Client takes from the request to the complete
response, in this process: every middleware, the view, the queries and the template, but
no HTTP parsing and no network (bench/loadtest.py measures those, through gunicorn).
Peak memory is tracemalloc's peak of Python allocations during one more run of the same
request or job; query counts come from CaptureQueriesContext.

    python bench/measure.py --out var/bench/measure.json [--samples 30]
"""

import argparse
import datetime
import io
import json
import os
import platform
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanwang.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from projects import selectors  # noqa: E402
from projects.alerts import ledger as alerts  # noqa: E402
from projects.alerts.workdays import WorkingDays  # noqa: E402
from projects.models import Milestone, Project, Reminder  # noqa: E402
from projects.rules import Role  # noqa: E402
from projects.seeding import scale  # noqa: E402
from villages.models import Village  # noqa: E402

#: nginx sends this; with debug off, Django would otherwise redirect to HTTPS.
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}
PAGE_SIZE = 25


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` percentile (0.5, 0.95) of ``values``, interpolated."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(seconds: list[float], cpu: list[float]) -> dict:
    return {
        "samples": len(seconds),
        "p50_ms": percentile(seconds, 0.5) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
        "min_ms": min(seconds) * 1000,
        "cpu_p50_ms": percentile(cpu, 0.5) * 1000,
    }


def fetch(client: Client, url: str) -> bytes:
    response = client.get(url, **HTTPS)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}; the benchmark stops.")
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def measure_page(client: Client, url: str, *, samples: int, warmup: int = 2) -> dict:
    """Time ``url`` ``samples`` times after ``warmup`` requests; count its queries and
    its peak memory in two more requests."""
    for _ in range(warmup):
        fetch(client, url)
    seconds, cpu = [], []
    for _ in range(samples):
        started, cpu_started = time.perf_counter(), time.process_time()
        fetch(client, url)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    with CaptureQueriesContext(connection) as captured:
        body = fetch(client, url)
    # Read now: the next request's request_started signal empties the query log.
    queries = list(captured.captured_queries)
    tracemalloc.start()
    fetch(client, url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "url": url,
        **summary(seconds, cpu),
        "queries": len(queries),
        "peak_mb": peak / 2**20,
        "bytes": len(body),
        "indexes": indexes_used(queries),
        "_captured": queries,
    }


def bare_sql(captured: list[dict], *, samples: int) -> dict:
    """Time the SELECTs a page ran, executed bare on a cursor (no ORM, no template)."""
    statements = []
    for query in captured:
        sql = query["sql"]
        cursor_for = re.match(
            r'DECLARE ".*?" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR (.*)', sql, re.S
        )
        if cursor_for:
            sql = cursor_for.group(1)
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append(sql)
    seconds = []
    with connection.cursor() as cursor:
        for _ in range(samples + 2):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            seconds.append(time.perf_counter() - started)
    seconds = seconds[2:]
    return {
        "statements": len(statements),
        "p50_ms": percentile(seconds, 0.5) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
    }


def indexes_used(captured: list[dict]) -> dict:
    """Return, from EXPLAIN ANALYZE of a page's SELECTs, the indexes read and the tables
    read whole (sequential scans), with the rows each scan returned."""
    indexes, sequential = set(), {}
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql)
            for (line,) in cursor.fetchall():
                if "never executed" in line:
                    continue
                index = re.search(r"Index (?:Only )?Scan(?: Backward)? using (\w+)", line)
                index = index or re.search(r"Bitmap Index Scan on (\w+)", line)
                if index:
                    indexes.add(index.group(1))
                table = re.search(r"Seq Scan on (\w+).*rows=(\d+) loops=(\d+)\)$", line)
                if table:
                    rows = int(table.group(2)) * int(table.group(3))
                    sequential[table.group(1)] = max(sequential.get(table.group(1), 0), rows)
    return {"indexes": sorted(indexes), "sequential": sequential}


def measure_job(function, *, label: str) -> dict:
    """Run ``function`` once timed, counting its queries (all of them: the query log of
    CaptureQueriesContext stops at 9,000), return its figures."""
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    print(f"  {label}: {seconds:.2f} s, {len(executed)} queries", flush=True)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "queries": len(executed),
        "result": result,
    }


def peak_memory(function) -> float:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def rolled_back(function):
    def run():
        with transaction.atomic():
            function()
            transaction.set_rollback(True)

    return run


def user_in(role: Role):
    return (
        get_user_model()
        .objects.filter(username__startswith=scale.USERNAME_PREFIX, groups__name=role.value)
        .order_by("pk")
        .first()
    )


def measure_scan(results: dict) -> None:
    """The reminder scan over every milestone, on the next two working days: the first
    records the whole backlog (every escalation of every overdue milestone), the second is
    a day like any other."""
    today = selectors.today()
    calendar = WorkingDays(today, today + datetime.timedelta(days=30))
    first = calendar.next_working_day(today + datetime.timedelta(days=1))
    second = calendar.next_working_day(first + datetime.timedelta(days=1))
    milestones = Milestone.objects.count()
    open_milestones = Milestone.objects.filter(completed_on__isnull=True).count()
    print(f"Reminder scan over {milestones} milestones ({open_milestones} open)", flush=True)
    first_peak = peak_memory(rolled_back(lambda: alerts.scan(on=first)))
    runs = {}
    for name, day in (("first", first), ("next", second)):
        job = measure_job(lambda day=day: alerts.scan(on=day), label=f"scan {day}")
        outcome = job.pop("result")
        runs[name] = {
            **job,
            "date": day.isoformat(),
            "created": outcome["created"],
            "owed": len(outcome["owed"]),
        }
    runs["first"]["peak_mb"] = first_peak
    runs["next"]["peak_mb"] = peak_memory(rolled_back(lambda: alerts.scan(on=second)))
    results["scan"] = {
        "milestones": milestones,
        "open_milestones": open_milestones,
        "reminders_after": Reminder.objects.count(),
        **runs,
    }


def measure_export(client: Client, results: dict) -> None:
    url = "/projects/?_export=xlsx"
    print(f"Export {url}", flush=True)
    figures = measure_page(client, url, samples=3, warmup=1)
    import openpyxl

    body = fetch(client, url)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    figures["rows"] = sum(1 for _ in sheet.iter_rows()) - 1
    figures.pop("_captured")
    results["pages"]["export_xlsx"] = figures


def measure_import(results: dict, workdir: Path) -> None:
    """A 10,000-row project workbook, made with the import engine's own export (the
    projects sheet, under new names), imported for real."""
    try:
        from projects.workbooks.sheets import PROJECT_SHEETS, import_projects_file
        from shanwang.spreadsheets.files import add_table, new_workbook, workbook_bytes
    except ImportError as missing:
        print(f"Import: not available ({missing})", flush=True)
        results["import"] = {"available": False, "reason": str(missing)}
        return
    spec = PROJECT_SHEETS[0]
    resource = spec.resource_class
    projects = scale.marked_projects().order_by("pk")[:10_000]
    started = time.perf_counter()
    rows = []
    for row in resource().export_rows(resource.export_queryset(projects)):
        row = list(row)
        row[0] = row[0].replace(scale.MARK, f"{scale.MARK}导入", 1)
        rows.append(row)
    workbook = new_workbook()
    add_table(workbook, spec.title, resource.columns(), rows)
    path = workdir / f"import-{len(rows)}.xlsx"
    path.write_bytes(workbook_bytes(workbook))
    made = time.perf_counter() - started
    print(f"Import of {len(rows)} rows ({path}, made in {made:.1f} s)", flush=True)
    dry_peak = peak_memory(lambda: import_projects_file(path, dry_run=True))
    before = Project.objects.count()
    job = measure_job(lambda: import_projects_file(path), label="import")
    report = job.pop("result")
    results["import"] = {
        "available": True,
        "rows": len(rows),
        "file_mb": path.stat().st_size / 2**20,
        **job,
        "accepted": report.accepted,
        "errors": report.errors[:5],
        "projects_added": Project.objects.count() - before,
        "peak_mb": dry_peak,
    }


def machine() -> dict:
    cpu_model = platform.processor()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        cpu_model = re.search(r"Model name:\s*(.+)", lscpu).group(1).strip()
    except (OSError, subprocess.CalledProcessError, AttributeError):
        pass
    memory = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgres = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    return {
        "cpu": cpu_model,
        "cores": os.cpu_count(),
        "ram_gb": int(memory.group(1)) / 2**20 if memory else None,
        "postgresql": postgres,
        "jit": jit,
        "python": platform.python_version(),
        "django": django.get_version(),
        "load_average_start": os.getloadavg(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "data": {
            "projects": Project.objects.count(),
            "scale_projects": scale.marked_projects().count(),
            "milestones": Milestone.objects.count(),
            "villages": Village.objects.count(),
            "users": get_user_model().objects.count(),
        },
        "pages": {},
    }
    reviewer, administrator = user_in(Role.REVIEWER), user_in(Role.ADMINISTRATOR)
    client, admin_client = Client(), Client()
    client.force_login(reviewer)
    admin_client.force_login(administrator)
    project = (
        scale.marked_projects()
        .filter(stage=Project.Stage.UNDER_CONSTRUCTION)
        .order_by("pk")
        .first()
    )
    village = Village.objects.filter(name__startswith=scale.MARK).order_by("pk").first()
    deep = max(1, results["data"]["projects"] * 3 // 4 // PAGE_SIZE)
    pages = {
        "list_first": (client, "/projects/"),
        "list_filtered": (client, "/projects/?q=厂房&stage=under_construction&light=red"),
        "list_filtered_plan": (
            client,
            f"/projects/?category=industrial&village={village.pk}&year={selectors.today().year}",
        ),
        "list_sorted": (client, "/projects/?sort=-total_investment"),
        "list_deep": (client, f"/projects/?page={deep}"),
        "list_first_100": (client, "/projects/?per_page=100"),
        "admin_changelist": (admin_client, "/admin/projects/project/"),
        "dashboard": (client, "/"),
        "project_page": (client, project.get_absolute_url()),
        "village_page": (client, village.get_absolute_url()),
    }
    for name, (page_client, url) in pages.items():
        figures = measure_page(page_client, url, samples=args.samples)
        print(
            f"{name:18} {url:60} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f}"
            f" ms  {figures['queries']} queries  {figures['peak_mb']:.1f} MB",
            flush=True,
        )
        results["pages"][name] = figures
    results["bare_sql"] = {
        name: bare_sql(results["pages"][name]["_captured"], samples=args.samples)
        for name in (
            "list_first",
            "list_filtered",
            "list_filtered_plan",
            "list_sorted",
            "list_deep",
            "list_first_100",
            "dashboard",
        )
    }
    for figures in results["pages"].values():
        figures.pop("_captured")
    for name, step in (
        ("export_xlsx", lambda: measure_export(client, results)),
        ("scan", lambda: measure_scan(results)),
        ("import", lambda: measure_import(results, args.out.parent)),
    ):
        try:
            step()
        except Exception as error:  # a failure is a result too: report it, go on
            print(f"  {name} failed: {error!r}", flush=True)
            results.setdefault("failures", {})[name] = repr(error)
    results["machine"]["load_average_end"] = os.getloadavg()
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"Wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
