"""The bell, the alert settings and the personal calendar feed: each user's own only."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from projects.choices import OrderStatus, ProblemStatus
from projects.models import Notification, NotificationSettings
from tests.factories import (
    MilestoneFactory,
    ProblemFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    SupervisionOrderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def notice(user, title="提醒"):
    return Notification.objects.create(user=user, kind="due", key=title, title=title, url="/")


def test_personal_pages_need_a_log_in(client):
    for name in ("notifications", "notification_settings"):
        response = client.get(reverse(f"projects:{name}"))
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(reverse("projects:notifications_read")).status_code == 302


def test_the_bell_counts_unread_and_lists_only_ones_own(user_client, user):
    notice(user, "我的提醒")
    notice(UserFactory(), "别人的提醒")
    page = user_client.get(reverse("projects:dashboard")).content.decode()
    assert 'data-testid="unread-count">1<' in page
    listing = user_client.get(reverse("projects:notifications")).content.decode()
    assert "我的提醒" in listing and "别人的提醒" not in listing


def test_mark_read_touches_only_ones_own(user_client, user):
    mine, theirs = notice(user), notice(UserFactory())
    user_client.post(reverse("projects:notifications_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    user_client.post(reverse("projects:notifications_read"), {"notification": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None
    notice(user, "另一条")
    user_client.post(reverse("projects:notifications_read"))
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_alert_settings_are_saved(user_client, user):
    response = user_client.post(
        reverse("projects:notification_settings"),
        {"email_deadlines": "on", "email_reports": "on", "digest": "never"},
    )
    assert response.status_code == 302
    preferences = NotificationSettings.objects.get(user=user)
    assert (preferences.email_deadlines, preferences.email_overdue, preferences.digest) == (
        True,
        False,
        "never",
    )


def test_calendar_feed_by_secret_key_and_revocable(client, user_client, user):
    project = ProjectFactory(name="测试道路", contact_person=user)
    MilestoneFactory(project=project, title="竣工验收", due_date=datetime.date(2026, 12, 1))
    MilestoneFactory(title="别人的节点", due_date=datetime.date(2026, 12, 2))
    user_client.post(reverse("projects:notification_settings"), {"renew_calendar": "1"})
    token = NotificationSettings.objects.get(user=user).calendar_token
    assert token and len(token) >= 40
    feed = client.get(reverse("projects:calendar_feed", args=[token]))  # no log-in needed
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert "【节点】测试道路：竣工验收" in summaries
    assert not any("别人的节点" in summary for summary in summaries)
    assert any(summary.startswith("【月报】测试道路") for summary in summaries)
    user_client.post(reverse("projects:notification_settings"), {"revoke_calendar": "1"})
    assert client.get(reverse("projects:calendar_feed", args=[token])).status_code == 404
    assert client.get(reverse("projects:calendar_feed", args=["guess"])).status_code == 404


def test_a_deactivated_users_feed_stops(client, user):
    NotificationSettings.objects.create(user=user, calendar_token="k" * 43)
    user.is_active = False
    user.save()
    assert client.get(reverse("projects:calendar_feed", args=["k" * 43])).status_code == 404


def test_the_dashboard_warns_when_next_years_holidays_are_unknown(user_client):
    """2027 is past chinese-calendar's knowledge: until admins add its holidays, the
    dashboard says that alerts count Monday to Friday."""
    from projects.models import CalendarDay
    from projects.selectors import today

    content = user_client.get(reverse("projects:dashboard")).content.decode()
    unknown = today().year + 1 > 2026
    assert ('data-testid="holiday-warning"' in content) == unknown
    CalendarDay.objects.create(
        date=datetime.date(today().year + 1, 1, 1), is_working_day=False, name="元旦"
    )
    if today().year <= 2026:
        assert (
            'data-testid="holiday-warning"'
            not in user_client.get(reverse("projects:dashboard")).content.decode()
        )


def test_the_calendar_feed_holds_the_users_problem_and_reply_deadlines(client, user):
    """督办 deadlines in the feed: the unresolved problems and the orders awaiting a reply
    of the user's unit or in the user's name; not those resolved, replied, or another's."""
    unit = ResponsibleUnitFactory()
    unit.members.add(user)
    mine = ProblemFactory(
        description="征地未完成",
        responsible_unit=unit,
        deadline=datetime.date(2026, 12, 10),
        status=ProblemStatus.IN_PROGRESS,
    )
    ProblemFactory(
        description="已办结的问题",
        responsible_unit=unit,
        deadline=datetime.date(2026, 12, 11),
        status=ProblemStatus.RESOLVED,
    )
    ProblemFactory(description="别人的问题", deadline=datetime.date(2026, 12, 12))
    SupervisionOrderFactory(content="请报送整改方案", responsible_unit=unit)
    SupervisionOrderFactory(
        content="已回复的督办", responsible_unit=unit, status=OrderStatus.REPLIED
    )
    NotificationSettings.objects.create(user=user, calendar_token="c" * 43)
    feed = client.get(reverse("projects:calendar_feed", args=["c" * 43]))
    events = {
        str(event["summary"]): event
        for event in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    }
    [problem] = [summary for summary in events if summary.startswith("【督办】")]
    assert problem == f"【督办】{mine.project.name}：征地未完成"
    assert events[problem].decoded("dtstart") == datetime.date(2026, 12, 10)
    [order] = [summary for summary in events if summary.startswith("【督办单回复】")]
    assert order.endswith("：请报送整改方案")
