"""The words of the schedule figures, defined once (名词解释).

The dashboard, the project list and page, and the briefing (page, workbook, PDF) label
these figures with the words below, through ``term()`` (templates: the ``portfolio_terms``
tags), and show the definitions beside them, so that one figure has one name everywhere:

- 序时进度 (schedule pace): the share of the period elapsed, as computed by
  ``ProjectQuerySet.with_schedule_pace`` and ``selectors.portfolio_pace``;
- 完成比例 (completion rate): the investment completed as a share of the planned one;
- 超前/滞后 N 个百分点 (ahead of or behind schedule pace): their gap;
- 形象进度 (physical progress): what is built, as the monthly report states it, which
  the pace does not use.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanwang.formatting import points


@dataclass(frozen=True)
class Term:
    code: str
    word: Promise
    definition: Promise


SCHEDULE_PACE = Term(
    "schedule_pace",
    gettext_lazy("schedule pace"),
    gettext_lazy(
        "The share of the period that has elapsed, which the work done should have kept up "
        "with: of the year (days gone by ÷ days in the year) for a project with an annual "
        "plan, otherwise of its planned duration from planned start to planned completion."
    ),
)
COMPLETION_RATE = Term(
    "completion_rate",
    gettext_lazy("completion rate"),
    gettext_lazy(
        "Investment completed as a share of investment planned: this year's approved "
        "monthly reports against the annual plan, or, for a project without an annual plan, "
        "all approved reports against the total investment."
    ),
)
PACE_GAP = Term(
    "pace_gap",
    gettext_lazy("ahead of or behind schedule pace"),
    gettext_lazy(
        "The completion rate minus the schedule pace, in percentage points: ahead when it "
        "is positive, behind when it is negative. The traffic light follows it."
    ),
)
PHYSICAL_PROGRESS = Term(
    "physical_progress",
    gettext_lazy("physical progress"),
    gettext_lazy(
        "What has been built so far, as the monthly report states it in words and as a "
        "percentage of the works; the schedule pace and the light do not use it."
    ),
)

TERMS = (SCHEDULE_PACE, COMPLETION_RATE, PACE_GAP, PHYSICAL_PROGRESS)
BY_CODE = {term.code: term for term in TERMS}


def term(code: str) -> str:
    """Return the word of the term ``code`` in the active language: term("schedule_pace")
    is 序时进度."""
    return str(BY_CODE[code].word)


def pace_gap(gap_points) -> str:
    """Return a gap in percentage points as words: 超前3.4个百分点, 滞后27.6个百分点,
    与序时进度持平; EMPTY (—) for None."""
    if gap_points is None:
        return points(None)
    rounded = points(abs(gap_points))
    if rounded == points(0):
        return _("level with schedule pace")
    if gap_points > 0:
        return _("%(points)s points ahead") % {"points": rounded}
    return _("%(points)s points behind") % {"points": rounded}
