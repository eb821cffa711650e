"""Approve, return and mark done ask for confirmation, as a form step (no script): the
first POST changes nothing and shows what will happen with a 确认 button; only the POST
with ``confirmed=1`` acts. Submitting a report needs no confirmation."""

import datetime

import pytest
from django.urls import reverse

from projects.models import Milestone, ProgressReport, Reminder, ReportTransition
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = ProgressReport.Status
CONFIRM_BUTTON = 'name="confirmed" value="1"'


@pytest.fixture
def town():
    unit = ResponsibleUnitFactory()
    author = with_role(UserFactory(username="author", last_name="王", first_name="芳"), Role.STAFF)
    unit.members.add(author)
    project = ProjectFactory(name="东山路改造", responsible_unit=unit, contact_person=author)
    report = ProgressReportFactory(
        project=project,
        month=datetime.date(2026, 9, 1),
        status=Status.SUBMITTED,
        submitted_by=author,
    )
    return {
        "author": author,
        "reviewer": with_role(UserFactory(username="reviewer"), Role.REVIEWER),
        "outsider": with_role(UserFactory(username="outsider"), Role.STAFF),
        "project": project,
        "report": report,
        "milestone": MilestoneFactory(project=project, title="主体完工"),
    }


def transition_url(report, step):
    return reverse("projects:report_transition", args=[report.pk, step])


def untouched(report) -> bool:
    report.refresh_from_db()
    return (
        report.status == Status.SUBMITTED
        and report.reviewed_by is None
        and not ReportTransition.objects.filter(report=report).exists()
        and not Reminder.objects.exists()
    )


def test_approving_asks_first_and_acts_only_when_confirmed(
    client, town, django_assert_max_num_queries
):
    report = town["report"]
    client.force_login(town["reviewer"])
    with django_assert_max_num_queries(12):
        response = client.post(transition_url(report, "approve"), {"comment": "同意"})
    assert response.status_code == 200
    page = response.content.decode()
    assert CONFIRM_BUTTON in page and 'name="comment" value="同意"' in page
    assert "东山路改造" in page and "王芳" in page
    assert reverse("projects:report", args=[report.pk]) in page  # 取消: back to the report
    assert untouched(report)

    response = client.post(transition_url(report, "approve"), {"comment": "同意", "confirmed": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.review_comment) == (Status.APPROVED, "同意")


def test_returning_shows_the_comment_escaped_and_needs_it_first(client, town):
    report = town["report"]
    client.force_login(town["reviewer"])
    response = client.post(transition_url(report, "return"), {"comment": ""})
    assert response.status_code == 400  # the missing comment is said at once, on the report
    assert CONFIRM_BUTTON not in response.content.decode()
    comment = '<b>照片</b>不清楚"'
    response = client.post(transition_url(report, "return"), {"comment": comment})
    page = response.content.decode()
    assert response.status_code == 200 and CONFIRM_BUTTON in page
    assert "<b>照片</b>" not in page and "&lt;b&gt;照片&lt;/b&gt;" in page
    assert untouched(report)
    response = client.post(transition_url(report, "return"), {"comment": comment, "confirmed": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.review_comment) == (Status.RETURNED, comment)


def test_no_confirmation_page_for_who_may_not_take_the_step(client, town):
    """The author (four eyes) and another unit's staff get 403, not a page to confirm."""
    for user in (town["author"], town["outsider"]):
        client.force_login(user)
        assert client.post(transition_url(town["report"], "approve")).status_code == 403
    assert untouched(town["report"])


def test_submitting_needs_no_confirmation(client, town):
    draft = ProgressReportFactory(
        project=town["project"], month=datetime.date(2026, 10, 1), status=Status.DRAFT
    )
    client.force_login(town["author"])
    assert client.post(transition_url(draft, "submit")).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_marking_a_milestone_done_asks_first(client, town):
    milestone = town["milestone"]
    url = reverse("projects:milestone_complete", args=[milestone.pk])
    client.force_login(town["author"])
    response = client.post(url)
    page = response.content.decode()
    assert response.status_code == 200 and CONFIRM_BUTTON in page and "主体完工" in page
    assert town["project"].get_absolute_url() in page
    assert Milestone.objects.get(pk=milestone.pk).completed_on is None
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    assert Milestone.objects.get(pk=milestone.pk).completed_on is not None


def test_another_units_staff_gets_no_milestone_confirmation(client, town):
    client.force_login(town["outsider"])
    url = reverse("projects:milestone_complete", args=[town["milestone"].pk])
    assert client.post(url).status_code == 403
    assert Milestone.objects.get(pk=town["milestone"].pk).completed_on is None


def test_the_buttons_lead_to_the_confirmation_step(client, town):
    """The report page's approve and return buttons and the project page's 标记完成 post
    without ``confirmed``: to the confirmation page, no script involved."""
    client.force_login(town["reviewer"])
    page = client.get(reverse("projects:report", args=[town["report"].pk])).content.decode()
    assert transition_url(town["report"], "approve") in page
    assert "confirmed" not in page and "confirm(" not in page
    page = client.get(town["project"].get_absolute_url()).content.decode()
    assert reverse("projects:milestone_complete", args=[town["milestone"].pk]) in page
    assert "confirm(" not in page
