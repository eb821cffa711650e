"""Database errors a request can meet that are not the application's fault, answered as such:
a database that stays locked by another writer is "busy, try again" (503), and a value the
database cannot take, which only a crafted query string brings to a query (a number past
64 bits, a NUL character), is a bad request (400), not a server error. And the pages the
app writes, compressed for a phone's slow signal."""

from django.core.exceptions import BadRequest
from django.db import DataError, OperationalError
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string

#: Seconds after which a browser or a script may try again.
RETRY_AFTER_SECONDS = 10


def database_locked(error: BaseException | None) -> bool:
    """Return whether ``error`` is SQLite's "database is locked": another process kept the
    write lock for longer than the connection's timeout."""
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def unusable_input(error: BaseException | None) -> bool:
    """Return whether ``error`` is a value from the request that cannot reach the database:
    an integer SQLite cannot hold or a year past any date (``?id__in=99999999999999999999``,
    ``?month__year=…``), a NUL character PostgreSQL cannot hold (``?stage=%00``). Forms
    refuse these themselves; the admin's list filters pass them on."""
    return (isinstance(error, OverflowError) and "int too large to convert" in str(error)) or (
        isinstance(error, DataError) and "cannot contain NUL" in str(error)
    )


def busy_response() -> HttpResponse:
    """Return the "busy, try again" page (503), with Retry-After. Like the 500 page it is
    rendered without the request's context, whose processors would read the database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseErrorMiddleware:
    """Turn a locked database into the busy page, and unusable input into a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_locked(exception):
            return busy_response()
        if unusable_input(exception):
            raise BadRequest(str(exception)) from exception
        return None


#: The responses worth compressing: what the app writes as text. Photos, PDFs and
#: workbooks are compressed already (and streamed), static files come from WhiteNoise.
COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/manifest+json",
    "image/svg+xml",
)


class PageGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, which pads its output against BREACH, for text only:
    https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.middleware.gzip"""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE_TYPES):
            return response
        return super().process_response(request, response)
