from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


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
