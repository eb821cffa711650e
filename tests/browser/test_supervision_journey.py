"""督办, the whole loop in Chromium, across units and roles:

a staff member's monthly report (on a phone) names two problems; the reviewer puts the
first on the ledger with one tap and assigns it, as a 重点 item, to another unit with a
deadline; that unit's staff member is told, and replies (on a phone) with the
rectification measures; the deadline passes (a ``send_reminders --date`` run, twice) and
the escalation reaches the project's supervising leader exactly once, while the project
turns yellow with the problem as its reason; the unit resolves it; its own staff member
cannot strike it off; the reviewer verifies and strikes it off after a confirmation step,
and the project is green again."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from projects import selectors
from projects.alerts.workdays import WorkingDays
from projects.models import (
    Notification,
    Problem,
    ProgressReport,
    Reminder,
    ReminderPolicy,
    ResponsibleUnit,
)
from projects.rules import Role
from shanwang.celery import app as celery_app
from tests.browser.conftest import browser_page, log_in, person, screenshot
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROBLEM_PAGE = re.compile(r"/problems/\d+/$")
REPORT_PAGE = re.compile(r"/reports/\d+/$")


@pytest.fixture
def town(django_user_model, settings, monkeypatch):
    """Two units with a staff member each, a reviewer, the project's supervising leader,
    and a project of the first unit on pace (green) by its planned duration."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Notices and alerts are delivered by the worker's task; here in the server's thread.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)

    def member(username, family, given, role):
        return person(
            django_user_model,
            username,
            role,
            family=family,
            given=given,
            email=f"{username}@shanwang.example",
        )

    reporter = member("zhang.wei", "张", "伟", Role.STAFF)
    fixer = member("wang.fang", "王", "芳", Role.STAFF)
    member("chen.jing", "陈", "静", Role.REVIEWER)
    leader = member("zhao.lei", "赵", "磊", Role.LEADER)
    village = ResponsibleUnit.objects.create(
        name="张楼村村民委员会（测试）", kind="village_committee"
    )
    village.members.add(reporter)
    office = ResponsibleUnit.objects.create(name="镇自然资源所（测试）", kind="department")
    office.members.add(fixer)
    today = selectors.today()
    project = ProjectFactory(
        name="张楼村标准化厂房",
        responsible_unit=village,
        contact_person=reporter,
        supervising_leader=leader,
        planned_start=today - datetime.timedelta(days=200),
        planned_completion=today + datetime.timedelta(days=200),
        total_investment=Decimal("1000.00"),
    )
    ProgressReport.objects.create(
        project=project,
        month=(today - datetime.timedelta(days=40)).replace(day=1),
        physical_progress=Decimal("80.00"),
        investment_completed=Decimal("900.00"),
        status=ProgressReport.Status.APPROVED,
    )
    return {"project": project, "office": office, "fixer": fixer, "leader": leader}


def light_line(page, live_server, project):
    page.goto(live_server.url + project.get_absolute_url())
    return page.locator("span.light").locator("xpath=..").inner_text()


def test_a_problem_from_a_report_is_assigned_escalated_resolved_and_struck_off(
    browser, live_server, town, monkeypatch
):
    project, office, leader = town["project"], town["office"], town["leader"]
    today = selectors.today()

    # The reporter's monthly report names two problems, one per line.
    clerk_context, clerk, clerk_errors = browser_page(browser)
    log_in(clerk, live_server, "zhang.wei")
    clerk.goto(live_server.url + reverse("projects:report_add", args=[project.pk]))
    clerk.get_by_label("形象进度（%）").fill("82")
    clerk.get_by_label("本月完成投资（万元）").fill("20")
    clerk.get_by_label("进展情况").fill("主体结构施工")
    clerk.get_by_label("存在问题").fill("北侧3亩用地尚未交付，影响围墙施工\n电力增容手续未批复")
    clerk.locator('button[name="submit"]').click()
    clerk.wait_for_url(REPORT_PAGE)
    report = ProgressReport.objects.get(project=project, status=ProgressReport.Status.SUBMITTED)

    # The reviewer puts the first line on the ledger with one tap and assigns it.
    desk_context, desk, desk_errors = browser_page(browser, {"width": 1440, "height": 900})
    log_in(desk, live_server, "chen.jing")
    assert "绿灯" in light_line(desk, live_server, project)
    desk.goto(live_server.url + reverse("projects:report", args=[report.pk]))
    lines = desk.get_by_test_id("report-problem-lines")
    lines.get_by_test_id("problem-line-1").get_by_role("button").click()
    desk.wait_for_url(PROBLEM_PAGE)
    problem = Problem.objects.get(source_report=report)
    assert problem.status == Problem.Status.PENDING
    assert problem.description == "北侧3亩用地尚未交付，影响围墙施工"
    # A second tap on the same line finds the same item.
    desk.goto(live_server.url + reverse("projects:report", args=[report.pk]))
    assert desk.get_by_test_id("problem-line-1").get_by_role("link").count() == 1
    desk.goto(live_server.url + problem.get_absolute_url())
    deadline = WorkingDays(today, today + datetime.timedelta(days=30)).next_working_day(
        today + datetime.timedelta(days=2)
    )
    assign = desk.get_by_test_id("step-assign")
    assign.locator("#id_assign_responsible_unit").select_option(label=office.name)
    assign.locator("#id_assign_responsible_person").select_option(label="王芳")
    assign.locator("#id_assign_deadline").fill(deadline.isoformat())
    assign.locator("#id_assign_level").select_option(value="key")
    assign.locator("#id_assign_kind").select_option(value="land")
    assign.locator("#id_assign_comment").fill("请镇自然资源所协调交地")
    screenshot(desk, "supervision-journey-assign-desktop")
    assign.locator("button[type=submit]").click()
    desk.wait_for_url(PROBLEM_PAGE)
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ASSIGNED
    assert (problem.responsible_unit, problem.deadline, problem.level) == (
        office,
        deadline,
        Problem.Level.KEY,
    )

    # The other unit's staff member is told, and replies with the rectification measures.
    fixer = town["fixer"]
    assert Notification.objects.filter(user=fixer, kind="problem_assigned").count() == 1
    assert any(fixer.email in message.to for message in mail.outbox)
    fix_context, fix, fix_errors = browser_page(browser)
    log_in(fix, live_server, "wang.fang")
    assert fix.get_by_test_id("unread-count").is_visible()
    fix.goto(live_server.url + problem.get_absolute_url())
    start = fix.get_by_test_id("step-start")
    start.locator("#id_start_rectification_plan").fill("12月底前完成北侧地块清表并交付施工单位")
    screenshot(fix, "supervision-journey-reply-phone")
    start.locator("button[type=submit]").click()
    fix.wait_for_url(PROBLEM_PAGE)
    problem.refresh_from_db()
    assert problem.status == Problem.Status.IN_PROGRESS
    assert "清表" in fix.get_by_test_id("problem-plan").inner_text()

    # The deadline passes: the reminders of a later working day, run twice.
    policy = ReminderPolicy.current()
    calendar = WorkingDays(deadline, deadline + datetime.timedelta(days=60))
    later = deadline
    while calendar.working_days_after(deadline, later) < policy.problem_escalate_after_working_days:
        later = calendar.next_working_day(later + datetime.timedelta(days=1))
    call_command("send_reminders", date=later.isoformat())
    call_command("send_reminders", date=later.isoformat())
    escalations = Reminder.objects.filter(
        problem=problem, kind=Reminder.Kind.ESCALATION, recipient=leader
    )
    assert escalations.filter(channel=Reminder.Channel.EMAIL, status="sent").count() == 1
    assert Notification.objects.filter(user=leader, kind="escalation").count() == 1
    leader_mail = [message for message in mail.outbox if leader.email in message.to]
    assert len(leader_mail) == 1
    assert "北侧3亩用地尚未交付" in leader_mail[0].body

    # On that day the project is yellow, and says why in one line.
    monkeypatch.setattr(selectors, "today", lambda: later)
    line = light_line(desk, live_server, project)
    assert "黄灯" in line and "北侧3亩用地尚未交付" in line, line
    screenshot(desk, "supervision-journey-yellow-desktop")

    # The unit resolves it; its own staff member is offered no strike-off.
    fix.goto(live_server.url + problem.get_absolute_url())
    resolve = fix.get_by_test_id("step-resolve")
    resolve.locator("#id_resolve_comment").fill("北侧地块已于今日交付")
    resolve.locator("button[type=submit]").click()
    fix.wait_for_url(PROBLEM_PAGE)
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RESOLVED and problem.resolved_by == fixer
    assert fix.get_by_test_id("step-strike_off").count() == 0
    assert "绿灯" in light_line(desk, live_server, project)

    # The reviewer, a second person, verifies and strikes it off after confirming.
    desk.goto(live_server.url + problem.get_absolute_url())
    desk.get_by_test_id("step-strike_off").locator("button[type=submit]").click()
    confirm = desk.get_by_test_id("confirm-step")
    confirm.wait_for()
    assert Problem.objects.get(pk=problem.pk).status == Problem.Status.RESOLVED
    confirm.locator("button[name=confirmed]").click()
    desk.wait_for_url(PROBLEM_PAGE)
    problem.refresh_from_db()
    assert problem.status == Problem.Status.STRUCK_OFF
    assert problem.struck_off_by.username == "chen.jing"
    steps = list(problem.transitions.order_by("at", "pk").values_list("to_status", flat=True))
    assert steps == ["pending", "assigned", "in_progress", "resolved", "struck_off"]
    assert "绿灯" in light_line(desk, live_server, project)
    screenshot(desk, "supervision-journey-struck-off-desktop")

    assert clerk_errors == [] and desk_errors == [] and fix_errors == []
    for context in (clerk_context, desk_context, fix_context):
        context.close()
