"""The filters of the problem ledger and of the supervision orders; every one lives in
the URL's query string, so that an export holds exactly the rows the page lists."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ..choices import OrderStatus, ProblemStatus, SupervisionLevel
from ..models import Problem, Project, ResponsibleUnit, SupervisionOrder
from . import selectors


class SupervisionFilterForm(BootstrapFormMixin, forms.Form):
    pass


class SupervisionFilter(django_filters.FilterSet):
    """What the two lists share: level, unit, project, overdue only, mine."""

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

    def filter_overdue(self, queryset, name, value):
        """The rows late on today's date: the rule of the model's ``overdue_on``."""
        return queryset.overdue_on(timezone.localdate()) if value else queryset

    def filter_mine(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return selectors.mine(queryset, self.request.user)


def projects_with(model):
    """The projects to choose from: those with an item on the list (not the whole
    portfolio, which may run to thousands), in pinyin order."""
    return (
        Project.objects.filter(pk__in=model.objects.values("project"))
        .order_by("name_sort", "name")
        .only("pk", "name")
    )


class ProblemFilter(SupervisionFilter):
    project = django_filters.ModelChoiceFilter(
        label=_("project"), queryset=projects_with(Problem), empty_label=_("all")
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=ProblemStatus.choices, empty_label=_("all")
    )
    kind = django_filters.ChoiceFilter(
        label=_("kind"), choices=Problem.Kind.choices, empty_label=_("all")
    )

    class Meta(SupervisionFilter.Meta):
        model = Problem


class OrderFilter(SupervisionFilter):
    project = django_filters.ModelChoiceFilter(
        label=_("project"), queryset=projects_with(SupervisionOrder), empty_label=_("all")
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=OrderStatus.choices, empty_label=_("all")
    )

    class Meta(SupervisionFilter.Meta):
        model = SupervisionOrder
