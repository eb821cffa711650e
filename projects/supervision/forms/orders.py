"""The supervision order's forms: the order issued on a project (or one of its
problems), with its reply deadline as "within N working days" or a date, and one form
per step of its loop (reply, accept, send back)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ...choices import ProblemStatus
from ...models import Problem, SupervisionOrder, SupervisionOrderTransition
from ..services import REPLY_WORKING_DAYS
from ..workflow import ORDER_STEPS
from .ledger import BuiltForm, comment_field, model_field

#: The reply deadline the issue form proposes: 限时回复, three working days.
DEFAULT_REPLY_WORKING_DAYS = 3


class ProblemChoiceField(forms.ModelChoiceField):
    """A choice among a project's open problems, by their description."""

    def label_from_instance(self, obj):
        return obj.description if len(obj.description) <= 60 else f"{obj.description[:59]}…"


class OrderIssueForm(BootstrapFormMixin, BuiltForm):
    """A new supervision order on ``project``; on one of its open problems when chosen."""

    WITHIN = "within"
    BY_DATE = "date"

    def __init__(self, *args, project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)
        # Boxes to tick, not a text box: the mixin's form-control does not fit them.
        self.fields["reply_by"].widget.attrs["class"] = "form-check-input"

    def build_fields(self):
        self.fields["content"] = model_field(SupervisionOrder, "content", required=True)
        self.fields["level"] = model_field(SupervisionOrder, "level", required=True)
        self.fields["responsible_unit"] = model_field(
            SupervisionOrder, "responsible_unit", required=True
        )
        self.fields["responsible_person"] = model_field(
            SupervisionOrder, "responsible_person", required=False
        )
        self.fields["problem"] = ProblemChoiceField(
            label=SupervisionOrder._meta.get_field("problem").verbose_name,
            queryset=Problem.objects.filter(
                project=self.project, status__in=ProblemStatus.open()
            ).order_by("pk"),
            required=False,
        )
        self.fields["reply_by"] = forms.ChoiceField(
            label=_("reply required"),
            choices=[
                (self.WITHIN, _("within a number of working days")),
                (self.BY_DATE, _("by a date")),
            ],
            initial=self.WITHIN,
            widget=forms.RadioSelect,
        )
        self.fields["reply_within_working_days"] = forms.IntegerField(
            label=_("working days to reply"),
            min_value=REPLY_WORKING_DAYS[0],
            max_value=REPLY_WORKING_DAYS[-1],
            initial=DEFAULT_REPLY_WORKING_DAYS,
            required=False,
            help_text=_("Counted from today, holidays left out."),
        )
        self.fields["reply_deadline"] = model_field(
            SupervisionOrder, "reply_deadline", required=False
        )

    def clean(self):
        data = super().clean()
        if data.get("reply_by") == self.WITHIN:
            data["reply_deadline"] = None
            if data.get("reply_within_working_days") is None and not self.has_error(
                "reply_within_working_days"
            ):
                self.add_error(
                    "reply_within_working_days",
                    ValidationError(
                        _("Give the number of working days the unit has to reply."),
                        code="required",
                    ),
                )
        elif data.get("reply_by") == self.BY_DATE:
            data["reply_within_working_days"] = None
            if data.get("reply_deadline") is None and not self.has_error("reply_deadline"):
                self.add_error(
                    "reply_deadline",
                    ValidationError(_("Give the date the reply is due."), code="required"),
                )
        return data

    def issue_arguments(self) -> dict:
        """Return what the service's order_issue takes from the form."""
        data = dict(self.cleaned_data)
        data.pop("reply_by", None)
        return data


class OrderStepForm(BootstrapFormMixin, BuiltForm):
    """The form of one step of an order (``workflow.ORDER_STEPS``), with ids that carry
    the step's name (the order page holds one form per step the user may take)."""

    multipart = False

    def __init__(self, *args, step: str, order: SupervisionOrder, **kwargs):
        self.step = ORDER_STEPS[step]
        self.order = order
        kwargs.setdefault("auto_id", f"id_{step}_%s")
        super().__init__(*args, **kwargs)

    def build_fields(self):
        for name in self.step.fields:
            self.fields[name] = model_field(
                SupervisionOrder, name, required=name in self.step.required
            )
        self.fields["comment"] = comment_field(
            SupervisionOrderTransition, required=self.step.needs_comment
        )

    def step_arguments(self) -> dict:
        """Return what the service's order_step takes from the form."""
        return dict(self.cleaned_data)
