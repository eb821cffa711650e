"""Which email setting governs each kind of alert: every kind is answered by one of the
user's choices, and the funds warnings follow the overdue-notices choice."""

import pytest

from projects.models import NotificationSettings, Reminder

Kind = Reminder.Kind


@pytest.mark.parametrize("kind", [Kind.FUNDS_IDLE, Kind.FUNDS_BEHIND_PROGRESS])
def test_funds_warnings_follow_the_overdue_choice_not_the_digest(kind):
    wanted = NotificationSettings(email_overdue=True, digest=NotificationSettings.Digest.NEVER)
    declined = NotificationSettings(email_overdue=False, digest=NotificationSettings.Digest.WEEKLY)
    assert wanted.wants_email(kind) is True
    assert declined.wants_email(kind) is False


def test_only_the_digest_follows_the_digest_choice():
    """A kind that no branch names falls to the digest's choice: only the digest may."""
    declined = {
        "email_deadlines": False,
        "email_overdue": False,
        "email_reports": False,
        "email_reviews": False,
        "email_supervision": False,
    }
    weekly = NotificationSettings(**declined, digest=NotificationSettings.Digest.WEEKLY)
    never = NotificationSettings(**declined, digest=NotificationSettings.Digest.NEVER)
    follows_the_digest = {
        kind for kind in Kind if weekly.wants_email(kind) != never.wants_email(kind)
    }
    assert follows_the_digest == {Kind.DIGEST}
