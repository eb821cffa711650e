"""The rule of statistics registration (入库纳统), once in ProjectQuerySet: a project at
or above the threshold that has started must be registered; it is registered as of a day
when marked registered with no date or a date by then; its light is yellow one calendar
month after the start, red two (admin-editable), on exact edge dates."""

import datetime
from decimal import Decimal

import pytest

from projects.models import Project, TrafficLightThresholds
from projects.querysets import Light, latest_start_months_before, months_later

from .factories import started

pytestmark = pytest.mark.django_db

DEFAULTS = TrafficLightThresholds()  # 500万元, yellow after 1 month, red after 2
D = datetime.date


def registration(project, on, thresholds=DEFAULTS):
    return Project.objects.with_registration(on=on, thresholds=thresholds).get(pk=project.pk)


def light(project, on, thresholds=DEFAULTS):
    return registration(project, on, thresholds).registration_light


class TestCalendarMonths:
    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: the short month's last day
            (D(2023, 1, 31), 1, D(2023, 2, 28)),
            (D(2024, 1, 15), 1, D(2024, 2, 15)),
            (D(2024, 12, 31), 2, D(2025, 2, 28)),  # across the year's end
            (D(2024, 3, 31), -1, D(2024, 2, 29)),
            (D(2024, 1, 10), -1, D(2023, 12, 10)),
        ],
    )
    def test_months_later(self, day, months, expected):
        assert months_later(day, months) == expected

    @pytest.mark.parametrize(
        ("on", "months", "expected"),
        [
            (D(2024, 2, 29), 1, D(2024, 1, 31)),  # starts of the 29th to 31st all reach 29 Feb
            (D(2024, 2, 28), 1, D(2024, 1, 28)),
            (D(2023, 2, 28), 1, D(2023, 1, 31)),
            (D(2024, 3, 1), 1, D(2024, 2, 1)),
            (D(2024, 4, 30), 2, D(2024, 2, 29)),
            (D(2024, 3, 15), 2, D(2024, 1, 15)),
        ],
    )
    def test_latest_start_months_before(self, on, months, expected):
        assert latest_start_months_before(on, months) == expected
        # The definition: the latest start whose months have passed by ``on``.
        assert months_later(expected, months) <= on
        assert months_later(expected + datetime.timedelta(days=1), months) > on


class TestTheLightOnEdgeDates:
    @pytest.mark.parametrize(
        ("start", "on", "expected"),
        [
            (D(2024, 3, 15), D(2024, 3, 15), Light.GREEN),  # the day it starts
            (D(2024, 3, 15), D(2024, 4, 14), Light.GREEN),  # the day before a month
            (D(2024, 3, 15), D(2024, 4, 15), Light.YELLOW),  # one month to the day
            (D(2024, 3, 15), D(2024, 5, 14), Light.YELLOW),  # the day before two months
            (D(2024, 3, 15), D(2024, 5, 15), Light.RED),  # two months to the day
            (D(2024, 1, 31), D(2024, 2, 28), Light.GREEN),  # leap year, month end
            (D(2024, 1, 31), D(2024, 2, 29), Light.YELLOW),
            (D(2023, 1, 31), D(2023, 2, 27), Light.GREEN),  # common year
            (D(2023, 1, 31), D(2023, 2, 28), Light.YELLOW),
            (D(2023, 12, 31), D(2024, 2, 28), Light.YELLOW),  # across the year, leap
            (D(2023, 12, 31), D(2024, 2, 29), Light.RED),
            (D(2024, 2, 29), D(2024, 3, 28), Light.GREEN),  # from the leap day
            (D(2024, 2, 29), D(2024, 3, 29), Light.YELLOW),
        ],
    )
    def test_calendar_months_after_the_start(self, start, on, expected):
        project = started(start)
        assert light(project, on) == expected
        assert registration(project, on).days_since_start == (on - start).days

    def test_the_months_are_admin_editable(self):
        thresholds = TrafficLightThresholds(registration_yellow_months=2, registration_red_months=3)
        project = started(D(2024, 1, 10))
        assert light(project, D(2024, 3, 9), thresholds) == Light.GREEN
        assert light(project, D(2024, 3, 10), thresholds) == Light.YELLOW
        assert light(project, D(2024, 4, 9), thresholds) == Light.YELLOW
        assert light(project, D(2024, 4, 10), thresholds) == Light.RED


class TestWhoMustBeRegistered:
    ON = D(2024, 6, 30)

    @pytest.mark.parametrize(
        ("total", "due"),
        [("500.00", True), ("499.99", False), ("12000.00", True), ("0.00", False), (None, False)],
    )
    def test_at_or_above_the_threshold(self, total, due):
        project = started(D(2024, 1, 1), total_investment=None if total is None else Decimal(total))
        annotated = registration(project, self.ON)
        assert annotated.registration_due is due
        assert annotated.registration_light == (Light.RED if due else Light.NONE)

    def test_the_threshold_is_admin_editable(self):
        project = started(D(2024, 1, 1), total_investment=Decimal("300"))
        assert not registration(project, self.ON).registration_due
        lower = TrafficLightThresholds(registration_threshold=Decimal("300"))
        assert registration(project, self.ON, lower).registration_due

    def test_only_once_started(self):
        not_started = started(None)
        starts_later = started(D(2024, 7, 1))
        starts_today = started(self.ON)
        assert not registration(not_started, self.ON).registration_due
        assert registration(not_started, self.ON).days_since_start is None
        assert not registration(starts_later, self.ON).registration_due
        assert registration(starts_today, self.ON).registration_due

    @pytest.mark.parametrize("stage", [s for s in Project.Stage if s != Project.Stage.CANCELLED])
    def test_every_stage_but_cancelled(self, stage):
        """A completed or suspended project that started must be registered too (the light
        of the project is another matter: only active stages have one)."""
        assert registration(started(D(2024, 1, 1), stage=stage), self.ON).registration_due
        cancelled = started(D(2024, 1, 1), stage=Project.Stage.CANCELLED)
        assert not registration(cancelled, self.ON).registration_due

    def test_registered_as_of_the_day(self):
        no_date = started(D(2024, 1, 1), statistics_registered=True)
        dated = started(
            D(2024, 1, 1), statistics_registered=True, statistics_registered_on=D(2024, 3, 5)
        )
        marked_not = started(D(2024, 1, 1), statistics_registered=False)
        unknown = started(D(2024, 1, 1), statistics_registered=None)
        assert registration(no_date, self.ON).registered_as_of
        assert light(no_date, self.ON) == Light.GREEN
        # Before its registration date it was not registered yet.
        assert not registration(dated, D(2024, 3, 4)).registered_as_of
        assert light(dated, D(2024, 3, 4)) == Light.RED
        assert registration(dated, D(2024, 3, 5)).registered_as_of
        assert light(dated, D(2024, 3, 5)) == Light.GREEN
        for project in (marked_not, unknown):
            assert not registration(project, self.ON).registered_as_of
            assert light(project, self.ON) == Light.RED

    def test_the_list_filters_agree_with_the_annotation(self):
        due = started(D(2024, 1, 1))
        registered = started(D(2024, 1, 1), statistics_registered=True)
        started(D(2024, 1, 1), total_investment=Decimal("100"))
        started(None)
        assert set(Project.objects.registration_due(on=self.ON, thresholds=DEFAULTS)) == {
            due,
            registered,
        }
        assert list(Project.objects.unregistered_on(on=self.ON, thresholds=DEFAULTS)) == [due]
        annotated = Project.objects.with_registration(on=self.ON, thresholds=DEFAULTS)
        assert {
            project
            for project in annotated
            if project.registration_due and not project.registered_as_of
        } == {due}
