"""The project workbook: import (all or nothing), its template, and exports in the same
shape, so that what is exported can be edited and imported back."""

import datetime

from shanwang.spreadsheets.engine import SheetSpec, WorkbookImport
from shanwang.spreadsheets.widgets import chinese_label
from villages.models import Village

from ..models import FundingSource, Project, ResponsibleUnit
from ..seeding import demo
from .resources import (
    FORMER_PROJECT_HEADERS,
    MILESTONE_TITLE,
    PROJECT_NAME,
    AnnualPlanResource,
    FundingResource,
    MilestoneResource,
    ProjectResource,
)

MILESTONES_SHEET = "节点"
PROJECT_SHEETS = [
    SheetSpec("项目", ProjectResource, key=(PROJECT_NAME,), former_headers=FORMER_PROJECT_HEADERS),
    SheetSpec("资金来源", FundingResource, key=(PROJECT_NAME, "资金来源")),
    SheetSpec("年度计划", AnnualPlanResource, key=(PROJECT_NAME, "年度")),
    # The sheet was called 里程碑 until the pages' word, 节点, was taken for it.
    SheetSpec(
        MILESTONES_SHEET,
        MilestoneResource,
        key=(PROJECT_NAME, MILESTONE_TITLE),
        former_titles=("里程碑",),
    ),
]

#: The full-record export adds the project's monthly reports; an import skips them, and
#: the demo notice an export carries while demo records exist.
REPORTS_SHEET = "月报（只读）"

project_workbook = WorkbookImport(
    "projects", PROJECT_SHEETS, ignored_titles=(REPORTS_SHEET, *demo.SHEET_TITLES)
)


def import_projects_file(file, file_name: str | None = None, *, user=None, dry_run=False):
    """Import a project workbook (or one CSV table of it) from a path or an open file.
    Returns an :class:`~shanwang.spreadsheets.engine.ImportReport`; nothing is written unless every
    row of every sheet is valid."""
    return project_workbook.run_file(file, file_name, user=user, dry_run=dry_run)


def export_workbook(projects) -> bytes:
    """The projects, their funding, annual plans and milestones, in the import's shape."""
    return project_workbook.export(
        {spec.title: spec.resource_class.export_queryset(projects) for spec in PROJECT_SHEETS},
        mark=demo.mark_workbook,
    )


def template_workbook() -> bytes:
    """An empty workbook with instructions, the allowed values and one example row."""
    example_project = "示例：某村道路提升工程（导入前请删除本行）"
    example = {
        "项目": [
            example_project,
            chinese_label(Project.Category.ROAD_INFRASTRUCTURE.label),
            chinese_label(Project.Stage.UNDER_CONSTRUCTION.label),
            Village.objects.values_list("name", flat=True).first() or "",  # by pinyin
            "",
            "2.5",
            "km",
            ResponsibleUnit.objects.values_list("name", flat=True).first() or "",
            "",
            "",
            datetime.date(2024, 3, 1),
            datetime.date(2024, 12, 31),
            None,
            None,
            "300",
            "否",
            None,
            "道路拓宽及路面硬化",
            "",
        ],
        "资金来源": [
            example_project,
            FundingSource.objects.order_by("name").values_list("name", flat=True).first() or "",
            "300",
            "",
        ],
        "年度计划": [example_project, 2024, "300", "完成路基及路面施工"],
        MILESTONES_SHEET: [example_project, "完成招标", datetime.date(2024, 2, 20), None, "", ""],
    }
    return project_workbook.template(_instructions(), example)


def _instructions() -> list[str]:
    categories = "、".join(chinese_label(label) for _v, label in Project.Category.choices)
    stages = "、".join(chinese_label(label) for _v, label in Project.Stage.choices)
    # Villages and units by pinyin (their models' ordering).
    villages = "、".join(Village.objects.values_list("name", flat=True))
    units = "、".join(ResponsibleUnit.objects.values_list("name", flat=True))
    sources = "、".join(FundingSource.objects.order_by("name").values_list("name", flat=True))
    return [
        "山王镇项目台账导入模板",
        "",
        "1. 本工作簿有四张表：项目、资金来源、年度计划、节点。不需要的表可以留空或删除。",
        "2. 第一行是列名，请勿修改、删除或合并单元格；从第二行起每行一条记录。",
        "3. 项目按“项目名称”匹配：名称已存在则更新该项目，不存在则新增。",
        "   资金来源按“项目名称+资金来源”匹配，年度计划按“项目名称+年度”，"
        "节点按“项目名称+节点名称”。",
        "   更新已有记录时，空单元格表示不修改，原值保留；"
        "要清空某一项，请在单元格中填写“（清空）”。",
        "4. 金额单位为万元，填数字，最多两位小数，不能为负数。",
        "5. 日期可写成 2024-01-29、2024/1/29 或 2024年1月29日，也可使用 Excel 日期格式。",
        "6. 请粘贴数值，不要使用公式；文件须为 .xlsx（不含宏）或 CSV（UTF-8 或 GBK 编码）。",
        "7. 导入先预览：任何一行有错，整份文件都不会导入，请按提示的行号和列名改正后重新上传。",
        "8. 每份文件最多 20000 行。CSV 文件只能包含一张表，按列名识别是哪张表。",
        "",
        f"项目类别可填：{categories}",
        f"项目阶段可填：{stages}",
        f"村（社区）可填（多个用“、”分隔）：{villages}",
        f"责任单位可填：{units}",
        f"资金来源可填：{sources}",
        "是否入库纳统可填：是、否，或留空（未记录）。责任人、包保领导、负责人填系统登录账号。",
        "旧版模板的列名“联系人账号”“分管领导账号”和表名“里程碑”仍可导入。",
        "",
        "示例行以“示例：”开头，导入前请删除。",
    ]
