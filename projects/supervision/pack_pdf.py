"""The scheduling meeting's pack as a PDF, printed by headless Chromium from the pack's
print layout (shanwang/printing.py: the host's print slots, the time limit, the kept PDFs)."""

from shanwang.printing import page_pdf

from .pack import MeetingPack

#: The briefing's print stylesheet lays out the pack too (its tables share the classes).
STYLESHEETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "css/shanwang.css",
    "css/demo_marker.css",
    "css/briefing-print.css",
)


def pack_pdf(pack: MeetingPack) -> bytes:
    """Return the pack printed to A4 PDF pages, in the active language: kept per day,
    meeting and scope (a staff member's pack lists only what they see)."""
    meeting = f"-meeting{pack.meeting.pk}" if pack.meeting is not None else ""
    return page_pdf(
        "projects/supervision/pack_pdf.html",
        {"pack": pack},
        name=f"meeting-pack-{pack.on:%Y-%m-%d}{meeting}-{pack.scope}",
        stylesheets=STYLESHEETS,
    )
