from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShanwangConfig(AppConfig):
    # INSTALLED_APPS names "shanwang": with two configs in this module, Django takes
    # the one marked default (without it, a plain AppConfig whose ready() does nothing).
    default = True
    name = "shanwang"
    verbose_name = _("Shanwang portfolio")

    def ready(self):
        # audit and sessions connect log-in signal receivers; checks registers the
        # system checks.
        from . import audit, checks, sessions  # noqa: F401


class AxesConfig(AxesAppConfig):
    """django-axes under a Chinese name in the admin: its own is "Axes", untranslated."""

    verbose_name = _("Log-in protection")
