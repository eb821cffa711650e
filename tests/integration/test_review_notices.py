"""A returned report reaches its author by email through the real chain: the reviewer's
confirmed POST, the ledger's rows, the signal sent after commit, the Redis broker, a
Celery worker (a subprocess) and an SMTP server on loopback; exactly once."""

import pytest
from django.urls import reverse

from projects import services
from projects.alerts import messages
from projects.models import ProgressReport, Reminder
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import (
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    UserFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def owed_unsent() -> int:
    return Reminder.objects.filter(status=Reminder.Status.OWED).count()


def test_returning_a_report_emails_its_author_through_the_worker(client, workers, mail_server):
    unit = ResponsibleUnitFactory()
    author = with_role(UserFactory(username="author", email="author@example.test"), Role.STAFF)
    unit.members.add(author)
    reviewer = with_role(
        UserFactory(username="reviewer", email="reviewer@example.test"), Role.REVIEWER
    )
    project = ProjectFactory(responsible_unit=unit, contact_person=author)
    report = ProgressReportFactory(project=project, status=ProgressReport.Status.DRAFT)
    workers.start()
    services.progress_report_transition(report=report, transition="submit", acting_user=author)
    # The reviewer's notice goes first (were it still owed, the return would cancel it).
    workers.wait(lambda: owed_unsent() == 0, timeout=60, what="the reviewer's email to go")
    client.force_login(reviewer)
    response = client.post(
        reverse("projects:report_transition", args=[report.pk, "return"]),
        {"comment": "请补充现场照片", "confirmed": "1"},
    )
    assert response.status_code == 302
    returned = Reminder.objects.select_related("project", "review_step__acting_user").get(
        kind=Reminder.Kind.REPORT_RETURNED
    )
    expected = (author.email, messages.alert_title(returned))
    workers.wait(
        lambda: mail_server.snapshot()[expected] >= 1 and owed_unsent() == 0,
        timeout=60,
        what="the author's email to arrive and nothing to be left owed",
    )
    received = mail_server.snapshot()
    assert received[expected] == 1
    # The reviewer was told of the submission, the author of the return; nothing twice.
    submitted = Reminder.objects.select_related("project", "review_step__acting_user").get(
        kind=Reminder.Kind.REPORT_SUBMITTED
    )
    assert set(received) == {expected, (reviewer.email, messages.alert_title(submitted))}
    assert all(count == 1 for count in received.values())
    returned.refresh_from_db()
    assert returned.status == Reminder.Status.SENT
