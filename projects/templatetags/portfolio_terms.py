"""The glossary's words for templates: ``{% term "schedule_pace" %}`` (序时进度),
``{{ points|pace_gap }}`` (滞后27.6个百分点) and ``{% glossary %}``, the 名词解释 block."""

from django import template

from .. import glossary as terms

register = template.Library()


@register.simple_tag
def term(code: str) -> str:
    """Return the word of a glossary term."""
    return terms.term(code)


@register.filter
def pace_gap(gap_points) -> str:
    """Return a gap in percentage points as words: 超前3.4个百分点, 滞后27.6个百分点."""
    return terms.pace_gap(gap_points)


@register.inclusion_tag("partials/glossary.html")
def glossary():
    """Render the 名词解释: every term of the glossary with its definition."""
    return {"terms": terms.TERMS}
