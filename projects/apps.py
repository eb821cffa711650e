from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Project portfolio")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import tasks
        from .alerts.ledger import reminders_owed
        from .roles import ensure_role_groups

        # After auth's own hook has made the permissions the groups are given.
        post_migrate.connect(ensure_role_groups, sender=self)
        # The domain records review notices and says so after commit; the tasks queue
        # them (the domain may not import the tasks).
        reminders_owed.connect(tasks.queue_owed_reminders, dispatch_uid="queue_review_notices")
