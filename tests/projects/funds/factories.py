"""Funding rows and their entries for the funds tests."""

import datetime
from decimal import Decimal

from projects.models import FundEntry, Funding, FundingSource


def source(name: str = "专项债", *, bridging: bool = False) -> FundingSource:
    return FundingSource.objects.get_or_create(name=name, defaults={"is_bridging_fund": bridging})[
        0
    ]


def funding(project, name: str = "专项债", *, amount=None, bridging: bool = False) -> Funding:
    return Funding.objects.create(
        project=project,
        source=source(name, bridging=bridging),
        amount=None if amount is None else Decimal(str(amount)),
    )


def entry(funding_row, kind: str, day: datetime.date, amount, number: str = "") -> FundEntry:
    """Bulk-create-like: straight to the table, as fixtures do (the services are tested
    on their own)."""
    return FundEntry.objects.create(
        funding=funding_row,
        kind=kind,
        date=day,
        amount=Decimal(str(amount)),
        document_number=number,
    )
