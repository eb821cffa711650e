"""The filters of the town-wide approvals list; they live in the URL's query string."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ..choices import ApprovalStatus
from ..models import ResponsibleUnit


class ApprovalFilterForm(BootstrapFormMixin, forms.Form):
    pass


#: The list's default: the approvals late today.
OVERDUE_CHOICES = [("yes", _("overdue only")), ("all", _("all approvals"))]


class ApprovalFilter(django_filters.FilterSet):
    """Status, overdue (the default: only those late today) and the project's unit."""

    status = django_filters.ChoiceFilter(
        label=_("status"), choices=ApprovalStatus.choices, empty_label=_("all")
    )
    overdue = django_filters.ChoiceFilter(
        label=_("overdue"),
        choices=OVERDUE_CHOICES,
        method="filter_overdue",
        empty_label=None,
        null_label=None,
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("responsible unit"),
        field_name="project__responsible_unit",
        queryset=ResponsibleUnit.objects.all(),
        empty_label=_("all"),
    )

    class Meta:
        fields = []
        form = ApprovalFilterForm

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("overdue", "yes")
        super().__init__(data, *args, **kwargs)

    def filter_overdue(self, queryset, name, value):
        """The items late today: the rule of ApprovalItem.is_overdue_on."""
        if value == "all":
            return queryset
        return queryset.overdue_on(timezone.localdate())
