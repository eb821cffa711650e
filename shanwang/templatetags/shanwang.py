from django import template

from shanwang.people import person_name

register = template.Library()


register.filter(person_name)


@register.simple_tag(takes_context=True)
def user_may(context, permission: str, obj=None) -> bool:
    """Return whether the current user holds ``permission`` on ``obj`` (the rules)."""
    return context["request"].user.has_perm(permission, obj)


@register.filter
def percent(share, style: str = "") -> str:
    """Format a share (0.523) as a percentage ("52.3%"); style "signed" adds a + sign."""
    if share is None:
        return ""
    sign = "+" if style == "signed" and share > 0 else ""
    return f"{sign}{share * 100:.1f}%"


@register.filter
def absolute(number):
    """Return the absolute value of a number."""
    return abs(number)
