"""A personal calendar feed (RFC 5545) of a user's deadlines: milestones, monthly
reports, and the problems and supervision orders (督办) they answer for."""

import datetime

from django.conf import settings
from django.db.models import Q
from icalendar import Alarm, Calendar, Event

from ..choices import OrderStatus, ProblemStatus
from ..models import (
    Milestone,
    NotificationSettings,
    Problem,
    Project,
    ReminderPolicy,
    SupervisionOrder,
)
from ..rules import responsible_unit_ids


def feed_owner(token: str):
    """Return the user whose calendar feed the secret ``token`` opens; None when no one
    has it, or when its user may no longer read the portfolio: deactivated, or left
    without a role (the rules count a superuser as an administrator)."""
    preferences = (
        NotificationSettings.objects.select_related("user").filter(calendar_token=token).first()
    )
    if preferences is None:
        return None
    user = preferences.user
    return user if user.is_active and user.has_perm("projects.read_portfolio") else None


def feed_for(user, *, on: datetime.date) -> bytes:
    """Return the iCalendar file of the deadlines ``user`` answers for: the open
    milestones they own or whose project they answer for, and the monthly report due
    dates of their projects under construction for the coming twelve months, the
    deadlines of the unresolved problems and the reply deadlines of the orders that are
    theirs or their units'."""
    managed = Project.objects.managed_by(user)
    calendar = Calendar()
    calendar.add("prodid", "-//Shanwang Town//Project portfolio//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "山王镇项目节点")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    milestones = (
        Milestone.objects.filter(completed_on__isnull=True)
        .filter(Q(owner=user) | Q(project__in=managed.values("pk")))
        .select_related("project")
        .order_by("due_date", "pk")
    )
    for milestone in milestones:
        calendar.add_component(
            _event(
                uid=f"milestone-{milestone.pk}@shanwang",
                day=milestone.due_date,
                summary=f"【节点】{milestone.project.name}：{milestone.title}",
                url=settings.SITE_URL + milestone.project.get_absolute_url(),
            )
        )
    reminder_day = ReminderPolicy.current().report_reminder_day
    month = on.replace(day=1)
    for project in managed.filter(stage=Project.Stage.UNDER_CONSTRUCTION).order_by("pk"):
        for offset in range(12):
            year, index = divmod(month.month - 1 + offset, 12)
            day = datetime.date(month.year + year, index + 1, reminder_day)
            calendar.add_component(
                _event(
                    uid=f"report-{project.pk}-{day:%Y%m}@shanwang",
                    day=day,
                    summary=f"【月报】{project.name}：{day.year}年{day.month}月月报提交",
                    url=settings.SITE_URL + project.get_absolute_url(),
                )
            )
    theirs = Q(responsible_person=user) | Q(responsible_unit__in=responsible_unit_ids(user))
    problems = (
        Problem.objects.filter(
            theirs, status__in=ProblemStatus.unresolved(), deadline__isnull=False
        )
        .select_related("project")
        .order_by("deadline", "pk")
    )
    for problem in problems:
        calendar.add_component(
            _event(
                uid=f"problem-{problem.pk}-{problem.deadline:%Y%m%d}@shanwang",
                day=problem.deadline,
                summary=f"【督办】{problem.project.name}：{problem.description[:60]}",
                url=settings.SITE_URL + problem.get_absolute_url(),
            )
        )
    orders = (
        SupervisionOrder.objects.filter(theirs, status__in=OrderStatus.awaiting_reply())
        .select_related("project")
        .order_by("reply_deadline", "pk")
    )
    for order in orders:
        calendar.add_component(
            _event(
                uid=f"order-{order.pk}-{order.reply_deadline:%Y%m%d}@shanwang",
                day=order.reply_deadline,
                summary=f"【督办单回复】{order.project.name}：{order.content[:60]}",
                url=settings.SITE_URL + order.get_absolute_url(),
            )
        )
    return calendar.to_ical()


def _event(*, uid: str, day: datetime.date, summary: str, url: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.datetime.now(datetime.UTC))
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("url", url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", datetime.timedelta(hours=-15))  # 09:00 the day before
    event.add_component(alarm)
    return event
