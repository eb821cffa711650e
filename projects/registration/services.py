"""Write side of statistics registration (入库纳统): record a project's registration with
its date, and clear it. Each takes the acting user, checks the rule (``projects.rules``,
for superusers too), runs in one transaction, validates before saving (the model's
``clean``: no date after today), records the user in the history and writes an audit
line. A refused action raises PermissionDenied, an invalid one ValidationError naming
the field; in both cases nothing is saved."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanwang.audit import audit_log

from ..models import Project
from ..writing import require, save

#: The field a registration's date is entered in (and its errors named by).
DATE_FIELD = "statistics_registered_on"


@transaction.atomic
def registration_record(project: Project, *, user, registered_on: datetime.date) -> Project:
    """Record that ``project`` was statistics-registered on ``registered_on``: marked
    registered, with the date and its year. Refused before the project's actual start
    (or without one: a project is registered once started) and after today."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(
        user,
        "projects.record_registration",
        project,
        _("You may only record the registration of projects you are responsible for."),
    )
    if registered_on is None:
        raise ValidationError(
            {DATE_FIELD: _("Please fill in the statistics registration date.")}, code="required"
        )
    if project.actual_start is None:
        raise ValidationError(
            {
                DATE_FIELD: _(
                    "The project has no actual start yet: a project is statistics-registered "
                    "once it has started. Record its start first."
                )
            },
            code="not_started",
        )
    if registered_on < project.actual_start:
        raise ValidationError(
            {
                DATE_FIELD: _(
                    "The statistics registration date %(date)s is before the project's "
                    "actual start (%(start)s)."
                )
                % {
                    "date": registered_on.isoformat(),
                    "start": project.actual_start.isoformat(),
                }
            },
            code="before_start",
        )
    project.statistics_registered = True
    project.statistics_registered_on = registered_on
    project.statistics_registered_year = registered_on.year
    save(project, acting_user=user)
    audit_log(
        "statistics_registration_recorded",
        user=user,
        project=project.pk,
        registered_on=registered_on.isoformat(),
    )
    return project


@transaction.atomic
def registration_clear(project: Project, *, user) -> Project:
    """Record that ``project`` is not statistics-registered (a registration entered by
    mistake): administrators only. The date and the year go with it."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(
        user,
        "projects.clear_registration",
        project,
        _("Only administrators may clear a statistics registration."),
    )
    project.statistics_registered = False
    project.statistics_registered_on = None
    project.statistics_registered_year = None
    save(project, acting_user=user)
    audit_log("statistics_registration_cleared", user=user, project=project.pk)
    return project
