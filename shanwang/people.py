"""How people are named on pages, sheets and in messages."""


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in text)


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
