"""The scheduling meeting's forms: the meeting's record, a decision made at it, and the
day (and meeting) of a pack."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shanwang.forms import BootstrapFormMixin

from ...choices import SupervisionLevel
from ...models import Problem, Project, SchedulingMeeting
from .ledger import DATE_WIDGET, PeopleFieldMixin, PersonChoiceField, unit_field


class PeopleChoiceField(PeopleFieldMixin, forms.ModelMultipleChoiceField):
    """The choice of several people (a meeting's attendees)."""


class ProjectNameField(forms.ModelChoiceField):
    """A project typed by its (unique) name rather than chosen from a list, which at
    district scale would hold thousands; the pack's and a project's links pre-fill it
    (``?project=<id>``). A project's id is taken too."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Project.objects.all())
        kwargs.setdefault(
            "error_messages", {"invalid_choice": _("No project has this name; check its spelling.")}
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.name if isinstance(value, Project) else super().prepare_value(value)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        found = self.queryset.filter(name=value).first()
        if found is None and value.isdigit():
            found = self.queryset.filter(pk=value).first()
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return found


class MeetingForm(BootstrapFormMixin, forms.Form):
    """A meeting's record: when, what, who chaired, who attended, the minutes, the next
    date. The service (meeting_save) validates and saves it."""

    held_on = SchedulingMeeting._meta.get_field("held_on").formfield(widget=DATE_WIDGET)
    title = SchedulingMeeting._meta.get_field("title").formfield()
    chair = PersonChoiceField(
        label=SchedulingMeeting._meta.get_field("chair").verbose_name, required=False
    )
    attendees = PeopleChoiceField(
        label=SchedulingMeeting._meta.get_field("attendees").verbose_name,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_attendees = SchedulingMeeting._meta.get_field("other_attendees").formfield()
    notes = SchedulingMeeting._meta.get_field("notes").formfield(
        widget=forms.Textarea(attrs={"rows": 6})
    )
    next_meeting_on = SchedulingMeeting._meta.get_field("next_meeting_on").formfield(
        widget=DATE_WIDGET
    )

    @classmethod
    def initial_of(cls, meeting: SchedulingMeeting) -> dict:
        """Return the form's initial values for editing ``meeting``."""
        return {
            "held_on": meeting.held_on,
            "title": meeting.title,
            "chair": meeting.chair_id,
            "attendees": [user.pk for user in meeting.attendees.all()],
            "other_attendees": meeting.other_attendees,
            "notes": meeting.notes,
            "next_meeting_on": meeting.next_meeting_on,
        }

    def clean(self):
        cleaned = super().clean()
        held_on, next_meeting_on = cleaned.get("held_on"), cleaned.get("next_meeting_on")
        # The table's constraint says it too, but for the record as a whole: here the
        # message stands at the field to correct.
        if held_on and next_meeting_on and next_meeting_on <= held_on:
            self.add_error("next_meeting_on", _("The next meeting comes after this one."))
        return cleaned


class DecisionForm(BootstrapFormMixin, forms.Form):
    """A decision of the meeting, which becomes in one step an assigned problem or an
    issued supervision order with its owner and deadline (meeting_decide)."""

    KINDS = (("problem", _("problem for the ledger")), ("order", _("supervision order")))

    kind = forms.ChoiceField(label=_("becomes"), choices=KINDS, widget=forms.RadioSelect)
    project = ProjectNameField(label=_("project"))
    text = forms.CharField(
        label=_("decision"),
        max_length=Problem._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    level = forms.ChoiceField(
        label=_("supervision level"),
        choices=SupervisionLevel.choices,
        initial=SupervisionLevel.NORMAL,
    )
    responsible_unit = unit_field(required=True)
    responsible_person = PersonChoiceField(label=_("person responsible"), required=False)
    deadline = forms.DateField(
        label=_("deadline"),
        widget=DATE_WIDGET,
        help_text=_("For a supervision order, the reply deadline."),
    )

    def __init__(self, *args, project=None, **kwargs):
        # Its own ids: the meeting page shows the meeting's record too.
        kwargs.setdefault("auto_id", "id_decision_%s")
        kwargs.setdefault(
            "initial", {"kind": "problem", "level": SupervisionLevel.NORMAL, "project": project}
        )
        super().__init__(*args, **kwargs)

    @classmethod
    def for_project(cls, project_id: str):
        """Return the empty form, with the project of ``?project=<id>`` when it is one."""
        project = None
        if project_id.isdigit():
            project = cls.base_fields["project"].queryset.filter(pk=project_id).only("name").first()
        return cls(project=project)


class PackForm(BootstrapFormMixin, forms.Form):
    """The day of a pack (today when not given) and, from a meeting's page, the meeting."""

    date = forms.DateField(label=_("as of"), required=False, widget=DATE_WIDGET)
    meeting = forms.ModelChoiceField(
        queryset=SchedulingMeeting.objects.all(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date(self):
        day = self.cleaned_data.get("date") or self.today
        if day > self.today:
            raise forms.ValidationError(
                _("The pack is made for today or an earlier day, not for %(day)s."),
                params={"day": day.isoformat()},
                code="future",
            )
        return day
