from .alerts import notifications


def unread_notifications(request):
    """The bell's unread count, for every page of a logged-in user (one query)."""
    if not request.user.is_authenticated:
        return {}
    return {"unread_notifications": notifications.unread_count(request.user)}
