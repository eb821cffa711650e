import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shanwang.tables import BaseTable
from shanwang.templatetags.shanwang import person_name

from .models import Project
from .querysets import Light


def wide_screens_only(css: str = "") -> dict:
    """Column attributes that hide a column on phones, where the table must fit 375 px."""
    hidden = f"d-none d-md-table-cell {css}".strip()
    return {"th": {"class": hidden}, "td": {"class": hidden}}


class ProjectTable(BaseTable):
    # The results are boosted by htmx for sorting and paging; a project opens as a page.
    name = tables.Column(linkify=True, verbose_name=_("name"), attrs={"a": {"hx-boost": "false"}})
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

    class Meta(BaseTable.Meta):
        model = Project
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
        )

    def render_year_completed_share(self, value):
        return f"{value * 100:.1f}"

    def value_year_completed_share(self, value):
        return round(value * 100, 1) if value is not None else None

    def render_light(self, value, record):
        return format_html(
            '<span class="light light-{}" aria-hidden="true"></span> {}',
            value,
            record.get_light_display(),
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
