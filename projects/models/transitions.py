"""The recorded steps of the two workflows: stage changes and report reviews."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanwang.models import BoundedTextField

from .portfolio import Project
from .reports import ProgressReport


class Transition(models.Model):
    """A recorded step of a workflow: who took it, when, and why. Subclasses add what
    moved and the two states."""

    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = BoundedTextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]


class StageTransition(Transition):
    """A recorded change of a project's stage: who, when, from what to what, and why.

    An administrator's correction outside the workflow is a transition too; its comment
    begins with OVERRIDE_MARK (no column of its own, so that the table stays as it is).
    """

    #: The start of the comment of an administrator's correction of the stage.
    OVERRIDE_MARK = "【管理员更正】"

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="stage_transitions",
        verbose_name=_("project"),
    )
    from_stage = models.CharField(_("from stage"), max_length=30, choices=Project.Stage.choices)
    to_stage = models.CharField(_("to stage"), max_length=30, choices=Project.Stage.choices)

    class Meta(Transition.Meta):
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self):
        return f"{self.project}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"

    @property
    def is_override(self) -> bool:
        """Return whether an administrator set the stage outside the workflow."""
        return self.comment.startswith(self.OVERRIDE_MARK)


class ReportTransition(Transition):
    """A recorded step of a monthly report's review: submitted, approved or returned."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("progress report"),
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=ProgressReport.Status.choices
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=ProgressReport.Status.choices
    )

    class Meta(Transition.Meta):
        verbose_name = _("report review step")
        verbose_name_plural = _("report review steps")

    def __str__(self):
        return f"{self.report}: {self.get_from_status_display()} → {self.get_to_status_display()}"
