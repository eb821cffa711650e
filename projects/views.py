"""Portfolio pages. Views stay thin: selectors read, services write, rules decide."""

import os
from dataclasses import fields

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from shanwang.charts import line
from shanwang.forms import apply_validation_error
from shanwang.mixins import (
    PortfolioReaderMixin,
    SafeExportMixin,
    detail_with_errors,
    protected_file_response,
)
from shanwang.people import person_name
from shanwang.spreadsheets.exports import xlsx_response

from . import charts, evidence, selectors, services
from .approvals import selectors as approvals
from .baselines import selectors as baselines
from .documents.forms import DocumentForm
from .filters import ProjectFilter
from .forms import (
    MilestoneForm,
    ProgressReportForm,
    ProjectForm,
    ReportTransitionForm,
    StageChangeForm,
)
from .funds import selectors as funds
from .models import Milestone, ProgressReport, Project, ReportPhoto, StagedUpload
from .registration import selectors as registration
from .rules import may
from .seeding import demo
from .supervision import overdue as supervision_overdue
from .supervision import ranking as supervision_ranking
from .supervision import selectors as supervision
from .tables import ProjectTable
from .targets import selectors as targets
from .workbooks.record import project_record_workbook
from .workflows import available_report_transitions, available_stage_transitions

#: Kept photos a browser shows as they are (a HEIC is only named): by stored extension.
STAGED_PREVIEW_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


class DashboardView(PortfolioReaderMixin, TemplateView):
    """工作台: the portfolio at a glance."""

    template_name = "projects/dashboard.html"

    def get_context_data(self, **kwargs):
        dashboard = selectors.dashboard(user=self.request.user)
        figures = {field.name: getattr(dashboard, field.name) for field in fields(dashboard)}
        user, on = self.request.user, selectors.today()
        return super().get_context_data(
            **figures,
            charts=charts.dashboard_charts(dashboard),
            supervision=supervision_overdue.dashboard_overdue(user=user, on=on),
            ranking=supervision_ranking.dashboard_ranking(on=on),
            approvals_overdue=approvals.dashboard_overdue(user=user, on=on),
            money=funds.dashboard_money(user=user, on=on),
            unregistered=registration.dashboard_unregistered(user=user, on=on),
            **kwargs,
        )


class IndicatorListView(PortfolioReaderMixin, TemplateView):
    """主要指标: every figure of the work report in the report's groups, with its source,
    and the honours of the town."""

    template_name = "projects/indicators.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.key_indicators(), **kwargs)


class ProjectListView(PortfolioReaderMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """项目: the filterable, sortable project table, exported exactly as filtered, its
    workbook with the demo notice while demo records exist (a CSV has only its file name
    for that)."""

    table_class = ProjectTable
    filterset_class = ProjectFilter
    template_name = "projects/project_list.html"
    mark_export = staticmethod(demo.mark_workbook)

    def get_queryset(self):
        return selectors.project_list()

    def get_export_filename(self, export_format):
        return demo.marked_file_name(f"projects-{selectors.today():%Y%m%d}.{export_format}")

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
        kwargs.setdefault("document_form", DocumentForm())
        milestones = project.milestones.all()
        return super().get_context_data(
            stage_transitions=available_stage_transitions(project, user),
            changes=selectors.project_changes(project),
            problems=supervision.project_problems(project, user=user),
            approvals=approvals.project_approvals(project, user=user, on=selectors.today()),
            funds=funds.project_funds(project, user=user, on=selectors.today()),
            registration=registration.project_registration(
                project, user=user, on=selectors.today()
            ),
            targets=targets.project_targets(project, user=user, on=selectors.today()),
            baselines=baselines.project_baselines(project, user=user, on=selectors.today()),
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
    """Mark a milestone done (POST), after a confirmation step: the POST without
    ``confirmed=1`` shows what will happen, its 确认 button posts again with it."""

    def post(self, request, pk):
        milestone = get_object_or_404(Milestone.objects.select_related("project"), pk=pk)
        if request.POST.get("confirmed") != "1" and milestone.completed_on is None:
            if not may(request.user, "projects.change_milestone", milestone):
                raise PermissionDenied(
                    _("You may only complete milestones of projects you are responsible for.")
                )
            today = date_format(selectors.today(), "Y-m-d")
            return render(
                request,
                "projects/confirm_step.html",
                {
                    "project": milestone.project,
                    "milestone": milestone,
                    "question": _("Mark the milestone “%(title)s” done?")
                    % {"title": milestone.title},
                    "action_label": _("Mark done"),
                    "consequence": _(
                        "The milestone will be recorded as completed today (%(date)s) and its"
                        " deadline alerts stop."
                    )
                    % {"date": today},
                    "action_url": request.path,
                    "cancel_url": milestone.project.get_absolute_url(),
                },
            )
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
    """Write or change a monthly report with its photos and documents; save as draft or
    submit. A submission that does not validate comes back with status 400, its checked
    files kept on the server (StagedUpload) and listed on the form."""

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
        return ProgressReportForm(
            **self.get_form_kwargs(),
            instance=self.report,
            user=self.request.user,
            project=self.project,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = services.progress_report_save(
                acting_user=self.request.user,
                project=self.project,
                report=self.report,
                fields={name: data[name] for name in form.Meta.fields if name in data},
                photos=form.checked_photos,
                documents=form.checked_documents,
                document_kind=data["document_kind"],
                staged_key=form.key,
                staged_captions=form.staged_captions(),
                remove_staged=data["remove_staged"],
                remove_photos=data["remove_photo"],
                submit="submit" in self.request.POST,
                client_key=form.key if self.report is None else None,
                quantities=form.quantities(),
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

    def form_invalid(self, form):
        # Nothing the user chose is lost: the checked files wait under the form's key.
        form.add_staged(
            services.staged_uploads_keep(
                key=form.key,
                acting_user=self.request.user,
                photos=form.checked_photos,
                documents=form.checked_documents,
            )
        )
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, report=self.report, **kwargs)


class StagedUploadView(PortfolioReaderMixin, View):
    """A file kept for a report form that did not validate, to the user who chose it
    and no one else: a photo shown as its thumbnail, a document as a download."""

    def get(self, request, pk):
        upload = get_object_or_404(StagedUpload, pk=pk, uploaded_by=request.user)
        content_type = STAGED_PREVIEW_TYPES.get(os.path.splitext(upload.file.name)[1].lower())
        return protected_file_response(
            upload.file,
            filename=upload.name,
            content_type=content_type or "application/octet-stream",
            as_attachment=content_type is None,
            cache="private, no-store",
        )


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
            photo_evidence=evidence.report_photo_evidence(self.object, user=self.request.user),
            problem_lines=supervision.report_problem_lines(self.object, user=self.request.user),
            quantities=targets.report_quantities(self.object),
            **kwargs,
        )


class ReportTransitionView(PortfolioReaderMixin, View):
    """Submit, approve or return a report (POST); errors come back with status 400.

    Approving and returning ask first: the POST without ``confirmed=1`` changes nothing
    and shows what will happen (status 200), its 确认 button posts again with it."""

    #: The steps taken only once confirmed (submitting needs no confirmation).
    confirmed_steps = {"approve", "return"}

    def post(self, request, pk, transition):
        report = get_object_or_404(
            ProgressReport.objects.select_related("project", "submitted_by"), pk=pk
        )
        form = ReportTransitionForm(request.POST)
        if form.is_valid():
            try:
                if transition in self.confirmed_steps and request.POST.get("confirmed") != "1":
                    return self.confirmation(report, transition, form.cleaned_data["comment"])
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

    def confirmation(self, report, transition, comment):
        """Return the confirmation page of a step the user may take now (else raise)."""
        step = services.progress_report_step(
            report=report, transition=transition, acting_user=self.request.user, comment=comment
        )
        author = person_name(report.submitted_by) or _("the author")
        if transition == "approve":
            question = _("Approve this report?")
            consequence = _(
                "The report will be approved: its figures then count in the portfolio and it"
                " can no longer be changed. %(author)s will be told."
            ) % {"author": author}
        else:
            question = _("Return this report for changes?")
            consequence = _(
                "The report goes back to %(author)s for changes; they and the project's"
                " contact person are told, with your comment."
            ) % {"author": author}
        return render(
            self.request,
            "projects/confirm_step.html",
            {
                "project": report.project,
                "report": report,
                "question": question,
                "action_label": step.label,
                "consequence": consequence,
                "comment": comment,
                "danger": transition == "return",
                "action_url": self.request.path,
                "cancel_url": reverse("projects:report", kwargs={"pk": report.pk}),
            },
        )


class PhotoSiteView(PortfolioReaderMixin, View):
    """Make where a photo was taken its project's site point (POST), back to the report."""

    def post(self, request, pk):
        photo = get_object_or_404(ReportPhoto, pk=pk)
        try:
            services.project_site_from_photo(photo=photo, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The photo's position is now the project's site point."))
        return redirect("projects:report", pk=photo.report_id)


class PhotoOriginalView(PortfolioReaderMixin, View):
    """Download a photo's file as uploaded, EXIF and all: administrators only."""

    def get(self, request, pk):
        photo = get_object_or_404(ReportPhoto, pk=pk)
        if not may(request.user, "projects.view_photo_original", photo):
            raise PermissionDenied
        if not photo.original:
            raise Http404
        return protected_file_response(
            photo.original,
            filename=photo.original.name.rsplit("/", 1)[-1],
            content_type="application/octet-stream",
        )
