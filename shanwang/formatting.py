"""How the app writes a figure, in one place: pages, charts, emails, the briefing (page,
workbook, PDF), exports and the admin all call these functions (templates through the
filters of shanwang/templatetags/shanwang.py), so that a figure reads the same wherever
it appears.

- Money is in 万元, with thousands separators and two decimals, always with its unit:
  ``14,910.00万元``. A sentence or a card writes a sum from 1亿元 (10,000 万元) up in
  亿元, as the work report does: ``5.69亿元``. A table column whose header names the unit
  writes the bare number (``amount_number``).
- A share is a percentage with one decimal (``52.3%``); a gap between two shares is in
  percentage points with one decimal (``+15.5``).
- A figure of the work report keeps the report's digits, at most two decimals, without
  trailing zeros (``4.5``, ``26.3``), and thousands separators when it is money.
- A figure nobody recorded is EMPTY (``—``), never ``0`` nor ``0.00``: zero is a figure.

The input may be a Decimal, an int or a float: SQLite returns sums of decimals as floats
or as decimals with a dozen places, so no raw aggregate is ever printed. Workbooks keep
numbers as numbers, with the number formats below.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

EMPTY = "—"
#: 1亿元 = 10,000 万元.
YI = Decimal(10000)
#: Units a figure of the work report is money in: written with thousands separators.
MONEY_UNITS = ("万元", "亿元", "元")

#: The same figures as numbers in a workbook: Excel's number formats.
XLSX_AMOUNT = "#,##0.00"
XLSX_SHARE = "0.0%"
XLSX_POINTS = "+0.0;-0.0;0.0"
XLSX_COUNT = "0"
XLSX_DATE = "yyyy-mm-dd"
XLSX_MONTH = "yyyy-mm"


def _decimal(value) -> Decimal:
    # str() of a float is its shortest repr: 725.34, not 725.3399999999999.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _rounded(value, places: int) -> Decimal:
    return _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _signed(text: str, value, signed: bool) -> str:
    return f"+{text}" if signed and value > 0 else text


def number(value, places: int = 2, *, signed: bool = False) -> str:
    """Return ``value`` rounded half up to ``places`` decimals, with thousands separators
    ("14,910.00"); with ``signed``, a plus sign above zero; EMPTY for None."""
    if value is None:
        return EMPTY
    rounded = _rounded(value, places)
    # Rounded to zero, a negative figure is zero, not "-0.0".
    rounded = rounded if rounded else abs(rounded)
    return _signed(f"{rounded:,.{places}f}", rounded, signed)


def amount_number(value) -> str:
    """Return an amount in 万元 without its unit, for a column whose header names it:
    "14,910.00"; EMPTY for None."""
    return number(value)


def amount(value) -> str:
    """Return an amount in 万元 with its unit: "14,910.00万元"; EMPTY for None."""
    if value is None:
        return EMPTY
    return _(
        # Translators: %(amount)s万元
        "%(amount)s ten thousand yuan"
    ) % {"amount": number(value)}


def amount_in_sentence(value) -> str:
    """Return an amount in 万元 as a sentence or a card writes it: in 亿元 from 1亿元
    (10,000 万元) up, "5.69亿元", in 万元 below, "557.07万元"; EMPTY for None."""
    if value is None:
        return EMPTY
    value = _rounded(value, 2)
    if abs(value) >= YI:
        return _(
            # Translators: %(amount)s亿元
            "%(amount)s hundred million yuan"
        ) % {"amount": number(value / YI)}
    return amount(value)


def percent(share, *, signed: bool = False) -> str:
    """Return a share (0.523) as a percentage with one decimal: "52.3%"; with ``signed``,
    "+52.3%" above zero; EMPTY for None."""
    if share is None:
        return EMPTY
    return f"{number(_decimal(share) * 100, 1, signed=signed)}%"


def percent_of_hundred(value, *, signed: bool = False) -> str:
    """Return a figure already in percent (26.3, a physical progress of 45) as a
    percentage with one decimal: "26.3%"; EMPTY for None."""
    if value is None:
        return EMPTY
    return f"{number(value, 1, signed=signed)}%"


def points(value, *, signed: bool = False) -> str:
    """Return percentage points with one decimal: "15.5", with ``signed`` "+15.5" above
    zero ("-15.5" below either way); EMPTY for None."""
    return number(value, 1, signed=signed)


def figure(value, unit: str = "") -> str:
    """Return a figure of the work report as the report writes it: at most two decimals,
    no trailing zeros (4.50 → "4.5", 29800.00 → "29800"), with thousands separators when
    ``unit`` is money (29800 万元 → "29,800"); EMPTY for None."""
    if value is None:
        return EMPTY
    rounded = _rounded(value, 2)
    text = f"{rounded:,.2f}" if unit in MONEY_UNITS else f"{rounded:.2f}"
    return text.rstrip("0").rstrip(".")
