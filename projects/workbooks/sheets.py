"""The project workbook: import (all or nothing), its template, and exports in the same
shape, so that what is exported can be edited and imported back."""

import datetime

from shanwang.spreadsheets.engine import SheetSpec, WorkbookImport
from shanwang.spreadsheets.widgets import chinese_label
from villages.models import Village

from ..choices import ApprovalStatus, FundEntryKind
from ..models import FundingSource, Project, ResponsibleUnit
from ..seeding import demo
from .resources import (
    ADDED_PROJECT_COLUMNS,
    APPROVAL_NAME,
    DOCUMENT_NUMBER,
    FORMER_PROJECT_HEADERS,
    FUND_DATE,
    FUND_KIND,
    FUNDING_SOURCE,
    MILESTONE_TITLE,
    PROJECT_NAME,
    TARGET_NAME,
    YEAR,
    AnnualPlanResource,
    ApprovalItemResource,
    FundEntryResource,
    FundingResource,
    MilestoneResource,
    PhysicalTargetResource,
    ProjectResource,
)

MILESTONES_SHEET = "节点"
APPROVALS_SHEET = "前期手续"
FUND_ENTRIES_SHEET = "资金拨付"
TARGETS_SHEET = "实物工作量"
#: Sheets import in this order: a row may refer to the rows of the sheets above it (a
#: fund entry to its project's funding from the sheet 资金来源).
PROJECT_SHEETS = [
    SheetSpec(
        "项目",
        ProjectResource,
        key=(PROJECT_NAME,),
        optional=ADDED_PROJECT_COLUMNS,
        former_headers=FORMER_PROJECT_HEADERS,
    ),
    SheetSpec("资金来源", FundingResource, key=(PROJECT_NAME, FUNDING_SOURCE)),
    SheetSpec("年度计划", AnnualPlanResource, key=(PROJECT_NAME, YEAR)),
    # The sheet was called 里程碑 until the pages' word, 节点, was taken for it.
    SheetSpec(
        MILESTONES_SHEET,
        MilestoneResource,
        key=(PROJECT_NAME, MILESTONE_TITLE),
        former_titles=("里程碑",),
    ),
    SheetSpec(APPROVALS_SHEET, ApprovalItemResource, key=(PROJECT_NAME, APPROVAL_NAME)),
    SheetSpec(
        FUND_ENTRIES_SHEET,
        FundEntryResource,
        key=(PROJECT_NAME, FUNDING_SOURCE, FUND_KIND, FUND_DATE, DOCUMENT_NUMBER),
    ),
    SheetSpec(TARGETS_SHEET, PhysicalTargetResource, key=(PROJECT_NAME, YEAR, TARGET_NAME)),
]

#: The full-record export adds read-only sheets (the monthly reports, the quantities
#: they report, the plan's baselines); an import skips them, and the demo notice an
#: export carries while demo records exist.
REPORTS_SHEET = "月报（只读）"
QUANTITIES_SHEET = "实物工作量完成（只读）"
BASELINES_SHEET = "计划基线（只读）"
READ_ONLY_SHEETS = (REPORTS_SHEET, QUANTITIES_SHEET, BASELINES_SHEET)

project_workbook = WorkbookImport(
    "projects", PROJECT_SHEETS, ignored_titles=(*READ_ONLY_SHEETS, *demo.SHEET_TITLES)
)


def import_projects_file(file, file_name: str | None = None, *, user=None, dry_run=False):
    """Import a project workbook (or one CSV table of it) from a path or an open file.
    Returns an :class:`~shanwang.spreadsheets.engine.ImportReport`; nothing is written unless every
    row of every sheet is valid."""
    return project_workbook.run_file(file, file_name, user=user, dry_run=dry_run)


def export_workbook(projects) -> bytes:
    """The projects, their funding, annual plans, milestones, approvals, fund entries and
    physical targets, in the import's shape."""
    return project_workbook.export(
        {spec.title: spec.resource_class.export_queryset(projects) for spec in PROJECT_SHEETS},
        mark=demo.mark_workbook,
    )


def template_workbook() -> bytes:
    """An empty workbook with instructions, the allowed values and one example row."""
    example_project = "示例：某村道路提升工程（导入前请删除本行）"
    example_source = FundingSource.objects.order_by("name").values_list("name", flat=True).first()
    example = {
        "项目": [
            example_project,
            "",
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
            None,
            "道路拓宽及路面硬化",
            "",
        ],
        "资金来源": [example_project, example_source or "", "300", ""],
        "年度计划": [example_project, 2024, "300", "完成路基及路面施工"],
        MILESTONES_SHEET: [example_project, "完成招标", datetime.date(2024, 2, 20), None, "", ""],
        APPROVALS_SHEET: [
            example_project,
            "施工许可",
            1,
            "是",
            chinese_label(ApprovalStatus.OBTAINED.label),
            "",
            datetime.date(2024, 2, 10),
            datetime.date(2024, 2, 26),
            "示例建许字〔2024〕1号",
            "",
        ],
        FUND_ENTRIES_SHEET: [
            example_project,
            example_source or "",
            chinese_label(FundEntryKind.ARRIVED.label),
            datetime.date(2024, 3, 15),
            "100",
            "示例财预〔2024〕1号",
            "第一批",
        ],
        TARGETS_SHEET: [example_project, 2024, "道路提升", "公里", "2.5", ""],
    }
    return project_workbook.template(_instructions(), example)


def _instructions() -> list[str]:
    categories = "、".join(chinese_label(label) for _v, label in Project.Category.choices)
    stages = "、".join(chinese_label(label) for _v, label in Project.Stage.choices)
    # Villages and units by pinyin (their models' ordering).
    villages = "、".join(Village.objects.values_list("name", flat=True))
    units = "、".join(ResponsibleUnit.objects.values_list("name", flat=True))
    sources = "、".join(FundingSource.objects.order_by("name").values_list("name", flat=True))
    statuses = "、".join(chinese_label(label) for _v, label in ApprovalStatus.choices)
    kinds = "、".join(chinese_label(label) for _v, label in FundEntryKind.choices)
    titles = "、".join(spec.title for spec in PROJECT_SHEETS)
    return [
        "山王镇项目台账导入模板",
        "",
        f"1. 本工作簿有{len(PROJECT_SHEETS)}张表：{titles}。不需要的表可以留空或删除；"
        "各表按此顺序导入。",
        "2. 第一行是列名，请勿修改、删除或合并单元格；从第二行起每行一条记录。",
        "3. 项目按“项目名称”匹配：名称已存在则更新该项目，不存在则新增。",
        "   资金来源按“项目名称+资金来源”匹配，年度计划按“项目名称+年度”，"
        "节点按“项目名称+节点名称”，前期手续按“项目名称+手续名称”，"
        "资金拨付按“项目名称+资金来源+类型+日期+文号”，实物工作量按“项目名称+年度+目标名称”。",
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
        "入库年份、入库日期只能在“是否入库纳统”为“是”时填写；入库日期不能晚于今天。",
        "项目代码为投资项目在线审批监管平台的24位代码，如 2023-340405-48-01-012345"
        "（年份-地区码-行业码-类型码-流水号），不能与其他项目重复；可留空。",
        f"前期手续的状态可填：{statuses}。“已取得”须填取得日期；开工必需填是或否；"
        "附件（批复文件）不在表中，请在系统的项目页面上传。",
        f"资金拨付的类型可填：{kinds}。日期不能晚于今天，金额须大于零；"
        "所填项目和资金来源须已在“资金来源”表或系统中登记。",
        "实物工作量的计划数量填数字，单位如 亩、户、套、m²、公里。",
        "项目阶段改为在建时，开工必需的前期手续须已在系统中办妥"
        "（同一文件中的前期手续表在项目表之后导入）。",
        "旧版模板的列名“联系人账号”“分管领导账号”和表名“里程碑”仍可导入；"
        "没有“项目代码”“入库日期”两列的旧文件也可导入，这两项保持不变。",
        "完整档案导出中带“（只读）”的表（月报、实物工作量完成、计划基线）导入时会被忽略。",
        "",
        "示例行以“示例：”开头，导入前请删除。",
    ]
