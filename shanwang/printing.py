"""Pages printed to A4 PDF by headless Chromium: the monthly briefing, the scheduling
meeting's pack.

No network is involved: the page is written to a temporary file whose stylesheets are
local files, and its Content-Security-Policy lets it load nothing else and run no script.
Chromium is found through the CHROMIUM_PATH setting (a path or a command name on PATH);
without it no PDF is offered.

One print starts a dozen Chromium processes and most of a GB (bench/briefing_pdf.py), so
three limits apply to every printed document, all kept under SHANWANG_VAR_DIR/briefing-pdf/
(named after the first document printed; deployments already keep that folder):

- At most BRIEFING_PDF_CONCURRENCY prints run at once on the host, whatever they print. A
  print holds one of as many lock files (``print-N.lock``, fcntl.flock), shared by every
  gunicorn and Celery worker of the installation; the kernel frees a slot when its holder
  dies. A request that finds no slot free within BRIEFING_PDF_WAIT seconds gets PdfBusy.
- A print that takes longer than BRIEFING_PDF_TIMEOUT seconds is killed with its whole
  process group (Chromium runs in a session of its own), so no Chromium is left behind.
- A printed PDF is kept as ``<name>.<language>.<fingerprint>.pdf``, the name saying which
  document it is (``2024-05`` for a month's briefing). The fingerprint is a digest of the
  rendered page, which holds every figure and word the PDF shows, and of the stylesheets
  and Chromium: the page is rendered for the print anyway, so hashing it costs no query.
  A document whose data has not changed is served from the file without starting
  Chromium; a change gives a new fingerprint, and the document's older file is removed.
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
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

#: Change it when the print changes in a way the fingerprint does not see.
CACHE_VERSION = "1"
#: How often a waiting request tries the print slots, and watches a running print.
POLL_SECONDS = 0.1
#: What a request that found every print slot taken is told to wait before trying again.
RETRY_AFTER_SECONDS = 60
#: The folder under SHANWANG_VAR_DIR of the print slots, the prints and the kept PDFs.
FOLDER = "briefing-pdf"
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


def page_pdf(template_name: str, context: dict, *, name: str, stylesheets: Sequence[str]) -> bytes:
    """Return the page ``template_name`` renders from ``context`` printed to A4 PDF pages,
    in the active language: the PDF kept from an earlier print of the same page, or a new
    print, which is then kept as the document ``name`` (no dot in it).

    The template gets ``stylesheets`` (static files) as ``file:`` URIs in the variable
    ``stylesheets``, the only things its page may load."""
    if "." in name:
        raise ValueError(f"a kept PDF's name has no dot: {name!r}")
    executable = chromium_path()
    if executable is None:
        raise PdfUnavailable(f"Chromium not found (CHROMIUM_PATH={settings.CHROMIUM_PATH!r})")
    files = _stylesheets(stylesheets)
    page = render_to_string(
        template_name, {**context, "stylesheets": [path.as_uri() for path in files]}
    )
    kept = _kept_file(name, _fingerprint(page, files, executable))
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
    folder = Path(settings.VAR_DIR) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fingerprint(page: str, stylesheets: list[Path], executable: str) -> str:
    """Return a digest of all the printed PDF depends on: the page as rendered (its figures,
    words and language), the stylesheets, and Chromium and how it is called."""
    chromium = str(Path(executable).stat().st_mtime_ns)  # a new Chromium prints afresh
    parts = [CACHE_VERSION, executable, chromium, *FLAGS, page]
    printed = b"\0".join([*(part.encode() for part in parts), *map(Path.read_bytes, stylesheets)])
    return hashlib.sha256(printed).hexdigest()[:32]


def _kept_file(name: str, fingerprint: str) -> Path:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return _folder() / f"{name}.{language}.{fingerprint}.pdf"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _keep(path: Path, document: bytes) -> None:
    """Write the PDF to ``path`` whole (readers never see half a file) and remove the
    files kept for the same document and language from earlier data."""
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as part:
        part.write(document)
    os.replace(part.name, path)
    name, language, _ = path.name.split(".", 2)
    for earlier in path.parent.glob(f"{name}.{language}.*.pdf"):
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
        source = folder / "page.html"
        output = folder / "page.pdf"
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
            raise PdfUnavailable(f"Chromium could not print the page (status {status}): {said}")
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


def _stylesheets(names: Sequence[str]) -> list[Path]:
    paths = []
    for name in names:
        path = finders.find(name)
        if path is None:
            raise PdfUnavailable(f"static file {name} not found")
        paths.append(Path(path))
    return paths
