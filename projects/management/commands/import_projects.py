from projects.workbooks.sheets import import_projects_file
from shanwang.spreadsheets.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import projects with their funding, annual plans and milestones from the project "
        "workbook (sheets 项目、资金来源、年度计划、节点) or one CSV table of it. "
        "All or nothing: one bad row imports nothing."
    )
    run = staticmethod(import_projects_file)
