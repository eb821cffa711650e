from projects.workbooks.sheets import import_projects_file
from shanwang.spreadsheets.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import projects with their funding, annual plans, milestones, approvals, fund "
        "entries and physical targets from the project workbook (sheets 项目、资金来源、"
        "年度计划、节点、前期手续、资金拨付、实物工作量) or one CSV table of it. "
        "All or nothing: one bad row imports nothing."
    )
    run = staticmethod(import_projects_file)
