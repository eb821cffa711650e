"""The installable app: the web manifest, the service worker and its offline page.

The three carry no data of anyone, so they need no log-in. The service worker is served
from the root (not from /static/) so that its scope is the whole site; its template gets
the app shell's static URLs as ``{% static %}`` resolves them, hashed in production by
the manifest storage, so a deploy that changes a file makes a new shell cache.
See docs/offline.md.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

#: The app's colour: Bootstrap's primary blue of the navbar and the icons.
THEME_COLOR = "#0d6efd"

#: The static files every page needs, kept by the service worker for offline use. A kept
#: page's own files (the charts, the report form's scripts) are kept when it is; htmx is
#: only on the lists, which are never kept.
SHELL_STATIC = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "css/shanwang.css",
    "css/demo_marker.css",
    "js/outbox.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
    "img/icon-maskable-512.png",
)

#: The icons of the manifest: (file, size, purpose).
ICONS = (
    ("img/icon-192.png", 192, "any"),
    ("img/icon-512.png", 512, "any"),
    ("img/icon-maskable-512.png", 512, "maskable"),
)


def manifest_language() -> str:
    """Return the language tag of the manifest (BCP 47): zh-CN for the Chinese UI."""
    return "zh-CN" if get_language().startswith("zh") else get_language()


@login_not_required
@require_GET
@cache_control(max_age=3600)
def manifest(request):
    """Return the web manifest that makes the app installable on a phone."""
    content = {
        "name": _("Shanwang Town Projects"),
        "short_name": _("Town projects"),
        "description": _("Projects, monthly reports and alerts of Shanwang Town."),
        "lang": manifest_language(),
        "start_url": reverse("projects:dashboard"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": static(path),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": purpose,
            }
            for path, size, purpose in ICONS
        ],
    }
    return JsonResponse(
        content,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


def shell_urls() -> list[str]:
    """Return the URLs the service worker precaches: the static shell and the offline page."""
    return [static(path) for path in SHELL_STATIC] + [reverse("pwa_offline")]


@login_not_required
@require_GET
def service_worker(request):
    """Return the service worker script, scoped to the whole site and never cached by HTTP.

    Browsers check the script for changes on every navigation when it is served with
    ``no-cache``; a new version (the hash of the shell's URLs) installs a new cache.
    """
    urls = shell_urls()
    config = {
        "version": hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12],
        "shell": urls,
        "offline": reverse("pwa_offline"),
        "login": reverse("login"),
        "logout": reverse("logout"),
        "outboxScript": static("js/outbox.js"),
        # The prefix, not static(""): the manifest storage has no entry for "".
        "staticUrl": settings.STATIC_URL,
        # Unhashed names (DEBUG) may change under the same URL: refresh them behind.
        "revalidate": settings.DEBUG,
    }
    response = render(
        request,
        "pwa/sw.js",
        {"config": json.dumps(config)},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@login_not_required
@require_GET
@never_cache
def offline(request) -> HttpResponse:
    """Return the page shown offline for a page that was never opened on this device."""
    return render(request, "pwa/offline.html", {"offline_page": True})
