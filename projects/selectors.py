"""Read-side queries of the portfolio, shared by views, tables, exports and tasks."""

import datetime

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from .models import (
    AnnualPlan,
    Funding,
    Indicator,
    IndicatorValue,
    Milestone,
    ProgressReport,
    Project,
)
from .querysets import Light


def today() -> datetime.date:
    """Return today's date in the town's time zone."""
    return timezone.localdate()


def project_list(*, on: datetime.date | None = None) -> QuerySet[Project]:
    """Return every project with its figures and traffic light as of ``on``."""
    return (
        Project.objects.with_traffic_light(on=on or today())
        .select_related("responsible_unit", "contact_person", "supervising_leader")
        .prefetch_related("villages")
    )


def project_detail(*, pk: int, on: datetime.date | None = None) -> Project:
    """Return one project with its figures and everything its page shows."""
    return (
        project_list(on=on)
        .prefetch_related(
            Prefetch("fundings", Funding.objects.select_related("source")),
            Prefetch("annual_plans", AnnualPlan.objects.order_by("year")),
            Prefetch("milestones", Milestone.objects.select_related("owner")),
            Prefetch(
                "progress_reports",
                ProgressReport.objects.select_related("submitted_by", "reviewed_by")
                .prefetch_related("photos")
                .order_by("-month"),
            ),
        )
        .get(pk=pk)
    )


def stage_counts() -> list[dict]:
    """Return the number of projects in each stage, in the stages' order."""
    counts = dict(Project.objects.order_by().values_list("stage").annotate(count=Count("pk")))
    return [
        {"stage": stage, "label": stage.label, "count": counts.get(stage.value, 0)}
        for stage in Project.Stage
    ]


def light_counts(*, on: datetime.date | None = None) -> list[dict]:
    """Return the number of projects under each traffic light as of ``on``."""
    counts = dict(
        Project.objects.with_traffic_light(on=on or today())
        .order_by()
        .values_list("light")
        .annotate(count=Count("pk"))
    )
    return [
        {"light": light, "label": light.label, "count": counts.get(light.value, 0)}
        for light in Light
    ]


def indicator_table() -> list[dict]:
    """Return each town indicator with its latest actual and latest target value."""
    rows = []
    for indicator in Indicator.objects.prefetch_related("values"):
        latest = {}
        for value in sorted(indicator.values.all(), key=lambda value: value.year):
            latest[value.value_kind] = value
        rows.append(
            {
                "indicator": indicator,
                "actual": latest.get(IndicatorValue.ValueKind.ACTUAL),
                "target": latest.get(IndicatorValue.ValueKind.TARGET),
            }
        )
    return rows


def indicator_values(code: str) -> list[IndicatorValue]:
    """Return the values of one indicator, oldest year first."""
    return list(
        IndicatorValue.objects.filter(indicator__code=code)
        .select_related("indicator")
        .order_by("year", "value_kind")
    )
