from django import forms
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin
from shanwang.validators import PhotoValidator

from . import selectors
from .models import Milestone, ProgressReport, Project, ReportTransition, StageTransition
from .workflows import STAGE_TRANSITIONS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def comment_field(transition_model) -> forms.CharField:
    """Return the comment box of a workflow step, as long as its record's comment may be."""
    return transition_model._meta.get_field("comment").formfield(
        label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProjectForm(BootstrapFormMixin, forms.ModelForm):
    """A project's key figures; who answers for it only for reviewers and administrators."""

    class Meta:
        model = Project
        fields = [
            "location",
            "site_latitude",
            "site_longitude",
            "villages",
            "scope_quantity",
            "scope_unit",
            "total_investment",
            "statistics_registered",
            "statistics_registered_year",
            "planned_start",
            "planned_completion",
            "actual_start",
            "actual_completion",
            "responsible_unit",
            "contact_person",
            "supervising_leader",
            "description",
        ]
        widgets = {
            "villages": forms.CheckboxSelectMultiple,
            "planned_start": DATE_WIDGET,
            "planned_completion": DATE_WIDGET,
            "actual_start": DATE_WIDGET,
            "actual_completion": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, can_assign: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_assign:
            for name in ("responsible_unit", "contact_person", "supervising_leader"):
                del self.fields[name]


class StageChangeForm(BootstrapFormMixin, forms.Form):
    transition = forms.ChoiceField(
        label=_("stage change"),
        choices=[(name, step.label) for name, step in STAGE_TRANSITIONS.items()],
    )
    actual_start = forms.DateField(label=_("actual start"), required=False, widget=DATE_WIDGET)
    actual_completion = forms.DateField(
        label=_("actual completion"), required=False, widget=DATE_WIDGET
    )
    comment = comment_field(StageTransition)


class MilestoneForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_date", "note"]
        widgets = {"due_date": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 2})}


class MonthField(forms.DateField):
    """A month picker (YYYY-MM) whose value is the first day of that month."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class ProgressReportForm(BootstrapFormMixin, forms.ModelForm):
    month = MonthField(label=_("month"))
    photo = forms.ImageField(
        label=_("site photo"),
        required=False,
        validators=[PhotoValidator()],
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=_("JPEG, PNG or WebP, at most 10 MB."),
    )
    photo_caption = forms.CharField(label=_("caption"), required=False, max_length=200)

    class Meta:
        model = ProgressReport
        fields = [
            "month",
            "physical_progress",
            "investment_completed",
            "narrative",
            "problems",
            "deviation_explanation",
        ]
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 4}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "deviation_explanation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["month"]  # the month of a report never changes
        else:
            # The month whose report is due (on 1 December: November's).
            self.initial.setdefault("month", selectors.report_month_due())


class ReportTransitionForm(BootstrapFormMixin, forms.Form):
    comment = comment_field(ReportTransition)
