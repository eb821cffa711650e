from django import template

register = template.Library()


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in text)


@register.filter
def person_name(user) -> str:
    """Return a user's name as people write it: 王芳 (family name first), or Fang Wang."""
    if user is None:
        return ""
    family, given = user.last_name.strip(), user.first_name.strip()
    if not (family or given):
        return user.get_username()
    if _is_chinese(family + given):
        return f"{family}{given}"
    return f"{given} {family}".strip()


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
