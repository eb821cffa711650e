"""The scheduling meeting's pages (调度会): every role reads the meetings and the pack; only
reviewers, leaders and administrators record a meeting or a decision; a decision becomes
an assigned problem or an issued order in one step; bad input comes back with status 400
and the message at its field, nothing saved; the pages' query counts do not grow with
the data."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Problem, SchedulingMeeting, SupervisionOrder
from projects.supervision import services
from tests.factories import (
    MilestoneFactory,
    ProblemFactory,
    ProjectFactory,
    SchedulingMeetingFactory,
    SupervisionOrderFactory,
)

from .cast import IN_A_WEEK, cast_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MEETINGS = reverse("projects:meetings")
NEW_MEETING = reverse("projects:meeting_add")
PACK = reverse("projects:meeting_pack")


def signed_in(user) -> Client:
    """A client of ``user`` that reads the pages in English (the msgids)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def decision(**fields) -> dict:
    return {"kind": "problem", "text": "征地协调会后十日内交地", "level": "key", **fields}


@pytest.fixture
def meeting(cast):
    return services.meeting_save(
        acting_user=cast.reviewer,
        held_on=TODAY,
        title="六月项目调度会",
        chair=cast.leader,
        attendees=[cast.leader, cast.staff_a],
        other_attendees="县发改委 张三",
        notes="会议纪要",
        next_meeting_on=TODAY + datetime.timedelta(days=30),
    )


class TestWhoMay:
    def test_every_role_reads_the_meetings_and_the_pack(self, cast, meeting):
        for user in (cast.staff_a, cast.reviewer, cast.leader, cast.administrator):
            client = signed_in(user)
            for url in (MEETINGS, meeting.get_absolute_url(), PACK):
                assert client.get(url).status_code == 200, (user, url)
        for url in (MEETINGS, meeting.get_absolute_url(), PACK):
            assert signed_in(cast.outsider).get(url).status_code == 403
            response = Client().get(url)
            assert response.status_code == 302 and "/login/" in response["Location"]

    def test_only_those_who_supervise_record_meetings_and_decisions(self, cast, meeting):
        edit = reverse("projects:meeting_edit", args=[meeting.pk])
        decide = reverse("projects:meeting_decision", args=[meeting.pk])
        staff = signed_in(cast.staff_a)
        assert staff.get(NEW_MEETING).status_code == 403
        assert staff.post(NEW_MEETING, {"held_on": TODAY, "title": "x"}).status_code == 403
        assert staff.get(edit).status_code == 403
        assert staff.post(decide, decision(project=cast.project.pk)).status_code == 403
        page = staff.get(meeting.get_absolute_url()).content.decode()
        assert 'data-testid="decision-form"' not in page
        assert 'data-testid="meeting-edit"' not in page
        assert SchedulingMeeting.objects.count() == 1 and not Problem.objects.exists()
        for user in (cast.reviewer, cast.leader, cast.administrator, cast.superuser):
            client = signed_in(user)
            assert client.get(NEW_MEETING).status_code == 200
            assert client.get(edit).status_code == 200
            page = client.get(meeting.get_absolute_url()).content.decode()
            assert 'data-testid="decision-form"' in page

    def test_a_staff_member_sees_the_decisions_of_their_units(self, cast, meeting):
        mine = ProblemFactory(project=cast.project, meeting=meeting, description="甲单位事项")
        theirs = ProblemFactory(
            project=ProjectFactory(), meeting=meeting, responsible_unit=cast.unit_b
        )
        response = signed_in(cast.staff_a).get(meeting.get_absolute_url())
        assert [p.pk for p in response.context["decisions"]["problems"]] == [mine.pk]
        response = signed_in(cast.leader).get(meeting.get_absolute_url())
        assert [p.pk for p in response.context["decisions"]["problems"]] == [mine.pk, theirs.pk]


class TestMeetingRecord:
    def test_a_meeting_is_recorded_with_its_people(self, cast):
        client = signed_in(cast.reviewer)
        response = client.post(
            NEW_MEETING,
            {
                "held_on": TODAY.isoformat(),
                "title": "七月项目调度会",
                "chair": cast.leader.pk,
                "attendees": [cast.leader.pk, cast.staff_b.pk],
                "other_attendees": "县住建局",
                "notes": "议定三项",
                "next_meeting_on": (TODAY + datetime.timedelta(days=28)).isoformat(),
            },
        )
        meeting = SchedulingMeeting.objects.get()
        assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
        assert (meeting.title, meeting.chair, meeting.recorded_by) == (
            "七月项目调度会",
            cast.leader,
            cast.reviewer,
        )
        assert set(meeting.attendees.all()) == {cast.leader, cast.staff_b}
        page = client.get(meeting.get_absolute_url()).content.decode()
        assert "县住建局" in page and "议定三项" in page

    def test_a_meeting_is_edited(self, cast, meeting):
        client = signed_in(cast.leader)
        edit = reverse("projects:meeting_edit", args=[meeting.pk])
        form = client.get(edit).context["form"]
        assert form.initial["title"] == "六月项目调度会"
        assert set(form.initial["attendees"]) == {cast.leader.pk, cast.staff_a.pk}
        response = client.post(
            edit,
            {"held_on": meeting.held_on.isoformat(), "title": "六月调度会（改）", "chair": ""},
        )
        assert response.status_code == 302
        meeting.refresh_from_db()
        assert (meeting.title, meeting.chair, meeting.next_meeting_on) == (
            "六月调度会（改）",
            None,
            None,
        )
        assert not meeting.attendees.exists()

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"title": ""}, "title", "This field is required."),
            ({"held_on": "2024-13-01"}, "held_on", "Enter a valid date."),
            (
                {"next_meeting_on": TODAY.isoformat()},
                "next_meeting_on",
                "The next meeting comes after this one.",
            ),
        ],
    )
    def test_bad_input_comes_back_at_its_field(self, cast, fields, field, message):
        values = {"held_on": TODAY.isoformat(), "title": "调度会", **fields}
        response = signed_in(cast.reviewer).post(NEW_MEETING, values)
        assert response.status_code == 400
        assert response.context["form"].errors[field] == [message]
        page = response.content.decode()
        assert f'id="id_{field}_error"' in page and message in page
        assert not SchedulingMeeting.objects.exists()


class TestDecisions:
    def test_a_decision_becomes_an_assigned_problem_in_one_step(self, cast, meeting):
        response = signed_in(cast.leader).post(
            reverse("projects:meeting_decision", args=[meeting.pk]),
            decision(
                project=cast.project.pk,
                responsible_unit=cast.unit_b.pk,
                responsible_person=cast.staff_b.pk,
                deadline=IN_A_WEEK.isoformat(),
            ),
        )
        assert response.status_code == 302
        assert response["Location"] == f"{meeting.get_absolute_url()}#decisions"
        problem = Problem.objects.get()
        assert (problem.meeting, problem.status, problem.level, problem.deadline) == (
            meeting,
            Problem.Status.ASSIGNED,
            Problem.Level.KEY,
            IN_A_WEEK,
        )
        assert (problem.responsible_unit, problem.responsible_person) == (
            cast.unit_b,
            cast.staff_b,
        )
        page = signed_in(cast.leader).get(meeting.get_absolute_url()).content.decode()
        assert f'data-problem="{problem.pk}"' in page

    def test_a_decision_becomes_an_issued_order_in_one_step(self, cast, meeting):
        response = signed_in(cast.reviewer).post(
            reverse("projects:meeting_decision", args=[meeting.pk]),
            decision(
                kind="order",
                text="三个工作日内报送整改措施",
                level="listed",
                project=cast.project.pk,
                responsible_unit=cast.unit_a.pk,
                deadline=IN_A_WEEK.isoformat(),
            ),
        )
        assert response.status_code == 302
        order = SupervisionOrder.objects.get()
        assert (order.meeting, order.status, order.reply_deadline, order.issued_by) == (
            meeting,
            SupervisionOrder.Status.ISSUED,
            IN_A_WEEK,
            cast.reviewer,
        )
        assert order.content == "三个工作日内报送整改措施"
        assert not Problem.objects.exists()

    def test_the_project_is_typed_by_name_or_prefilled_not_listed(self, cast, meeting):
        decide = reverse("projects:meeting_decision", args=[meeting.pk])
        values = decision(responsible_unit=cast.unit_b.pk, deadline=IN_A_WEEK.isoformat())
        client = signed_in(cast.reviewer)
        refused = client.post(decide, {**values, "project": "没有这个项目"})
        assert refused.status_code == 400 and list(refused.context["decision_form"].errors) == [
            "project"
        ]
        assert client.post(decide, {**values, "project": cast.project.name}).status_code == 302
        assert Problem.objects.get().project == cast.project
        # From the pack: ?project=<id> fills in the name; no list of every project, and
        # the people to choose are those with a role.
        page = client.get(meeting.get_absolute_url(), {"project": cast.project.pk})
        html = page.content.decode()
        assert f'name="project" value="{cast.project.name}"' in html
        assert '<select name="project"' not in html
        people = page.context["decision_form"].fields["responsible_person"].queryset
        assert cast.staff_b in people and cast.outsider not in people

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"deadline": ""}, "deadline"),
            ({"responsible_unit": ""}, "responsible_unit"),
            ({"text": ""}, "text"),
            ({"kind": "memo"}, "kind"),
            # Refused by the service: a deadline already past.
            ({"deadline": (TODAY - datetime.timedelta(days=1)).isoformat()}, "deadline"),
            (
                {"kind": "order", "deadline": (TODAY - datetime.timedelta(days=1)).isoformat()},
                "deadline",
            ),
        ],
    )
    def test_bad_input_comes_back_at_its_field_and_saves_nothing(
        self, cast, meeting, fields, field
    ):
        values = decision(
            **{
                "project": cast.project.pk,
                "responsible_unit": cast.unit_b.pk,
                "deadline": IN_A_WEEK.isoformat(),
                **fields,
            }
        )
        response = signed_in(cast.reviewer).post(
            reverse("projects:meeting_decision", args=[meeting.pk]), values
        )
        assert response.status_code == 400
        form = response.context["decision_form"]
        assert list(form.errors) == [field]
        page = response.content.decode()
        assert f'id="id_decision_{field}' in page
        for message in form.errors[field]:
            assert message in page
        assert not Problem.objects.exists() and not SupervisionOrder.objects.exists()


class TestPackPage:
    def test_the_meetings_pack_link_passes_its_day_and_meeting(self, cast, meeting):
        page = signed_in(cast.leader).get(meeting.get_absolute_url()).content.decode()
        assert f"{PACK}?date={TODAY.isoformat()}&amp;meeting={meeting.pk}" in page
        response = signed_in(cast.leader).get(PACK, {"date": TODAY, "meeting": meeting.pk})
        pack = response.context["pack"]
        assert (pack.on, pack.meeting, pack.until) == (TODAY, meeting, meeting.next_meeting_on)
        assert f"date={TODAY.isoformat()}&amp;meeting={meeting.pk}" in response.content.decode()

    def test_the_day_defaults_to_today(self, cast):
        response = signed_in(cast.staff_a).get(PACK)
        assert response.context["pack"].on == TODAY and response.context["pack"].meeting is None

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"date": "2024-02-30"}, "Enter a valid date."),
            (
                {"date": (TODAY + datetime.timedelta(days=1)).isoformat()},
                "The pack is made for today or an earlier day",
            ),
        ],
    )
    def test_a_bad_day_gets_400_with_its_reason(self, cast, query, message):
        client = signed_in(cast.reviewer)
        response = client.get(PACK, query)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert 'data-testid="date-error"' in response.content.decode()
        for name in ("projects:meeting_pack_xlsx", "projects:meeting_pack_pdf"):
            response = client.get(reverse(name), query)
            assert response.status_code == 400 and message in response.content.decode()

    def test_an_unknown_meeting_gets_400(self, cast):
        response = signed_in(cast.reviewer).get(PACK, {"meeting": 999999})
        assert response.status_code == 400


def build(cast, count: int):
    """``count`` more of everything the meeting pages and the pack show: meetings with
    decisions, open and overdue problems, orders, red projects, milestones due soon."""
    previous = SchedulingMeetingFactory(held_on=TODAY - datetime.timedelta(days=30 + count))
    for index in range(count):
        project = ProjectFactory(responsible_unit=cast.unit_a if index % 2 else cast.unit_b)
        MilestoneFactory(project=project, due_date=TODAY - datetime.timedelta(days=40))
        MilestoneFactory(project=project, due_date=TODAY + datetime.timedelta(days=3))
        ProblemFactory(
            project=project,
            meeting=previous,
            status=Problem.Status.IN_PROGRESS,
            responsible_unit=project.responsible_unit,
            responsible_person=cast.staff_a,
            deadline=TODAY - datetime.timedelta(days=2),
        )
        SupervisionOrderFactory(
            project=project,
            meeting=previous,
            responsible_unit=project.responsible_unit,
            issued_by=cast.reviewer,
        )
        SchedulingMeetingFactory(held_on=TODAY - datetime.timedelta(days=index + 1))
    return previous


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


class TestQueryCounts:
    def test_the_pages_read_as_many_queries_whatever_the_size(self, cast):
        """Each page, at 2 and at 12 of everything."""
        client = signed_in(cast.reviewer)
        previous = build(cast, 2)

        def urls():
            return [
                MEETINGS,
                previous.get_absolute_url(),
                PACK,
                reverse("projects:meeting_pack_xlsx"),
                reverse("projects:meeting_edit", args=[previous.pk]),
            ]

        small = [queries(client, url) for url in urls()]
        previous.delete()
        previous = build(cast, 12)
        assert [queries(client, url) for url in urls()] == small
