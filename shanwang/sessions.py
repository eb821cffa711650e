"""Sessions: stored in the database, with an idle limit renewed while the session is in use,
an absolute limit after log-in, and an end for deactivated users."""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.dispatch import receiver
from django.utils import timezone

from .middleware import database_locked

AUTHENTICATED_AT = "shanwang_authenticated_at"
RENEWED_AT = "shanwang_renewed_at"


def _now() -> float:
    """Return the time as the session store reads it (timezone.now(), which sets and
    checks each session's expiry date), in seconds."""
    return timezone.now().timestamp()


@receiver(user_logged_in)
def _remember_log_in_time(sender, request, user, **kwargs):
    now = _now()
    request.session[AUTHENTICATED_AT] = now
    request.session[RENEWED_AT] = now


class SessionStore(DatabaseSessionStore):
    """Django's database sessions (SESSION_ENGINE = "shanwang.sessions"), except that a
    save that only renews the session and finds the database locked is given up: the page
    is made already, and a later request renews the session."""

    renewal_only = False

    def save(self, must_create=False):
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            if not (self.renewal_only and database_locked(error.__context__)):
                raise


class SessionLifetimeMiddleware:
    """End a session that outlived SESSION_ABSOLUTE_LIFETIME since log-in, or whose user
    was deactivated (Django then no longer resolves the user: the session is flushed).

    A session in use is saved again, which moves its idle limit (SESSION_COOKIE_AGE) on,
    once every SESSION_RENEW_INTERVAL rather than on every request
    (SESSION_SAVE_EVERY_REQUEST): a page that only reads then writes nothing, so it neither
    waits for nor fails on a database another process is writing to. The session then
    ends SESSION_COOKIE_AGE after its last save, which is less than SESSION_RENEW_INTERVAL
    before its last request: a session idle for SESSION_COOKIE_AGE (2 hours) has ended,
    one used again within SESSION_COOKIE_AGE − SESSION_RENEW_INTERVAL (1 h 59 min) never
    ends, and an idle session ends at most that one minute early.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        now, renew = _now(), False
        if BACKEND_SESSION_KEY in session:
            started = session.get(AUTHENTICATED_AT, 0)
            expired = now - started > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            if expired or not request.user.is_authenticated:
                logout(request)
            else:
                renewed = session.get(RENEWED_AT, 0)
                renew = now - renewed >= settings.SESSION_RENEW_INTERVAL.total_seconds()
        response = self.get_response(request)
        if renew and BACKEND_SESSION_KEY in request.session:
            # Changed, so SessionMiddleware saves it and sends its cookie again.
            request.session.renewal_only = not request.session.modified
            request.session[RENEWED_AT] = now
        return response
