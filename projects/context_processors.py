from .alerts import notifications
from .seeding import demo
from .supervision.urls import urlpatterns as supervision_urlpatterns

#: The url names of 督办's pages (the navigation bar marks its entry on them).
SUPERVISION_URL_NAMES = frozenset(pattern.name for pattern in supervision_urlpatterns)


def unread_notifications(request):
    """The bell's unread count, for every page of a logged-in user: one query per
    request, however many templates the request renders (a page rendered again with a
    form's errors, an e-mail)."""
    if not request.user.is_authenticated:
        return {}
    if not hasattr(request, "unread_notifications"):
        request.unread_notifications = notifications.unread_count(request.user)
    return {"unread_notifications": request.unread_notifications}


def demo_data(request):
    """Whether demo records exist, for the marker on every page that shows a figure: one
    query per request, however many templates the request renders. Pages without a
    log-in (the log-in page, the lockout page) show no figure, and ask nothing."""
    if not request.user.is_authenticated:
        return {"demo_data_present": False}
    if not hasattr(request, "demo_data_present"):
        request.demo_data_present = demo.present()
    return {"demo_data_present": request.demo_data_present}


def supervision_pages(request):
    """The names of 督办's pages, for the navigation bar's 督办 entry."""
    return {"supervision_url_names": SUPERVISION_URL_NAMES}
