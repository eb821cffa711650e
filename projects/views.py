"""Portfolio pages. Views stay thin: selectors read, services write, rules decide."""

from dataclasses import fields

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from shanwang.charts import line
from shanwang.forms import apply_validation_error
from shanwang.mixins import PortfolioReaderMixin, detail_with_errors
from shanwang.spreadsheets.exports import SafeTableExport, xlsx_response

from . import charts, selectors, services
from .filters import ProjectFilter
from .forms import (
    MilestoneForm,
    ProgressReportForm,
    ProjectForm,
    ReportTransitionForm,
    StageChangeForm,
)
from .models import Milestone, ProgressReport, Project
from .rules import may
from .seeding import demo
from .tables import ProjectTable
from .workbooks.record import project_record_workbook
from .workflows import available_report_transitions, available_stage_transitions


class DashboardView(PortfolioReaderMixin, TemplateView):
    """工作台: the portfolio at a glance."""

    template_name = "projects/dashboard.html"

    def get_context_data(self, **kwargs):
        dashboard = selectors.dashboard(user=self.request.user)
        figures = {field.name: getattr(dashboard, field.name) for field in fields(dashboard)}
        return super().get_context_data(
            **figures, charts=charts.dashboard_charts(dashboard), **kwargs
        )


class IndicatorListView(PortfolioReaderMixin, TemplateView):
    """主要指标: every figure of the work report in the report's groups, with its source,
    and the honours of the town."""

    template_name = "projects/indicators.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.key_indicators(), **kwargs)


class ProjectListView(PortfolioReaderMixin, ExportMixin, SingleTableMixin, FilterView):
    """项目: the filterable, sortable project table, exported exactly as filtered."""

    table_class = ProjectTable
    filterset_class = ProjectFilter
    template_name = "projects/project_list.html"
    export_class = SafeTableExport
    export_formats = ("xlsx", "csv")

    def get_queryset(self):
        return selectors.project_list()

    def get_export_filename(self, export_format):
        return demo.marked_file_name(f"projects-{selectors.today():%Y%m%d}.{export_format}")

    def create_export(self, export_format):
        """ExportMixin's export, whose workbook carries the demo notice while demo records
        exist (a CSV has only its file name for that)."""
        exporter = self.export_class(
            export_format=export_format,
            table=self.get_table(**self.get_table_kwargs()),
            exclude_columns=self.exclude_columns,
            dataset_kwargs=self.get_dataset_kwargs(),
            mark=demo.mark_workbook,
        )
        response = exporter.response()
        # django-tables2 writes the name raw, which a Chinese name breaks (RFC 6266).
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(export_format)
        )
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_sizes=ProjectTable.PAGE_SIZES, **kwargs)


class ProjectDetailView(PortfolioReaderMixin, DetailView):
    template_name = "projects/project_detail.html"
    context_object_name = "project"

    def get_object(self, queryset=None):
        try:
            return selectors.project_detail(pk=self.kwargs["pk"])
        except Project.DoesNotExist as missing:
            raise Http404 from missing

    def get_context_data(self, **kwargs):
        project, user = self.object, self.request.user
        kwargs.setdefault("stage_form", StageChangeForm())
        kwargs.setdefault("milestone_form", MilestoneForm())
        milestones = project.milestones.all()
        return super().get_context_data(
            stage_transitions=available_stage_transitions(project, user),
            changes=selectors.project_changes(project),
            charts={
                "investment": line(
                    [
                        (
                            _("cumulative completed investment"),
                            selectors.cumulative_investment_by_month(project),
                        )
                    ],
                    unit=_("10k yuan"),
                ),
                "milestones": charts.milestone_timeline(milestones, on=selectors.today()),
            },
            **kwargs,
        )


class ProjectRecordExportView(PortfolioReaderMixin, View):
    """A project's full record as an XLSX workbook, importable back (issue 7)."""

    def get(self, request, pk):
        project = get_object_or_404(Project, pk=pk)
        return xlsx_response(
            project_record_workbook(project), demo.marked_file_name(f"{project.name}.xlsx")
        )


class ProjectActionView(PortfolioReaderMixin, View):
    """A POST-only action on a project; on invalid input the project page comes back with
    the errors and status 400, and nothing is saved."""

    form_class = None
    form_context_name = None

    def post(self, request, pk):
        project = get_object_or_404(Project, pk=pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                message = self.perform(project, form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, message)
                return redirect(project)
        return detail_with_errors(
            request, ProjectDetailView, kwargs={"pk": pk}, **{self.form_context_name: form}
        )

    def perform(self, project, data) -> str:
        raise NotImplementedError


class ProjectStageView(ProjectActionView):
    form_class = StageChangeForm
    form_context_name = "stage_form"

    def perform(self, project, data):
        project = services.project_stage_change(
            project=project,
            transition=data["transition"],
            acting_user=self.request.user,
            comment=data["comment"],
            actual_start=data["actual_start"],
            actual_completion=data["actual_completion"],
        )
        return _("The stage is now “%(stage)s”.") % {"stage": project.get_stage_display()}


class MilestoneCreateView(ProjectActionView):
    form_class = MilestoneForm
    form_context_name = "milestone_form"

    def perform(self, project, data):
        milestone = services.milestone_create(
            project=project, acting_user=self.request.user, **data
        )
        return _("Milestone “%(title)s” added.") % {"title": milestone.title}


class MilestoneCompleteView(PortfolioReaderMixin, View):
    def post(self, request, pk):
        milestone = get_object_or_404(Milestone.objects.select_related("project"), pk=pk)
        try:
            services.milestone_complete(milestone=milestone, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(
                request, _("Milestone “%(title)s” completed.") % {"title": milestone.title}
            )
        return redirect(milestone.project)


class ProjectUpdateView(PortfolioReaderMixin, FormView):
    template_name = "projects/project_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.project = get_object_or_404(Project, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        user = self.request.user
        if not may(user, "projects.change_project", self.project):
            raise PermissionDenied(_("You may only change projects you are responsible for."))
        return ProjectForm(
            **self.get_form_kwargs(),
            instance=self.project,
            can_assign=may(user, "projects.assign_project", self.project),
        )

    def form_valid(self, form):
        try:
            services.project_update(
                project=self.project, acting_user=self.request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The project has been saved."))
        return redirect(self.project)

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, **kwargs)


class ReportFormView(PortfolioReaderMixin, FormView):
    """Write or change a monthly report, with a photo; save as draft or submit."""

    template_name = "projects/report_form.html"

    def dispatch(self, request, *args, **kwargs):
        if "report_pk" in kwargs:
            self.report = get_object_or_404(
                ProgressReport.objects.select_related("project"), pk=kwargs["report_pk"]
            )
            self.project = self.report.project
            permission = ("projects.change_progressreport", self.report)
        else:
            self.report = None
            self.project = get_object_or_404(Project, pk=kwargs["pk"])
            permission = ("projects.add_progressreport", self.project)
        # The rules themselves, for superusers too: no one edits a submitted report.
        if request.user.is_authenticated and not may(request.user, *permission):
            raise PermissionDenied(
                _("You may only write and change your projects' draft or returned reports.")
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return ProgressReportForm(**self.get_form_kwargs(), instance=self.report)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = services.progress_report_save(
                acting_user=self.request.user,
                project=self.project,
                report=self.report,
                fields={name: data[name] for name in form.Meta.fields if name in data},
                photo=data.get("photo"),
                caption=data.get("photo_caption", ""),
                submit="submit" in self.request.POST,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Report for %(month)s saved: %(status)s.")
            % {
                "month": date_format(report.month, "YEAR_MONTH_FORMAT"),
                "status": report.get_status_display(),
            },
        )
        return redirect("projects:report", pk=report.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, report=self.report, **kwargs)


class ReportDetailView(PortfolioReaderMixin, DetailView):
    template_name = "projects/report_detail.html"
    context_object_name = "report"

    def get_object(self, queryset=None):
        return get_object_or_404(selectors.report_detail(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        kwargs.setdefault("transition_form", ReportTransitionForm())
        return super().get_context_data(
            transitions=available_report_transitions(self.object, self.request.user),
            deviations=self.object.deviations(),
            **kwargs,
        )


class ReportTransitionView(PortfolioReaderMixin, View):
    """Submit, approve or return a report (POST); errors come back with status 400."""

    def post(self, request, pk, transition):
        report = get_object_or_404(ProgressReport, pk=pk)
        form = ReportTransitionForm(request.POST)
        if form.is_valid():
            try:
                report = services.progress_report_transition(
                    report=report,
                    transition=transition,
                    acting_user=request.user,
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("The report is now “%(status)s”.") % {"status": report.get_status_display()},
                )
                return redirect("projects:report", pk=report.pk)
        return detail_with_errors(
            request, ReportDetailView, kwargs={"pk": pk}, transition_form=form
        )
