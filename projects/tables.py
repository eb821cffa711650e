import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shanwang.tables import BaseTable
from shanwang.templatetags.shanwang import person_name

from .models import Project


class ProjectTable(BaseTable):
    name = tables.Column(linkify=True, verbose_name=_("name"))
    villages = tables.ManyToManyColumn(verbose_name=_("villages"), orderable=False)
    light = tables.Column(verbose_name=_("traffic light"), order_by=("light",))
    next_milestone_due = tables.Column(verbose_name=_("next milestone"))
    contact_person = tables.Column(verbose_name=_("contact person"))

    class Meta(BaseTable.Meta):
        model = Project
        fields = (
            "name",
            "category",
            "stage",
            "villages",
            "total_investment",
            "light",
            "next_milestone_due",
            "contact_person",
        )

    def render_light(self, value, record):
        return format_html(
            '<span class="light light-{}" aria-hidden="true"></span> {}',
            value,
            record.get_light_display(),
        )

    def render_contact_person(self, value):
        return person_name(value)

    def render_next_milestone_due(self, value, record):
        if value is None:
            return "—"
        return format_html(
            '{}<br><span class="small text-body-secondary">{}</span>',
            value.isoformat(),
            record.next_milestone_title,
        )
