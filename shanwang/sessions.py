"""Session lifetime: an absolute limit after log-in, and an end for deactivated users."""

import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

AUTHENTICATED_AT = "shanwang_authenticated_at"


@receiver(user_logged_in)
def _remember_log_in_time(sender, request, user, **kwargs):
    request.session[AUTHENTICATED_AT] = time.time()


class SessionLifetimeMiddleware:
    """End a session that outlived SESSION_ABSOLUTE_LIFETIME since log-in, or whose user
    was deactivated (Django then no longer resolves the user: the session is flushed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if BACKEND_SESSION_KEY in session:
            started = session.get(AUTHENTICATED_AT, 0)
            expired = time.time() - started > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            if expired or not request.user.is_authenticated:
                logout(request)
        return self.get_response(request)
