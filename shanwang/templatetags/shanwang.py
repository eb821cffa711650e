import rules
from django import template

from shanwang import formatting
from shanwang.people import person_name

register = template.Library()


register.filter(person_name)


@register.simple_tag(takes_context=True)
def user_may(context, permission: str, obj=None) -> bool:
    """Return whether the rules give the current user ``permission`` on ``obj``: the rule
    set itself, which holds for superusers too (``user.has_perm()`` lets them past it)."""
    return rules.has_perm(permission, context["request"].user, obj)


# Figures: every number a page shows goes through shanwang.formatting (see its docstring).


@register.filter
def amount(value) -> str:
    """An amount in 万元 with its unit: "14,910.00万元"; "—" when unknown."""
    return formatting.amount(value)


@register.filter
def amount_number(value) -> str:
    """An amount in 万元 for a column whose header names the unit: "14,910.00"."""
    return formatting.amount_number(value)


@register.filter
def amount_in_sentence(value) -> str:
    """An amount in a sentence or a card: "5.69亿元" from 1亿元 up, "557.07万元" below."""
    return formatting.amount_in_sentence(value)


@register.filter
def percent(share, style: str = "") -> str:
    """A share (0.523) as a percentage, "52.3%"; style "signed" adds a + sign."""
    return formatting.percent(share, signed=style == "signed")


@register.filter
def percent_of_hundred(value, style: str = "") -> str:
    """A figure already in percent (26.3) as a percentage, "26.3%"; "signed" adds a +."""
    return formatting.percent_of_hundred(value, signed=style == "signed")


@register.filter
def points(value, style: str = "") -> str:
    """Percentage points with one decimal, "15.5"; style "signed" adds a + sign."""
    return formatting.points(value, signed=style == "signed")


@register.filter
def figure(value, unit: str = "") -> str:
    """A figure of the work report as the report writes it (4.5, 29800; money with
    thousands separators when ``unit`` is given, 29,800 万元)."""
    return formatting.figure(value, unit)


@register.filter
def absolute(number):
    """Return the absolute value of a number."""
    return abs(number)
