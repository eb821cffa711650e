import uuid

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import UniqueConstraint
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from shanwang.documents import DocumentValidator, file_label
from shanwang.formatting import figure
from shanwang.forms import BootstrapFormMixin
from shanwang.validators import PhotoValidator

from . import selectors
from .models import (
    Document,
    Milestone,
    ProgressReport,
    Project,
    ReportPhoto,
    ReportTransition,
    StagedUpload,
    StageTransition,
)
from .models.portfolio import normalized_project_code
from .services import staged_is_photo
from .targets import selectors as targets
from .targets.services import quantity_field
from .workflows import STAGE_TRANSITIONS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def comment_field(transition_model) -> forms.CharField:
    """Return the comment box of a workflow step, as long as its record's comment may be."""
    return transition_model._meta.get_field("comment").formfield(
        label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProjectCodeField(forms.CharField):
    """The project code as stored (Project.clean's folding): full-width digits, dashes
    and spaces are read as the code, and an empty field is no code (NULL, never "", which
    the unique index would hold against the second empty one)."""

    def __init__(self, **kwargs):
        kwargs["empty_value"] = None
        super().__init__(**kwargs)
        # Room for a code typed with spaces; the folded code is held to 24 characters.
        self.widget.attrs |= {"maxlength": "40", "inputmode": "numeric", "autocomplete": "off"}

    def to_python(self, value):
        return normalized_project_code(super().to_python(value))


def project_code_in_use(code: str | None, project: Project) -> ValidationError | None:
    """The error of a code another project already has, naming that project."""
    if code is None:
        return None
    holder = Project.objects.filter(code=code).exclude(pk=project.pk).only("name").first()
    if holder is None:
        return None
    return ValidationError(
        _("The project code %(code)s is already the code of “%(project)s”."),
        params={"code": code, "project": holder.name},
        code="unique",
    )


class ProjectForm(BootstrapFormMixin, forms.ModelForm):
    """A project's key figures; who answers for it only for reviewers and administrators."""

    class Meta:
        model = Project
        fields = [
            "code",
            "location",
            "site_latitude",
            "site_longitude",
            "villages",
            "scope_quantity",
            "scope_unit",
            "total_investment",
            "statistics_registered",
            "statistics_registered_year",
            "statistics_registered_on",
            "planned_start",
            "planned_completion",
            "actual_start",
            "actual_completion",
            "responsible_unit",
            "contact_person",
            "supervising_leader",
            "description",
        ]
        field_classes = {"code": ProjectCodeField}
        widgets = {
            "villages": forms.CheckboxSelectMultiple,
            "statistics_registered_on": DATE_WIDGET,
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

    def clean_code(self):
        code = self.cleaned_data["code"]
        if error := project_code_in_use(code, self.instance):
            raise error
        return code


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


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files chosen in one input, returned as a list; the form checks each file
    on its own so that the good ones are kept when another one is refused."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        return [upload for upload in (data or []) if upload]


#: How one chosen photo or document is checked: by its content, as every path checks it.
PHOTO_CHECK = forms.ImageField(validators=[PhotoValidator()])
DOCUMENT_CHECK = forms.FileField(validators=[DocumentValidator()])
CAPTION_MAX_LENGTH = ReportPhoto._meta.get_field("caption").max_length
#: Kept photos a browser can show as a thumbnail (not HEIC, which is converted later).
PREVIEWABLE = (".jpg", ".jpeg", ".png", ".webp")


class ProgressReportForm(BootstrapFormMixin, forms.ModelForm):
    """A monthly report with its photos (several at once, a caption each) and documents.

    ``client_key`` is the form's key: the idempotency key of a new report and the key
    under which the files of a submission that did not validate are kept
    (StagedUpload) until the form is saved. Checked files are in ``checked_photos``
    ((file, caption) pairs) and ``checked_documents`` even when other fields are
    invalid, so that the view can keep them."""

    month = MonthField(label=_("month"))
    photo = MultipleFileField(
        label=_("site photo"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*,.heic,.heif", "multiple": True}),
        help_text=_(
            "Choose several photos at once, from the gallery or the camera. JPEG, PNG, WebP "
            "or HEIC, at most 10 MB each."
        ),
    )
    document = MultipleFileField(
        label=_("documents"),
        required=False,
        widget=MultipleFileInput(
            attrs={
                "accept": ".pdf,.docx,.xlsx,application/pdf,"
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "multiple": True,
            }
        ),
        help_text=_("PDF, Word (DOCX) or Excel (XLSX); several at once."),
    )
    document_kind = forms.ChoiceField(
        label=_("kind of the documents"),
        choices=Document.Kind.choices,
        initial=Document.Kind.OTHER,
        required=False,
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    remove_photo = forms.ModelMultipleChoiceField(
        queryset=ReportPhoto.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    remove_staged = forms.ModelMultipleChoiceField(
        queryset=StagedUpload.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

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

    def __init__(self, *args, user, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["month"]  # the month of a report never changes
            self.fields["remove_photo"].queryset = self.instance.photos.all()
        else:
            # The month whose report is due (on 1 December: November's).
            self.initial.setdefault("month", selectors.report_month_due())
        if project is None and self.instance.project_id is not None:
            project = self.instance.project
        self._add_quantity_fields(project)
        self.key = self._form_key()
        self.fields["remove_staged"].queryset = StagedUpload.objects.filter(
            key=self.key, uploaded_by=user
        )
        # Listed on the page once each, their checkboxes drawn beside their pictures.
        self.draft_photos = list(self.fields["remove_photo"].queryset)
        self.marked_photos = set(self.data.getlist(self.add_prefix("remove_photo")))
        self.marked_staged = set(self.data.getlist(self.add_prefix("remove_staged")))
        self.staged: list[StagedUpload] = []
        self.add_staged(self.fields["remove_staged"].queryset)
        self.checked_photos: list[tuple] = []
        self.checked_documents: list = []

    def _add_quantity_fields(self, project) -> None:
        """Add one optional number per physical target of the report month's year
        (本月完成, beside 形象进度): for a new report, of the years of the month due, of
        today and of the month sent; the form checks each against the month chosen."""
        if self.instance.pk:
            years = {self.instance.month.year}
        else:
            years = {self.initial["month"].year, selectors.today().year}
            if sent := self._month_sent():
                years.add(sent.year)
        self.targets = [] if project is None else targets.report_form_targets(project, years=years)
        stored = {}
        if self.instance.pk:
            stored = {row.target_id: row.quantity for row in self.instance.quantities.all()}
        for target in self.targets:
            name = quantity_field(target)
            self.fields[name] = forms.DecimalField(
                label=_("%(target)s achieved this month (%(unit)s)")
                % {"target": target.name, "unit": target.unit},
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
                help_text=_("Planned for %(year)s: %(planned)s %(unit)s")
                % {
                    "year": target.year,
                    "planned": figure(target.planned_quantity),
                    "unit": target.unit,
                },
            )
            if target.pk in stored:
                self.initial[name] = stored[target.pk]

    def _month_sent(self):
        if not self.is_bound or "month" not in self.fields:
            return None
        try:
            return self.fields["month"].clean(self.data.get(self.add_prefix("month")))
        except ValidationError:
            return None

    def quantity_fields(self):
        """Return the bound fields of the targets' quantities, in the targets' order."""
        return [self[quantity_field(target)] for target in self.targets]

    def clean(self):
        cleaned = super().clean()
        month = self.instance.month if self.instance.pk else cleaned.get("month")
        if month is None:
            return cleaned
        for target in self.targets:
            name = quantity_field(target)
            if cleaned.get(name) is not None and target.year != month.year:
                self.add_error(
                    name,
                    _("This target is for %(year)s; the report is for %(month)s.")
                    % {"year": target.year, "month": f"{month:%Y-%m}"},
                )
        return cleaned

    def quantities(self) -> dict:
        """Return {target: quantity or None (cleared)} of the report month's targets."""
        month = self.instance.month if self.instance.pk else self.cleaned_data["month"]
        return {
            target: self.cleaned_data.get(quantity_field(target))
            for target in self.targets
            if target.year == month.year
        }

    def _form_key(self) -> uuid.UUID:
        """Return the form's key: the one posted, else a new one (then shown on the page)."""
        if self.is_bound:
            try:
                return uuid.UUID(str(self.data.get(self.add_prefix("client_key"))))
            except ValueError:
                key = uuid.uuid4()
                self.data = self.data.copy()
                self.data[self.add_prefix("client_key")] = str(key)
                return key
        key = uuid.uuid4()
        self.initial["client_key"] = key
        return key

    def add_staged(self, uploads) -> None:
        """List kept uploads on the form, each with what its entry shows."""
        for upload in uploads:
            upload.is_photo = staged_is_photo(upload)
            upload.previewable = upload.is_photo and upload.name.lower().endswith(PREVIEWABLE)
            upload.caption_value = self.staged_caption(upload)
            upload.marked = str(upload.pk) in self.marked_staged
            self.staged.append(upload)

    def staged_caption(self, upload) -> str:
        """Return the caption of a kept photo as last typed, else as kept."""
        return self.data.get(f"staged_caption_{upload.pk}", upload.caption)

    def staged_captions(self) -> dict[int, str]:
        return {
            upload.pk: self.staged_caption(upload)[:CAPTION_MAX_LENGTH] for upload in self.staged
        }

    def add_error(self, field, error):
        """Add errors as ModelForm does, but put a constraint's error that concerns one
        field of the form beside that field (progress over 100 %, a second report for
        the month) rather than at the top."""
        if field is None:
            error = ValidationError(error)
            if hasattr(error, "error_dict"):
                items = [
                    (name, item)
                    for name, errors in error.error_dict.items()
                    for item in (errors.error_list if hasattr(errors, "error_list") else errors)
                ]
            else:
                items = [(NON_FIELD_ERRORS, item) for item in error.error_list]
            placed = {}
            for name, item in items:
                if name == NON_FIELD_ERRORS:
                    name = self._constraint_field(item) or NON_FIELD_ERRORS
                placed.setdefault(name, []).append(item)
            error = ValidationError(placed)
        super().add_error(field, error)

    def _constraint_field(self, error: ValidationError) -> str | None:
        """Return the one field of the form a report constraint's ``error`` is about."""
        for constraint in ProgressReport._meta.constraints:
            if str(constraint.get_violation_error_message()) not in error.messages:
                continue
            if isinstance(constraint, UniqueConstraint):
                names = set(constraint.fields)
            else:
                names = set(lookup_fields(constraint.condition))
            names &= set(self.fields)
            if len(names) == 1:
                return names.pop()
        return None

    def clean_photo(self):
        captions = self.data.getlist(self.add_prefix("photo_caption"))
        errors = []
        for index, upload in enumerate(self.cleaned_data["photo"]):
            caption = captions[index].strip() if index < len(captions) else ""
            try:
                checked = PHOTO_CHECK.clean(upload)
            except ValidationError as error:
                errors.extend(named(upload, error))
                continue
            if len(caption) > CAPTION_MAX_LENGTH:
                errors.append(
                    ValidationError(
                        _("The caption of “%(name)s” can have at most %(limit)d characters."),
                        params={"name": file_label(upload), "limit": CAPTION_MAX_LENGTH},
                        code="caption_too_long",
                    )
                )
                caption = caption[:CAPTION_MAX_LENGTH]
            self.checked_photos.append((checked, caption))
        if errors:
            raise ValidationError(errors)
        return self.cleaned_data["photo"]

    def clean_document_kind(self):
        return self.cleaned_data["document_kind"] or Document.Kind.OTHER

    def clean_document(self):
        errors = []
        for upload in self.cleaned_data["document"]:
            try:
                self.checked_documents.append(DOCUMENT_CHECK.clean(upload))
            except ValidationError as error:
                errors.extend(error.error_list)  # the document's messages name the file
        if errors:
            raise ValidationError(errors)
        return self.cleaned_data["document"]


def lookup_fields(condition):
    """Yield the model fields a Q object's lookups name."""
    for child in condition.children:
        if isinstance(child, tuple):
            yield child[0].split(LOOKUP_SEP)[0]
        else:
            yield from lookup_fields(child)


def named(upload, error: ValidationError) -> list[ValidationError]:
    """Return the errors of one file of several, each naming the file."""
    return [
        ValidationError(
            _("“%(name)s”: %(error)s"),
            params={"name": file_label(upload), "error": message},
            code=item.code,
        )
        for item in error.error_list
        for message in item.messages
    ]


class ReportTransitionForm(BootstrapFormMixin, forms.Form):
    comment = comment_field(ReportTransition)
