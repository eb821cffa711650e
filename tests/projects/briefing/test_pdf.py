"""The briefing PDF, printed by real Chromium: A4 pages, at most BRIEFING_PDF_CONCURRENCY
prints at once on the host, a kept PDF for a month whose data has not changed, and a time
limit that kills a print with every process it started.

Chromium's processes are observed in /proc: each print runs in a folder of its own under
the test's SHANWANG_VAR_DIR, which every one of its processes names on its command line
(its profile, or for the crash handlers the crash database in its HOME)."""

import collections
import datetime
import fcntl
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from projects import selectors
from projects.briefing import pdf as briefing_pdf
from projects.briefing import views as briefing_views
from projects.briefing.figures import previous_month
from projects.models import ProgressReport
from projects.rules import Role
from tests.conftest import need, with_role
from tests.factories import (
    AnnualPlanFactory,
    ProgressReportFactory,
    ProjectFactory,
    UserFactory,
    created_on,
)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """A var folder of the test's own, so its kept PDFs, locks and prints are its own."""
    need(briefing_pdf.chromium_path() is not None, "Chromium is not installed")
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def leader_client(client):
    client.force_login(with_role(UserFactory(username="leader"), Role.LEADER))
    return client


@pytest.fixture
def portfolio():
    project = ProjectFactory(name="测试项目")
    AnnualPlanFactory(project=project, year=2024, planned_investment=Decimal("1000"))
    for month in range(1, 6):
        ProgressReportFactory(
            project=project,
            month=datetime.date(2024, month, 1),
            investment_completed=Decimal("50"),
            status=ProgressReport.Status.APPROVED,
        )
    created_on(datetime.date(2024, 1, 1))  # briefings leave out projects created later
    return project


def kept_files(var_dir: Path) -> list[str]:
    return sorted(path.name for path in (var_dir / "briefing-pdf").glob("*.pdf"))


class ChromiumWatch(threading.Thread):
    """Samples /proc every 50 ms for the live Chromium processes of the prints under
    ``var_dir``: which prints were seen, and the most seen running at once."""

    def __init__(self, var_dir: Path):
        super().__init__(daemon=True)
        work = re.escape(str(var_dir / "briefing-pdf" / "work")).encode()
        self.pattern = re.compile(work + rb"/(print-[^/\s\x00]+)")
        self.prints: set[bytes] = set()
        self.most_at_once = 0
        self.stopping = threading.Event()

    def alive(self) -> collections.Counter:
        """Return the number of live processes of each print now running."""
        processes = collections.Counter()
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                cmdline = Path(entry.path, "cmdline").read_bytes()
                match = self.pattern.search(cmdline)
                # A zombie has exited; it waits only for its parent to collect it.
                if match and Path(entry.path, "stat").read_bytes().rsplit(b")", 1)[1][1:2] != b"Z":
                    processes[match[1]] += 1
            except OSError:  # gone meanwhile
                continue
        return processes

    def run(self):
        while not self.stopping.is_set():
            running = self.alive()
            self.prints |= set(running)
            self.most_at_once = max(self.most_at_once, len(running))
            self.stopping.wait(0.05)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        self.join()


def get_in_parallel(client: Client, urls: list[str]) -> list:
    """GET each URL from a thread of its own, all at once, as ``client``'s user."""

    def get(url):
        try:
            reader = Client()
            reader.cookies = client.cookies
            response = reader.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            return response.status_code, body
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(urls)) as pool:
        return list(pool.map(get, urls))


@pytest.mark.django_db
class TestPrint:
    def test_a4_pdf_printed_by_chromium(self, leader_client, portfolio):
        page = leader_client.get("/briefing/?month=2024-05").content.decode()
        assert 'data-testid="briefing-pdf"' in page
        response = leader_client.get("/briefing/pdf/?month=2024-05")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "2024-05.pdf" in response["Content-Disposition"]
        pdf = response.getvalue()
        assert pdf.startswith(b"%PDF")
        boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        assert boxes, "no page in the PDF"
        for width, height in boxes:  # A4 is 595 × 842 points
            assert (round(float(width)), round(float(height))) == (595, 842)

    def test_without_chromium_no_pdf_is_offered(self, leader_client, settings, portfolio):
        settings.CHROMIUM_PATH = "/nonexistent/chromium"
        page = leader_client.get("/briefing/?month=2024-05").content.decode()
        assert 'data-testid="briefing-pdf"' not in page
        response = leader_client.get("/briefing/pdf/?month=2024-05")
        assert response.status_code == 503
        assert response.content.decode() == str(briefing_views.NO_PDF)


@pytest.mark.django_db
class TestKeptPdf:
    def test_an_unchanged_month_is_served_without_starting_chromium(
        self, leader_client, portfolio, var_dir
    ):
        first = leader_client.get("/briefing/pdf/?month=2024-05").getvalue()
        [kept] = kept_files(var_dir)
        assert kept.startswith("2024-05.zh-hans.")
        printed_at = (var_dir / "briefing-pdf" / kept).stat().st_mtime_ns
        with ChromiumWatch(var_dir) as watch:
            again = leader_client.get("/briefing/pdf/?month=2024-05")
            assert again.status_code == 200
            second = again.getvalue()
        assert watch.prints == set()
        assert second == first
        assert (var_dir / "briefing-pdf" / kept).stat().st_mtime_ns == printed_at

    def test_changed_data_prints_afresh_and_replaces_the_months_pdf(
        self, leader_client, portfolio, var_dir
    ):
        """The month under way, whose figures count the projects recorded by today: one
        more project changes them. Other months' PDFs stay."""
        today = selectors.today()
        this_month, last_month = f"{today:%Y-%m}", f"{previous_month(today):%Y-%m}"
        leader_client.get(f"/briefing/pdf/?month={this_month}")
        leader_client.get(f"/briefing/pdf/?month={last_month}")
        [last, this] = kept_files(var_dir)
        ProjectFactory(name="新增项目")
        with ChromiumWatch(var_dir) as watch:
            response = leader_client.get(f"/briefing/pdf/?month={this_month}")
        assert response.status_code == 200 and response.getvalue().startswith(b"%PDF")
        assert len(watch.prints) == 1
        [last_still, new_this] = kept_files(var_dir)
        assert last_still == last
        assert new_this.startswith(f"{this_month}.zh-hans.") and new_this != this

    def test_each_language_has_its_own_pdf(self, leader_client, portfolio, var_dir):
        leader_client.get("/briefing/pdf/?month=2024-05")
        response = leader_client.get("/briefing/pdf/?month=2024-05", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert [name.split(".")[1] for name in kept_files(var_dir)] == ["en", "zh-hans"]


@pytest.mark.django_db(transaction=True)
class TestConcurrentPrints:
    @pytest.mark.parametrize("bound", [1, 2])
    def test_parallel_requests_run_no_more_prints_than_the_bound(
        self, leader_client, portfolio, settings, var_dir, bound
    ):
        settings.BRIEFING_PDF_CONCURRENCY = bound
        settings.BRIEFING_PDF_WAIT = 300  # no reader gives up, however slow this machine
        urls = [f"/briefing/pdf/?month=2024-0{month}" for month in (1, 2, 3, 4)]
        with ChromiumWatch(var_dir) as watch:
            answers = get_in_parallel(leader_client, urls)
        assert [status for status, _ in answers] == [200] * 4
        assert all(body.startswith(b"%PDF") for _, body in answers)
        assert len(watch.prints) == 4
        assert watch.most_at_once == bound
        assert len(kept_files(var_dir)) == 4

    def test_parallel_requests_of_one_month_print_it_once(
        self, leader_client, portfolio, settings, var_dir
    ):
        settings.BRIEFING_PDF_WAIT = 300
        with ChromiumWatch(var_dir) as watch:
            answers = get_in_parallel(leader_client, ["/briefing/pdf/?month=2024-05"] * 3)
        assert [status for status, _ in answers] == [200] * 3
        assert len({body for _, body in answers}) == 1
        assert len(watch.prints) == 1

    def test_a_reader_who_finds_every_slot_taken_is_told_to_come_back(
        self, leader_client, portfolio, settings, var_dir
    ):
        """Another process (a second worker) holds the one print slot: the request waits
        BRIEFING_PDF_WAIT seconds, then gets 503 and Retry-After, and no Chromium starts.
        When that process dies the kernel frees the slot."""
        settings.BRIEFING_PDF_WAIT = 0.5
        slot = var_dir / "briefing-pdf" / "print-0.lock"
        slot.parent.mkdir()
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import fcntl, sys, time\n"
                "slot = open(sys.argv[1], 'a')\n"
                "fcntl.flock(slot, fcntl.LOCK_EX)\n"
                "print('holding', flush=True)\n"
                "time.sleep(120)\n",
                str(slot),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline() == "holding\n"
            started = time.monotonic()
            with ChromiumWatch(var_dir) as watch:
                response = leader_client.get("/briefing/pdf/?month=2024-05")
            assert time.monotonic() - started >= 0.5
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        assert response.status_code == 503
        assert response["Retry-After"] == "60"
        assert response.content.decode() == str(briefing_views.PDF_BUSY)
        assert watch.prints == set() and kept_files(var_dir) == []
        with open(slot, "a") as lock:  # free again
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert leader_client.get("/briefing/pdf/?month=2024-05").status_code == 200


@pytest.mark.django_db
class TestTimeLimit:
    def test_a_print_over_the_time_limit_is_killed_with_all_its_processes(
        self, leader_client, portfolio, settings, var_dir, caplog
    ):
        settings.BRIEFING_PDF_TIMEOUT = 0.3
        with ChromiumWatch(var_dir) as watch:
            response = leader_client.get("/briefing/pdf/?month=2024-05")
        assert watch.prints, "Chromium did not start"
        assert response.status_code == 503
        assert response.content.decode() == str(briefing_views.PDF_TOO_SLOW)
        assert any(
            "2024-05" in record.getMessage() and "killed after 0.3 s" in record.getMessage()
            for record in caplog.records
        )
        # The crash handlers, in sessions of their own, leave once the browser is gone.
        deadline = time.monotonic() + 5
        while ChromiumWatch(var_dir).alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ChromiumWatch(var_dir).alive() == {}
        assert kept_files(var_dir) == []
        assert list((var_dir / "briefing-pdf" / "work").iterdir()) == []
        # The next print, within the limit, succeeds.
        settings.BRIEFING_PDF_TIMEOUT = 60
        assert leader_client.get("/briefing/pdf/?month=2024-05").status_code == 200
