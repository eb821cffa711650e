"""Load the records of the 2024 work report (report_data) into the database.

Loading is idempotent and never overwrites: a record that already exists, found by
its natural key, is left as it is, since users may have moved it on since the report.
"""

import datetime
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from villages.models import CollectiveEnterprise, Honour, SpecialtyProduct, Village

from ..models import (
    AnnualPlan,
    Funding,
    FundingSource,
    Indicator,
    IndicatorValue,
    PhysicalTarget,
    Project,
)
from . import report_data as report


@transaction.atomic
def load_report_data() -> Counter:
    """Create every record the work report names that is missing; return counts created."""
    created = Counter()

    def ensure(model, lookup: dict, defaults: dict | None = None):
        instance, was_created = model.objects.get_or_create(**lookup, defaults=defaults or {})
        created[model._meta.model_name] += was_created
        return instance

    for name, description in report.FUNDING_SOURCES:
        ensure(
            FundingSource,
            {"name": name},
            {"description": description, "is_bridging_fund": name == report.BRIDGING_FUNDS},
        )
    # Sources loaded before the flag existed: flagged while the town has flagged none.
    if not FundingSource.objects.filter(is_bridging_fund=True).exists():
        for source in FundingSource.objects.filter(name=report.BRIDGING_FUNDS):
            source.is_bridging_fund = True
            source.save(update_fields=["is_bridging_fund"])

    villages = {
        name: ensure(Village, {"name": name}, {"kind": kind, "source_note": report.SOURCE})
        for name, kind in report.VILLAGES
    }
    for village, title, year, awarded_by in report.HONOURS:
        ensure(
            Honour,
            {"village": villages[village], "title": title, "year": year},
            {"awarded_by": awarded_by, "source_note": report.SOURCE},
        )
    for title, year, awarded_by, words in report.TOWN_HONOURS:
        ensure(
            Honour,
            {"village": None, "title": title, "year": year},
            {"awarded_by": awarded_by, "source_note": f"{report.SOURCE}：{words}"},
        )
    for enterprise in report.ENTERPRISES:
        ensure(
            CollectiveEnterprise,
            {"village": villages[enterprise["village"]], "name": enterprise["name"]},
            {
                "kind": enterprise["kind"],
                "status": enterprise["status"],
                "partner_company": enterprise.get("partner_company", ""),
                "description": enterprise["description"],
                "source_note": report.SOURCE,
            },
        )
    for name, village, place in report.SPECIALTY_PRODUCTS:
        ensure(
            SpecialtyProduct,
            {"name": name},
            {
                "village": villages[village] if village else None,
                "place": place,
                "source_note": report.SOURCE,
            },
        )

    indicators = {
        code: ensure(
            Indicator,
            {"code": code},
            {"name": name, "unit": unit, "kind": kind, "display_order": order, "group": group},
        )
        for code, name, unit, kind, order, group in report.INDICATORS
    }
    values = [(*value, "") for value in report.INDICATOR_VALUES] + [
        (code, 2023, IndicatorValue.ValueKind.ACTUAL, value, bound, words, statement)
        for code, value, bound, words, statement in report.FIGURES_2023
    ]
    for code, year, value_kind, value, bound, words, statement in values:
        ensure(
            IndicatorValue,
            {"indicator": indicators[code], "year": year, "value_kind": value_kind},
            {
                "value": Decimal(value),
                "bound": bound,
                "statement": statement,
                "source_note": f"{report.SOURCE}：{words}",
            },
        )

    sources = {source.name: source for source in FundingSource.objects.all()}
    for record in report.PROJECTS:
        _ensure_project(record, villages, sources, ensure, created)
    return created


def _ensure_project(record, villages, sources, ensure, created):
    quantity, unit = record.get("scope", (None, ""))
    completion = record.get("planned_completion")
    project, was_created = Project.objects.get_or_create(
        name=record["name"],
        defaults={
            "category": record["category"],
            "stage": record["stage"],
            "location": record.get("location", ""),
            "scope_quantity": Decimal(quantity) if quantity else None,
            "scope_unit": unit,
            "planned_completion": datetime.date.fromisoformat(completion) if completion else None,
            "description": record["description"],
            "source_note": report.SOURCE,
        },
    )
    created["project"] += was_created
    # The report's physical targets, also for a project loaded before targets existed.
    for year, name, planned, unit, words in record.get("targets", []):
        ensure(
            PhysicalTarget,
            {"project": project, "year": year, "name": name},
            {
                "unit": unit,
                "planned_quantity": Decimal(planned),
                "source_note": f"{report.SOURCE}：{words}",
            },
        )
    if not was_created:
        return
    # The record states the project as of the report's date: it exists from then on.
    Project.objects.filter(pk=project.pk).update(
        created_at=timezone.make_aware(
            datetime.datetime.combine(report.REPORT_DATE, datetime.time())
        )
    )
    project.villages.set([villages[name] for name in record.get("villages", [])])
    for source in record.get("funding", []):
        ensure(Funding, {"project": project, "source": sources[source]})
    for year, goals in record.get("plans", {}).items():
        ensure(AnnualPlan, {"project": project, "year": year}, {"physical_goals": goals})
