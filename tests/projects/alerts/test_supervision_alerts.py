"""督办 through the alert ledger: the deadlines of problems and supervision orders on
China's working days (coming, due, overdue, the escalation to the supervising leader
once per deadline), cancelled once the item is settled; the notices of each step to the
people who answer for it, never to the one who took it; user text neutralised in every
channel; and the dashboard's overdue lists and 我的待办 at a constant query cost."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import selectors
from projects.alerts import ledger, notifications
from projects.models import (
    CalendarDay,
    Notification,
    Problem,
    ProblemTransition,
    Project,
    Reminder,
    ReminderPolicy,
    SupervisionOrder,
    SupervisionOrderTransition,
    WebhookChannel,
)
from projects.rules import Role
from projects.supervision import overdue, services
from shanwang.celery import app as celery_app
from tests.conftest import with_role
from tests.factories import (
    ProblemFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    SupervisionOrderFactory,
)

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind
D = datetime.date
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=unit-robot"
HOSTILE = '<img src=x onerror="alert(1)">\n征地[补偿](https://evil.example/x) *未到位* `rm`'

# The deadline falls on Tuesday 29 September 2026. 25 September (中秋) and 1–7 October
# (国庆) are official holidays, Saturday 10 October a working day; the admins make
# Wednesday 30 September a holiday too (CalendarDay). So the working days after the
# deadline are 8 October (1st), 9 October (2nd), 10 October (3rd), 12 October (4th).
DEADLINE = D(2026, 9, 29)


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


class Town:
    """A unit with two active members and a retired one, its robot, a reviewer, a
    leader who supervises the project, and a staff member of another unit."""

    def __init__(self, *, robot_url: str | None = ROBOT):
        self.unit = ResponsibleUnitFactory(name="镇自然资源所")
        self.clerk = self.person("clerk", Role.STAFF, last_name="王", first_name="芳")
        self.colleague = self.person("colleague", Role.STAFF)
        self.retired = self.person("retired", Role.STAFF, is_active=False)
        self.unit.members.add(self.clerk, self.colleague, self.retired)
        self.reviewer = self.person("reviewer", Role.REVIEWER, last_name="李", first_name="审")
        self.leader = self.person("leader", Role.LEADER, last_name="赵", first_name="镇")
        self.other_unit = ResponsibleUnitFactory(name="镇财政所")
        self.outsider = self.person("outsider", Role.STAFF)
        self.other_unit.members.add(self.outsider)
        self.robot = None
        if robot_url:
            self.robot = WebhookChannel.objects.create(
                responsible_unit=self.unit, kind=WebhookChannel.Kind.WECOM, url=robot_url
            )
        self.project = ProjectFactory(
            name="东山路<改造>",
            stage=Project.Stage.PRELIMINARY,  # no monthly report owed
            supervising_leader=self.leader,
        )

    @staticmethod
    def person(name, role, **fields):
        # An unusable password, not hashed (tests log in with force_login).
        fields |= {"username": name, "email": f"{name}@example.test", "password": "!"}
        return with_role(get_user_model().objects.create(**fields), role)

    def problem(self, **fields):
        fields = {
            "project": self.project,
            "status": Problem.Status.IN_PROGRESS,
            "responsible_unit": self.unit,
            "responsible_person": self.clerk,
            "deadline": DEADLINE,
            **fields,
        }
        return ProblemFactory(**fields)

    def order(self, **fields):
        fields = {
            "project": self.project,
            "responsible_unit": self.unit,
            "issued_by": self.leader,
            "issued_on": DEADLINE - datetime.timedelta(days=14),
            "reply_deadline": DEADLINE,
            **fields,
        }
        return SupervisionOrderFactory(**fields)


def user(person) -> str:
    return f"user:{person.pk}"


def owed(on, subject) -> set:
    """Scan ``on`` for the 督办 alerts; return what it owes about ``subject``."""
    ledger.scan(on=on, scans=("supervision",))
    rows = Reminder.objects.filter(owed_on=on, subject__startswith=subject)
    return set(rows.values_list("kind", "address", "days", "period"))


@pytest.fixture
def town():
    CalendarDay.objects.create(date=D(2026, 9, 30), is_working_day=False, name="临时放假")
    return Town()


def test_a_problems_deadline_on_working_days(town):
    """Seven days before, the nearest notice after a holiday, the due day, overdue on the
    1st and every 3rd working day after it: to the person and the unit's robot; the
    escalation once to the supervising leader on the 3rd working day."""
    problem = town.problem()
    subject = f"problem:{problem.pk}"
    clerk, robot = user(town.clerk), f"webhook:{town.robot.pk}"

    def both(kind, days, period):
        return {(kind, clerk, days, period), (kind, robot, days, period)}

    assert owed(D(2026, 9, 22), subject) == both(Kind.UPCOMING, 7, D(2026, 9, 22))
    # 3 days before is the holiday of 26 September: the nearest notice (1 day) goes out.
    assert owed(D(2026, 9, 28), subject) == both(Kind.UPCOMING, 1, D(2026, 9, 28))
    assert owed(DEADLINE, subject) == both(Kind.DUE, 0, DEADLINE)
    assert ledger.scan(on=D(2026, 9, 30))["working_day"] is False  # the admins' holiday
    assert owed(D(2026, 10, 8), subject) == both(Kind.OVERDUE, -9, D(2026, 10, 8))
    assert owed(D(2026, 10, 9), subject) == set()
    leader = {(Kind.ESCALATION, user(town.leader), -11, DEADLINE)}
    assert owed(D(2026, 10, 10), subject) == leader
    assert owed(D(2026, 10, 12), subject) == both(Kind.OVERDUE, -13, D(2026, 10, 12))
    assert Reminder.objects.filter(problem=problem, kind=Kind.ESCALATION).count() == 1
    notice = Notification.objects.get(user=town.leader)
    assert notice.url == problem.get_absolute_url() and "东山路<改造>" in notice.title


def test_an_order_awaiting_its_reply_tells_the_units_active_members(town):
    """No person named: every active member of the unit, not the retired one; a replied
    order is owed nothing more."""
    order = town.order()
    members = {user(town.clerk), user(town.colleague)}
    due = owed(DEADLINE, f"order:{order.pk}")
    assert {address for _, address, _, _ in due} == members | {f"webhook:{town.robot.pk}"}
    assert {kind for kind, *_ in due} == {Kind.DUE}
    SupervisionOrder.objects.filter(pk=order.pk).update(status=SupervisionOrder.Status.REPLIED)
    assert owed(D(2026, 10, 8), f"order:{order.pk}") == set()


def test_the_escalation_is_sent_once_and_again_for_a_new_deadline(town, mailbox):
    """Two runs of send_reminders on the 3rd working day: one row, one email to the
    leader. A new deadline (the problem reassigned) escalates again once it has passed."""
    problem = town.problem(responsible_person=None)
    for _ in range(2):
        call_command("send_reminders", "--date", "2026-10-10", stdout=io.StringIO())
    rows = Reminder.objects.filter(problem=problem, kind=Kind.ESCALATION)
    assert list(rows.values_list("address", "period")) == [(user(town.leader), DEADLINE)]
    assert [message.to for message in mailbox] == [[town.leader.email]]
    assert "东山路<改造>" in mailbox[0].subject and "\n" not in mailbox[0].subject
    assert f"/problems/{problem.pk}/" in mailbox[0].body
    Problem.objects.filter(pk=problem.pk).update(deadline=D(2026, 10, 12))
    ledger.scan(on=D(2026, 10, 15), scans=("supervision",))
    assert sorted(rows.values_list("period", flat=True)) == [DEADLINE, D(2026, 10, 12)]


def test_the_scan_costs_the_same_queries_for_2_and_10_items(town):
    def scan_queries(count) -> int:
        for _ in range(count):
            town.problem()
            town.order(responsible_person=town.clerk)
        Reminder.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            ledger.scan(on=DEADLINE, scans=("supervision",))
        return len(queries)

    # (Within one batch of SQLite's bulk inserts; PostgreSQL inserts any number in one.)
    assert scan_queries(2) == scan_queries(8)
    assert Reminder.objects.filter(kind=Kind.DUE).count() == 20 * 2  # person and robot


def test_resolving_and_replying_cancel_what_is_still_owed(town):
    problem, order = town.problem(), town.order(responsible_person=town.clerk)
    ledger.scan(on=DEADLINE, scans=("supervision",))
    assert Reminder.objects.filter(status=Reminder.Status.OWED).count() == 4
    services.problem_step(
        acting_user=town.clerk, problem=problem, step="resolve", comment="已完成征地补偿"
    )
    services.order_step(acting_user=town.clerk, order=order, step="reply", reply="三日内整改")
    result = ledger.scan(on=DEADLINE, scans=("supervision",))
    deadlines = Reminder.objects.filter(kind=Kind.DUE)
    assert result["cancelled"] == 4
    assert set(deadlines.values_list("status", flat=True)) == {Reminder.Status.CANCELLED}
    assert owed(D(2026, 10, 10), "") == set()  # nothing overdue, nothing to escalate


def rows_of(step) -> set:
    subject = f"{'problem' if isinstance(step, ProblemTransition) else 'order'}-step:{step.pk}"
    rows = Reminder.objects.filter(subject=subject)
    return {(row.kind, row.address) for row in rows}


def last_step(item):
    return item.transitions.order_by("pk").last()


def test_each_step_tells_the_right_people_and_never_the_actor(town):
    robot = f"webhook:{town.robot.pk}"
    deadline = timezone.localdate() + datetime.timedelta(days=10)
    problem = services.problem_raise(
        acting_user=town.reviewer,
        project=town.project,
        description="征地补偿款未到位",
        responsible_unit=town.unit,
        responsible_person=town.clerk,
        deadline=deadline,
    )
    assigned = last_step(problem)
    assert rows_of(assigned) == {
        (Kind.PROBLEM_ASSIGNED, user(town.clerk)),
        (Kind.PROBLEM_ASSIGNED, robot),
    }
    (notice,) = Notification.objects.filter(kind=Kind.PROBLEM_ASSIGNED)
    assert notice.user == town.clerk and notice.url == problem.get_absolute_url()
    assert all(part in notice.title for part in ("李审", "征地补偿款未到位", "镇自然资源所"))
    assert ledger.record_supervision_step(assigned) == 0  # once per step

    steps = {
        "start": {"rectification_plan": "协调财政所拨付"},
        "progress": {"progress": "已拨付一半"},
        "resolve": {"comment": "已全部到位"},
    }
    for name, fields in steps.items():
        services.problem_step(acting_user=town.clerk, problem=problem, step=name, **fields)
        assert rows_of(last_step(problem)) == set()  # the unit's own steps tell no one
    services.problem_step(
        acting_user=town.reviewer, problem=problem, step="return", comment="凭证不全"
    )
    returned = last_step(problem)
    assert rows_of(returned) == {
        (Kind.PROBLEM_RETURNED, user(town.clerk)),
        (Kind.PROBLEM_RETURNED, robot),
    }
    assert Notification.objects.get(kind=Kind.PROBLEM_RETURNED).body == "凭证不全"

    order = services.order_issue(
        acting_user=town.leader,
        project=town.project,
        content="限期解决征地补偿",
        responsible_unit=town.unit,
        reply_within_working_days=3,
    )
    members = {user(town.clerk), user(town.colleague)}
    issued = last_step(order)
    assert rows_of(issued) == {(Kind.ORDER_ISSUED, address) for address in members | {robot}}
    services.order_step(acting_user=town.clerk, order=order, step="reply", reply="本周内拨付")
    assert rows_of(last_step(order)) == {(Kind.ORDER_REPLIED, user(town.leader))}
    services.order_step(acting_user=town.leader, order=order, step="return", comment="要具体日期")
    assert rows_of(last_step(order)) == {
        (Kind.ORDER_RETURNED, address) for address in members | {robot}
    }
    assert SupervisionOrderTransition.objects.filter(order=order).count() == 3

    # A reviewer who belongs to the unit assigns to it: its other members are told.
    town.unit.members.add(town.reviewer)
    second = services.problem_raise(
        acting_user=town.reviewer,
        project=town.project,
        description="手续未办",
        responsible_unit=town.unit,
        deadline=deadline,
    )
    assert rows_of(last_step(second)) == {
        (Kind.PROBLEM_ASSIGNED, address) for address in members | {robot}
    }
    assert not Reminder.objects.filter(recipient=town.reviewer).exists()
    assert not Notification.objects.filter(user__in=[town.reviewer, town.outsider]).exists()


def test_a_notice_goes_after_commit_escaped_in_email_and_robot_markdown(
    robots, mailbox, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """The assignment's rows are queued once the step commits and delivered: the email's
    HTML escapes the description, its subject is one line; the robot's markdown makes
    no link, image, emphasis or code of it."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    town = Town(robot_url=robots.url("/unit"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        problem = services.problem_raise(
            acting_user=town.reviewer,
            project=town.project,
            description=HOSTILE,
            level=Problem.Level.KEY,
            responsible_unit=town.unit,
            responsible_person=town.clerk,
            deadline=timezone.localdate() + datetime.timedelta(days=5),
        )
    assert callbacks
    rows = Reminder.objects.filter(problem=problem)
    assert set(rows.values_list("status", flat=True)) == {Reminder.Status.SENT}
    (message,) = mailbox
    assert message.to == [town.clerk.email] and "\n" not in message.subject
    html = message.alternatives[0][0]
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert f'href="{settings.SITE_URL}/problems/{problem.pk}/"' in html
    assert HOSTILE in message.body
    (payload,) = robots.received["/unit"]
    text = payload["markdown"]["content"]
    assert re.findall(r"\]\(", text) == ["]("]  # the problem's link, nothing else
    assert "<img" not in text and "https://evil" not in text and "*未到位*" not in text
    assert "`" not in text and "［补偿］（https：//evil.example/x）" in text
    assert "东山路＜改造＞" in text and "镇自然资源所" in text
    assert text.rstrip().endswith(f"/problems/{problem.pk}/)")


def test_email_supervision_off_keeps_the_bell(town, client):
    notifications.settings_save(user=town.clerk, data={"email_supervision": False})
    problem = services.problem_raise(
        acting_user=town.reviewer,
        project=town.project,
        description="资金未到位",
        responsible_unit=town.unit,
        responsible_person=town.clerk,
        deadline=timezone.localdate() + datetime.timedelta(days=5),
    )
    assert not Reminder.objects.filter(problem=problem, channel=Reminder.Channel.EMAIL).exists()
    assert Notification.objects.filter(user=town.clerk, kind=Kind.PROBLEM_ASSIGNED).exists()
    client.force_login(town.clerk)
    page = client.get(reverse("projects:notification_settings")).content.decode()
    assert 'name="email_supervision"' in page


def test_the_policy_admin_shows_the_escalation_setting(admin_client):
    ReminderPolicy.objects.create()
    page = admin_client.get(reverse("admin:projects_reminderpolicy_changelist"))
    assert "column-problem_escalate_after_working_days" in page.content.decode()


# The dashboard ---------------------------------------------------------------------------


def add_overdue(town, unit, count):
    late = timezone.localdate() - datetime.timedelta(days=3)
    for _ in range(count):
        town.problem(responsible_unit=unit, responsible_person=None, deadline=late)
        town.order(responsible_unit=unit, issued_on=late, reply_deadline=late)


def test_the_dashboard_lists_the_overdue_items_each_user_sees(town, client):
    """The outsider's unit's overdue items to them, everything to the leader; the same
    queries for 2 and 12 items of each (the lists show ten)."""
    today = timezone.localdate()
    add_overdue(town, town.unit, 1)
    add_overdue(town, town.other_unit, 1)
    town.problem(deadline=today)  # due today: not overdue yet
    town.problem(deadline=today - datetime.timedelta(days=9), status=Problem.Status.RESOLVED)

    def dashboard(person):
        client.force_login(person)
        fresh = type(person).objects.get(pk=person.pk)
        with CaptureQueriesContext(connection) as queries:
            found = overdue.dashboard_overdue(user=fresh, on=today)
        page = client.get(reverse("projects:dashboard")).content.decode()
        return found, page, len(queries)

    found, page, small = dashboard(town.leader)
    assert (found["problems"]["count"], found["orders"]["count"]) == (2, 2)
    assert 'data-testid="supervision-overdue"' in page
    assert f"{reverse('projects:problems')}?overdue=on" in page
    assert found["problems"]["items"][0].get_absolute_url() in page
    found, page, _ = dashboard(town.outsider)
    assert {problem.responsible_unit for problem in found["problems"]["items"]} == {town.other_unit}
    assert found["orders"]["count"] == 1

    add_overdue(town, town.unit, 10)
    found, _, large = dashboard(town.leader)
    assert (found["problems"]["count"], len(found["problems"]["items"])) == (12, 10)
    assert large == small


def test_my_work_lists_what_waits_for_each_role(town, client):
    """The clerk: the unit's problems to act on and orders to reply to; the reviewer:
    resolved problems to verify (not those they resolved) and replies to accept; a
    leader's list shows once something waits. Constant queries from 1 to 11 items."""
    other_unit_problem = town.problem(responsible_unit=town.other_unit, responsible_person=None)

    def work_of(person):
        fresh = type(person).objects.get(pk=person.pk)
        with CaptureQueriesContext(connection) as queries:
            work = selectors.my_work(user=fresh)
        return work, len(queries)

    assert not work_of(town.leader)[0].applies
    problem = town.problem(status=Problem.Status.ASSIGNED)
    order = town.order()
    work, small = work_of(town.clerk)
    assert work.problems_to_act["items"] == [problem]
    assert work.orders_to_reply["items"] == [order]
    assert work.problems_to_verify is None and work.count == 2
    assert other_unit_problem not in work.problems_to_act["items"]
    client.force_login(town.clerk)
    page = client.get(reverse("projects:dashboard")).content.decode()
    assert 'data-testid="my-work-problems"' in page and problem.get_absolute_url() in page
    assert order.get_absolute_url() in page

    resolved = town.problem(status=Problem.Status.RESOLVED, resolved_by=town.clerk)
    town.problem(status=Problem.Status.RESOLVED, resolved_by=town.reviewer)
    replied = town.order(status=SupervisionOrder.Status.REPLIED, replied_by=town.clerk)
    work, reviewer_small = work_of(town.reviewer)
    assert work.problems_to_verify["items"] == [resolved]
    assert work.replies_to_accept["items"] == [replied]
    assert work.problems_to_act is None
    leader_work, _ = work_of(town.leader)
    assert leader_work.applies and leader_work.count == 3

    for _ in range(10):
        town.problem(status=Problem.Status.ASSIGNED)
        town.order()
        town.problem(status=Problem.Status.RESOLVED, resolved_by=town.clerk)
        town.order(status=SupervisionOrder.Status.REPLIED, replied_by=town.clerk)
    work, large = work_of(town.clerk)
    assert work.problems_to_act["count"] == 11 and len(work.problems_to_act["items"]) == 10
    assert large == small
    assert work_of(town.reviewer)[1] == reviewer_small
