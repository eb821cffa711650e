"""A session in use is saved at most once a minute, yet ends after two idle hours: on a
clock moved forward request by request (django.utils.timezone.now, which the session
store and shanwang.sessions both read)."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PAGE = "projects:indicators"
IDLE_LIMIT = datetime.timedelta(hours=2)


class Clock:
    """The time Django reads, moved by the test."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def visit(client) -> tuple[int, int]:
    """GET a page; return its status and how many statements wrote the session table."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(PAGE))
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].startswith("SELECT")
    ]
    return response.status_code, len(writes)


def test_a_session_used_every_59_seconds_never_ends_and_is_saved_at_most_once_a_minute(
    client, user, clock, settings
):
    """Used every 59 seconds for longer than its idle limit, a session stays open and is
    written at most once in any minute: every second request."""
    client.force_login(user)
    saved_at = []
    for _ in range(int(IDLE_LIMIT.total_seconds() * 1.1) // 59):
        clock.advance(seconds=59)
        status, writes = visit(client)
        assert status == 200
        assert writes <= 1
        if writes:
            saved_at.append(clock.now)
    gaps = [later - earlier for earlier, later in itertools.pairwise(saved_at)]
    assert min(gaps) >= settings.SESSION_RENEW_INTERVAL
    assert len(saved_at) >= int(IDLE_LIMIT.total_seconds() * 1.1) // 118


def test_a_session_idle_for_two_hours_ends(client, user, clock):
    """Whenever in the renewal minute the last request came, a session idle for two
    hours asks to log in."""
    client.force_login(user)
    for seconds in (59, 30, 0):  # the last save lies 59, 30 or 0 s before the last request
        clock.advance(minutes=1)
        assert visit(client) == (200, 1)
        clock.advance(seconds=seconds)
        assert visit(client) == (200, 0)
        clock.advance(seconds=IDLE_LIMIT.total_seconds())
        assert client.get(reverse(PAGE)).status_code == 302
        client.force_login(user)


def test_a_session_idle_for_just_under_two_hours_less_a_minute_goes_on(client, user, clock):
    """An idle end comes at most the renewal interval early: after 1 h 58 min 59 s of idle
    time, the session still works, and that request renews it."""
    client.force_login(user)
    clock.advance(minutes=1)
    assert visit(client) == (200, 1)
    clock.advance(seconds=59)
    assert visit(client) == (200, 0)
    clock.advance(hours=1, minutes=58, seconds=59)
    assert visit(client) == (200, 1)
