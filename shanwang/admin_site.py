from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin


class AdminSite(admin.AdminSite):
    """The Django admin, open to administrators and reviewers by role."""

    site_header = _("Shanwang Town project portfolio administration")
    site_title = _("Shanwang Town Projects")
    index_title = _("Records")

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_staff or user.has_perm("shanwang.use_admin"))


class ShanwangAdminConfig(AdminConfig):
    default_site = "shanwang.admin_site.AdminSite"


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history ("revert") form saves only for users who may
    change the object: the library itself checks just the view permission."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied(_("You may not change this record."))
        return super().history_form_view(request, object_id, version_id, extra_context)
