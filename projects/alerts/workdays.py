"""China's official working days: the chinese-calendar package, overridden by the
CalendarDay table that admins extend each year, and Monday to Friday (with a warning)
for a year neither knows."""

import datetime
import logging

import chinese_calendar

from ..models import CalendarDay

logger = logging.getLogger(__name__)


class WorkingDays:
    """Answer working-day questions for dates in and around [start, end], with the
    admins' overrides loaded in one query."""

    def __init__(self, start: datetime.date, end: datetime.date):
        margin = datetime.timedelta(days=45)
        self.start, self.end = start - margin, end + margin
        self.overrides = dict(
            CalendarDay.objects.filter(date__gte=self.start, date__lte=self.end).values_list(
                "date", "is_working_day"
            )
        )
        self.unknown_years: set[int] = set()
        self._count_up_to: dict[datetime.date, int] = {}

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self.unknown_years:
                self.unknown_years.add(day.year)
                logger.warning(
                    "No official holidays known for %s: counting Monday to Friday as working "
                    "days. Add the year's holidays under 节假日与调休 in the admin.",
                    day.year,
                )
            return day.weekday() < 5

    def previous_working_day(self, day: datetime.date) -> datetime.date:
        """Return the last working day before ``day``."""
        candidate = day - datetime.timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate -= datetime.timedelta(days=1)
        return candidate

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """Return ``day`` itself if it is a working day, else the next working day."""
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def working_days_after(self, start: datetime.date, end: datetime.date) -> int:
        """Return the number of working days in (start, end], for dates within the range
        this object was made for (counted once, then looked up)."""
        if not self._count_up_to:
            count, day = 0, self.start
            while day <= self.end:
                count += self.is_working_day(day)
                self._count_up_to[day] = count
                day += datetime.timedelta(days=1)
        return self._count_up_to[end] - self._count_up_to[start]


def years_without_holidays(years) -> list[int]:
    """Return the years for which neither the package nor the admins' table has the
    official holidays, so that screens can warn about them."""
    known_by_package = set(chinese_calendar.constants.holidays) | set(
        chinese_calendar.constants.workdays
    )
    package_years = {day.year for day in known_by_package}
    admin_years = {day.year for day in CalendarDay.objects.dates("date", "year")}
    return sorted(year for year in years if year not in package_years | admin_years)
