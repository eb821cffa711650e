"""The briefing's baseline section (original, adjusted, actual) and its sheet.

Placeholder until built."""


def section(*, month, as_of):
    return None


def sheet(workbook, briefing) -> None:
    return None
