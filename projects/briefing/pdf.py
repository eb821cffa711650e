"""The monthly briefing as a PDF, printed by headless Chromium from the page's print layout.

No network is involved: the page is written to a temporary file whose stylesheets are
local files, and its Content-Security-Policy lets it load nothing else and run no script.
Chromium is found through the CHROMIUM_PATH setting (a path or a command name on PATH);
without it the PDF is not offered.

One print starts a dozen Chromium processes and most of a GB (bench/briefing_pdf.py), so
three limits apply, all kept under SHANWANG_VAR_DIR/briefing-pdf/:

- At most BRIEFING_PDF_CONCURRENCY prints run at once on the host. A print holds one of
  as many lock files (``print-N.lock``, fcntl.flock), shared by every gunicorn and Celery
  worker of the installation; the kernel frees a slot when its holder dies. A request that
  finds no slot free within BRIEFING_PDF_WAIT seconds gets PdfBusy.
- A print that takes longer than BRIEFING_PDF_TIMEOUT seconds is killed with its whole
  process group (Chromium runs in a session of its own), so no Chromium is left behind.
- A printed PDF is kept as ``YYYY-MM.<language>.<fingerprint>.pdf``. The fingerprint is a
  digest of the rendered page, which holds every figure and word the PDF shows, and of the
  stylesheets and Chromium: the page is rendered for the print anyway, so hashing it costs
  no query. A month whose data has not changed is served from the file without starting
  Chromium; a change gives a new fingerprint, and the month's older file is removed.
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from .figures import Briefing

#: Change it when the print changes in a way the fingerprint does not see.
CACHE_VERSION = "1"
#: How often a waiting request tries the print slots, and watches a running print.
POLL_SECONDS = 0.1
#: What a request that found every print slot taken is told to wait before trying again.
RETRY_AFTER_SECONDS = 60
STYLESHEETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "css/shanwang.css",
    "css/demo_marker.css",
    "css/briefing-print.css",
)
FLAGS = (
    "--headless",
    # Chromium refuses to start as root with its sandbox; the page runs no script and
    # loads nothing from outside (see the module docstring).
    "--no-sandbox",
    "--disable-gpu",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pdf-header-footer",
)


class PdfUnavailable(Exception):
    """Chromium is missing or could not print the page."""


class PdfBusy(PdfUnavailable):
    """Every print slot of the host stayed taken while the request waited."""


class PdfTimedOut(PdfUnavailable):
    """Chromium took longer than the time limit and was killed."""


def chromium_path() -> str | None:
    """Return the Chromium executable to print with, or None when there is none."""
    return shutil.which(settings.CHROMIUM_PATH)


def briefing_pdf(briefing: Briefing) -> bytes:
    """Return the briefing printed to A4 PDF pages, in the active language: the PDF kept
    from an earlier print of the same page, or a new print, which is then kept."""
    executable = chromium_path()
    if executable is None:
        raise PdfUnavailable(f"Chromium not found (CHROMIUM_PATH={settings.CHROMIUM_PATH!r})")
    stylesheets = _stylesheets()
    page = render_to_string(
        "projects/briefing_pdf.html",
        {"briefing": briefing, "stylesheets": [path.as_uri() for path in stylesheets]},
    )
    kept = _kept_file(briefing, _fingerprint(page, stylesheets, executable))
    document = _read(kept)
    if document is None:
        with _print_slot():
            # Another request may have printed the same page while this one waited.
            document = _read(kept)
            if document is None:
                document = _print(executable, page)
                _keep(kept, document)
    return document


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "briefing-pdf"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fingerprint(page: str, stylesheets: list[Path], executable: str) -> str:
    """Return a digest of all the printed PDF depends on: the page as rendered (its figures,
    words and language), the stylesheets, and Chromium and how it is called."""
    chromium = str(Path(executable).stat().st_mtime_ns)  # a new Chromium prints afresh
    parts = [CACHE_VERSION, executable, chromium, *FLAGS, page]
    printed = b"\0".join([*(part.encode() for part in parts), *map(Path.read_bytes, stylesheets)])
    return hashlib.sha256(printed).hexdigest()[:32]


def _kept_file(briefing: Briefing, fingerprint: str) -> Path:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return _folder() / f"{briefing.month:%Y-%m}.{language}.{fingerprint}.pdf"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _keep(path: Path, document: bytes) -> None:
    """Write the PDF to ``path`` whole (readers never see half a file) and remove the
    files kept for the same month and language from earlier data."""
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as part:
        part.write(document)
    os.replace(part.name, path)
    month, language, _ = path.name.split(".", 2)
    for earlier in path.parent.glob(f"{month}.{language}.*.pdf"):
        if earlier != path:
            earlier.unlink(missing_ok=True)


@contextlib.contextmanager
def _print_slot():
    """Hold one of the host's BRIEFING_PDF_CONCURRENCY print slots while the block runs;
    raise PdfBusy when none comes free within BRIEFING_PDF_WAIT seconds."""
    folder = _folder()
    count = max(1, settings.BRIEFING_PDF_CONCURRENCY)
    slots = [folder / f"print-{number}.lock" for number in range(count)]
    deadline = time.monotonic() + settings.BRIEFING_PDF_WAIT
    while True:
        for slot in slots:
            # A lock of its own for each open file, so threads exclude each other too;
            # closing the file frees the slot.
            with slot.open("a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                yield
                return
        if time.monotonic() >= deadline:
            raise PdfBusy(
                f"all {count} print slots stayed taken for {settings.BRIEFING_PDF_WAIT} s "
                "(BRIEFING_PDF_CONCURRENCY, BRIEFING_PDF_WAIT)"
            )
        time.sleep(POLL_SECONDS)


def _print(executable: str, page: str) -> bytes:
    """Return ``page`` printed to PDF by Chromium, which is killed with every process it
    started once it has printed or after BRIEFING_PDF_TIMEOUT seconds."""
    work = _folder() / "work"
    work.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="print-", dir=work) as folder:
        folder = Path(folder)
        source = folder / "briefing.html"
        output = folder / "briefing.pdf"
        messages = folder / "chromium.log"
        source.write_text(page, encoding="utf-8")
        command = [
            executable,
            *FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={output}",
            source.as_uri(),
        ]
        with messages.open("wb") as log:
            try:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={"HOME": str(folder), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                    # Its own process group, which _stop kills whole.
                    start_new_session=True,
                )
            except OSError as error:
                raise PdfUnavailable(f"Chromium could not start: {error}") from error
            try:
                status = _exit_status(process, settings.BRIEFING_PDF_TIMEOUT)
            finally:
                _stop(process)
        if status is None:
            raise PdfTimedOut(
                f"Chromium was killed after {settings.BRIEFING_PDF_TIMEOUT} s, "
                "the time limit (BRIEFING_PDF_TIMEOUT)"
            )
        if status != 0:
            said = messages.read_text(encoding="utf-8", errors="replace")[-500:]
            raise PdfUnavailable(f"Chromium could not print the briefing (status {status}): {said}")
        document = output.read_bytes() if output.exists() else b""
    if not document.startswith(b"%PDF"):
        raise PdfUnavailable("Chromium wrote no PDF")
    return document


def _exit_status(process: subprocess.Popen, timeout: float) -> int | None:
    """Return the process's exit status (minus the signal that ended it), or None when it
    is still running after ``timeout`` seconds. An exited process is left unreaped, so its
    process group id cannot be taken by another process before _stop kills the group."""
    deadline = time.monotonic() + timeout
    while True:
        exited = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if exited is not None:
            killed = exited.si_code in (os.CLD_KILLED, os.CLD_DUMPED)
            return -exited.si_status if killed else exited.si_status
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        time.sleep(min(POLL_SECONDS, remaining))


def _stop(process: subprocess.Popen) -> None:
    """Kill the process and every process it started (its zygotes, renderers and GPU
    process stay in its group after it exits), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _stylesheets() -> list[Path]:
    paths = []
    for name in STYLESHEETS:
        path = finders.find(name)
        if path is None:
            raise PdfUnavailable(f"static file {name} not found")
        paths.append(Path(path))
    return paths
