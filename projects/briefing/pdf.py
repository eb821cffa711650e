"""The monthly briefing as a PDF, printed by headless Chromium from the page's print layout
(shanwang/printing.py: the print slots, the time limit and the kept PDFs, one file per
month and language, ``YYYY-MM.<language>.<fingerprint>.pdf``)."""

from shanwang.printing import (
    RETRY_AFTER_SECONDS,
    PdfBusy,
    PdfTimedOut,
    PdfUnavailable,
    chromium_path,
    page_pdf,
)

from .figures import Briefing

__all__ = [
    "RETRY_AFTER_SECONDS",
    "STYLESHEETS",
    "PdfBusy",
    "PdfTimedOut",
    "PdfUnavailable",
    "briefing_pdf",
    "chromium_path",
]

STYLESHEETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "css/shanwang.css",
    "css/demo_marker.css",
    "css/briefing-print.css",
)


def briefing_pdf(briefing: Briefing) -> bytes:
    """Return the briefing printed to A4 PDF pages, in the active language: the PDF kept
    from an earlier print of the same page, or a new print, which is then kept."""
    return page_pdf(
        "projects/briefing_pdf.html",
        {"briefing": briefing},
        name=f"{briefing.month:%Y-%m}",
        stylesheets=STYLESHEETS,
    )
