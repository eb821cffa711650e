"""The table of the projects started and not registered (开工未入库), on the page and in
its export."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from shanwang import formatting
from shanwang.people import person_name
from shanwang.tables import BaseTable

from ..models import Project
from ..querysets import Light
from ..rules import may
from ..tables import wide_screens_only


class UnregisteredTable(BaseTable):
    # The results are boosted by htmx for sorting and paging; a project opens as a page.
    name = tables.Column(
        linkify=True,
        verbose_name=_("name"),
        order_by=("name_sort", "name"),
        attrs={"a": {"hx-boost": "false"}},
    )
    total_investment = tables.Column(
        verbose_name=_("total investment (10k yuan)"), attrs=wide_screens_only("text-end")
    )
    actual_start = tables.Column(verbose_name=_("actual start"), attrs=wide_screens_only())
    days_since_start = tables.Column(
        verbose_name=_("days since the start"),
        order_by=("actual_start",),
        attrs={"td": {"class": "text-end"}},
    )
    registration_light = tables.Column(verbose_name=_("registration light"))
    responsible_unit = tables.Column(
        verbose_name=_("responsible unit"),
        order_by=("responsible_unit__name_sort", "responsible_unit__name"),
        attrs=wide_screens_only(),
    )
    contact_person = tables.Column(
        verbose_name=_("contact person"),
        order_by=("contact_person__last_name", "contact_person__first_name"),
        attrs=wide_screens_only(),
    )
    record = tables.Column(
        verbose_name=_("record"), empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta(BaseTable.Meta):
        model = Project
        fields = (
            "name",
            "total_investment",
            "actual_start",
            "days_since_start",
            "registration_light",
            "responsible_unit",
            "contact_person",
            "record",
        )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def render_total_investment(self, value):
        return formatting.amount_number(value)

    def value_total_investment(self, value):
        return value

    def render_actual_start(self, value):
        return value.isoformat()

    def value_actual_start(self, value):
        return value

    def render_registration_light(self, value):
        return format_html(
            '<span class="light light-{}" aria-hidden="true"></span> {}', value, Light(value).label
        )

    def value_registration_light(self, value):
        return Light(value).label

    def render_responsible_unit(self, value):
        return value.name

    def value_responsible_unit(self, value):
        return value.name

    def render_contact_person(self, value):
        return person_name(value)

    def value_contact_person(self, value):
        return person_name(value)

    def render_record(self, record):
        """The link to the record form, for those who may record it (the project's rule:
        group and unit memberships are cached on the user, no query per row)."""
        if self.user is None or not may(self.user, "projects.record_registration", record):
            return ""
        return format_html(
            '<a class="btn btn-outline-primary btn-sm" href="{}" hx-boost="false">{}</a>',
            reverse("projects:registration_record", args=[record.pk])
            + "?"
            + urlencode({"next": reverse("projects:unregistered")}),
            _("Record the registration"),
        )
