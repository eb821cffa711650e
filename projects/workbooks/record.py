"""A project's full record as a workbook: the import's four sheets (so that it can be
edited and imported back) plus its monthly progress reports."""

from django.utils.translation import gettext as _

from shanwang.spreadsheets.files import Column, add_table, new_workbook, workbook_bytes

from ..models import Project
from ..seeding import demo
from .sheets import PROJECT_SHEETS, REPORTS_SHEET


def project_record_workbook(project: Project) -> bytes:
    projects = Project.objects.filter(pk=project.pk)
    workbook = new_workbook()
    for spec in PROJECT_SHEETS:
        rows = spec.resource_class().export_rows(spec.resource_class.export_queryset(projects))
        add_table(workbook, spec.title, spec.resource_class.columns(), rows)
    reports = project.progress_reports.select_related("submitted_by").order_by("month")
    add_table(
        workbook,
        REPORTS_SHEET,
        [
            Column("月份", "date", 12),
            Column("形象进度（%）", "amount", 12),
            Column("本月完成投资（万元）", "amount", 16),
            Column("进展情况", "text", 40),
            Column("存在问题", "text", 40),
            Column("状态", "text", 10),
            Column("提交人", "text", 12),
            Column("审核意见", "text", 30),
        ],
        (
            [
                report.month,
                report.physical_progress,
                report.investment_completed,
                report.narrative,
                report.problems,
                report.get_status_display(),
                report.submitted_by.username if report.submitted_by else "",
                report.review_comment,
            ]
            for report in reports
        ),
        note=_("Monthly reports are read-only here: they are filed and reviewed in the app."),
    )
    demo.mark_workbook(workbook)
    return workbook_bytes(workbook)
