from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health
from .audit import audit_log


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
