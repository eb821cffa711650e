"""Freezing a baseline: administrators only (superusers held to the rule), once per year
and kind, the adjustment after the original, a reason always; the entries are the plans
as they stood; nothing is half-saved."""

import logging
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from projects.baselines import services
from projects.choices import BaselineKind
from projects.models import AnnualPlan, PlanBaseline, PlanBaselineEntry, Project
from projects.rules import may

from .conftest import THIS_YEAR

ORIGINAL, ADJUSTED = BaselineKind.ORIGINAL, BaselineKind.ADJUSTED


def freeze(user, kind=ORIGINAL, *, year=THIS_YEAR, reason="镇党委会审定的年度计划"):
    return services.baseline_freeze(year=year, kind=kind, reason=reason, user=user)


def entries_of(baseline) -> dict:
    return {
        entry.project_id: (entry.planned_investment, entry.physical_goals)
        for entry in baseline.entries.all()
    }


def plans_of(year) -> dict:
    return {
        plan.project_id: (plan.planned_investment, plan.physical_goals)
        for plan in AnnualPlan.objects.filter(year=year)
    }


def test_the_entries_are_the_years_plans_as_they_stood(people, plans, caplog):
    """Every plan of the year is copied, amount and goals; last year's plan is not; the
    audit line names the baseline and its count."""
    caplog.set_level(logging.INFO, logger="shanwang.audit")
    baseline = freeze(people.administrator)

    assert (baseline.year, baseline.kind, baseline.frozen_by) == (
        THIS_YEAR,
        ORIGINAL,
        people.administrator,
    )
    assert entries_of(baseline) == plans_of(THIS_YEAR)
    assert entries_of(baseline)[plans.road.pk] == (Decimal("1000.00"), "路基")
    assert entries_of(baseline)[plans.farm.pk] == (None, "")
    assert baseline.entries.count() == 3
    assert '"event": "baseline_freeze"' in caplog.text
    assert '"entries": 3' in caplog.text


@pytest.mark.parametrize("role", ["staff", "other_staff", "reviewer", "leader", "outsider"])
def test_only_administrators_freeze(people, plans, role):
    with pytest.raises(PermissionDenied):
        freeze(getattr(people, role))
    assert not PlanBaseline.objects.exists()
    assert not may(getattr(people, role), "projects.freeze_baseline")


def test_a_superuser_is_held_to_the_rule(people, plans):
    """A superuser freezes as an administrator; an inactive one, whom has_perm would not
    stop either, is refused by the rule."""
    root = people.superuser
    root.is_active = False
    with pytest.raises(PermissionDenied):
        freeze(root)
    root.is_active = True
    assert freeze(root).frozen_by == root


def test_a_second_freeze_of_the_same_kind_is_refused(people, plans):
    first = freeze(people.administrator)
    AnnualPlan.objects.filter(project=plans.road, year=THIS_YEAR).update(
        planned_investment=Decimal(9)
    )

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        freeze(people.superuser, reason="再冻结一次")

    assert "already been frozen" in refused.value.message_dict["kind"][0]
    assert list(PlanBaseline.objects.all()) == [first]
    assert entries_of(first)[plans.road.pk][0] == Decimal("1000.00")


def test_the_adjustment_needs_the_original_first(people, plans):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        freeze(people.administrator, ADJUSTED)
    assert "Freeze the original plan of" in refused.value.message_dict["kind"][0]
    assert not PlanBaseline.objects.exists()

    freeze(people.administrator)
    adjusted = freeze(people.administrator, ADJUSTED, reason="年中调整")
    assert adjusted.kind == ADJUSTED
    assert PlanBaseline.objects.filter(year=THIS_YEAR).count() == 2


@pytest.mark.parametrize("reason", ["", "   \n ", None])
def test_a_reason_is_required(people, plans, reason):
    with pytest.raises(ValidationError) as refused:
        freeze(people.administrator, reason=reason)
    assert set(refused.value.message_dict) == {"reason"}
    assert not PlanBaseline.objects.exists()
    assert not PlanBaselineEntry.objects.exists()


def test_an_unknown_kind_or_a_year_without_plans_is_refused(people, plans):
    with pytest.raises(ValidationError) as refused:
        freeze(people.administrator, "final")
    assert set(refused.value.message_dict) == {"kind"}
    with pytest.raises(ValidationError) as refused:
        freeze(people.administrator, year=THIS_YEAR + 5)
    assert set(refused.value.message_dict) == {"year"}
    assert not PlanBaseline.objects.exists()


def test_the_reason_is_kept_trimmed(people, plans):
    assert freeze(people.administrator, reason="  年初计划 \n").reason == "年初计划"


def test_freezing_thousands_of_plans_takes_a_few_queries(people, django_assert_max_num_queries):
    """The copy is a bulk insert: 2,000 plans take a few dozen statements at most (SQLite
    takes some 250 rows a statement, PostgreSQL ENTRY_BATCH), not one per plan."""
    projects = Project.objects.bulk_create(
        Project(name=f"基线批量{index}", category=Project.Category.INDUSTRIAL)
        for index in range(2000)
    )
    AnnualPlan.objects.bulk_create(
        AnnualPlan(project=project, year=THIS_YEAR, planned_investment=Decimal(index))
        for index, project in enumerate(projects)
    )
    with django_assert_max_num_queries(25):
        baseline = freeze(people.administrator)
    assert baseline.entries.count() == 2000
    assert entries_of(baseline) == plans_of(THIS_YEAR)
