"""The filters of the problem ledger and of the supervision orders; every one lives in
the URL's query string, so that an export holds exactly the rows the page lists."""

import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ..choices import OrderStatus, ProblemStatus, SupervisionLevel
from ..models import Problem, ResponsibleUnit, SupervisionOrder
from . import selectors


class SupervisionFilterForm(BootstrapFormMixin, forms.Form):
    pass


class SupervisionFilter(django_filters.FilterSet):
    """What the two lists share: a search, level, unit, project, overdue only, mine.

    The project is no list to choose from (a district holds thousands): the search ``q``
    finds it by name or pinyin, and ``project=<id>`` stays as the URL's filter of the
    links from a project's page (a hidden field, so the search keeps it)."""

    #: The item's own text the search looks in besides the project's name.
    text_field = ""

    q = django_filters.CharFilter(label=_("search"), method="search")
    project = django_filters.NumberFilter(field_name="project", widget=forms.HiddenInput)
    level = django_filters.ChoiceFilter(
        label=_("supervision level"), choices=SupervisionLevel.choices, empty_label=_("all")
    )
    responsible_unit = django_filters.ModelChoiceFilter(
        label=_("responsible unit"),
        queryset=ResponsibleUnit.objects.all(),  # in pinyin order
        empty_label=_("all"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    mine = django_filters.BooleanFilter(
        label=_("my units'"), method="filter_mine", widget=forms.CheckboxInput
    )

    class Meta:
        fields = []
        form = SupervisionFilterForm

    def search(self, queryset, name, value):
        """The items whose text holds ``value``, or whose project's name or its pinyin or
        initials do (zhanglou or zlc find 张楼村标准化厂房), as the project list searches."""
        found = Q(project__name__icontains=value) | Q(**{f"{self.text_field}__icontains": value})
        letters = re.sub(r"[\s'’]", "", value).lower()
        if letters and letters.isascii() and letters.isalnum():
            found |= Q(project__name_pinyin__contains=letters) | Q(
                project__name_initials__contains=letters
            )
        return queryset.filter(found)

    def filter_overdue(self, queryset, name, value):
        """The rows late on today's date: the rule of the model's ``overdue_on``."""
        return queryset.overdue_on(timezone.localdate()) if value else queryset

    def filter_mine(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return selectors.mine(queryset, self.request.user)


class ProblemFilter(SupervisionFilter):
    text_field = "description"
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=ProblemStatus.choices, empty_label=_("all")
    )
    kind = django_filters.ChoiceFilter(
        label=_("kind"), choices=Problem.Kind.choices, empty_label=_("all")
    )

    class Meta(SupervisionFilter.Meta):
        model = Problem


class OrderFilter(SupervisionFilter):
    text_field = "content"
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=OrderStatus.choices, empty_label=_("all")
    )

    class Meta(SupervisionFilter.Meta):
        model = SupervisionOrder
