"""Read-side queries of the villages and their collective economy."""

from functools import partial

from django.db.models import F, FloatField, Prefetch, QuerySet, Window
from django.db.models.functions import Cast, Lag, NullIf

from shanwang.pinyin import name_pinyin

from .models import CollectiveEnterprise, CollectiveIncome, Honour, SpecialtyProduct, Village


def village_list() -> QuerySet[Village]:
    """Return every village with its enterprises, income, honours and products."""
    return Village.objects.prefetch_related(
        Prefetch("enterprises", CollectiveEnterprise.objects.order_by("name")),
        Prefetch("incomes", CollectiveIncome.objects.order_by("year")),
        "honours",
        "specialty_products",
    )


def incomes_with_growth() -> QuerySet[CollectiveIncome]:
    """Return every village's yearly collective income with its growth.

    growth = (amount − previous recorded year's amount) / previous amount, a fraction;
    NULL for a village's first recorded year or after a zero year.
    """
    previous = Window(Lag("amount"), partition_by=F("village"), order_by=F("year").asc())
    as_float = partial(Cast, output_field=FloatField())
    return (
        CollectiveIncome.objects.select_related("village")
        .annotate(previous_amount=previous)
        .annotate(
            growth=(as_float("amount") - as_float("previous_amount"))
            / NullIf(as_float("previous_amount"), 0.0)
        )
        .order_by("village__name_sort", "village__name", "year")
    )


def town_honours() -> QuerySet[Honour]:
    """Return the honours of the town itself (no village), newest year first, in the
    order they were entered (the report's)."""
    return Honour.objects.filter(village__isnull=True).order_by("-year", "pk")


def town_specialty_products() -> list[SpecialtyProduct]:
    """Return the specialty products tied to no village (淮南麻黄鸡, 李咀西红柿), by pinyin."""
    products = SpecialtyProduct.objects.filter(village__isnull=True)
    return sorted(products, key=lambda product: name_pinyin(product.name).sort_key)
