from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


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
