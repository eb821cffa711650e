"""The database under a second writer and after a dropped connection (shanwang/settings.py,
shanwang/middleware.py, shanwang/sessions.py), with real other processes: SQLite's write
lock held by another process, PostgreSQL's backend ended by pg_terminate_backend, the app
served by gunicorn."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from pytest_django.asserts import assertTemplateUsed

from projects.models import ProgressReport
from shanwang.sessions import RENEWED_AT
from tests.factories import ProjectFactory
from tests.processes import set_lock_timeout, write_lock

REPORT = {
    "month": "2024-05",
    "physical_progress": "40",
    "investment_completed": "120",
    "narrative": "主体完工",
}


@pytest.fixture
def reporter(user):
    """A logged-in client of a staff member, and the project they answer for."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client, ProjectFactory(contact_person=user)


def post_report(client, project):
    return client.post(reverse("projects:report_add", args=[project.pk]), REPORT)


# SQLite under a second writer ------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_report_saved_while_another_process_writes_waits_its_turn(sqlite_file, reporter):
    """A transaction takes SQLite's write lock when it begins: a report submitted while
    another process writes waits for it (up to the timeout) and is saved; it is not
    refused at once for reading first and then being unable to upgrade its lock."""
    client, project = reporter
    set_lock_timeout(10)
    with write_lock(sqlite_file, release_after=1.0):
        response = post_report(client, project)
    assert response.status_code == 302
    assert ProgressReport.objects.filter(project=project).count() == 1


@pytest.mark.sqlite_only
def test_a_database_locked_past_the_timeout_gives_the_busy_page(sqlite_file, reporter):
    """When the other writer keeps the lock past the timeout, the user gets the Chinese
    "busy, try again" page (503, with Retry-After), not a server error; nothing is saved."""
    client, project = reporter
    set_lock_timeout(0.5)
    with write_lock(sqlite_file):
        response = post_report(client, project)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assertTemplateUsed(response, "503.html")
    with translation.override("zh-hans"):
        assert escape(gettext("The system is busy")) in response.content.decode()
    assert not ProgressReport.objects.exists()


@pytest.mark.sqlite_only
def test_a_page_that_only_reads_does_not_wait_for_another_writer(sqlite_file, reporter):
    """Reading the project list writes nothing (not the session either), so it answers at
    once while another process holds the write lock."""
    client, _project = reporter
    set_lock_timeout(2)
    with write_lock(sqlite_file):
        started = time.monotonic()
        response = client.get(reverse("projects:list"))
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 2


@pytest.mark.sqlite_only
def test_a_session_renewal_that_meets_a_locked_database_is_put_off(sqlite_file, reporter):
    """A session in use is saved again after SESSION_RENEW_INTERVAL, after the page was
    made; if that write finds the database locked past the timeout, the page is still
    shown and the session is renewed by a later request."""
    client, _project = reporter
    session = client.session
    session[RENEWED_AT] = time.time() - 3600
    session.save()
    expiry = Session.objects.get(pk=session.session_key).expire_date
    set_lock_timeout(0.5)
    with write_lock(sqlite_file):
        response = client.get(reverse("projects:list"))
    assert response.status_code == 200
    assert Session.objects.get(pk=session.session_key).expire_date == expiry
    assert client.get(reverse("projects:list")).status_code == 200
    assert Session.objects.get(pk=session.session_key).expire_date > expiry


# PostgreSQL: a dropped persistent connection --------------------------------------------


def terminate_other_backends() -> int:
    """End every other session on the test database (as pg_terminate_backend does when a
    DBA or a failover does); return how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return len(cursor.fetchall())


def test_a_dropped_persistent_connection_costs_no_request(
    uses_postgresql, transactional_db, gunicorn, user, client
):
    """Under gunicorn with DJANGO_CONN_MAX_AGE=60, a connection the server ended between
    two requests is noticed before the second one uses it: that request succeeds."""
    client.force_login(user)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    server = gunicorn(DJANGO_CONN_MAX_AGE="60")
    assert server.get("/", cookies=cookies)[0] == 200
    assert terminate_other_backends() >= 1  # gunicorn's worker kept its connection
    status, body = server.get("/", cookies=cookies)
    assert status == 200, body[:2000]
