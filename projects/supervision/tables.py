"""The tables of the problem ledger (问题台账) and of the supervision orders (督办单), and
the ledger's export in the column layout a county 问题台账 uses."""

import django_tables2 as tables
from django.db.models import F
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shanwang.people import person_name
from shanwang.tables import BaseTable

from ..models import Problem, SupervisionOrder
from ..tables import wide_screens_only
from ..templatetags.portfolio_terms import level_badge, status_badge

#: The county ledger's overdue mark, in its words whatever the page's language.
OVERDUE_MARK = "已逾期"


class SupervisionTable(BaseTable):
    """What the two tables share: the day lateness is judged on (today by default)."""

    def __init__(self, *args, on=None, **kwargs):
        self.on = on or timezone.localdate()
        super().__init__(*args, **kwargs)

    def render_level(self, record):
        return level_badge(record)

    def value_level(self, record):
        return record.get_level_display()

    def render_responsible_person(self, value):
        return person_name(value)

    def value_responsible_person(self, value):
        return person_name(value)


def shortened(text: str) -> str:
    """Return ``text`` cut to 60 characters for a list's line."""
    return text if len(text) <= 60 else f"{text[:59]}…"


class SupervisionListTable(SupervisionTable):
    """The columns and cells the page lists of problems and of orders share: the
    project and the unit in pinyin order, the level, the status with its overdue badge,
    the due date marked when late."""

    project = tables.Column(
        verbose_name=_("project"),
        order_by=("project__name_sort", "project__name"),
        attrs=wide_screens_only(),
    )
    level = tables.Column(verbose_name=_("supervision level"))
    responsible_unit = tables.Column(
        verbose_name=_("responsible unit"),
        order_by=("responsible_unit__name_sort", "responsible_unit__name"),
        attrs=wide_screens_only(),
    )
    status = tables.Column(verbose_name=_("status"))

    def render_project(self, value):
        return value.name

    def value_project(self, value):
        return value.name

    def render_status(self, record):
        return status_badge(record, overdue=record.is_overdue_on(self.on))

    def due_date(self, value, record):
        """Return the cell of the item's due date, marked when the item is late."""
        if record.is_overdue_on(self.on):
            return format_html('<span class="overdue">{}</span>', value.isoformat())
        return value.isoformat()


def by_deadline(queryset, is_descending: bool):
    """Order problems by deadline either way, those without one last (on SQLite and
    PostgreSQL alike)."""
    deadline = F("deadline")
    return (
        queryset.order_by(
            deadline.desc(nulls_last=True) if is_descending else deadline.asc(nulls_last=True),
            "pk",
        ),
        True,
    )


class ProblemTable(SupervisionListTable):
    # The results are boosted by htmx for sorting and paging; a problem opens as a page.
    description = tables.Column(
        linkify=True, verbose_name=_("problem description"), attrs={"a": {"hx-boost": "false"}}
    )
    kind = tables.Column(verbose_name=_("kind"), attrs=wide_screens_only())
    responsible_person = tables.Column(
        verbose_name=_("person responsible"),
        order_by=("responsible_person__last_name", "responsible_person__first_name"),
        attrs=wide_screens_only(),
    )
    deadline = tables.Column(verbose_name=_("deadline"), attrs={"td": {"class": "text-nowrap"}})

    class Meta(SupervisionListTable.Meta):
        model = Problem
        fields = (
            "description",
            "project",
            "kind",
            "level",
            "responsible_unit",
            "responsible_person",
            "deadline",
            "status",
        )

    def render_description(self, value):
        return shortened(value)

    def order_deadline(self, queryset, is_descending):
        return by_deadline(queryset, is_descending)

    def render_deadline(self, value, record):
        return self.due_date(value, record)

    def value_status(self, record):
        return record.get_status_display()


class ProblemLedgerExport(SupervisionTable):
    """The ledger as the county's 问题台账 sheet: 序号, 项目名称, 问题描述, 责任单位, 责任人,
    办结时限, 办理进展, 状态, headed in Chinese whatever the page's language. The columns
    the page sorts by keep their names, so that the export is sorted as the page is."""

    number = tables.Column(verbose_name="序号", empty_values=(), orderable=False)
    project = tables.Column(
        verbose_name="项目名称", order_by=("project__name_sort", "project__name")
    )
    description = tables.Column(verbose_name="问题描述")
    responsible_unit = tables.Column(
        verbose_name="责任单位",
        order_by=("responsible_unit__name_sort", "responsible_unit__name"),
    )
    responsible_person = tables.Column(
        verbose_name="责任人",
        order_by=("responsible_person__last_name", "responsible_person__first_name"),
    )
    deadline = tables.Column(verbose_name="办结时限")
    progress = tables.Column(verbose_name="办理进展", empty_values=(), orderable=False)
    status = tables.Column(verbose_name="状态")

    class Meta(SupervisionTable.Meta):
        model = Problem
        fields = ()
        sequence = (
            "number",
            "project",
            "description",
            "responsible_unit",
            "responsible_person",
            "deadline",
            "progress",
            "status",
        )

    def as_values(self, exclude_columns=None):
        """The sheet's rows, numbered 1..n, in Chinese (the county's sheet)."""
        with translation.override("zh-hans"):
            for index, row in enumerate(super().as_values(exclude_columns)):
                yield row if index == 0 else [index, *row[1:]]

    def order_deadline(self, queryset, is_descending):
        return by_deadline(queryset, is_descending)

    def value_number(self):
        return None

    def value_project(self, value):
        return value.name

    def value_responsible_unit(self, value):
        return value.name

    def value_progress(self, record):
        """The latest progress reported, else the rectification plan."""
        return record.progress or record.rectification_plan

    def value_status(self, record):
        label = record.get_status_display()
        return f"{label}（{OVERDUE_MARK}）" if record.is_overdue_on(self.on) else label


class OrderTable(SupervisionListTable):
    content = tables.Column(
        linkify=True, verbose_name=_("what is required"), attrs={"a": {"hx-boost": "false"}}
    )
    issued_by = tables.Column(
        verbose_name=_("issued by"),
        order_by=("issued_by__last_name", "issued_by__first_name"),
        attrs=wide_screens_only(),
    )
    issued_on = tables.Column(verbose_name=_("issued on"), attrs=wide_screens_only())
    reply_deadline = tables.Column(
        verbose_name=_("reply deadline"), attrs={"td": {"class": "text-nowrap"}}
    )

    class Meta(SupervisionListTable.Meta):
        model = SupervisionOrder
        fields = (
            "content",
            "project",
            "level",
            "responsible_unit",
            "issued_by",
            "issued_on",
            "reply_deadline",
            "status",
        )

    def render_content(self, value):
        return shortened(value)

    def render_issued_by(self, value):
        return person_name(value)

    def value_issued_by(self, value):
        return person_name(value)

    def render_issued_on(self, value):
        return value.isoformat()

    def render_reply_deadline(self, value, record):
        return self.due_date(value, record)

    def value_status(self, record):
        label = record.get_status_display()
        return f"{label}（{_('overdue')}）" if record.is_overdue_on(self.on) else label
