import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin
from villages.models import Village

from .models import AnnualPlan, Project
from .models.portfolio import normalized_project_code
from .querysets import Light

#: What may be part of a project code (digits and dashes, up to the whole code).
PART_OF_A_CODE = re.compile(r"[0-9-]{1,24}")


class ProjectFilterForm(BootstrapFormMixin, forms.Form):
    pass


class ProjectFilter(django_filters.FilterSet):
    """The project list's filters; every one lives in the URL's query string."""

    q = django_filters.CharFilter(label=_("search"), method="search")
    category = django_filters.ChoiceFilter(
        label=_("category"), choices=Project.Category.choices, empty_label=_("all")
    )
    stage = django_filters.ChoiceFilter(
        label=_("stage"), choices=Project.Stage.choices, empty_label=_("all")
    )
    village = django_filters.ModelChoiceFilter(
        label=_("village"),
        field_name="villages",
        queryset=Village.objects.all(),  # in pinyin order
        empty_label=_("all"),
    )
    year = django_filters.NumberFilter(label=_("plan year"), method="filter_year")
    statistics_registered = django_filters.BooleanFilter(
        label=_("statistics registered"),
        widget=forms.Select(choices=[("", _("all")), ("true", _("yes")), ("false", _("no"))]),
    )
    light = django_filters.ChoiceFilter(
        label=_("traffic light"), choices=Light.choices, empty_label=_("all")
    )
    overdue = django_filters.BooleanFilter(
        label=_("has an overdue milestone"),
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )
    mine = django_filters.BooleanFilter(
        label=_("my projects"), method="filter_mine", widget=forms.CheckboxInput
    )

    class Meta:
        model = Project
        fields = []
        form = ProjectFilterForm

    def search(self, queryset, name, value):
        """Projects whose name or description holds ``value``, or whose name's pinyin or
        initials do (zhanglou or zlc find 张楼村标准化厂房), or whose project code holds
        it, typed with full-width digits or spaces too (340405-48 or ０１２３４５)."""
        found = Q(name__icontains=value) | Q(description__icontains=value)
        letters = re.sub(r"[\s'’]", "", value).lower()
        if letters and letters.isascii() and letters.isalnum():
            found |= Q(name_pinyin__contains=letters) | Q(name_initials__contains=letters)
        code = normalized_project_code(value)
        if code and PART_OF_A_CODE.fullmatch(code):
            found |= Q(code__contains=code)
        return queryset.filter(found)

    def filter_year(self, queryset, name, value):
        """Projects with an annual plan for that year."""
        return queryset.filter(pk__in=AnnualPlan.objects.filter(year=value).values("project"))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_milestone_count__gt=0) if value else queryset

    def filter_mine(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return queryset.filter(pk__in=Project.objects.managed_by(self.request.user).values("pk"))
