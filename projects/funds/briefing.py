"""The briefing's 资金 section and its sheet. Placeholder until built."""


def section(*, month, as_of):
    return None


def sheet(workbook, briefing) -> None:
    return None
