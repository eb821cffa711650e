"""The write side of the funds (projects/funds/services.py): the rule for every role,
amounts in 万元 above zero with two decimals, no date after today, the clear error by
field with nothing saved, and the audit line."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from projects.choices import FundEntryKind
from projects.funds import services
from projects.models import FundEntry, Funding
from tests.projects.supervision.cast import cast_fixture  # noqa: F401

from .factories import funding, source

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
EDITORS = {"staff_a", "contact", "reviewer", "administrator", "superuser"}
OTHERS = {"staff_b", "leader", "outsider"}


def add(cast, user, **fields):
    values = {
        "funding": Funding.objects.get(project=cast.project),
        "kind": FundEntryKind.ARRIVED,
        "date": TODAY,
        "amount": Decimal("12.34"),
    }
    values.update(fields)
    return services.fund_entry_add(acting_user=user, **values)


@pytest.fixture
def bonds(cast):
    return funding(cast.project, "专项债")


@pytest.mark.parametrize("role", sorted(EDITORS | OTHERS))
def test_who_may_record_money(cast, bonds, role):
    user = getattr(cast, role)
    if role in EDITORS:
        recorded = add(cast, user)
        assert (recorded.recorded_by, recorded.amount) == (user, Decimal("12.34"))
        assert recorded.history.first().history_user == user
    else:
        with pytest.raises(PermissionDenied):
            add(cast, user)
        assert not FundEntry.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"amount": None}, "amount"),
        ({"date": TODAY + datetime.timedelta(days=1)}, "date"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(cast, bonds, fields, field):
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        add(cast, cast.staff_a, **fields)
    assert field in raised.value.message_dict
    assert not FundEntry.objects.exists()


def test_errors_of_several_fields_come_together(cast, bonds):
    with pytest.raises(ValidationError) as raised:
        add(cast, cast.staff_a, amount=Decimal("0"), date=TODAY + datetime.timedelta(days=3))
    assert {"amount", "date"} <= set(raised.value.message_dict)


def test_the_same_entry_twice_is_refused_with_the_models_message(cast, bonds):
    add(cast, cast.staff_a, document_number="财预〔2024〕8号")
    with pytest.raises(ValidationError):
        add(cast, cast.staff_a, document_number="财预〔2024〕8号")
    assert FundEntry.objects.count() == 1
    add(cast, cast.staff_a, document_number="财预〔2024〕9号")


def test_paid_before_arrival_is_accepted(cast, bonds):
    """The order allocated ≥ arrived ≥ paid is not forced."""
    add(cast, cast.staff_a, kind=FundEntryKind.PAID, amount=Decimal("50"))
    assert FundEntry.objects.get().kind == FundEntryKind.PAID


def test_update_and_delete_hold_the_rule_and_write_audit_lines(cast, bonds, caplog):
    recorded = add(cast, cast.staff_a)
    with pytest.raises(PermissionDenied):
        services.fund_entry_update(acting_user=cast.staff_b, entry=recorded, amount=Decimal("1"))
    other = funding(cast.project.__class__.objects.create(name="别处"), "村集体")
    with pytest.raises(ValidationError) as raised:
        services.fund_entry_update(acting_user=cast.reviewer, entry=recorded, funding=other)
    assert "funding" in raised.value.message_dict
    with caplog.at_level(logging.INFO, logger="shanwang.audit"):
        services.fund_entry_update(acting_user=cast.reviewer, entry=recorded, amount=Decimal("3"))
        services.fund_entry_delete(acting_user=cast.contact, entry=recorded)
    events = [record.getMessage() for record in caplog.records]
    assert any('"fund_entry_changed"' in event and '"amount"' in event for event in events)
    assert any('"fund_entry_deleted"' in event for event in events)
    assert not FundEntry.objects.exists()
    assert FundEntry.history.filter(history_type="-").get().history_user == cast.contact


def test_a_source_is_added_once_per_project(cast):
    village = source("村集体")
    services.funding_add(acting_user=cast.staff_a, project=cast.project, source=village)
    with pytest.raises(ValidationError) as raised:
        services.funding_add(acting_user=cast.staff_a, project=cast.project, source=village)
    assert "source" in raised.value.message_dict
    with pytest.raises(PermissionDenied):
        services.funding_add(acting_user=cast.leader, project=cast.project, source=source("专项债"))
    assert Funding.objects.count() == 1
