"""The bell, the personal alert settings and the calendar feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView

from .. import selectors
from ..models import Notification
from . import notifications
from .calendar_feed import feed_for, feed_owner
from .forms import NotificationSettingsForm


class NotificationListView(LoginRequiredMixin, ListView):
    """The bell: the user's own notifications, newest first."""

    template_name = "projects/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user)


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request):
        """Mark the notification the form names (or, with none, all) as read."""
        notification_id = request.POST.get("notification", "")
        if notification_id and not (notification_id.isascii() and notification_id.isdigit()):
            raise BadRequest("The notification to mark as read is not given by its id.")
        notifications.mark_read(
            user=request.user,
            notification_id=int(notification_id) if notification_id else None,
        )
        return redirect("projects:notifications")


class NotificationSettingsView(LoginRequiredMixin, FormView):
    """Which alerts come by email, the digest, and the personal calendar feed."""

    template_name = "projects/notification_settings.html"
    form_class = NotificationSettingsForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": notifications.settings_for(self.request.user),
        }

    def form_valid(self, form):
        notifications.settings_save(user=self.request.user, data=form.cleaned_data)
        messages.success(self.request, _("Your alert settings have been saved."))
        return redirect("projects:notification_settings")

    def post(self, request, *args, **kwargs):
        if "renew_calendar" in request.POST:
            notifications.calendar_token_renew(user=request.user)
            messages.success(
                request, _("A new calendar address has been made; the old one no longer works.")
            )
            return redirect("projects:notification_settings")
        if "revoke_calendar" in request.POST:
            notifications.calendar_token_revoke(user=request.user)
            messages.success(request, _("The calendar address has been switched off."))
            return redirect("projects:notification_settings")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        token = notifications.settings_for(self.request.user).calendar_token
        feed_url = (
            self.request.build_absolute_uri(reverse("projects:calendar_feed", args=[token]))
            if token
            else None
        )
        return super().get_context_data(feed_url=feed_url, **kwargs)


@login_not_required
def calendar_feed(request, token):
    """The personal .ics feed, reached by its secret key (phones subscribe without a log-in)."""
    user = feed_owner(token)
    if user is None:
        raise Http404
    response = HttpResponse(
        feed_for(user, on=selectors.today()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="shanwang.ics"'
    return response
