import inspect

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableQuerysetData
from django_tables2.utils import Accessor, signature

from shanwang import formatting
from shanwang.people import person_name
from shanwang.tables import BaseTable

from .models import Project
from .querysets import Light, LightReason


def wide_screens_only(css: str = "") -> dict:
    """Column attributes that hide a column on phones, where the table must fit 375 px."""
    hidden = f"d-none d-md-table-cell {css}".strip()
    return {"th": {"class": hidden}, "td": {"class": hidden}}


def _inspected_once(function):
    """Return ``function`` with its signature worked out now: django-tables2 inspects a
    column's render function for every cell (a sixth of a 100-row page's time)."""

    def call(*args, **kwargs):
        return function(*args, **kwargs)

    call.__signature__ = inspect.signature(function)
    return call


class ExportColumn:
    """Reads one column's export values as django-tables2's BoundRow.get_cell_value does
    (``rendered``: its cells' HTML, as BoundRow.get_cell does), with what is the same
    down the column (the field's choices, the arguments of the value or render function,
    the default) worked out once: cell by cell, the library spent most of a 10,000-row
    export inspecting functions and hashing choice lists, and a third of a 100-row page.
    Columns reached through a relation (``a__b``) are left to the library."""

    def __init__(self, bound_column, table, *, rendered: bool = False):
        self.bound_column = bound_column
        self.name = bound_column.name
        self.attribute = str(bound_column.accessor)
        model = table._meta.model
        self.simple = model is not None and Accessor.SEPARATOR not in self.attribute
        self.labels = None
        if self.simple:
            try:
                field = model._meta.get_field(self.attribute)
            except FieldDoesNotExist:
                field = None
            if getattr(field, "choices", None) and hasattr(model, f"get_{field.name}_display"):
                # Model._get_FIELD_display, with the choices hashed once.
                self.labels = dict(make_hashable(field.flatchoices))
                self.attname = field.attname
        self.many_to_many = isinstance(bound_column.column, tables.ManyToManyColumn)
        self.empty_values = bound_column.column.empty_values
        self.rendered = rendered
        self.link = bound_column.link if rendered else None
        self.default = bound_column.default if rendered else None
        self.function = bound_column.render if rendered else bound_column.value
        if getattr(self.function, "__func__", None) is tables.Column.value:
            # Column.value only calls render with the arguments render takes.
            self.function = bound_column.column.render
        arguments, any_keyword = signature(self.function)
        self.arguments = None if any_keyword else set(arguments)
        self.table = table

    def value(self, row):
        if not self.simple:
            return row.get_cell(self.name) if self.rendered else row.get_cell_value(self.name)
        record = row.record
        if self.labels is not None:
            raw = getattr(record, self.attname)
            value = force_str(self.labels.get(make_hashable(raw), raw), strings_only=True)
        else:
            value = getattr(record, self.attribute)
            if callable(value) and not getattr(value, "do_not_call_in_templates", False):
                if getattr(value, "alters_data", False):
                    return self.default  # as the library: never called from a table
                value = value()
        if value in self.empty_values or (self.many_to_many and not value.exists()):
            return self.default
        arguments = {
            "value": value,
            "record": record,
            "column": self.bound_column.column,
            "bound_column": self.bound_column,
            "bound_row": row,
            "table": self.table,
        }
        if self.arguments is None:
            content = self.function(**arguments)
        elif self.arguments <= arguments.keys():
            content = self.function(**{name: arguments[name] for name in self.arguments})
        else:
            content = None  # as the library: a function asking for more is not called
        return self.link(content, **arguments) if self.link else content


class ProjectPages(TableQuerysetData):
    """The table's rows, read page by page: a page's projects are chosen by the filters
    and the sort alone, and only those get their figures computed, so page 300 costs
    what page 1 does (one query: ``WHERE id IN (SELECT id … LIMIT 25 OFFSET 7475)``)."""

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.data.filter(pk__in=self.data.values("pk")[key])
        return self.data[key]


class ProjectTable(BaseTable):
    # The results are boosted by htmx for sorting and paging; a project opens as a page.
    # Sorted by pinyin (Project.name_sort), as the list is by default.
    name = tables.Column(
        linkify=True,
        verbose_name=_("name"),
        order_by=("name_sort", "name"),
        attrs={"a": {"hx-boost": "false"}},
    )
    category = tables.Column(attrs=wide_screens_only())
    villages = tables.ManyToManyColumn(
        verbose_name=_("villages"), orderable=False, attrs=wide_screens_only()
    )
    total_investment = tables.Column(
        verbose_name=_("total investment (10k yuan)"), attrs=wide_screens_only("text-end")
    )
    year_completed_share = tables.Column(
        verbose_name=_("completed this year (%)"), attrs={"td": {"class": "text-end"}}
    )
    light = tables.Column(verbose_name=_("traffic light"))
    next_milestone_due = tables.Column(verbose_name=_("next milestone"), attrs=wide_screens_only())
    # Shown under the date on the page; a column of its own in exports.
    next_milestone_title = tables.Column(
        verbose_name=_("next milestone title"), visible=False, orderable=False
    )
    contact_person = tables.Column(
        verbose_name=_("contact person"),
        order_by=("contact_person__last_name",),
        attrs=wide_screens_only(),
    )
    # In exports only (the project page shows it); the list's search finds it.
    code = tables.Column(verbose_name=_("project code"), visible=False, orderable=False)

    class Meta(BaseTable.Meta):
        model = Project
        # The rows come from rows_html(); sorting and paging stay the library's.
        template_name = "projects/project_table.html"
        fields = (
            "name",
            "category",
            "stage",
            "villages",
            "total_investment",
            "year_completed_share",
            "light",
            "next_milestone_due",
            "next_milestone_title",
            "contact_person",
            "code",
        )

    def __init__(self, data=None, *args, **kwargs):
        if TableQuerysetData.validate(data):
            data = ProjectPages(data)
        super().__init__(data, *args, **kwargs)
        for bound_column in self.columns.iterall():
            bound_column.render = _inspected_once(bound_column.render)

    def rows_html(self) -> str:
        """The body rows of the page as django-tables2's template writes them
        (``<tr class="even">``, each ``<td>`` with its column's attributes, the cell
        localized and escaped as ``{{ cell }}`` is), made in Python: the library's
        template loop spent half of a 100-row page on each cell's tags and attributes.
        Column attributes here are fixed, not computed per record."""
        columns = list(self.columns)
        readers = [ExportColumn(column, self, rendered=True) for column in columns]
        opening = [format_html("<td {}>", column.attrs["td"].as_html()) for column in columns]
        html = []
        for row in self.paginated_rows:
            html.append(format_html("<tr {}>", row.attrs.as_html()))
            for reader, td, column in zip(readers, opening, columns, strict=True):
                cell = template_localtime(reader.value(row))
                cell = (
                    localize(cell)
                    if column.localize is None
                    else localize(cell, use_l10n=column.localize)
                )
                html.append(td + conditional_escape(cell) + "</td>")
            html.append("</tr>")
        return mark_safe("".join(html))

    def as_values(self, exclude_columns=None):
        """The rows an export writes: django-tables2's own as_values(), read column by
        column (see ExportColumn)."""
        exclude_columns = exclude_columns or ()
        columns = [
            column
            for column in self.columns.iterall()
            if not (column.column.exclude_from_export or column.name in exclude_columns)
        ]
        yield [force_str(column.header, strings_only=True) for column in columns]
        readers = [ExportColumn(column, self) for column in columns]
        for row in self.rows:
            yield [force_str(reader.value(row), strings_only=True) for reader in readers]

    def render_total_investment(self, value):
        return formatting.amount_number(value)

    def value_total_investment(self, value):
        return value

    def render_year_completed_share(self, value):
        return formatting.points(value * 100)

    def value_year_completed_share(self, value):
        return round(value * 100, 1) if value is not None else None

    def render_light(self, value, record):
        """The light, and for red and yellow why, in words (the project page's first line
        says it with the figures)."""
        if value not in (Light.RED, Light.YELLOW):
            return format_html(
                '<span class="light light-{}" aria-hidden="true"></span> {}',
                value,
                record.get_light_display(),
            )
        return format_html(
            '<span class="light light-{}" aria-hidden="true"></span> {}'
            '<div class="small text-body-secondary" data-testid="light-reason">{}</div>',
            value,
            record.get_light_display(),
            LightReason(record.light_reason).label,
        )

    def value_light(self, value):
        return Light(value).label

    def render_contact_person(self, value):
        return person_name(value)

    def value_contact_person(self, value):
        return person_name(value)

    def render_next_milestone_due(self, value, record):
        if value is None:
            return "—"
        return format_html(
            '{}<br><span class="small text-body-secondary">{}</span>',
            value.isoformat(),
            record.next_milestone_title,
        )

    def value_next_milestone_due(self, value):
        return value

    def value_villages(self, value):
        return "、".join(village.name for village in value.all())
