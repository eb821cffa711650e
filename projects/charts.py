"""Chart specifications for static/js/charts.js (Apache ECharts, served locally).

Each function shapes data a selector already computed into a small JSON-able dict;
every chart's numbers are also shown as a table or text next to it.
"""

import datetime

from django.utils.translation import gettext as _


def bar(categories, series, *, unit="") -> dict:
    return {
        "type": "bar",
        "categories": [str(category) for category in categories],
        "series": [
            {"name": str(name), "data": [_number(v) for v in data]} for name, data in series
        ],
        "unit": unit,
    }


def line(points_by_series, *, unit="") -> dict:
    return {
        "type": "line",
        "series": [
            {
                "name": str(name),
                "data": [[day.isoformat(), _number(value)] for day, value in points],
            }
            for name, points in points_by_series
        ],
        "unit": unit,
    }


def milestone_timeline(milestones, *, on: datetime.date) -> dict:
    """Milestones on a time axis: done green, overdue red, open blue, today marked."""
    points = []
    for milestone in milestones:
        if milestone.completed_on:
            state = "done"
        elif milestone.is_overdue_on(on):
            state = "overdue"
        else:
            state = "open"
        points.append(
            {"title": milestone.title, "due": milestone.due_date.isoformat(), "state": state}
        )
    return {
        "type": "timeline",
        "points": points,
        "today": on.isoformat(),
        "labels": {"done": _("completed"), "overdue": _("overdue"), "open": _("open")},
    }


def _number(value):
    return None if value is None else round(float(value), 2)
