"""The columns of the project workbook (项目、资金来源、年度计划、节点), as
django-import-export resources. Column names are the file's contract with the town's
offices: they are Chinese whatever the interface language, in the words the pages use
(节点, 责任人, 包保领导, 计划完工, 资料来源), and the template, the exports and the
importer all take them from here. A renamed column keeps its former
header as an alias (``FORMER_PROJECT_HEADERS``, given to the sheets in sheets.py)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from shanwang.spreadsheets.engine import KeyedInstanceLoader, TownResource
from shanwang.spreadsheets.widgets import (
    AmountWidget,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    LookupWidget,
    ManyLookupWidget,
    TextWidget,
    YearWidget,
)
from villages.models import Village

from .. import services
from ..models import (
    AnnualPlan,
    Funding,
    FundingSource,
    Milestone,
    Project,
    ResponsibleUnit,
)

PROJECT_NAME = "项目名称"
CONTACT_PERSON = "责任人账号"
SUPERVISING_LEADER = "包保领导账号"
MILESTONE_TITLE = "节点名称"

#: Former headers of the project sheet, by the header each now stands for: files made
#: before the pages' words were taken for the columns still import.
FORMER_PROJECT_HEADERS = {"联系人账号": CONTACT_PERSON, "分管领导账号": SUPERVISING_LEADER}


def project_widget():
    return LookupWidget(Project, "name", what=_("project"))


class ProjectResource(TownResource):
    name = Field("name", PROJECT_NAME, TextWidget(required=True, max_length=200))
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
    contact_person = Field(
        "contact_person",
        CONTACT_PERSON,
        LookupWidget(get_user_model(), "username", what=_("user account")),
    )
    supervising_leader = Field(
        "supervising_leader",
        SUPERVISING_LEADER,
        LookupWidget(get_user_model(), "username", what=_("user account")),
    )
    planned_start = Field("planned_start", "计划开工日期", DateWidget())
    planned_completion = Field("planned_completion", "计划完工日期", DateWidget())
    actual_start = Field("actual_start", "实际开工日期", DateWidget())
    actual_completion = Field("actual_completion", "实际完工日期", DateWidget())
    total_investment = Field("total_investment", "总投资（万元）", AmountWidget())
    statistics_registered = Field("statistics_registered", "是否入库纳统", BooleanWidget())
    statistics_registered_year = Field("statistics_registered_year", "入库年份", YearWidget())
    description = Field("description", "项目简介", TextWidget())
    source_note = Field("source_note", "资料来源", TextWidget(max_length=300))

    class Meta:
        model = Project
        name = _("Projects")
        fields = (
            "name",
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
    source = Field(
        "source", "资金来源", LookupWidget(FundingSource, "name", what=_("funding source"))
    )
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
    year = Field("year", "年度", YearWidget(required=True))
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
    owner = Field(
        "owner", "负责人账号", LookupWidget(get_user_model(), "username", what=_("user account"))
    )
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
