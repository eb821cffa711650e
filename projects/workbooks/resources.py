"""The columns of the project workbook (项目、资金来源、年度计划、节点、前期手续、资金拨付、
实物工作量), as
django-import-export resources. Column names are the file's contract with the town's
offices: they are Chinese whatever the interface language, in the words the pages use
(节点, 责任人, 包保领导, 计划完工, 资料来源), and the template, the exports and the
importer all take them from here. A renamed column keeps its former
header as an alias (``FORMER_PROJECT_HEADERS``, given to the sheets in sheets.py)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from shanwang.spreadsheets.engine import ChangesOnlyDiff, KeyedInstanceLoader, TownResource
from shanwang.spreadsheets.widgets import (
    AmountWidget,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    LookupWidget,
    ManyLookupWidget,
    TextWidget,
    YearWidget,
    as_text,
)
from villages.models import Village

from .. import services
from ..choices import ApprovalStatus, FundEntryKind
from ..models import (
    AnnualPlan,
    ApprovalItem,
    FundEntry,
    Funding,
    FundingSource,
    Milestone,
    PhysicalTarget,
    Project,
    ResponsibleUnit,
)
from ..models.portfolio import normalized_project_code

PROJECT_NAME = "项目名称"
CONTACT_PERSON = "责任人账号"
SUPERVISING_LEADER = "包保领导账号"
MILESTONE_TITLE = "节点名称"
PROJECT_CODE = "项目代码"
REGISTERED_ON = "入库日期"
FUNDING_SOURCE = "资金来源"
APPROVAL_NAME = "手续名称"
FUND_KIND = "类型"
FUND_DATE = "日期"
DOCUMENT_NUMBER = "文号"
YEAR = "年度"
TARGET_NAME = "目标名称"

#: Columns added to the project sheet after files were made without them: such files
#: still import, and what they do not say stays as it is.
ADDED_PROJECT_COLUMNS = (PROJECT_CODE, REGISTERED_ON)

#: Former headers of the project sheet, by the header each now stands for: files made
#: before the pages' words were taken for the columns still import.
FORMER_PROJECT_HEADERS = {"联系人账号": CONTACT_PERSON, "分管领导账号": SUPERVISING_LEADER}


def project_widget():
    return LookupWidget(Project, "name", what=_("project"))


def funding_source_widget():
    return LookupWidget(FundingSource, "name", what=_("funding source"))


def user_widget():
    return LookupWidget(get_user_model(), "username", what=_("user account"))


class ProjectCodeWidget(TextWidget):
    """The project code as stored (Project.clean's folding): full-width digits and dashes
    and spaces typed in Excel read as the code; an empty cell is no code (NULL, never
    "", which the unique index would hold against the second empty one)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=24, **kwargs)

    def clean(self, value, row=None, **kwargs):
        code = normalized_project_code(as_text(value))
        return None if code is None else super().clean(code)


class AliasedChoiceWidget(ChoiceWidget):
    """A choice written by its label or code, or by the short word the town's offices
    use for it (下达, 已取得 …), whatever the catalogue calls it."""

    def __init__(self, choices, *, aliases: dict[str, str], what: str, **kwargs):
        super().__init__(choices, what=what, **kwargs)
        self.aliases = aliases

    def _lookup(self) -> dict[str, str]:
        return self.aliases | super()._lookup()


class PositionWidget(YearWidget):
    """A place in a list (序号): a whole number from 0 to 32767; empty leaves it as it is."""

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        if not text.isdigit() or int(text) > 32767:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text[:30]})
        return int(text)


class PositiveAmountWidget(AmountWidget):
    """An amount that must be more than zero (a fund entry's)."""

    def __init__(self, **kwargs):
        super().__init__(required=True, **kwargs)

    def clean(self, value, row=None, **kwargs):
        amount = super().clean(value, row, **kwargs)
        if amount == 0:
            raise ValueError(_("The amount must be more than zero."))
        return amount


class ProjectResource(TownResource):
    name = Field("name", PROJECT_NAME, TextWidget(required=True, max_length=200))
    code = Field("code", PROJECT_CODE, ProjectCodeWidget())
    category = Field(
        "category", "项目类别", ChoiceWidget(Project.Category, what=_("project category"))
    )
    stage = Field("stage", "项目阶段", ChoiceWidget(Project.Stage, what=_("stage")))
    villages = Field(
        "villages", "涉及村（社区）", ManyLookupWidget(Village, "name", what=_("village"))
    )
    location = Field("location", "建设地点", TextWidget(max_length=200))
    scope_quantity = Field("scope_quantity", "建设规模", AmountWidget())
    scope_unit = Field("scope_unit", "规模单位", TextWidget(max_length=20))
    responsible_unit = Field(
        "responsible_unit",
        "责任单位",
        LookupWidget(ResponsibleUnit, "name", what=_("responsible unit")),
    )
    contact_person = Field("contact_person", CONTACT_PERSON, user_widget())
    supervising_leader = Field("supervising_leader", SUPERVISING_LEADER, user_widget())
    planned_start = Field("planned_start", "计划开工日期", DateWidget())
    planned_completion = Field("planned_completion", "计划完工日期", DateWidget())
    actual_start = Field("actual_start", "实际开工日期", DateWidget())
    actual_completion = Field("actual_completion", "实际完工日期", DateWidget())
    total_investment = Field("total_investment", "总投资（万元）", AmountWidget())
    statistics_registered = Field("statistics_registered", "是否入库纳统", BooleanWidget())
    statistics_registered_year = Field("statistics_registered_year", "入库年份", YearWidget())
    statistics_registered_on = Field("statistics_registered_on", REGISTERED_ON, DateWidget())
    description = Field("description", "项目简介", TextWidget())
    source_note = Field("source_note", "资料来源", TextWidget(max_length=300))

    class Meta:
        model = Project
        name = _("Projects")
        fields = (
            "name",
            "code",
            "category",
            "stage",
            "villages",
            "location",
            "scope_quantity",
            "scope_unit",
            "responsible_unit",
            "contact_person",
            "supervising_leader",
            "planned_start",
            "planned_completion",
            "actual_start",
            "actual_completion",
            "total_investment",
            "statistics_registered",
            "statistics_registered_year",
            "statistics_registered_on",
            "description",
            "source_note",
        )
        import_id_fields = ("name",)
        # Not import-export's CachedInstanceLoader: it cleans every row's name up front,
        # so one empty or over-long name raised out of the import instead of being
        # reported against its row.
        instance_loader_class = KeyedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        instance._stage_before = instance.stage if instance.pk else None
        super().import_instance(instance, row, **kwargs)

    def do_instance_save(self, instance, is_create):
        """Save the row; a changed stage goes through the stage service, as in the app."""
        stage, before = instance.stage, getattr(instance, "_stage_before", None)
        if before is None or stage == before:
            return super().do_instance_save(instance, is_create)
        user = getattr(instance, "_history_user", None)
        if user is None:
            raise ValidationError(
                {"stage": _("A change of stage needs the account of the one who imports.")}
            )
        instance.stage = before
        super().do_instance_save(instance, is_create)
        try:
            services.project_stage_set(
                project=instance,
                stage=stage,
                acting_user=user,
                comment=str(_("Spreadsheet import")),
            )
        except PermissionDenied as refused:
            raise ValidationError({"stage": str(refused)}) from refused
        instance.stage = stage

    @staticmethod
    def export_queryset(projects):
        return projects.select_related(
            "responsible_unit", "contact_person", "supervising_leader"
        ).prefetch_related("villages")


class FundingResource(TownResource):
    project = Field("project", PROJECT_NAME, project_widget())
    source = Field("source", FUNDING_SOURCE, funding_source_widget())
    amount = Field("amount", "金额（万元）", AmountWidget())
    note = Field("note", "备注", TextWidget(max_length=300))

    class Meta:
        model = Funding
        name = _("Funding")
        fields = ("project", "source", "amount", "note")
        import_id_fields = ("project", "source")
        instance_loader_class = KeyedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    @staticmethod
    def export_queryset(projects):
        return Funding.objects.filter(project__in=projects).select_related("project", "source")


class AnnualPlanResource(TownResource):
    project = Field("project", PROJECT_NAME, project_widget())
    year = Field("year", YEAR, YearWidget(required=True))
    planned_investment = Field("planned_investment", "计划投资（万元）", AmountWidget())
    physical_goals = Field("physical_goals", "形象进度目标", TextWidget())

    class Meta:
        model = AnnualPlan
        name = _("Annual plans")
        fields = ("project", "year", "planned_investment", "physical_goals")
        import_id_fields = ("project", "year")
        instance_loader_class = KeyedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    @staticmethod
    def export_queryset(projects):
        return AnnualPlan.objects.filter(project__in=projects).select_related("project")


class MilestoneResource(TownResource):
    project = Field("project", PROJECT_NAME, project_widget())
    title = Field("title", MILESTONE_TITLE, TextWidget(required=True, max_length=200))
    due_date = Field("due_date", "计划完成日期", DateWidget(required=True))
    completed_on = Field("completed_on", "实际完成日期", DateWidget())
    owner = Field("owner", "负责人账号", user_widget())
    note = Field("note", "备注", TextWidget())

    class Meta:
        model = Milestone
        name = _("Milestones")
        fields = ("project", "title", "due_date", "completed_on", "owner", "note")
        import_id_fields = ("project", "title")
        instance_loader_class = KeyedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    @staticmethod
    def export_queryset(projects):
        return Milestone.objects.filter(project__in=projects).select_related("project", "owner")


#: The short words for the approvals' statuses and the kinds of money, accepted whatever
#: the catalogue's labels are (the instructions name them).
APPROVAL_STATUS_WORDS = {
    "未启动": ApprovalStatus.NOT_STARTED,
    "办理中": ApprovalStatus.IN_PROGRESS,
    "已取得": ApprovalStatus.OBTAINED,
    "取得": ApprovalStatus.OBTAINED,
    "不涉及": ApprovalStatus.NOT_APPLICABLE,
}
FUND_KIND_WORDS = {
    "下达": FundEntryKind.ALLOCATED,
    "到位": FundEntryKind.ARRIVED,
    "支付": FundEntryKind.PAID,
}


class ApprovalItemResource(TownResource):
    """前期手续: a project's approvals, one row each. The attachment stays in the app."""

    project = Field("project", PROJECT_NAME, project_widget())
    name = Field("name", APPROVAL_NAME, TextWidget(required=True, max_length=100))
    # Empty in a new row: the defaults (the end of the list, not needed to start).
    position = Field("position", "序号", PositionWidget(), saves_null_values=False)
    needed_for_start = Field(
        "needed_for_start", "开工必需", BooleanWidget(), saves_null_values=False
    )
    status = Field(
        "status",
        "状态",
        AliasedChoiceWidget(
            ApprovalStatus, aliases=APPROVAL_STATUS_WORDS, what=_("approval status")
        ),
    )
    responsible_person = Field("responsible_person", "责任人账号", user_widget())
    planned_date = Field("planned_date", "计划日期", DateWidget())
    actual_date = Field("actual_date", "取得日期", DateWidget())
    document_number = Field("document_number", DOCUMENT_NUMBER, TextWidget(max_length=100))
    note = Field("note", "备注", TextWidget(max_length=300))

    class Meta:
        model = ApprovalItem
        name = _("Pre-construction approvals")
        fields = (
            "project",
            "name",
            "position",
            "needed_for_start",
            "status",
            "responsible_person",
            "planned_date",
            "actual_date",
            "document_number",
            "note",
        )
        import_id_fields = ("project", "name")
        instance_loader_class = KeyedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    @staticmethod
    def export_queryset(projects):
        return ApprovalItem.objects.filter(project__in=projects).select_related(
            "project", "responsible_person"
        )


class FundingPartField(Field):
    """A column naming one part of a fund entry's funding, its project or its source:
    read through the funding on export (``funding__project``), kept aside on import until
    the row's other part is read (FundEntryResource.import_instance)."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance.__dict__.setdefault("_funding_parts", {})[self.attribute] = self.clean(
            row, **kwargs
        )


class FundEntryLoader(KeyedInstanceLoader):
    """The stored entries by their key, read through their funding in one query."""

    def stored_rows(self):
        return self.get_queryset().select_related("funding__project", "funding__source")


class FundEntryDiff(ChangesOnlyDiff):
    """The preview of a changed entry shows its whole key, project and source included
    (their columns read through the funding)."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.shown = [
            shown or isinstance(import_field, FundingPartField)
            for shown, import_field in zip(self.shown, resource.get_import_fields(), strict=True)
        ]


class FundEntryResource(TownResource):
    """资金拨付: money allocated, arrived and paid, one dated row per entry. The funding
    (project and source) must exist: in the sheet 资金来源 of the same file, imported
    before this one, or already stored."""

    project = FundingPartField("funding__project", PROJECT_NAME, project_widget())
    source = FundingPartField("funding__source", FUNDING_SOURCE, funding_source_widget())
    kind = Field(
        "kind",
        FUND_KIND,
        AliasedChoiceWidget(FundEntryKind, aliases=FUND_KIND_WORDS, what=_("kind of money")),
    )
    date = Field("date", FUND_DATE, DateWidget(required=True))
    amount = Field("amount", "金额（万元）", PositiveAmountWidget())
    document_number = Field("document_number", DOCUMENT_NUMBER, TextWidget(max_length=100))
    note = Field("note", "备注", TextWidget(max_length=300))

    class Meta:
        model = FundEntry
        name = _("Fund entries")
        fields = ("project", "source", "kind", "date", "amount", "document_number", "note")
        # The model's unique constraint: source, kind, day and document number.
        import_id_fields = ("project", "source", "kind", "date", "document_number")
        instance_loader_class = FundEntryLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    diff_class = FundEntryDiff

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._fundings = None

    def fundings(self) -> dict[tuple[int, int], Funding]:
        """The stored funding rows by project and source, read once, on the sheet's first
        row: after the file's 资金来源 sheet has been imported."""
        if self._fundings is None:
            self._fundings = {
                (funding.project_id, funding.source_id): funding
                for funding in Funding.objects.only("pk", "project_id", "source_id")
            }
        return self._fundings

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        parts = instance.__dict__.pop("_funding_parts", {})
        project, source = parts.get("funding__project"), parts.get("funding__source")
        for attribute, value in (("funding__project", project), ("funding__source", source)):
            if value is None and attribute not in errors:
                errors[attribute] = [_("This column must not be empty.")]
        if project is not None and source is not None:
            funding = self.fundings().get((project.pk, source.pk))
            if funding is None:
                errors["funding__source"] = [
                    _(
                        "The project “%(project)s” has no funding from “%(source)s”: add "
                        "the row to the sheet 资金来源 first."
                    )
                    % {"project": project.name, "source": source.name}
                ]
            else:
                # The row's own project and source: the diff and the unchanged check
                # read them through the funding without a query.
                funding.project, funding.source = project, source
                instance.funding = funding
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.funding_id is None:
            # Said once, on the column of the part that is wrong (import_instance).
            errors.setdefault("funding", [])
        super().validate_instance(instance, errors, validate_unique)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None and instance.recorded_by_id is None:
            instance.recorded_by = kwargs.get("user")

    @staticmethod
    def export_queryset(projects):
        return (
            FundEntry.objects.filter(funding__project__in=projects)
            .select_related("funding__project", "funding__source")
            .order_by("funding__project__name_sort", "funding__source__name", "date", "kind", "pk")
        )


class PhysicalTargetResource(TownResource):
    """实物工作量: the quantities a project plans for a year (亩, 户, 套, m², 公里 …)."""

    project = Field("project", PROJECT_NAME, project_widget())
    year = Field("year", YEAR, YearWidget(required=True))
    name = Field("name", TARGET_NAME, TextWidget(required=True, max_length=100))
    unit = Field("unit", "单位", TextWidget(required=True, max_length=20))
    planned_quantity = Field("planned_quantity", "计划数量", AmountWidget(required=True))
    source_note = Field("source_note", "来源", TextWidget(max_length=300))

    class Meta:
        model = PhysicalTarget
        name = _("Physical targets")
        fields = ("project", "year", "name", "unit", "planned_quantity", "source_note")
        import_id_fields = ("project", "year", "name")
        instance_loader_class = KeyedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    @staticmethod
    def export_queryset(projects):
        return PhysicalTarget.objects.filter(project__in=projects).select_related("project")
