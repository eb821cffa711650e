"""What every logged-in page pays besides its own figures: the bell's unread count once per
request however many templates it renders, the demo marker without reading the marked
tables on every page, and the project table's rows written without a template per cell,
escaped as before."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import (
    Milestone,
    Notification,
    Project,
    Reminder,
    ResponsibleUnit,
    SchedulingMeeting,
)
from projects.seeding import demo
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _unread_counts(captured) -> list[str]:
    return [
        query["sql"]
        for query in captured
        if "projects_notification" in query["sql"] and "COUNT" in query["sql"]
    ]


def test_the_unread_count_is_asked_once_per_request_however_many_templates(user):
    """Two templates rendered for one request (a page and, say, the e-mail it sends) ask
    for the bell's count once, and both show it."""
    for index in range(3):
        Notification.objects.create(
            user=user, kind=Reminder.Kind.DIGEST, key=f"k{index}", title=f"通知{index}"
        )
    request = RequestFactory().get("/")
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        first = render_to_string("partials/navbar.html", request=request)
        second = render_to_string("partials/navbar.html", request=request)
    assert len(_unread_counts(queries.captured_queries)) == 1
    for html in (first, second):
        assert 'data-testid="unread-count">3</span>' in html


def test_a_page_asks_for_the_unread_count_once(user_client, user):
    """The dashboard, made of a dozen partial templates, counts the unread notices once."""
    Notification.objects.create(user=user, kind=Reminder.Kind.DIGEST, key="k", title="通知")
    with CaptureQueriesContext(connection) as queries:
        response = user_client.get(reverse("projects:dashboard"))
    assert response.status_code == 200
    assert len(_unread_counts(queries.captured_queries)) == 1


def test_the_marker_goes_as_soon_as_the_demo_records_do(settings, tmp_path):
    """present() is one query whatever it finds. A yes is never kept: however the demo
    records go (remove() keeps no flag; an administrator changing or deleting them by
    hand neither), the next answer is no; a demo record added after a no is found."""
    settings.MEDIA_ROOT = tmp_path
    call_command("load_report_data", stdout=io.StringIO())
    call_command("seed_demo", force=True, stdout=io.StringIO())
    # By hand, the accounts, the unit and the meeting no longer say demo …
    for account in demo.demo_users():
        account.username = f"former-{account.username}"
        account.save(update_fields=["username"])
    ResponsibleUnit.objects.filter(name=demo.DEMO_UNIT).update(name="镇项目办")
    SchedulingMeeting.objects.filter(title=demo.DEMO_MEETING).update(title="调度会")
    answers = []
    with CaptureQueriesContext(connection) as queries:
        answers.append(demo.present())  # … the records still do
        demo.remove()
        removed = len(queries)
        answers += [demo.present(), demo.present()]
    assert answers == [True, False, False]
    assert len(queries) - removed == 2
    Milestone.objects.create(
        project=Project.objects.order_by("pk").first(),
        title="【演示】新节点",
        due_date=datetime.date(2026, 12, 31),
        is_demo=True,
    )
    assert demo.present() is True
    Milestone.objects.filter(is_demo=True).delete()
    assert demo.present() is False


def test_a_project_named_like_a_script_stays_text_in_the_table(user_client):
    """The table's rows, written in Python, escape user text as the template did."""
    ProjectFactory(name="<script>alert(1)</script>")
    response = user_client.get(reverse("projects:list"))
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
