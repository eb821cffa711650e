from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShanwangConfig(AppConfig):
    name = "shanwang"
    verbose_name = _("Shanwang portfolio")

    def ready(self):
        from . import audit, sessions  # noqa: F401  (they connect log-in signal receivers)


class AxesConfig(AxesAppConfig):
    """django-axes under a Chinese name in the admin: its own is "Axes", untranslated."""

    verbose_name = _("Log-in protection")
