import sys
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health
from .audit import audit_log
from .middleware import busy_response, database_locked

#: The types uploads are served as, by extension: the formats photos are stored in.
MEDIA_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
OCTET_STREAM = "application/octet-stream"
#: The folder of MEDIA_ROOT this view serves: the photos as shown (ReportPhoto.image).
SERVED_MEDIA = "reports"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Report database and broker reachability; 503 when the database is down."""
    database_ok = health.database_reachable()
    broker_ok = health.broker_reachable()
    status = "ok" if database_ok and broker_ok else ("degraded" if database_ok else "down")
    return JsonResponse(
        {
            "status": status,
            "database": "ok" if database_ok else "unreachable",
            "broker": "ok" if broker_ok else "unreachable",
        },
        status=200 if database_ok else 503,
    )


def permission_denied(request, exception):
    """Log the refusal in the audit log, then show the Chinese 403 page."""
    audit_log(
        "access_denied",
        user=request.user if request.user.is_authenticated else None,
        path=request.path,
        method=request.method,
    )
    return defaults.permission_denied(request, exception)


def server_error(request):
    """Show the busy page (503) when the error is a database that stayed locked outside a
    view (a session saved after the response), otherwise the Chinese 500 page."""
    if database_locked(sys.exc_info()[1]):
        return busy_response()
    return defaults.server_error(request)


@require_GET
def media(request, path):
    """Serve a site photo as it is shown (the derived copy, ``reports/``) to users who may
    read the portfolio.

    Uploads are never public, and nothing else under MEDIA_ROOT is served here: a photo's
    original keeps its GPS position (``originals/``, administrators only), documents and
    files staged by a form have their own permission-checked views. Behind nginx,
    DJANGO_MEDIA_ACCEL_PREFIX names an internal location and nginx sends the file
    (X-Accel-Redirect) after this check.
    """
    if not request.user.has_perm("projects.read_portfolio"):
        raise PermissionDenied
    root = settings.MEDIA_ROOT.resolve()
    served = root / SERVED_MEDIA
    file = (root / path).resolve()
    if served not in file.parents or not file.is_file():
        raise Http404
    relative = file.relative_to(root).as_posix()  # the path without any "..", checked
    if settings.MEDIA_ACCEL_PREFIX:
        response = HttpResponse(content_type="")
        # Percent-encoded: a header must be ASCII, and nginx decodes it (Chinese file names).
        response["X-Accel-Redirect"] = quote(f"{settings.MEDIA_ACCEL_PREFIX}{relative}")
        return response
    content_type = MEDIA_CONTENT_TYPES.get(file.suffix.lower())
    if content_type is None:
        # Not a photo stored since uploads are re-encoded (shanwang/photos.py): a download,
        # never a page or document the browser would open from our origin.
        return FileResponse(file.open("rb"), as_attachment=True, content_type=OCTET_STREAM)
    return FileResponse(file.open("rb"), content_type=content_type)
