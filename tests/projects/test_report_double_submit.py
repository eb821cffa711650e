"""A new monthly report submitted several times at once (a double click, a resent form):
one is saved, the others get the form back saying the month has its report. Real parallel
requests, each thread on its own database connection; the inserts are held back until
every request has checked the month, so that they all collide."""

import contextlib
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from projects.models import ProgressReport
from tests.factories import ProjectFactory
from tests.processes import uses_sqlite, write_lock

PARALLEL = 6
REPORT = {
    "month": "2024-05",
    "physical_progress": "40",
    "investment_completed": "120",
    "narrative": "主体完工",
}


@contextlib.contextmanager
def inserts_held(database_file, *, waiting: int):
    """Hold back every insert into the reports until ``waiting`` requests wait for it:
    SQLite's write lock from another process; on PostgreSQL a second session's table lock
    that lets the requests read the table but not write to it."""
    if uses_sqlite():
        with write_lock(database_file):
            yield
            time.sleep(1.0)  # the requests read the month, then wait for the lock
        return
    holder = connection.copy()
    table = ProgressReport._meta.db_table
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
            yield
            deadline = time.monotonic() + 30
            while True:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
                    [table],
                )
                if cursor.fetchone()[0] >= waiting or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            cursor.execute("COMMIT")
    finally:
        holder.close()


def submit_at_once(clients, url) -> list:
    """POST the report from every client at the same moment, each in its own thread;
    return the responses (or the exceptions raised)."""
    results = [None] * len(clients)
    start = threading.Barrier(len(clients))

    def submit(index):
        try:
            start.wait()
            results[index] = clients[index].post(url, {**REPORT, "submit": "1"})
        except Exception as error:  # a server error, raised by the test client
            results[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    return threads, results


def test_parallel_submits_of_a_new_report_save_one_and_tell_the_others(served_database, user):
    """Six parallel POSTs of the same new month: one report is saved (302), the five others
    get the form back (400) with "This project already has a report for that month."."""
    project = ProjectFactory(contact_person=user)
    clients = []
    for _ in range(PARALLEL):
        client = Client()
        client.force_login(user)
        clients.append(client)
    url = reverse("projects:report_add", args=[project.pk])
    with inserts_held(served_database, waiting=PARALLEL):
        threads, results = submit_at_once(clients, url)
    for thread in threads:
        thread.join(timeout=60)

    errors = [result for result in results if isinstance(result, BaseException)]
    assert errors == []
    assert sorted(response.status_code for response in results) == [302] + [400] * 5
    with translation.override("zh-hans"):
        message = escape(gettext("This project already has a report for that month."))
    for response in results:
        if response.status_code == 400:
            assert message in response.content.decode()
    assert ProgressReport.objects.filter(project=project).count() == 1
    assert ProgressReport.history.filter(project=project).count() == 2  # created, submitted


@pytest.mark.django_db
def test_a_report_for_a_month_that_has_one_is_refused_on_the_form(user_client, user):
    """The same month once more, one after the other: the form comes back with the error."""
    project = ProjectFactory(contact_person=user)
    url = reverse("projects:report_add", args=[project.pk])
    assert user_client.post(url, REPORT).status_code == 302
    response = user_client.post(url, REPORT)
    assert response.status_code == 400
    assert response.context["form"].errors["month"] == [
        gettext("This project already has a report for that month.")
    ]
    assert ProgressReport.objects.filter(project=project).count() == 1
