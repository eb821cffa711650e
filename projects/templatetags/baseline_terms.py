"""How the baselines' pages write a difference of plans: signed, in 万元 (formatting.py)."""

from django import template

from shanwang import formatting

register = template.Library()


@register.filter
def signed_amount(value) -> str:
    """Return a difference in 万元 without its unit, signed: "+120.00", "−35.50", "—" for None."""
    return formatting.number(value, signed=True)
