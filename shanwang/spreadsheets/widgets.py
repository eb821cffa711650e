"""django-import-export widgets for the town's spreadsheets.

Each ``clean`` turns what people type in Excel into a Python value or raises ValueError
with a message that names the problem; the importer adds the sheet, row and column.
Each ``render`` returns a native value (Decimal, date, text) so that exports write real
numbers and real dates.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _
from import_export.widgets import ManyToManyWidget, Widget

#: Excel's day zero (it counts 1900 as a leap year, so serials start on 1899-12-30).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
#: Serial numbers accepted as dates: 1950-01-01 to 2100-12-31.
EXCEL_SERIALS = range(18264, 73051)
DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
]
CENT = Decimal("0.01")
YES = {"是", "yes", "y", "true", "1", "已入库", "√"}
NO = {"否", "no", "n", "false", "0", "未入库", "×"}
LIST_SEPARATORS = re.compile(r"[、,，;；/]")
#: Written in a cell to clear the stored value: an empty cell leaves the value as it is.
CLEAR_MARKERS = ("（清空）", "(清空)")


def as_text(value) -> str:
    """Return a cell as text: 2024.0 typed in a text column reads as "2024"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


class TextWidget(Widget):
    def __init__(self, *, max_length: int | None = None, required: bool = False, **kwargs):
        self.max_length = max_length
        self.required = required
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if self.required and not text:
            raise ValueError(_("This column must not be empty."))
        if self.max_length and len(text) > self.max_length:
            raise ValueError(
                _("The text is %(length)d characters long; at most %(limit)d are allowed.")
                % {"length": len(text), "limit": self.max_length}
            )
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class AmountWidget(Widget):
    """An amount in 万元 or a quantity: not negative, rounded to two decimals."""

    def __init__(self, *, required: bool = False, **kwargs):
        self.required = required
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = as_text(value).replace(",", "").replace("，", "")
        if not text:
            if self.required:
                raise ValueError(_("This column must not be empty."))
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text[:30]}) from None
        if not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text[:30]})
        if number < 0:
            raise ValueError(_("The amount cannot be negative (%(value)s).") % {"value": text})
        if number >= Decimal("1e11"):
            raise ValueError(_("The amount %(value)s is too large.") % {"value": text})
        return number.quantize(CENT, rounding=ROUND_HALF_UP)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class YearWidget(Widget):
    def __init__(self, *, required: bool = False, **kwargs):
        self.required = required
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        typed = as_text(value)
        text = typed.removesuffix("年")
        if not text:
            if self.required:
                raise ValueError(_("This column must not be empty."))
            return None
        if not text.isdigit() or not 1949 <= int(text) <= 2100:
            raise ValueError(_("“%(value)s” is not a year.") % {"value": typed[:30]})
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class DateWidget(Widget):
    """Accepts real Excel dates, 2024-01-29, 2024/1/29, 2024年1月29日 and Excel serial
    numbers; refuses dates that do not exist."""

    def __init__(self, *, required: bool = False, **kwargs):
        self.required = required
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self._from_serial(value)
        text = as_text(value)
        if not text:
            if self.required:
                raise ValueError(_("This column must not be empty."))
            return None
        if re.fullmatch(r"\d{5}(\.0+)?", text):
            return self._from_serial(float(text))
        for pattern in DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                year, month, day = (int(part) for part in match.groups())
                try:
                    return datetime.date(year, month, day)
                except ValueError:
                    raise ValueError(
                        _("The date %(value)s does not exist.") % {"value": text}
                    ) from None
        raise ValueError(
            _("“%(value)s” is not a date; write it like 2024-01-29.") % {"value": text[:30]}
        )

    def _from_serial(self, serial):
        if serial != int(serial) or int(serial) not in EXCEL_SERIALS:
            raise ValueError(
                _("The number %(value)s is not a date between 1950 and 2100.")
                % {"value": as_text(serial)}
            )
        return EXCEL_EPOCH + datetime.timedelta(days=int(serial))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class BooleanWidget(Widget):
    """是 / 否, or empty for "not recorded"."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = as_text(value).lower()
        if not text:
            return None
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(_("“%(value)s” is not 是 or 否.") % {"value": text[:30]})

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "是" if value else "否"


def chinese_label(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def is_clear_marker(value) -> bool:
    return as_text(value) in CLEAR_MARKERS


def _label_key(label: str) -> str:
    """A label as typed: case, spaces and half- or full-width slashes do not matter."""
    return re.sub(r"\s+", "", label).replace("/", "／").lower()


class ChoiceWidget(Widget):
    """A choice written by its Chinese label (as in the template), its English label or
    its code."""

    def __init__(self, choices, *, what: str, **kwargs):
        self.choices = choices
        self.what = what
        # Read once per widget (a resource's copy of it): each label is translated under
        # another language, which costs more than the rest of a row's cleaning.
        self._lookup_table = None
        self._labels = None
        super().__init__(**kwargs)

    def _lookup(self) -> dict[str, str]:
        lookup = {}
        for value, label in self.choices.choices:
            lookup[value] = value
            lookup[_label_key(chinese_label(label))] = value
            with translation.override("en"):
                lookup[_label_key(str(label))] = value
        return lookup

    def lookup(self) -> dict[str, str]:
        if self._lookup_table is None:
            self._lookup_table = self._lookup()
        return self._lookup_table

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            raise ValueError(_("This column must not be empty."))
        lookup = self.lookup()
        found = lookup.get(text) or lookup.get(_label_key(text))
        if found is None:
            raise ValueError(
                _("Unknown %(what)s “%(value)s”; use one of: %(options)s.")
                % {
                    "what": self.what,
                    "value": text[:30],
                    "options": "、".join(
                        chinese_label(label) for _v, label in self.choices.choices
                    ),
                }
            )
        return found

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        if self._labels is None:
            self._labels = {code: chinese_label(label) for code, label in self.choices.choices}
        return self._labels.get(value, value)


class LookupWidget(Widget):
    """A related record written by a unique field (a village's or unit's name, a user's
    account name). All values are read in one query, on first use."""

    def __init__(self, model, field: str, *, what: str, **kwargs):
        self.model = model
        self.field = field
        self.what = what
        self._known = None
        super().__init__(**kwargs)

    def known(self) -> dict:
        if self._known is None:
            self._known = {
                str(getattr(obj, self.field)): obj for obj in self.model._default_manager.all()
            }
        return self._known

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        try:
            return self.known()[text]
        except KeyError:
            raise ValueError(
                _("Unknown %(what)s “%(value)s”.") % {"what": self.what, "value": text[:50]}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.field) if value is not None else ""


class ManyLookupWidget(ManyToManyWidget):
    """Several related records in one cell, separated by 、 , ; or /."""

    def __init__(self, model, field: str, *, what: str, **kwargs):
        super().__init__(model, separator="、", field=field, **kwargs)
        self.what = what
        self.single = LookupWidget(model, field, what=what)

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in LIST_SEPARATORS.split(as_text(value)) if name.strip()]
        unknown = [name for name in names if name not in self.single.known()]
        if unknown:
            raise ValueError(
                _("Unknown %(what)s “%(value)s”.")
                % {"what": self.what, "value": "、".join(unknown)[:80]}
            )
        # A list (not a queryset): the row is cleaned several times, with no query.
        return [self.single.known()[name] for name in dict.fromkeys(names)]

    def render(self, value, obj=None, **kwargs):
        """The records' names: of a relation's manager, or of a list (a new row's links
        before they are written)."""
        if value is None:
            return ""
        related = value.all() if hasattr(value, "all") else value
        return "、".join(sorted(str(getattr(item, self.field)) for item in related))
