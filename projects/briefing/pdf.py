"""The monthly briefing as a PDF, printed by headless Chromium from the page's print layout.

No network is involved: the page is written to a temporary file whose stylesheets are
local files, and its Content-Security-Policy lets it load nothing else and run no script.
Chromium is found through the CHROMIUM_PATH setting (a path or a command name on PATH);
without it the PDF is not offered.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .figures import Briefing

TIMEOUT_SECONDS = 90
STYLESHEETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "css/shanwang.css",
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


def chromium_path() -> str | None:
    """Return the Chromium executable to print with, or None when there is none."""
    return shutil.which(settings.CHROMIUM_PATH)


def briefing_pdf(briefing: Briefing) -> bytes:
    """Return the briefing printed to A4 PDF pages, in the active language."""
    executable = chromium_path()
    if executable is None:
        raise PdfUnavailable(f"Chromium not found (CHROMIUM_PATH={settings.CHROMIUM_PATH!r})")
    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        folder = Path(folder)
        page = folder / "briefing.html"
        output = folder / "briefing.pdf"
        page.write_text(
            render_to_string(
                "projects/briefing_pdf.html",
                {"briefing": briefing, "stylesheets": _stylesheet_uris()},
            ),
            encoding="utf-8",
        )
        command = [
            executable,
            *FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={output}",
            page.as_uri(),
        ]
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=True,
                env={"HOME": str(folder), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            )
        except (subprocess.SubprocessError, OSError) as error:
            raise PdfUnavailable(f"Chromium could not print the briefing: {error}") from error
        data = output.read_bytes() if output.exists() else b""
    if not data.startswith(b"%PDF"):
        raise PdfUnavailable("Chromium wrote no PDF")
    return data


def _stylesheet_uris() -> list[str]:
    uris = []
    for name in STYLESHEETS:
        path = finders.find(name)
        if path is None:
            raise PdfUnavailable(f"static file {name} not found")
        uris.append(Path(path).as_uri())
    return uris
