"""The baselines' forms: freezing a year's plan, and the filter of a year's comparison."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin
from shanwang.models import FIRST_YEAR, LAST_YEAR

from ..choices import BaselineKind
from ..models import PlanBaseline, Project, ResponsibleUnit

REASON_MAX = PlanBaseline._meta.get_field("reason").max_length


class BaselineFreezeForm(BootstrapFormMixin, forms.Form):
    """冻结基线: the year, which baseline, and why (the service holds the rules)."""

    year = forms.IntegerField(label=_("year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    kind = forms.ChoiceField(label=_("baseline"), choices=BaselineKind.choices)
    reason = forms.CharField(
        label=_("reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the plan adopted by the town's meeting of 15 January."),
    )


class ComparisonFilterForm(BootstrapFormMixin, forms.Form):
    """The year's comparison narrowed to a responsible unit or a category (?unit=&category=)."""

    unit = forms.ModelChoiceField(
        label=_("responsible unit"),
        queryset=ResponsibleUnit.objects.all(),
        required=False,
        empty_label=_("all"),
    )
    category = forms.ChoiceField(
        label=_("category"),
        choices=[("", _("all")), *Project.Category.choices],
        required=False,
    )
    moved = forms.BooleanField(label=_("moved plans only"), required=False)

    def narrow(self, projects):
        """Return ``projects`` narrowed by the valid filters."""
        if not self.is_valid():
            return projects
        if self.cleaned_data["unit"] is not None:
            projects = projects.filter(responsible_unit=self.cleaned_data["unit"])
        if self.cleaned_data["category"]:
            projects = projects.filter(category=self.cleaned_data["category"])
        return projects
