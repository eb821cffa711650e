"""The ledger's forms: a problem raised on a project, and one form per step of its loop,
made from the step's definition in workflow.py (its fields, what it requires, whether
it needs a comment or takes evidence)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin
from shanwang.people import person_name

from ...models import Problem, ProblemTransition, ResponsibleUnit
from ...selectors import people_with_a_role
from ..workflow import PROBLEM_STEPS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: What the evidence picker offers; the service checks the content whatever was chosen.
EVIDENCE_ACCEPT = "image/*,.pdf,.docx,.xlsx"


class PeopleFieldMixin:
    """A choice among ``people_with_a_role``, named as people write names (王芳)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", people_with_a_role())
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return person_name(obj)


class PersonChoiceField(PeopleFieldMixin, forms.ModelChoiceField):
    """The choice of one person."""


def unit_field(*, required: bool, label=None) -> forms.ModelChoiceField:
    """Return the choice of a responsible unit (departments, then village committees)."""
    return forms.ModelChoiceField(
        label=label or _("responsible unit"),
        queryset=ResponsibleUnit.objects.all(),
        required=required,
    )


def model_field(model, name: str, *, required: bool) -> forms.Field:
    """Return the form field of ``model``'s field ``name``: dates with the date picker,
    texts as boxes of a few lines, people as names, units from their list."""
    if name == "responsible_person":
        return PersonChoiceField(label=model._meta.get_field(name).verbose_name, required=required)
    if name == "responsible_unit":
        return unit_field(required=required, label=model._meta.get_field(name).verbose_name)
    field = model._meta.get_field(name).formfield()
    field.required = required
    if isinstance(field, forms.DateField):
        field.widget = DATE_WIDGET
    elif isinstance(field.widget, forms.Textarea):
        field.widget.attrs["rows"] = 3
    if isinstance(field, forms.TypedChoiceField) and required:
        # A choice with a default (level, kind) offers no empty entry.
        field.choices = [choice for choice in field.choices if choice[0] != ""]
    return field


def comment_field(transition_model, *, required: bool) -> forms.CharField:
    """Return the comment box of a step, as long as its record's comment may be."""
    return transition_model._meta.get_field("comment").formfield(
        label=_("comment"), required=required, widget=forms.Textarea(attrs={"rows": 2})
    )


class BuiltForm(forms.Form):
    """A form whose fields are made when it is (``build_fields``), before
    BootstrapFormMixin styles them: list the mixin first, ``class F(BootstrapFormMixin,
    BuiltForm)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.build_fields()

    def build_fields(self):
        raise NotImplementedError


class ProblemRaiseForm(BootstrapFormMixin, BuiltForm):
    """A new problem on a project. Who may assign problems also chooses the unit, the
    person and the deadline, and the problem is assigned at once."""

    ASSIGNMENT = ("responsible_unit", "responsible_person", "deadline")

    def __init__(self, *args, can_assign: bool, **kwargs):
        self.can_assign = can_assign
        super().__init__(*args, **kwargs)

    def build_fields(self):
        self.fields["description"] = model_field(Problem, "description", required=True)
        self.fields["kind"] = model_field(Problem, "kind", required=True)
        self.fields["level"] = model_field(Problem, "level", required=True)
        if self.can_assign:
            for name in self.ASSIGNMENT:
                self.fields[name] = model_field(Problem, name, required=False)
        self.fields["comment"] = comment_field(ProblemTransition, required=False)


class ProblemStepForm(BootstrapFormMixin, BuiltForm):
    """The form of one step of a problem (``workflow.PROBLEM_STEPS``): the fields the
    step sets (filled with the problem's values where the step changes them, as the
    assignment does), the comment (required when the step needs one) and the evidence
    where the step takes it. Its ids carry the step's name: the problem page holds one
    form per step the user may take."""

    def __init__(self, *args, step: str, problem: Problem, **kwargs):
        self.step = PROBLEM_STEPS[step]
        self.problem = problem
        kwargs.setdefault("auto_id", f"id_{step}_%s")
        super().__init__(*args, **kwargs)

    def build_fields(self):
        step = self.step
        for name in step.fields:
            self.fields[name] = model_field(Problem, name, required=name in step.required)
            if step.name == "assign":
                attribute = Problem._meta.get_field(name).attname  # no query for a unit
                self.initial.setdefault(name, getattr(self.problem, attribute))
        self.fields["comment"] = comment_field(ProblemTransition, required=step.needs_comment)
        if step.takes_evidence:
            self.fields["evidence"] = forms.FileField(
                label=ProblemTransition._meta.get_field("evidence").verbose_name,
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
                help_text=_("A photo, or a PDF, Word (DOCX) or Excel (XLSX) file."),
            )

    @property
    def multipart(self) -> bool:
        return "evidence" in self.fields

    def step_arguments(self) -> dict:
        """Return what the service's problem_step takes from the form."""
        data = dict(self.cleaned_data)
        if not data.get("evidence"):
            data.pop("evidence", None)
        return data
