"""In-app notifications and personal alert settings: the read and write sides."""

import secrets

from django.db import transaction
from django.utils import timezone

from shanwang.audit import audit_log

from ..models import Notification, NotificationSettings

#: The settings a user changes on their settings page.
SETTINGS_FIELDS = (
    "email_deadlines",
    "email_overdue",
    "email_reports",
    "email_reviews",
    "email_supervision",
    "digest",
)


def settings_for(user) -> NotificationSettings:
    """Return the user's alert settings; the defaults, unsaved, until they save their own.
    Reading them writes nothing."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


@transaction.atomic
def settings_save(*, user, data: dict) -> NotificationSettings:
    """Save the user's choice of alerts by email and of the digest."""
    preferences, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(preferences, name, data[name])
    preferences.full_clean()
    preferences.save()
    audit_log("notification_settings_change", user=user)
    return preferences


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) as read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def calendar_token_renew(*, user) -> str:
    """Give the user a new secret calendar-feed key; the old address stops working."""
    preferences, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    preferences.calendar_token = secrets.token_urlsafe(32)
    preferences.save(update_fields=["calendar_token"])
    audit_log("calendar_token_renew", user=user)
    return preferences.calendar_token


@transaction.atomic
def calendar_token_revoke(*, user) -> None:
    """Switch the user's calendar feed off."""
    NotificationSettings.objects.filter(user=user).update(calendar_token=None)
    audit_log("calendar_token_revoke", user=user)
