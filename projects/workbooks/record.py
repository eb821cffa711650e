"""A project's full record as a workbook: the import's sheets (so that it can be edited
and imported back) plus read-only sheets of what is filed or frozen in the app (its
monthly reports, the quantities they report, the annual plan's baselines), which an
import skips."""

from django.utils import timezone
from django.utils.translation import gettext as _

from shanwang.spreadsheets.files import Column, add_table, new_workbook, workbook_bytes
from shanwang.spreadsheets.widgets import chinese_label

from ..models import PlanBaselineEntry, Project, ReportedQuantity
from ..seeding import demo
from .sheets import BASELINES_SHEET, PROJECT_SHEETS, QUANTITIES_SHEET, REPORTS_SHEET


def project_record_workbook(project: Project) -> bytes:
    projects = Project.objects.filter(pk=project.pk)
    workbook = new_workbook()
    for spec in PROJECT_SHEETS:
        rows = spec.resource_class().export_rows(spec.resource_class.export_queryset(projects))
        add_table(workbook, spec.title, spec.resource_class.columns(), rows)
    _add_reports(workbook, project)
    _add_quantities(workbook, project)
    _add_baselines(workbook, project)
    demo.mark_workbook(workbook)
    return workbook_bytes(workbook)


def _add_reports(workbook, project: Project) -> None:
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
                chinese_label(report.get_status_display()),
                report.submitted_by.username if report.submitted_by else "",
                report.review_comment,
            ]
            for report in reports
        ),
        note=_("Monthly reports are read-only here: they are filed and reviewed in the app."),
    )


def _add_quantities(workbook, project: Project) -> None:
    quantities = (
        ReportedQuantity.objects.filter(report__project=project)
        .select_related("report", "target")
        .order_by("report__month", "target__position", "target_id")
    )
    add_table(
        workbook,
        QUANTITIES_SHEET,
        [
            Column("月份", "date", 12),
            Column("目标名称", "text", 24),
            Column("单位", "text", 8),
            Column("本月完成数量", "amount", 14),
            Column("月报状态", "text", 10),
        ],
        (
            [
                quantity.report.month,
                quantity.target.name,
                quantity.target.unit,
                quantity.quantity,
                chinese_label(quantity.report.get_status_display()),
            ]
            for quantity in quantities
        ),
        note=_(
            "The quantities achieved are read-only here: they are reported with the "
            "monthly reports in the app."
        ),
    )


def _add_baselines(workbook, project: Project) -> None:
    entries = (
        PlanBaselineEntry.objects.filter(project=project)
        .select_related("baseline__frozen_by")
        # The original plan ("original") before the mid-year adjustment ("adjusted").
        .order_by("baseline__year", "-baseline__kind")
    )
    add_table(
        workbook,
        BASELINES_SHEET,
        [
            Column("年度", "number", 10),
            Column("基线", "text", 12),
            Column("计划投资（万元）", "amount", 16),
            Column("冻结日期", "date", 12),
            Column("冻结人", "text", 12),
            Column("原因", "text", 40),
        ],
        (
            [
                entry.baseline.year,
                chinese_label(entry.baseline.get_kind_display()),
                entry.planned_investment,
                timezone.localdate(entry.baseline.frozen_at),
                entry.baseline.frozen_by.username,
                entry.baseline.reason,
            ]
            for entry in entries
        ),
        note=_(
            "The baselines are read-only here: an administrator freezes the year's plan in the app."
        ),
    )
