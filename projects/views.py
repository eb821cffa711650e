"""Portfolio pages. Views stay thin: selectors read, services write, rules decide."""

import io
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from shanwang.exports import SafeTableExport, xlsx_response
from villages import selectors as village_selectors

from . import briefing, briefing_pdf, briefing_xlsx, charts, notifications, selectors, services
from .calendar_feed import feed_for
from .exports import project_record_workbook
from .filters import ProjectFilter
from .forms import (
    MilestoneForm,
    NotificationSettingsForm,
    ProgressReportForm,
    ProjectForm,
    ReportTransitionForm,
    StageChangeForm,
)
from .models import Milestone, Notification, NotificationSettings, ProgressReport, Project
from .tables import ProjectTable
from .workdays import years_without_holidays
from .workflows import available_report_transitions, available_stage_transitions

logger = logging.getLogger(__name__)


class PortfolioReaderMixin(PermissionRequiredMixin):
    """Every role reads the portfolio; a user without a role gets 403."""

    permission_required = "projects.read_portfolio"


def apply_validation_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its fields where it names them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DashboardView(PortfolioReaderMixin, TemplateView):
    """工作台: the portfolio at a glance."""

    template_name = "projects/dashboard.html"

    def get_context_data(self, **kwargs):
        stage_counts = selectors.stage_counts()
        category_counts = selectors.category_counts()
        light_counts = selectors.light_counts()
        pace = selectors.portfolio_pace()
        return super().get_context_data(
            stage_counts=stage_counts,
            category_counts=category_counts,
            light_counts=light_counts,
            registered=selectors.statistics_registered_summary(),
            pace=pace,
            attention=selectors.attention(user=self.request.user),
            incomes=village_selectors.incomes_with_growth(),
            collective_income_total=village_selectors.town_collective_income(),
            town_indicators=selectors.indicator_table(),
            years_without_holidays=years_without_holidays(
                [selectors.today().year, selectors.today().year + 1]
            ),
            charts={
                "stages": charts.bar(
                    [row["label"] for row in stage_counts],
                    [(_("projects"), [row["count"] for row in stage_counts])],
                ),
                "investment": charts.bar(
                    [pace["year"]],
                    [
                        (_("planned investment"), [pace["planned"]]),
                        (_("completed investment"), [pace["completed"]]),
                    ],
                    unit=_("10k yuan"),
                ),
            },
            **kwargs,
        )


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
        return f"projects-{selectors.today():%Y%m%d}.{export_format}"

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
                "investment": charts.line(
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
        return xlsx_response(project_record_workbook(project), f"{project.name}.xlsx")


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
        view = ProjectDetailView(request=request, kwargs={"pk": pk})
        view.object = view.get_object()
        context = view.get_context_data(**{self.form_context_name: form})
        return view.render_to_response(context, status=400)

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
        if not user.has_perm("projects.change_project", self.project):
            raise PermissionDenied(_("You may only change projects you are responsible for."))
        return ProjectForm(
            **self.get_form_kwargs(),
            instance=self.project,
            can_assign=user.has_perm("projects.assign_project", self.project),
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
        if request.user.is_authenticated and not request.user.has_perm(*permission):
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
            % {"month": f"{report.month:%Y-%m}", "status": report.get_status_display()},
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
            transitions=available_report_transitions(self.object, self.request.user), **kwargs
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
        view = ReportDetailView(request=request, kwargs={"pk": pk})
        view.object = view.get_object()
        context = view.get_context_data(transition_form=form)
        return view.render_to_response(context, status=400)


class NotificationListView(LoginRequiredMixin, ListView):
    """The bell: the user's own notifications, newest first."""

    template_name = "projects/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user)


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request):
        notification_id = request.POST.get("notification")
        notifications.mark_read(
            user=request.user,
            notification_id=int(notification_id) if notification_id else None,
        )
        return redirect("projects:notifications")


class NotificationSettingsView(LoginRequiredMixin, FormView):
    """Which alerts come by email, the digest, and the personal calendar feed."""

    template_name = "projects/notification_settings.html"
    form_class = NotificationSettingsForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": notifications.settings_for(self.request.user),
        }

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Your alert settings have been saved."))
        return redirect("projects:notification_settings")

    def post(self, request, *args, **kwargs):
        if "renew_calendar" in request.POST:
            notifications.calendar_token_renew(user=request.user)
            messages.success(
                request, _("A new calendar address has been made; the old one no longer works.")
            )
            return redirect("projects:notification_settings")
        if "revoke_calendar" in request.POST:
            notifications.calendar_token_revoke(user=request.user)
            messages.success(request, _("The calendar address has been switched off."))
            return redirect("projects:notification_settings")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        token = notifications.settings_for(self.request.user).calendar_token
        feed_url = (
            self.request.build_absolute_uri(reverse("projects:calendar_feed", args=[token]))
            if token
            else None
        )
        return super().get_context_data(feed_url=feed_url, **kwargs)


@login_not_required
def calendar_feed(request, token):
    """The personal .ics feed, reached by its secret key (phones subscribe without a log-in)."""
    preferences = get_object_or_404(
        NotificationSettings.objects.select_related("user"), calendar_token=token
    )
    if not preferences.user.is_active:
        raise Http404
    response = HttpResponse(
        feed_for(preferences.user, on=selectors.today()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="shanwang.ics"'
    return response


class BriefingMixin(PermissionRequiredMixin):
    """The monthly briefing of the month in ?month=YYYY-MM (default: last month), for
    leaders, reviewers and administrators; a bad month gets status 400 and its reason."""

    permission_required = "projects.read_briefing"

    def get(self, request, *args, **kwargs):
        try:
            month = briefing.parse_month(request.GET.get("month"), today=selectors.today())
        except ValidationError as error:
            return self.bad_month(error.messages[0])
        return self.answer(briefing.monthly_briefing(month=month))

    def bad_month(self, message: str):
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class BriefingView(BriefingMixin, TemplateView):
    """月报: the briefing as a page that prints on A4."""

    template_name = "projects/briefing.html"

    def answer(self, monthly):
        return self.render_to_response(self.page_context(briefing=monthly))

    def bad_month(self, message):
        context = self.page_context(month_error=message)
        return self.render_to_response(context, status=400)

    def page_context(self, **kwargs):
        return self.get_context_data(
            month_value=self.request.GET.get("month", ""),
            pdf_available=briefing_pdf.chromium_path() is not None,
            **kwargs,
        )


class BriefingWorkbookView(BriefingMixin, View):
    def answer(self, monthly):
        return xlsx_response(
            briefing_xlsx.briefing_workbook(monthly),
            briefing_xlsx.briefing_filename(monthly, "xlsx"),
        )


class BriefingPdfView(BriefingMixin, View):
    def answer(self, monthly):
        try:
            pdf = briefing_pdf.briefing_pdf(monthly)
        except briefing_pdf.PdfUnavailable as error:
            logger.warning("Briefing PDF: %s", error)
            return HttpResponse(
                _("The PDF cannot be made on this server; print the page instead."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        return FileResponse(
            io.BytesIO(pdf),
            as_attachment=True,
            filename=briefing_xlsx.briefing_filename(monthly, "pdf"),
            content_type="application/pdf",
        )
