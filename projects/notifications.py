"""In-app notifications and personal alert settings: the read and write sides."""

import secrets

from django.db import transaction
from django.utils import timezone

from .models import Notification, NotificationSettings


def settings_for(user) -> NotificationSettings:
    """Return the user's alert settings, created with the defaults on first use."""
    preferences, _ = NotificationSettings.objects.get_or_create(user=user)
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
    preferences = settings_for(user)
    preferences.calendar_token = secrets.token_urlsafe(32)
    preferences.save(update_fields=["calendar_token"])
    return preferences.calendar_token


@transaction.atomic
def calendar_token_revoke(*, user) -> None:
    NotificationSettings.objects.filter(user=user).update(calendar_token=None)
