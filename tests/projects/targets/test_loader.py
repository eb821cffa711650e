"""The work report's physical targets for 2024, loaded once with the report as their
source, also onto projects loaded before targets existed."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from projects.models import PhysicalTarget
from projects.seeding import report_data

pytestmark = pytest.mark.django_db


def load():
    call_command("load_report_data", stdout=io.StringIO())


def loaded():
    return sorted(
        PhysicalTarget.objects.values_list(
            "project__name", "year", "name", "planned_quantity", "unit"
        )
    )


def test_the_reports_2024_targets_are_loaded():
    load()
    assert loaded() == sorted(
        [
            ("山王镇新增耕地项目", 2024, "新增耕地", Decimal("200.00"), "亩"),
            ("“旱改水”土地整治项目", 2024, "“旱改水”", Decimal("500.00"), "亩"),
            ("农村公路养护工程（2024年）", 2024, "农村公路养护", Decimal("4.50"), "公里"),
            ("适老化改造工程（2024年）", 2024, "适老化改造", Decimal("5.00"), "户"),
        ]
    )
    road = PhysicalTarget.objects.get(name="农村公路养护")
    assert road.source_note == f"{report_data.SOURCE}：计划完成农村公路养护4.5公里"
    assert not PhysicalTarget.objects.filter(is_demo=True).exists()


def test_loading_again_duplicates_nothing_and_restores_a_missing_target():
    """A rerun adds nothing; onto a project loaded before targets existed (its target
    missing), it adds the report's target, and changes none a user changed."""
    load()
    before = loaded()
    load()
    assert loaded() == before
    PhysicalTarget.objects.filter(name="新增耕地").delete()
    PhysicalTarget.objects.filter(name="适老化改造").update(planned_quantity=6)
    load()
    assert PhysicalTarget.objects.count() == 4
    assert PhysicalTarget.objects.get(name="新增耕地").planned_quantity == 200
    assert PhysicalTarget.objects.get(name="适老化改造").planned_quantity == 6
