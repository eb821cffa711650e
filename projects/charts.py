"""The portfolio's own charts (the generic ones are in shanwang/charts.py)."""

import datetime

from django.utils.translation import gettext as _

from shanwang.charts import bar


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


def dashboard_charts(dashboard) -> dict:
    """The dashboard's charts: projects by stage, the year's planned and completed
    investment."""
    pace = dashboard.pace
    return {
        "stages": bar(
            [row["label"] for row in dashboard.stage_counts],
            [(_("projects"), [row["count"] for row in dashboard.stage_counts])],
        ),
        "investment": bar(
            [pace["year"]],
            [
                (_("planned investment"), [pace["planned"]]),
                (_("completed investment"), [pace["completed"]]),
            ],
            unit=_("10k yuan"),
        ),
    }
