"""Peak memory and processes of N briefing PDFs asked for at once (issue 18): N threads
each print a different month (so none is served from a kept PDF), first with the print
bound BRIEFING_PDF_CONCURRENCY at N (as if unbounded), then at 1.

The Chromium processes of the prints are found in /proc every 50 ms by the print folders
under SHANWANG_VAR_DIR that their command lines name; their memory is summed as PSS (each
shared page split among the processes sharing it, so the sum is what the host spends).

Without DATABASE_URL the bench makes a throwaway SQLite database under a temporary var
folder and seeds it with ``seed_scale --projects 200``.

    python bench/briefing_pdf.py [--prints 8] [--out var/bench/briefing_pdf.json]
"""

import argparse
import datetime
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanwang.settings")
VAR_DIR = Path(tempfile.mkdtemp(prefix="bench-briefing-pdf-"))
os.environ["SHANWANG_VAR_DIR"] = str(VAR_DIR)
SEED = "DATABASE_URL" not in os.environ

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import translation  # noqa: E402

from projects.briefing import figures, pdf  # noqa: E402

PRINTS = re.escape(str(VAR_DIR / "briefing-pdf" / "work")).encode()
WORK = re.compile(PRINTS + rb"/print-[^/\s\x00]+")


def chromium_memory() -> tuple[int, int, int]:
    """Return the prints running, their live processes and the PSS they use, in kB."""
    prints, processes, pss = set(), 0, 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            match = WORK.search(Path(entry.path, "cmdline").read_bytes())
            if not match:
                continue
            rollup = Path(entry.path, "smaps_rollup").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, flags=re.MULTILINE)
        if found:  # a zombie has no memory left
            prints.add(match[0])
            processes += 1
            pss += int(found[1])
    return len(prints), processes, pss


def run(months: list[datetime.date], bound: int) -> dict:
    settings.BRIEFING_PDF_CONCURRENCY = bound
    settings.BRIEFING_PDF_WAIT = 600
    for kept in (VAR_DIR / "briefing-pdf").glob("*.pdf"):
        kept.unlink()
    peak = {"prints": 0, "processes": 0, "pss_mb": 0.0}
    stopping = threading.Event()

    def sample():
        while not stopping.is_set():
            prints, processes, pss = chromium_memory()
            peak["prints"] = max(peak["prints"], prints)
            peak["processes"] = max(peak["processes"], processes)
            peak["pss_mb"] = max(peak["pss_mb"], round(pss / 1024, 1))
            stopping.wait(0.05)

    def print_month(month):
        try:
            with translation.override(settings.LANGUAGE_CODE):
                started = time.monotonic()
                pdf.briefing_pdf(figures.monthly_briefing(month=month))
                return time.monotonic() - started
        finally:
            connections.close_all()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    with ThreadPoolExecutor(len(months)) as pool:
        seconds = list(pool.map(print_month, months))
    wall = time.monotonic() - started
    stopping.set()
    sampler.join()
    return {
        "bound": bound,
        "peak_prints_at_once": peak["prints"],
        "peak_chromium_processes": peak["processes"],
        "peak_chromium_pss_mb": peak["pss_mb"],
        "wall_seconds": round(wall, 2),
        "slowest_request_seconds": round(max(seconds), 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prints", type=int, default=8)
    parser.add_argument("--out", type=Path)
    arguments = parser.parse_args()
    if pdf.chromium_path() is None:
        sys.exit(f"Chromium not found (CHROMIUM_PATH={settings.CHROMIUM_PATH!r})")
    if SEED:
        call_command("migrate", verbosity=0)
        call_command("seed_scale", projects=200, force=True, verbosity=0)
    last = figures.previous_month(datetime.date.today())
    months = [last]
    while len(months) < arguments.prints:
        months.append(figures.previous_month(months[-1]))
    results = {
        "prints": arguments.prints,
        "chromium": pdf.chromium_path(),
        "runs": [run(months, arguments.prints), run(months, 1)],
    }
    text = json.dumps(results, indent=2)
    print(text)
    if arguments.out:
        arguments.out.parent.mkdir(parents=True, exist_ok=True)
        arguments.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(VAR_DIR, ignore_errors=True)
