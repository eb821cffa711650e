"""Projects for the statistics registration tests: started at or above the threshold
(500万元 by default), in an active stage, not registered unless asked."""

import datetime
from decimal import Decimal

from projects.models import Project
from tests.factories import ProjectFactory

#: A total investment above the default threshold of 500万元.
ABOVE = Decimal("800.00")


def started(start: datetime.date | None, *, total_investment=ABOVE, **fields) -> Project:
    """A project under construction since ``start``, of ``total_investment``."""
    return ProjectFactory(actual_start=start, total_investment=total_investment, **fields)


def bulk_started(count: int, *, start: datetime.date, unit=None, contact=None, prefix="未入库"):
    """Create ``count`` started, unregistered projects above the threshold in one query."""
    return Project.objects.bulk_create(
        Project(
            name=f"{prefix}{start:%Y%m%d}-{index}",
            category=Project.Category.INDUSTRIAL,
            stage=Project.Stage.UNDER_CONSTRUCTION,
            actual_start=start,
            total_investment=ABOVE,
            responsible_unit=unit,
            contact_person=contact,
        )
        for index in range(count)
    )
