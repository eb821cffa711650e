"""Write docs/benchmarks.md from the JSON of bench/measure.py and bench/loadtest.py.

    python bench/report.py --measure var/bench/measure.json --load var/bench/load.json \
        --seed var/bench/seed.txt --remove var/bench/remove.txt \
        [--briefing-pdf var/bench/briefing_pdf.json] --out docs/benchmarks.md

bench/before.json, when present, holds the same measurements taken on the code before the
optimisations of issue 8; the report shows them side by side.
"""

import argparse
import json
from pathlib import Path

BEFORE = Path(__file__).with_name("before.json")

PAGES = [
    ("list_first", "Project list, first page (25 rows)"),
    ("list_filtered", "Project list, filtered (search, stage, red light)"),
    ("list_filtered_plan", "Project list, filtered (category, village, plan year)"),
    ("list_sorted", "Project list, sorted by total investment"),
    ("list_deep", "Project list, deep page"),
    ("list_first_100", "Project list, first page of 100 rows"),
    ("admin_changelist", "Django admin changelist of Project (100 rows)"),
    ("dashboard", "Dashboard"),
    ("project_page", "A project page"),
    ("village_page", "A village page"),
    ("export_xlsx", "XLSX export of every project"),
]


def ms(value) -> str:
    return "—" if value is None else f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def seconds(value) -> str:
    return "—" if value is None else f"{value:.1f} s"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def last_line(path: Path | None) -> str:
    if path is None or not path.exists():
        return "—"
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return lines[-1] if lines else "—"


def kb(value) -> str:
    return "—" if value is None else f"{value / 1000:,.0f} KB"


def ratio(numerator, denominator) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def weight_page(weight: dict | None, *, path: str = "", name: str = "") -> dict | None:
    """Return the page of bench/weight.py's output with ``path`` (or ``name`` in its name)."""
    if not weight or "pages" not in weight:
        return None
    for page in weight["pages"]:
        if path and page.get("path", "").split("?")[0] == path:
            return page
    for page in weight["pages"]:
        if name and name in page.get("name", "").lower():
            return page
    return None


def issue_17_targets(measure: dict, load: dict | None) -> list[tuple[str, str, str, str, object]]:
    """Return (what, today, measured, target, met: True/False/None) for each row of issue 17's
    target table; None when this run could not measure it."""
    today = (json.loads(BEFORE.read_text()) if BEFORE.exists() else {}).get("before_issue_17", {})
    pages, rows = measure["pages"], []

    def figure(value, unit=""):
        return "—" if value is None else f"{value:g}{unit}"

    imported = measure.get("import", {})
    anchor = imported.get("anchor", {})
    if imported.get("available"):
        times = ratio(imported["seconds"], anchor.get("seconds"))
        rows.append(
            (
                f"import of {imported['rows']:,} rows",
                figure(today.get("import_seconds"), " s"),
                f"{seconds(imported['seconds'])}, {times:.1f}× the bulk insert "
                f"({seconds(anchor.get('seconds'))})"
                if times
                else seconds(imported["seconds"]),
                "≤ 30 s, and ≤ 4× the bare bulk insert of the same rows with history",
                imported["accepted"]
                and imported["seconds"] <= 30
                and times is not None
                and times <= 4,
            )
        )
    else:
        rows.append(("import of 10,000 rows", "112 s", "not measured", "≤ 30 s, ≤ 4×", None))
    scan = measure.get("scan")
    if scan:
        first, after = scan["first"]["seconds"], scan["next"]["seconds"]
        rows.append(
            (
                f"first reminder scan, {scan['milestones']:,} milestones",
                figure(today.get("scan_first_seconds"), " s"),
                f"{seconds(first)}; the next day's {seconds(after)}",
                "≤ 8 s; the next day's scan ≤ 3 s",
                first <= 8 and after <= 3,
            )
        )
    else:
        rows.append(("first reminder scan", "18 s", "not measured", "≤ 8 s; next ≤ 3 s", None))
    admin = pages.get("admin_changelist", {}).get("p50_ms")
    equal = ratio(pages.get("list_first_100", {}).get("p50_ms"), admin)
    rows.append(
        (
            "list at 100 rows vs admin changelist at 100 rows",
            figure(today.get("list_100_vs_admin")),
            "—" if equal is None else f"{equal:.2f}",
            "≤ 0.9",
            None if equal is None else equal <= 0.9,
        )
    )
    bare = measure.get("bare_sql", {}).get("list_first", {}).get("p50_ms")
    first_vs_bare = ratio(pages.get("list_first", {}).get("p50_ms"), bare)
    rows.append(
        (
            "list, first page vs its bare SQL",
            figure(today.get("list_first_vs_bare_sql"), "×"),
            "—" if first_vs_bare is None else f"{first_vs_bare:.1f}×",
            "≤ 6×",
            None if first_vs_bare is None else first_vs_bare <= 6,
        )
    )
    dashboard = pages.get("dashboard", {}).get("p50_ms")
    rows.append(
        (
            "dashboard p50",
            figure(today.get("dashboard_p50_ms"), " ms"),
            ms(dashboard),
            "≤ 100 ms",
            None if dashboard is None else dashboard <= 100,
        )
    )
    runs = (load or {}).get("pages", {})
    if "list" in runs and "dashboard" in runs:
        listed, board = runs["list"], runs["dashboard"]
        p99 = max(listed["latency"].get("p99_ms", 0), board["latency"].get("p99_ms", 0))
        rows.append(
            (
                "wrk list / dashboard, requests/s",
                f"{today.get('load_list_rps', '—')} / {today.get('load_dashboard_rps', '—')}",
                f"{listed['requests_per_second']:.1f} / {board['requests_per_second']:.1f}, "
                f"p99 {ms(listed['latency'].get('p99_ms'))} / "
                f"{ms(board['latency'].get('p99_ms'))}, "
                f"{listed['errors'] + board['errors']} errors",
                "≥ 30 / ≥ 20, p99 ≤ 2 s, 0 errors",
                listed["requests_per_second"] >= 30
                and board["requests_per_second"] >= 20
                and p99 <= 2000
                and listed["errors"] + board["errors"] == 0,
            )
        )
    else:
        rows.append(("wrk list / dashboard, requests/s", "14.2 / 7.0", "not measured", "", None))
    weight = (load or {}).get("weight")
    board = weight_page(weight, path="/", name="dashboard")
    form = weight_page(weight, path="/reports/new/", name="report")
    if form is None and weight and "pages" in weight:
        form = next(
            (page for page in weight["pages"] if "/reports/new/" in page.get("path", "")), None
        )
    rows.append(
        (
            "dashboard first visit / repeat visit, transferred",
            f"{figure(today.get('dashboard_first_visit_kb'), ' KB')} / —",
            f"{kb(board['first_bytes'])} / {kb(board['repeat_bytes'])}"
            if board
            else f"not measured (bench/weight.py: {(weight or {}).get('failed', 'not present')})",
            "≤ 200 KB / ≤ 30 KB",
            board["first_bytes"] <= 200_000 and board["repeat_bytes"] <= 30_000 if board else None,
        )
    )
    rows.append(
        (
            "report form first visit, transferred",
            "—",
            kb(form["first_bytes"]) if form else "not measured",
            "≤ 150 KB",
            form["first_bytes"] <= 150_000 if form else None,
        )
    )
    report = runs.get("report")
    if report:
        outcome = report["submission"]
        rows.append(
            (
                f"wrk report submission with a photo, {report['connections']} connections (item 5)",
                "—",
                f"{report['requests_per_second']:.1f} requests/s, {report['errors']} errors, "
                f"{outcome['lost']} lost, {outcome['duplicates']} duplicated",
                "0 errors, 0 lost or duplicated reports",
                report["errors"] == 0
                and outcome["lost"] == 0
                and outcome["duplicates"] == 0
                and outcome["without_photo"] == 0,
            )
        )
    return rows


def verdict_of(met) -> str:
    return "not measured" if met is None else verdict(met)


def render_issue_17_targets(measure: dict, load: dict | None) -> list[str]:
    """The table of issue 17's targets."""
    out = []
    add = out.append
    add("## Targets of issue 17")
    add("")
    add(
        "Each row of the issue's target table: today is the figure of docs/benchmarks.md when "
        "the issue was filed (bench/before.json, `before_issue_17`), measured is this run's. "
        "Ratios are of two figures measured in this run."
    )
    add("")
    add("| what | today | measured | target | |")
    add("|---|---|---|---|---|")
    for what, today, measured, target, met in issue_17_targets(measure, load):
        add(f"| {what} | {today} | {measured} | {target} | {verdict_of(met)} |")
    add("")
    return out


def render_new_pages(measure: dict, load: dict | None, briefing_prints: dict | None) -> list[str]:
    """Every page and job added by the issues filed with issue 17, each beside its
    anchors; the report submission under load, the page weight, the briefing prints."""
    out = []
    add = out.append
    pages, anchors = measure["pages"], measure.get("anchors", {})
    new = [(name, page) for name, page in pages.items() if page.get("part", "core") != "core"]
    if new:
        add("## Pages of issues 13 to 16, each beside its anchors")
        add("")
        add(
            "Measured like the pages above, with fewer samples (the count is in each row); "
            "first is the first request of the run (a cold cache; for a PDF, the print "
            "itself, later requests get the kept file). Bare SQL is the page's own SELECTs "
            "executed again on a raw cursor; a list's admin anchor is the Django admin "
            "changelist of the same model at the same page size, measured in this run."
        )
        add("")
        add(
            "| page | samples | p50 | first | queries | peak memory | bare SQL p50 | "
            "page / bare SQL | admin changelist p50 | page / admin |"
        )
        add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, page in new:
            bare = page.get("bare_sql", {}).get("p50_ms")
            anchor = anchors.get(page.get("anchor"), {})
            anchor_p50 = anchor.get("p50_ms")
            by_bare, by_admin = ratio(page["p50_ms"], bare), ratio(page["p50_ms"], anchor_p50)
            rows = f", {page['rows']:,} rows" if page.get("rows") else ""
            add(
                f"| {page.get('label', name)}{rows} <br>`{page['url']}` | {page['samples']} | "
                f"{ms(page['p50_ms'])} | {ms(page.get('first_ms'))} | {page['queries']} | "
                f"{page['peak_mb']:.1f} MB | {ms(bare)} | "
                f"{'—' if by_bare is None else f'{by_bare:.1f}×'} | "
                f"{ms(anchor_p50) if anchor else '—'} "
                f"{'(' + str(anchor.get('queries')) + ' queries)' if anchor else ''} | "
                f"{'—' if by_admin is None else f'{by_admin:.2f}'} |"
            )
        failures = {
            name: reason
            for name, reason in measure.get("failures", {}).items()
            if name not in pages
        }
        add("")
        if failures:
            add(
                "Not measured in this run: "
                + "; ".join(f"`{name}`: {reason}" for name, reason in failures.items())
                + "."
            )
            add("")
    scan = measure.get("scan")
    if scan and scan["first"].get("scans"):
        add("### Each reminder scan")
        add("")
        add(
            "Every scan of `projects.alerts.owed.SCANS` alone (`scan(on=…, scans=(name,))`) "
            "in a transaction rolled back, before the whole scan of the same day, its anchor, "
            "was recorded for real (the whole scan's figures are in the table above)."
        )
        add("")
        add("| scan | first day | queries | new alerts | next day | queries | new alerts |")
        add("|---|---:|---:|---:|---:|---:|---:|")
        for name, first in scan["first"]["scans"].items():
            after = scan["next"]["scans"].get(name, {})
            add(
                f"| {name} | {seconds(first['seconds'])} | {first['queries']} | "
                f"{first['created']:,} | {seconds(after.get('seconds'))} | "
                f"{after.get('queries', '—')} | {after.get('created', 0):,} |"
            )
        add(
            f"| **whole scan** | {seconds(scan['first']['seconds'])} | "
            f"{scan['first']['queries']} | {scan['first']['created']:,} | "
            f"{seconds(scan['next']['seconds'])} | {scan['next']['queries']} | "
            f"{scan['next']['created']:,} |"
        )
        add("")
    imported = measure.get("import", {})
    anchor = imported.get("anchor")
    if imported.get("available") and anchor:
        add("### The import against Django's bulk insert")
        add("")
        add(
            f"Both in a transaction rolled back, on the same {imported['rows']:,} projects "
            "under new names. "
            "The anchor is Django's own `bulk_create` of the same rows with their history: "
            "simple_history's `bulk_create_with_history` (the projects and their historical "
            "rows), the villages' through rows and simple_history's record of them, in "
            "batches of 1,000; no validation, no lookups, no messages."
        )
        add("")
        add("| | time | Python CPU | queries | rows |")
        add("|---|---:|---:|---:|---:|")
        add(
            f"| `import_projects_file` | {seconds(imported['seconds'])} | "
            f"{seconds(imported['cpu_seconds'])} | {imported['queries']:,} | "
            f"{imported['projects_added']:,} |"
        )
        add(
            f"| bulk insert with history | {seconds(anchor['seconds'])} | "
            f"{seconds(anchor['cpu_seconds'])} | {anchor['queries']:,} | {anchor['rows']:,} |"
        )
        times = ratio(imported["seconds"], anchor["seconds"])
        add(f"| import / bulk insert | {times:.1f}× | | | |" if times else "| | | | | |")
        add("")
    report = (load or {}).get("pages", {}).get("report")
    if report:
        outcome = report["submission"]
        add("### Report submission under load")
        add("")
        add(
            f"wrk, {report['connections']} connections for {report['seconds']} s "
            "(bench/wrk_report.lua): each request POSTs the monthly report form with a "
            f"{report['photo_bytes'] / 1000:.0f} KB JPEG and a new idempotency key, "
            '"save and submit", as the project\'s contact person, each for a project and '
            "month of its own (this month and two months before the seeded reports, the "
            "scale projects under construction). Counted afterwards in the database."
        )
        add("")
        add(
            "| requests/s | p50 | p99 | sent | saved (302) | errors | lost | without photo "
            "| reports | distinct keys | duplicates | saved after wrk stopped |"
        )
        add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        latency = report["latency"]
        add(
            f"| {report['requests_per_second']:.1f} | {ms(latency.get('p50_ms'))} | "
            f"{ms(latency.get('p99_ms'))} | {outcome['sent']:,} | "
            f"{outcome['saved_answers']:,} | {report['errors']} | {outcome['lost']} | "
            f"{outcome['without_photo']} | {outcome['reports']:,} | "
            f"{outcome['distinct_keys']:,} | {outcome['duplicates']} | "
            f"{outcome['unanswered_at_the_end']} |"
        )
        add("")
    weight = (load or {}).get("weight")
    if weight and weight.get("pages"):
        add("### Page weight")
        add("")
        add(
            "bench/weight.py against the load test's gunicorn after the wrk runs: bytes "
            "transferred and requests of a first visit (empty cache) and a repeat visit, "
            "from Chromium's network log."
        )
        add("")
        add("| page | first visit | requests | repeat visit | requests |")
        add("|---|---:|---:|---:|---:|")
        for page in weight["pages"]:
            add(
                f"| {page.get('name')} <br>`{page.get('path')}` | {kb(page.get('first_bytes'))} | "
                f"{page.get('first_requests', '—')} | {kb(page.get('repeat_bytes'))} | "
                f"{page.get('repeat_requests', '—')} |"
            )
        add("")
    elif weight:
        add(f"Page weight: bench/weight.py failed ({weight.get('failed')}).")
        add("")
    if briefing_prints:
        add("### Briefing PDFs at once (bench/briefing_pdf.py)")
        add("")
        if "runs" in briefing_prints:
            add(
                f"{briefing_prints['prints']} briefings of different months printed at once, "
                "first with the print bound at that number, then at 1."
            )
            add("")
            add("| bound | prints at once | Chromium processes | PSS | wall time | slowest |")
            add("|---:|---:|---:|---:|---:|---:|")
            for run in briefing_prints["runs"]:
                add(
                    f"| {run['bound']} | {run['peak_prints_at_once']} | "
                    f"{run['peak_chromium_processes']} | {run['peak_chromium_pss_mb']:.0f} MB | "
                    f"{seconds(run['wall_seconds'])} | {seconds(run['slowest_request_seconds'])} |"
                )
        else:
            add(f"Not measured: {briefing_prints.get('skipped', '?')}.")
        add("")
    return out


def targets(measure: dict, load: dict | None) -> list[tuple[str, str, str, bool]]:
    """Return (target, measured, gap, met) for every target of issue 8."""
    pages = measure["pages"]
    rows = []
    list_p50 = pages["list_first"]["p50_ms"]
    rows.append(
        (
            "List page p50 ≤ 150 ms at 10,000 projects",
            ms(list_p50),
            f"{list_p50 - 150:+.0f} ms",
            list_p50 <= 150,
        )
    )
    worst = max(
        ("list_filtered", "list_filtered_plan", "list_sorted", "list_deep"),
        key=lambda name: pages[name]["p50_ms"],
    )
    rows.append(
        (
            "… every list variant (filtered, sorted, deep page) p50 ≤ 150 ms",
            f"slowest {worst.removeprefix('list_')}: {ms(pages[worst]['p50_ms'])}",
            f"{pages[worst]['p50_ms'] - 150:+.0f} ms",
            pages[worst]["p50_ms"] <= 150,
        )
    )
    ratio = list_p50 / pages["admin_changelist"]["p50_ms"]
    rows.append(
        (
            "List page / admin changelist ≤ 1.0",
            f"{ratio:.2f}",
            f"{ratio - 1:+.2f}",
            ratio <= 1.0,
        )
    )
    equal = pages["list_first_100"]["p50_ms"] / pages["admin_changelist"]["p50_ms"]
    rows.append(
        (
            "… at the admin's page size (100 rows)",
            f"{equal:.2f}",
            f"{equal - 1:+.2f}",
            equal <= 1.0,
        )
    )
    for name, label, limit in (
        ("dashboard", "Dashboard p50 ≤ 250 ms", 250),
        ("project_page", "Project page p50 ≤ 100 ms", 100),
    ):
        value = pages[name]["p50_ms"]
        rows.append((label, ms(value), f"{value - limit:+.0f} ms", value <= limit))
    export = pages.get("export_xlsx")
    if export:
        rows.append(
            (
                f"Export of {export.get('rows', '?'):,} rows ≤ 5 s",
                seconds(export["p50_ms"] / 1000),
                f"{export['p50_ms'] / 1000 - 5:+.1f} s",
                export["p50_ms"] <= 5000,
            )
        )
        rows.append(
            (
                "… and ≤ 300 MB peak",
                f"{export['peak_mb']:.0f} MB",
                f"{export['peak_mb'] - 300:+.0f} MB",
                export["peak_mb"] <= 300,
            )
        )
    scan = measure.get("scan")
    if scan:
        for run, label in (("first", "first scan, whole backlog"), ("next", "next working day")):
            rows.append(
                (
                    f"Reminder scan over {scan['milestones']:,} milestones ≤ 10 s ({label})",
                    seconds(scan[run]["seconds"]),
                    f"{scan[run]['seconds'] - 10:+.1f} s",
                    scan[run]["seconds"] <= 10,
                )
            )
        rows.append(
            (
                "… with a constant number of queries",
                f"{scan['first']['queries']} and {scan['next']['queries']} queries for "
                f"{scan['first']['created']:,} and {scan['next']['created']:,} new alerts",
                "—",
                scan["first"]["queries"] == scan["next"]["queries"],
            )
        )
    imported = measure.get("import", {})
    if imported.get("available"):
        rows.append(
            (
                f"Import of {imported['rows']:,} rows ≤ 60 s",
                seconds(imported["seconds"]),
                f"{imported['seconds'] - 60:+.1f} s",
                imported["seconds"] <= 60 and imported["accepted"],
            )
        )
    else:
        rows.append(("Import of 10,000 rows ≤ 60 s", "not available", "—", False))
    if load:
        for name, page in load["pages"].items():
            rows.append(
                (
                    f"Load test, {name}: 0 errors",
                    f"{page['errors']} errors in {page['requests']:,} requests",
                    "—",
                    page["errors"] == 0,
                )
            )
    return rows


def render(
    measure: dict,
    load: dict | None,
    seed: str,
    remove: str,
    before: dict | None,
    briefing_prints: dict | None = None,
) -> str:
    machine, data, pages = measure["machine"], measure["data"], measure["pages"]
    out = []
    add = out.append
    add("# Benchmarks: 10,000 projects on two cores")
    add("")
    add(
        "Written by `make bench` (bench/run.sh → bench/measure.py, bench/loadtest.py, "
        "bench/report.py); do not edit by hand. The run creates its own PostgreSQL database "
        "`shanwang_bench`, seeds it with `manage.py seed_scale --projects 10000` (every row "
        "marked 【规模测试】 or `scale-`), measures, removes the seed with "
        "`seed_scale --remove` and drops the database."
    )
    add("")
    add("## Machine")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| date | {measure['date']} |")
    add(f"| CPU | {machine['cpu']}, {machine['cores']} cores |")
    add(f"| RAM | {machine['ram_gb']:.1f} GB |")
    add(f"| PostgreSQL | {machine['postgresql']} (JIT {machine['jit']} for the app's sessions) |")
    add(f"| Python, Django | {machine['python']}, {machine['django']} |")
    start = ", ".join(f"{value:.2f}" for value in machine["load_average_start"])
    end = ", ".join(f"{value:.2f}" for value in machine.get("load_average_end", ()))
    add(f"| load average (1, 5, 15 min) | {start} at the start, {end} at the end |")
    add("")
    add(
        "Settings as in production (deploy/shanwang.env.example): `DJANGO_DEBUG=0`, "
        "`DJANGO_CONN_MAX_AGE=60`, JSON logs; PostgreSQL and the benchmark on the same machine. "
        "A load average above 0 at the start means other work shared the two cores: the "
        "figures are then higher than on an idle machine."
    )
    add("")
    add("## Data")
    add("")
    add(
        f"{data['projects']:,} projects ({data['scale_projects']:,} seeded, the rest from the "
        f"work report), {data['milestones']:,} milestones, 12 monthly reports, 2 annual plans "
        f"and 2 funding rows per seeded project (each with its allocation, arrival and "
        f"payment), {data.get('problems', 0):,} problems, {data.get('orders', 0):,} "
        f"supervision orders, {data.get('approvals', 0):,} approvals, the year's plans "
        f"frozen as its baseline, {data['villages']} villages, {data['users']} users."
    )
    add("")
    add(f"- `seed_scale --projects 10000`: {seed}")
    add(f"- `seed_scale --remove`: {remove}")
    add("")
    out.extend(render_issue_17_targets(measure, load))
    add("## Pages and jobs")
    add("")
    add(
        "Server time: Django's test Client in the benchmark's process, from the request to "
        "the complete response (middleware, view, queries, template; no HTTP parsing, no "
        f"network), {pages['list_first']['samples']} samples after 2 warm-up requests "
        "(the export: 3). Python CPU is the benchmark process's CPU time per request (the "
        "database's share is the difference). Queries are counted in one more request, peak "
        "memory is tracemalloc's peak of Python allocations in another."
    )
    add("")
    add("| | p50 | p95 | Python CPU p50 | queries | peak memory |")
    add("|---|---:|---:|---:|---:|---:|")
    for name, label in PAGES:
        page = pages.get(name)
        if page is None:
            add(f"| {label} | failed: {measure.get('failures', {}).get(name, '?')} | | | | |")
            continue
        add(
            f"| {label} <br>`{page['url']}` | {ms(page['p50_ms'])} | {ms(page['p95_ms'])} | "
            f"{ms(page['cpu_p50_ms'])} | {page['queries']} | {page['peak_mb']:.1f} MB |"
        )
    add("")
    export = pages.get("export_xlsx")
    if export:
        add(f"The export wrote {export['rows']:,} rows ({export['bytes'] / 2**20:.1f} MB).")
        add("")
    add("### The project list against the admin and against bare SQL")
    add("")
    admin = pages["admin_changelist"]["p50_ms"]
    add(
        "Ratios of p50 server times on the same data. The bare SQL is the SELECTs the page "
        "ran, captured with CaptureQueriesContext and executed again on a raw cursor, "
        "rows fetched: what the page costs the database."
    )
    add("")
    add("| page | p50 | / admin changelist | bare SQL p50 | page / bare SQL |")
    add("|---|---:|---:|---:|---:|")
    for name in (
        "list_first",
        "list_filtered",
        "list_filtered_plan",
        "list_sorted",
        "list_deep",
        "list_first_100",
    ):
        page = pages.get(name)
        if page is None:
            continue
        bare = measure.get("bare_sql", {}).get(name)
        add(
            f"| {name.removeprefix('list_').replace('_', ' ')} | {ms(page['p50_ms'])} | "
            f"{page['p50_ms'] / admin:.2f} | {ms(bare['p50_ms']) if bare else '—'} | "
            f"{page['p50_ms'] / bare['p50_ms']:.1f}× |"
            if bare
            else f"| {name.removeprefix('list_')} | {ms(page['p50_ms'])} | "
            f"{page['p50_ms'] / admin:.2f} | — | — |"
        )
    dashboard_bare = measure.get("bare_sql", {}).get("dashboard")
    if dashboard_bare:
        add(
            f"| dashboard (for scale) | {ms(pages['dashboard']['p50_ms'])} | — | "
            f"{ms(dashboard_bare['p50_ms'])} | "
            f"{pages['dashboard']['p50_ms'] / dashboard_bare['p50_ms']:.1f}× |"
        )
    add("")
    add(
        "The admin changelist shows 100 rows a page and the project list 25 by default; the "
        "row of 100 compares equal page sizes."
    )
    add("")
    scan = measure.get("scan")
    if scan:
        add("### Reminder scan")
        add("")
        add(
            f"`projects.alerts.ledger.scan(on=…)` (every scan of `SCANS`) over "
            f"{scan['milestones']:,} milestones ({scan['open_milestones']:,} open), on the "
            "next two working days. The first scan records the whole backlog a new "
            "portfolio brings (what it owes for milestones overdue before the alerts began "
            "is docs/alerts.md's policy); the next is a day like any other."
        )
        add("")
        add("| scan | date | time | Python CPU | queries | new alerts | peak memory |")
        add("|---|---|---:|---:|---:|---:|---:|")
        for run in ("first", "next"):
            figures = scan[run]
            add(
                f"| {run} | {figures['date']} | {seconds(figures['seconds'])} | "
                f"{seconds(figures['cpu_seconds'])} | {figures['queries']} | "
                f"{figures['created']:,} | {figures['peak_mb']:.0f} MB |"
            )
        add("")
    imported = measure.get("import", {})
    add("### Import")
    add("")
    if imported.get("available"):
        add(
            "`projects.workbooks.sheets.import_projects_file` on a workbook of "
            f"{imported['rows']:,} "
            f"project rows ({imported['file_mb']:.1f} MB) made with the import engine's own "
            f"export under new names: {seconds(imported['seconds'])} "
            f"(Python CPU {seconds(imported['cpu_seconds'])}), {imported['queries']:,} "
            f"queries, accepted: {imported['accepted']}, {imported['projects_added']:,} "
            f"projects added; peak memory {imported['peak_mb']:.0f} MB (dry run)."
        )
    else:
        reason = imported.get("reason", "projects.workbooks.sheets cannot be imported")
        add(f"Not available: {reason}.")
    add("")
    out.extend(render_new_pages(measure, load, briefing_prints))
    if load:
        add("## Load test")
        add("")
        add(
            f"wrk against `{load['server']}` ({load['workers']} workers) on loopback, every "
            f"GET with the session cookie of one of {load['sessions']} logged-in users in turn "
            "and `X-Forwarded-Proto: https` as nginx sends it; the report submission as "
            "described above. Errors count socket errors, timeouts (30 s) and every response "
            "other than 2xx (for the submission: other than 302 to the saved report)."
        )
        add("")
        add("| page | connections, seconds | requests/s | p50 | p90 | p99 | requests | errors |")
        add("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, page in load["pages"].items():
            latency = page["latency"]
            add(
                f"| {name} <br>`{page.get('path', '')}` | "
                f"{page.get('connections', load['connections'])}, "
                f"{page.get('seconds', load['seconds'])} s | "
                f"{page['requests_per_second']:.1f} | {ms(latency.get('p50_ms'))} | "
                f"{ms(latency.get('p90_ms'))} | {ms(latency.get('p99_ms'))} | "
                f"{page['requests']:,} | {page['errors']} |"
            )
        add("")
    add("## Targets of issue 8")
    add("")
    add("| target | measured | gap | |")
    add("|---|---|---:|---|")
    for target, measured, gap, ok in targets(measure, load):
        add(f"| {target} | {measured} | {gap} | {verdict(ok)} |")
    add("")
    if before:
        add("## Before and after")
        add("")
        add(f"The same measurements on the code before the work of issue 8 ({before['note']}).")
        add("")
        add("| | before p50 | after p50 | before queries | after queries |")
        add("|---|---:|---:|---:|---:|")
        for name, label in PAGES:
            old, new = before["measure"]["pages"].get(name), pages.get(name)
            if old and new:
                add(
                    f"| {label} | {ms(old['p50_ms'])} | {ms(new['p50_ms'])} | "
                    f"{old['queries']} | {new['queries']} |"
                )
        old_scan = before["measure"].get("scan")
        if scan:
            old_first = (
                seconds(old_scan["first"]["seconds"])
                if old_scan
                else f"failed: {before['measure'].get('failures', {}).get('scan', '?')}"
            )
            add(f"| Reminder scan, first | {old_first} | {seconds(scan['first']['seconds'])} | | |")
        old_import, new_import = before["measure"].get("import", {}), imported
        if old_import.get("available") and new_import.get("available"):
            add(
                f"| Import | {seconds(old_import['seconds'])} | "
                f"{seconds(new_import['seconds'])} | {old_import['queries']:,} | "
                f"{new_import['queries']:,} |"
            )
        if before.get("load") and load:
            for name, page in load["pages"].items():
                old = before["load"]["pages"].get(name)
                if old is None:
                    continue
                add(
                    f"| Load test {name}: requests/s, p99, errors | "
                    f"{old['requests_per_second']:.1f}/s, {ms(old['latency'].get('p99_ms'))}, "
                    f"{old['errors']} | {page['requests_per_second']:.1f}/s, "
                    f"{ms(page['latency'].get('p99_ms'))}, {page['errors']} | | |"
                )
        add("")
    add("## Indexes the pages read")
    add("")
    add(
        "From EXPLAIN ANALYZE of every SELECT of one request at this size: the indexes "
        "read, and the tables read whole with the most rows such a scan returned."
    )
    add("")
    add("| page | indexes | sequential scans |")
    add("|---|---|---|")
    for name, label in PAGES:
        page = pages.get(name)
        if not page:
            continue
        indexes = ", ".join(f"`{index}`" for index in page["indexes"]["indexes"]) or "—"
        sequential = (
            ", ".join(
                f"`{table}` ({rows:,})"
                for table, rows in sorted(page["indexes"]["sequential"].items())
            )
            or "—"
        )
        add(f"| {label} | {indexes} | {sequential} |")
    add("")
    add(NOTES)
    return "\n".join(out) + "\n"


NOTES = """## What makes it fast

- **Figures bound once per row.** The traffic light, schedule pace and investment shares
  are SQL annotations over correlated subqueries (projects/querysets.py). SQL has no
  per-row variables, so each figure used to repeat the subqueries of the figures it rests
  on: the light's SQL was 120 KB, with 159 subplans per project row.
  `_Let` evaluates them once per row (`(SELECT … FROM (SELECT … OFFSET 0) AS bound_figures)`),
  and the light reads only the sums its pace basis needs, none for inactive projects.
- **JIT off.** PostgreSQL compiled those wide queries for 12 s of a 14 s page; the app's
  sessions now run with `jit=off` (shanwang/settings.py).
- **Pages by id.** A page of the project table picks its 25 ids by the filters and the
  sort alone, then computes the figures of those rows only: page 300 costs what page 1 does.
- **Only what is shown.** The table, its exports and the attention lists select the
  figures and columns they show; the others stay in SQL for filters and sorts.
- **Indexes** (migration projects/0006_scale_indexes) for the list's filters and sorts,
  the plan-year filter, open milestones by due date, reports by project, status and month
  (covering the investment sums), reports waiting for review, and the alert ledger's scan id.
- **Exports** read each column's value function once, not per cell; the spreadsheet
  writer counts rows instead of asking openpyxl for the last row (quadratic).
- **The reminder scan** renders each alert's title once for all its recipients, writes the
  ledger and the notices in one statement each, and leaves out what earlier scans recorded;
  it reaches back to the oldest open milestone (it failed on any overdue longer than 445 days).

The dashboard's aggregates are not cached: measured, the whole dashboard stays within its
target without a cache, and a cache would need invalidation on every write that moves a
light.

Not indexed on purpose: the search box (`icontains` on name and description, a scan of
10,000 short rows; a trigram index would need the pg_trgm extension), the statistics
registration flag (three values), and small tables (villages, units, indicators).
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", type=Path, required=True)
    parser.add_argument("--load", type=Path)
    parser.add_argument("--seed", type=Path)
    parser.add_argument("--remove", type=Path)
    parser.add_argument("--briefing-pdf", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    measure = json.loads(args.measure.read_text())
    load = json.loads(args.load.read_text()) if args.load and args.load.exists() else None
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else None
    prints = None
    if args.briefing_pdf and args.briefing_pdf.exists():
        prints = json.loads(args.briefing_pdf.read_text())
    args.out.write_text(
        render(measure, load, last_line(args.seed), last_line(args.remove), before, prints)
    )


if __name__ == "__main__":
    main()
