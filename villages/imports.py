"""The collective income workbook: import (all or nothing), template and export."""

from .models import CollectiveIncome, Village
from .resources import INCOME_SHEETS, CollectiveIncomeResource, income_workbook


def import_income_file(file, file_name: str | None = None, *, user=None, dry_run=False):
    """Import village collective income from an .xlsx or CSV file; nothing is written
    unless every row is valid."""
    return income_workbook.run_file(file, file_name, user=user, dry_run=dry_run)


def export_income_workbook(incomes=None) -> bytes:
    incomes = CollectiveIncome.objects.all() if incomes is None else incomes
    return income_workbook.export(
        {INCOME_SHEETS[0].title: CollectiveIncomeResource.export_queryset(incomes)}
    )


def export_income_csv(incomes=None) -> str:
    incomes = CollectiveIncome.objects.all() if incomes is None else incomes
    return income_workbook.export_csv(CollectiveIncomeResource.export_queryset(incomes))


def income_template_workbook() -> bytes:
    villages = "、".join(Village.objects.values_list("name", flat=True))
    example_village = Village.objects.values_list("name", flat=True).first()
    instructions = [
        "山王镇村级集体经济收入导入模板",
        "",
        "1. 每行一个村（社区）一个年度的集体经济收入，按“村（社区）+年度”匹配："
        "已有则更新，没有则新增。",
        "2. 第一行是列名，请勿修改、删除或合并单元格。",
        "3. 金额单位为万元，填数字，最多两位小数，不能为负数；请粘贴数值，不要使用公式。",
        "4. 文件须为 .xlsx（不含宏）或 CSV（UTF-8 或 GBK 编码），最多 20000 行。",
        "5. 任何一行有错，整份文件都不会导入，请按提示的行号和列名改正后重新上传。",
        "",
        f"村（社区）可填：{villages}",
        "",
        "示例行的备注以“示例”开头，导入前请删除。",
    ]
    example = [example_village or "", 2025, "100", "示例（导入前请删除本行）", ""]
    return income_workbook.template(instructions, {INCOME_SHEETS[0].title: example})
