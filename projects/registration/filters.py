"""The filters of the list of projects started and not registered (开工未入库); they live
in the URL's query string, so that an export holds exactly the rows the page lists."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ..models import ResponsibleUnit
from ..querysets import Light


class UnregisteredFilterForm(BootstrapFormMixin, forms.Form):
    pass


class UnregisteredFilter(django_filters.FilterSet):
    responsible_unit = django_filters.ModelChoiceFilter(
        label=_("responsible unit"),
        queryset=ResponsibleUnit.objects.all(),  # in pinyin order
        empty_label=_("all"),
    )
    registration_light = django_filters.ChoiceFilter(
        label=_("registration light"),
        choices=[(light, light.label) for light in (Light.RED, Light.YELLOW, Light.GREEN)],
        empty_label=_("all"),
    )

    class Meta:
        fields = []
        form = UnregisteredFilterForm
