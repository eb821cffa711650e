"""Measure every page and job in-process, against the database DATABASE_URL names (seeded
by bench/run.sh with ``seed_scale``), each beside its anchor measured in the same run;
write the figures as JSON.

The anchors: for a list, the Django admin changelist of the same model at the same page
size, and the page's own SELECTs executed bare on a cursor; for every reminder scan of
``SCANS``, the whole scan; for the import, Django's own ``bulk_create`` of the same rows
with their history (simple_history's ``bulk_create_with_history``, the villages' through
rows and their historical rows).

Server time is the time Django's test Client takes from the request to the complete
response, in this process: every middleware, the view, the queries and the template, but
no HTTP parsing and no network (bench/loadtest.py measures those, through gunicorn).
Peak memory is tracemalloc's peak of Python allocations during one more run of the same
request or job; query counts come from CaptureQueriesContext.

    python bench/measure.py --out var/bench/measure.json [--samples 30] [--new-samples 10]
        [--only PART_OR_PAGE ...]

``--only`` (repeatable) runs one part (core, supervision, paperwork, briefing, personal,
exports, scans, after_scans, import) or one page by its name, and leaves the rest out.
"""

import argparse
import contextlib
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

from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from projects import selectors  # noqa: E402
from projects.alerts import ledger as alerts  # noqa: E402
from projects.alerts import notifications  # noqa: E402
from projects.alerts.workdays import WorkingDays  # noqa: E402
from projects.models import (  # noqa: E402
    ApprovalItem,
    Milestone,
    Notification,
    PlanBaselineEntry,
    Problem,
    Project,
    Reminder,
    SchedulingMeeting,
    SupervisionOrder,
)
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


class PageFailed(Exception):
    """A page answered other than 200: recorded as the page's result, the run goes on."""


def fetch(client: Client, url: str) -> bytes:
    response = client.get(url, **HTTPS)
    if response.status_code != 200:
        raise PageFailed(f"{url} answered {response.status_code}")
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def measure_page(client: Client, url: str, *, samples: int, warmup: int = 2) -> dict:
    """Time ``url`` once cold, then ``samples`` times after ``warmup`` requests; count its
    queries and its peak memory in two more requests."""
    started = time.perf_counter()
    fetch(client, url)
    first = time.perf_counter() - started
    for _ in range(max(0, warmup - 1)):
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
        "first_ms": first * 1000,
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
    records the whole backlog a new portfolio brings, the second is a day like any other.
    Each of ``SCANS`` is timed alone in a transaction rolled back, before the whole scan
    of that day is recorded for real."""
    today = selectors.today()
    calendar = WorkingDays(today, today + datetime.timedelta(days=30))
    first = calendar.next_working_day(today + datetime.timedelta(days=1))
    second = calendar.next_working_day(first + datetime.timedelta(days=1))
    milestones = Milestone.objects.count()
    open_milestones = Milestone.objects.filter(completed_on__isnull=True).count()
    print(f"Reminder scan over {milestones} milestones ({open_milestones} open)", flush=True)
    runs = {}
    for name, day in (("first", first), ("next", second)):
        peak = peak_memory(rolled_back(lambda day=day: alerts.scan(on=day)))
        each = {}
        for scan_name in alerts.SCANS:
            job = measure_job(
                rolled_back(lambda day=day, scan_name=scan_name: each_scan(day, scan_name)),
                label=f"  scan {scan_name} {day}",
            )
            job.pop("result")
            each[scan_name] = {**job, "created": created_by[scan_name]}
        job = measure_job(lambda day=day: alerts.scan(on=day), label=f"scan {day}")
        outcome = job.pop("result")
        runs[name] = {
            **job,
            "date": day.isoformat(),
            "created": outcome["created"],
            "owed": len(outcome["owed"]),
            "peak_mb": peak,
            "scans": each,
        }
    results["scan"] = {
        "milestones": milestones,
        "open_milestones": open_milestones,
        "reminders_after": Reminder.objects.count(),
        **runs,
    }


#: The alerts each scan of SCANS created alone, by name (set by each_scan).
created_by: dict[str, int] = {}


def each_scan(day: datetime.date, name: str) -> None:
    created_by[name] = alerts.scan(on=day, scans=(name,))["created"]


def import_rows() -> tuple[list, list]:
    """Return the import's columns and 10,000 project rows: the scale projects as the
    import engine's own export writes them, under new names."""
    from projects.workbooks.sheets import PROJECT_SHEETS

    resource = PROJECT_SHEETS[0].resource_class
    projects = scale.marked_projects().order_by("pk")[:10_000]
    rows = []
    for row in resource().export_rows(resource.export_queryset(projects)):
        row = list(row)
        row[0] = row[0].replace(scale.MARK, f"{scale.MARK}导入", 1)
        rows.append(row)
    return resource.columns(), rows


def measure_import(results: dict, workdir: Path) -> None:
    """A 10,000-row project workbook, made with the import engine's own export (the
    projects sheet, under new names), imported for real in a transaction then rolled
    back (so that the load test after it still sees 10,000 projects); beside it, its
    anchor: the same projects written by Django's bulk_create with their history."""
    try:
        from projects.workbooks.sheets import PROJECT_SHEETS, import_projects_file
        from shanwang.spreadsheets.files import add_table, new_workbook, workbook_bytes
    except ImportError as missing:
        print(f"Import: not available ({missing})", flush=True)
        results["import"] = {"available": False, "reason": str(missing)}
        return
    started = time.perf_counter()
    columns, rows = import_rows()
    workbook = new_workbook()
    add_table(workbook, PROJECT_SHEETS[0].title, columns, rows)
    path = workdir / f"import-{len(rows)}.xlsx"
    path.write_bytes(workbook_bytes(workbook))
    made = time.perf_counter() - started
    print(f"Import of {len(rows)} rows ({path}, made in {made:.1f} s)", flush=True)
    dry_peak = peak_memory(lambda: import_projects_file(path, dry_run=True))
    before = Project.objects.count()
    added = {}

    def imported():
        report = import_projects_file(path)
        added["projects"] = Project.objects.count() - before
        return report

    job = measure_job(rolled_back_result(imported), label="import")
    report = job.pop("result")
    results["import"] = {
        "available": True,
        "rows": len(rows),
        "file_mb": path.stat().st_size / 2**20,
        **job,
        "accepted": report.accepted,
        "errors": [str(error) for error in report.errors[:5]],
        "projects_added": added.get("projects", 0),
        "peak_mb": dry_peak,
        "anchor": measure_bulk_insert(),
    }


def rolled_back_result(function):
    def run():
        with transaction.atomic():
            result = function()
            transaction.set_rollback(True)
        return result

    return run


def measure_bulk_insert() -> dict:
    """Django's own bulk insert of the import's rows: the scale projects copied under the
    import's new names with ``bulk_create_with_history`` (the projects and their "+"
    historical rows), then their villages' through rows, a "~" historical row for each
    project with villages and its record of them (what the import writes), in batches of
    1,000, in a transaction rolled back."""
    from simple_history.utils import bulk_create_with_history

    sources = list(scale.marked_projects().order_by("pk")[:10_000].prefetch_related("villages"))
    unique = [
        field.attname
        for field in Project._meta.concrete_fields
        if field.unique and not field.primary_key and field.name != "name"
    ]
    # simple_history's record of each historical row's villages (m2m_fields=[villages]).
    history_villages = Project.history.model._meta.get_field(
        "historicalproject_villages"
    ).related_model

    def insert():
        copies = []
        for source in sources:
            copy = Project(
                **{
                    field.attname: getattr(source, field.attname)
                    for field in Project._meta.concrete_fields
                    if not field.primary_key
                }
            )
            copy.name = source.name.replace(scale.MARK, f"{scale.MARK}批量", 1)
            for attname in unique:
                setattr(copy, attname, None)
            copies.append(copy)
        created = bulk_create_with_history(copies, Project, batch_size=1000)
        Located = Project.villages.through
        located = Located.objects.bulk_create(
            [
                Located(project_id=copy.pk, village_id=village.pk)
                for copy, source in zip(created, sources, strict=True)
                for village in source.villages.all()
            ],
            batch_size=1000,
        )
        # As a save and then villages.set() record it: a "~" row that holds the villages.
        located_ids = {row.project_id for row in located}
        updates = Project.history.bulk_history_create(
            [copy for copy in created if copy.pk in located_ids], update=True, batch_size=1000
        )
        records = {record.id: record.history_id for record in updates}
        history_villages.objects.bulk_create(
            [
                history_villages(
                    id=row.pk,
                    history_id=records[row.project_id],
                    project_id=row.project_id,
                    village_id=row.village_id,
                )
                for row in located
            ],
            batch_size=1000,
        )
        return len(created)

    job = measure_job(rolled_back_result(insert), label="bulk_create with history")
    job["rows"] = job.pop("result")
    return job


def measure_export(client: Client, results: dict) -> None:
    url = "/projects/?_export=xlsx"
    print(f"Export {url}", flush=True)
    figures = measure_page(client, url, samples=3, warmup=1)
    import openpyxl

    body = fetch(client, url)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    figures["rows"] = sum(1 for _ in sheet.iter_rows()) - 1
    figures.pop("_captured")
    figures.update(label="XLSX export of every project", part="core")
    results["pages"]["export_xlsx"] = figures


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


def admin_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@contextlib.contextmanager
def admin_page_size(model, per_page: int):
    """Show ``per_page`` rows on the admin changelist of ``model`` (in this process only),
    so that the admin anchor of a list has the list's page size."""
    model_admin = admin.site.get_model_admin(model)
    kept = model_admin.list_per_page
    model_admin.list_per_page = per_page
    try:
        yield
    finally:
        model_admin.list_per_page = kept


class Page:
    """One page to measure: its client and URL, its part, label and anchors."""

    def __init__(
        self,
        name,
        part,
        label,
        client,
        url,
        *,
        anchor=None,
        per_page=None,
        admin_of=None,
        samples=None,
        bare=True,
        export=False,
    ):
        self.name, self.part, self.label, self.client, self.url = name, part, label, client, url
        #: The list's anchor: the admin changelist of ``anchor`` at ``per_page`` rows.
        self.anchor, self.per_page = anchor, per_page
        #: An admin changelist measured as a page of its own (``per_page`` rows).
        self.admin_of = admin_of
        self.samples, self.bare, self.export = samples, bare, export


def cast() -> dict:
    """The people and records the pages are read by and about."""
    reviewer, administrator = user_in(Role.REVIEWER), user_in(Role.ADMINISTRATOR)
    project = (
        scale.marked_projects()
        .filter(stage=Project.Stage.UNDER_CONSTRUCTION, problems__isnull=False)
        .order_by("pk")
        .first()
    )
    contact = project.contact_person
    clients = {}
    for role, user in (("reviewer", reviewer), ("admin", administrator), ("contact", contact)):
        clients[role] = Client()
        clients[role].force_login(user)
    clients["anonymous"] = Client()
    return {
        **clients,
        "contact_user": contact,
        "project": project,
        "village": Village.objects.filter(name__startswith=scale.MARK).order_by("pk").first(),
        "problem": Problem.objects.filter(project=project).order_by("pk").first(),
        "order": SupervisionOrder.objects.filter(project__name__startswith=scale.MARK)
        .order_by("pk")
        .first(),
        "meeting": SchedulingMeeting.objects.filter(title__startswith=scale.MARK)
        .order_by("-held_on")
        .first(),
    }


def core_pages(people: dict, projects: int) -> list[Page]:
    """The pages of issue 8 (samples: --samples)."""
    client, village = people["reviewer"], people["village"]
    deep = max(1, projects * 3 // 4 // PAGE_SIZE)
    core = [
        ("list_first", "Project list, first page (25 rows)", "/projects/"),
        (
            "list_filtered",
            "Project list, filtered (search, stage, red light)",
            "/projects/?q=厂房&stage=under_construction&light=red",
        ),
        (
            "list_filtered_plan",
            "Project list, filtered (category, village, plan year)",
            f"/projects/?category=industrial&village={village.pk}&year={selectors.today().year}",
        ),
        (
            "list_sorted",
            "Project list, sorted by total investment",
            "/projects/?sort=-total_investment",
        ),
        ("list_deep", "Project list, deep page", f"/projects/?page={deep}"),
        ("list_first_100", "Project list, first page of 100 rows", "/projects/?per_page=100"),
    ]
    pages = [Page(name, "core", label, client, url) for name, label, url in core]
    pages += [
        Page(
            "admin_changelist",
            "core",
            "Django admin changelist of Project (100 rows)",
            people["admin"],
            admin_url(Project),
            admin_of=Project,
            per_page=100,
            bare=False,
        ),
        Page("dashboard", "core", "Dashboard", client, "/"),
        Page(
            "project_page",
            "core",
            "A project page",
            client,
            people["project"].get_absolute_url(),
            bare=False,
        ),
        Page(
            "village_page", "core", "A village page", client, village.get_absolute_url(), bare=False
        ),
    ]
    return pages


def new_pages(people: dict) -> list[Page]:
    """The pages of the issues filed with issue 17 (samples: --new-samples; exports 3)."""
    reviewer, contact, project = people["reviewer"], people["contact"], people["project"]
    meeting = people["meeting"]
    pack = reverse("projects:meeting_pack")
    pack_query = f"?date={selectors.today().isoformat()}"
    year = selectors.today().year
    unregistered = reverse("projects:unregistered")
    baseline_year = reverse("projects:baseline_year", args=[year])
    problems = reverse("projects:problems")
    pages = [
        # 督办 (issue 15)
        Page(
            "problems",
            "supervision",
            "问题台账 problem ledger",
            reviewer,
            problems,
            anchor=Problem,
            per_page=25,
        ),
        Page(
            "problems_overdue",
            "supervision",
            "问题台账, overdue only",
            reviewer,
            f"{problems}?overdue=on",
            anchor=Problem,
            per_page=25,
        ),
        Page(
            "problem_page",
            "supervision",
            "A problem page",
            contact,
            people["problem"].get_absolute_url(),
        ),
        Page(
            "orders",
            "supervision",
            "督办单 supervision orders",
            reviewer,
            reverse("projects:orders"),
            anchor=SupervisionOrder,
            per_page=25,
        ),
        Page(
            "order_page",
            "supervision",
            "A supervision order",
            contact,
            people["order"].get_absolute_url(),
        ),
        Page(
            "meetings",
            "supervision",
            "调度会 meetings",
            reviewer,
            reverse("projects:meetings"),
            anchor=SchedulingMeeting,
            per_page=50,
        ),
        Page("meeting_page", "supervision", "A meeting", reviewer, meeting.get_absolute_url()),
        Page("meeting_pack", "supervision", "Meeting pack (HTML)", reviewer, pack + pack_query),
        Page(
            "ranking", "supervision", "考核 units' ranking", reviewer, reverse("projects:ranking")
        ),
        # 前期手续, 资金, 入库纳统, 计划基线 (issue 16)
        Page(
            "approvals",
            "paperwork",
            "前期手续 approvals past their date",
            reviewer,
            reverse("projects:approval_list"),
            anchor=ApprovalItem,
            per_page=50,
        ),
        Page(
            "fund_overview",
            "paperwork",
            "资金 funds overview",
            reviewer,
            reverse("projects:fund_overview"),
        ),
        Page(
            "project_funds",
            "paperwork",
            "A project's funds",
            contact,
            reverse("projects:funds", args=[project.pk]),
        ),
        Page(
            "unregistered",
            "paperwork",
            "开工未入库 started, not registered",
            reviewer,
            unregistered,
            anchor=Project,
            per_page=25,
        ),
        Page(
            "baselines", "paperwork", "计划基线 baselines", reviewer, reverse("projects:baselines")
        ),
        Page(
            "baseline_year",
            "paperwork",
            "Baseline comparison of the year",
            reviewer,
            baseline_year,
            anchor=PlanBaselineEntry,
            per_page=50,
        ),
        # The monthly briefing (issue 13)
        Page(
            "briefing",
            "briefing",
            "月报 monthly briefing (HTML)",
            reviewer,
            reverse("projects:briefing"),
        ),
        # A person's own pages (issues 14, 15)
        Page("my_work", "personal", "Dashboard with 我的待办 of a contact person", contact, "/"),
        Page(
            "report_form",
            "personal",
            "Monthly report form (GET)",
            contact,
            reverse("projects:report_add", args=[project.pk]),
        ),
        # Exports and prints
        Page(
            "problems_xlsx",
            "exports",
            "问题台账 XLSX, every problem",
            reviewer,
            f"{problems}?_export=xlsx",
            export=True,
        ),
        Page(
            "unregistered_xlsx",
            "exports",
            "开工未入库 XLSX",
            reviewer,
            f"{unregistered}?_export=xlsx",
            export=True,
        ),
        Page(
            "baseline_year_xlsx",
            "exports",
            "Baseline comparison XLSX",
            reviewer,
            f"{baseline_year}?export=xlsx",
            export=True,
        ),
        Page(
            "meeting_pack_xlsx",
            "exports",
            "Meeting pack XLSX",
            reviewer,
            reverse("projects:meeting_pack_xlsx") + pack_query,
            export=True,
        ),
        Page(
            "meeting_pack_pdf",
            "exports",
            "Meeting pack PDF",
            reviewer,
            reverse("projects:meeting_pack_pdf") + pack_query,
            export=True,
        ),
        Page(
            "briefing_xlsx",
            "exports",
            "月报 XLSX",
            reviewer,
            reverse("projects:briefing_xlsx"),
            export=True,
        ),
        Page(
            "briefing_pdf",
            "exports",
            "月报 PDF",
            reviewer,
            reverse("projects:briefing_pdf"),
            export=True,
        ),
        Page(
            "project_record_xlsx",
            "exports",
            "A project's full record (XLSX)",
            contact,
            reverse("projects:record_xlsx", args=[project.pk]),
            export=True,
        ),
    ]
    return pages


def after_scan_pages(people: dict) -> list[Page]:
    """Pages that read what the scans recorded: the bell's list and the calendar feed."""
    token = notifications.calendar_token_renew(user=people["contact_user"])
    return [
        Page(
            "notifications",
            "after_scans",
            "通知 notifications of a reviewer",
            people["reviewer"],
            reverse("projects:notifications"),
            anchor=Notification,
            per_page=30,
        ),
        Page(
            "calendar_feed",
            "after_scans",
            "Calendar feed (ICS) of a contact person",
            people["anonymous"],
            reverse("projects:calendar_feed", args=[token]),
        ),
    ]


def measure_pages(
    pages: list[Page],
    results: dict,
    *,
    admin_client: Client,
    samples: int,
    new_samples: int,
    save=lambda: None,
) -> None:
    """Measure each page, its bare SQL and, for a list, the admin changelist of its model at
    its page size, all in this run."""
    for page in pages:
        count = page.samples or (
            3 if page.export else samples if page.part == "core" else new_samples
        )
        try:
            sized = (
                admin_page_size(page.admin_of, page.per_page)
                if page.admin_of
                else contextlib.nullcontext()
            )
            with sized:
                figures = measure_page(
                    page.client, page.url, samples=count, warmup=1 if page.export else 2
                )
        except Exception as failed:  # a page that fails is a result too: report it, go on
            reason = str(failed) if isinstance(failed, PageFailed) else repr(failed)[:300]
            print(f"{page.name:20} failed: {reason}", flush=True)
            results.setdefault("failures", {})[page.name] = reason
            continue
        captured = figures.pop("_captured")
        figures.update(label=page.label, part=page.part)
        if page.bare:
            figures["bare_sql"] = bare_sql(captured, samples=count)
        if page.anchor is not None:
            anchor_name = f"admin_{page.anchor._meta.model_name}_{page.per_page}"
            if anchor_name not in results["anchors"]:
                with admin_page_size(page.anchor, page.per_page):
                    anchor = measure_page(admin_client, admin_url(page.anchor), samples=count)
                anchor.pop("_captured")
                anchor["label"] = (
                    f"Django admin changelist of {page.anchor._meta.object_name} "
                    f"({page.per_page} rows)"
                )
                results["anchors"][anchor_name] = anchor
            figures["anchor"] = anchor_name
        if page.export:
            figures["rows"] = spreadsheet_rows(page.client, page.url)
        results["pages"][page.name] = figures
        save()
        bare = figures.get("bare_sql", {}).get("p50_ms")
        print(
            f"{page.name:20} p50 {figures['p50_ms']:8.1f} ms  first {figures['first_ms']:8.1f} ms"
            f"  {figures['queries']:3} queries  {figures['peak_mb']:6.1f} MB"
            + (f"  bare SQL {bare:.1f} ms" if bare is not None else ""),
            flush=True,
        )


def spreadsheet_rows(client: Client, url: str) -> int | None:
    """Return the rows of an XLSX answer's first sheet (headers included), else None."""
    body = fetch(client, url)
    if not body.startswith(b"PK"):
        return None
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return sum(1 for _ in sheet.iter_rows())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--new-samples", type=int, default=10)
    parser.add_argument("--only", action="append", default=[], metavar="PART_OR_PAGE")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "data": {
            "projects": Project.objects.count(),
            "scale_projects": scale.marked_projects().count(),
            "milestones": Milestone.objects.count(),
            "problems": Problem.objects.count(),
            "orders": SupervisionOrder.objects.count(),
            "approvals": ApprovalItem.objects.count(),
            "villages": Village.objects.count(),
            "users": get_user_model().objects.count(),
        },
        "pages": {},
        "anchors": {},
        "bare_sql": {},
    }
    people = cast()

    def save():
        """Write what is measured so far: a run stopped midway still leaves its figures."""
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))

    def wanted(name: str, part: str) -> bool:
        return not args.only or name in args.only or part in args.only

    pages = [
        page
        for page in core_pages(people, results["data"]["projects"]) + new_pages(people)
        if wanted(page.name, page.part)
    ]
    measure_pages(
        pages,
        results,
        admin_client=people["admin"],
        samples=args.samples,
        new_samples=args.new_samples,
        save=save,
    )
    for name, figures in results["pages"].items():
        if figures["part"] == "core" and "bare_sql" in figures:
            results["bare_sql"][name] = figures["bare_sql"]
    for name, part, step in (
        ("export_xlsx", "exports", lambda: measure_export(people["reviewer"], results)),
        ("scans", "scans", lambda: measure_scan(results)),
        (
            "after_scans",
            "after_scans",
            lambda: measure_pages(
                [page for page in after_scan_pages(people) if wanted(page.name, page.part)],
                results,
                admin_client=people["admin"],
                samples=args.samples,
                new_samples=args.new_samples,
                save=save,
            ),
        ),
        ("import", "import", lambda: measure_import(results, args.out.parent)),
    ):
        if not wanted(name, part) and not (
            name == "after_scans" and {"notifications", "calendar_feed"} & set(args.only)
        ):
            continue
        try:
            step()
        except Exception as error:  # a failure is a result too: report it, go on
            print(f"  {name} failed: {error!r}", flush=True)
            results.setdefault("failures", {})[name] = repr(error)
        save()
    results["machine"]["load_average_end"] = os.getloadavg()
    save()
    print(f"Wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
