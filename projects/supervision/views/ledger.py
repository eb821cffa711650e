"""The problem ledger's pages (问题台账): the filterable, exportable list; a problem's
page with one form per step the user may take; the steps (POST, 400 with the page on
bad input, a confirmation before 退回重办 and 销号); the evidence download; a problem
raised on a project; and the one tap that puts a line of a monthly report on the
ledger. Views stay thin: selectors read, services write, rules decide."""

import mimetypes
import posixpath

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from shanwang.forms import apply_validation_error
from shanwang.mixins import SafeExportMixin, detail_with_errors, protected_file_response

from ...models import Problem, ProblemTransition, ProgressReport, Project
from ...rules import may
from ...seeding import demo
from .. import selectors, services
from ..filters import ProblemFilter
from ..forms.ledger import ProblemRaiseForm, ProblemStepForm
from ..tables import ProblemLedgerExport, ProblemTable
from ..workflow import PROBLEM_STEPS, available_problem_steps

#: The steps taken only once confirmed: the POST without ``confirmed=1`` shows what
#: will happen, its 确认 button posts the same form again with it.
CONFIRMED_STEPS = {"return", "strike_off"}


class SupervisionReaderMixin(PermissionRequiredMixin):
    """Every role reads 督办's pages (each item then by its own rule); a user without a
    role gets 403."""

    permission_required = "projects.read_supervision"


class SupervisionListMixin(SupervisionReaderMixin, SafeExportMixin, SingleTableMixin):
    """A filterable, sortable, paged list of problems or orders, exported exactly as
    filtered and sorted as XLSX or CSV, with the demo notice while demo records exist;
    ``export_table_class`` writes the export."""

    mark_export = staticmethod(demo.mark_workbook)
    export_table_class = None
    export_name = ""
    export_title = ""

    def exporting(self) -> bool:
        return self.request.GET.get(self.export_trigger_param) in self.export_formats

    def get_table_class(self):
        if self.exporting() and self.export_table_class is not None:
            return self.export_table_class
        return super().get_table_class()

    def get_table_kwargs(self):
        return {"on": timezone.localdate()}

    def get_export_filename(self, export_format):
        return demo.marked_file_name(
            f"{self.export_name}-{timezone.localdate():%Y%m%d}.{export_format}"
        )

    def get_dataset_kwargs(self):
        return {"title": self.export_title} if self.export_title else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_sizes=self.table_class.PAGE_SIZES, **kwargs)


class ProblemListView(SupervisionListMixin, FilterView):
    """问题台账: every problem the user sees, filtered by status, level, kind, unit,
    project, overdue only and the user's own units'; exported in the county layout."""

    table_class = ProblemTable
    export_table_class = ProblemLedgerExport
    filterset_class = ProblemFilter
    template_name = "projects/supervision/problem_list.html"
    export_name = "问题台账"
    export_title = "问题台账"

    def get_queryset(self):
        return selectors.problem_list(user=self.request.user)


class StepsPageMixin:
    """The page of a problem or an order: one form per step the user may take now, and
    the forms of steps refused after they were sent (the status moved on meanwhile),
    whose reason shows at the top as the step's form is no longer on the page."""

    def available_steps(self, item, user) -> list:
        raise NotImplementedError

    def step_form(self, step: str, item):
        raise NotImplementedError

    def get_context_data(self, step_forms=None, **kwargs):
        item = self.object
        step_forms = step_forms or {}
        available = self.available_steps(item, self.request.user)
        steps = [
            (step, step_forms.get(step.name) or self.step_form(step.name, item))
            for step in available
        ]
        names = {step.name for step in available}
        refused = [form for name, form in step_forms.items() if name not in names]
        return super().get_context_data(
            steps=steps,
            refused_forms=refused,
            overdue=item.is_overdue_on(timezone.localdate()),
            **kwargs,
        )


class ProjectItemFormMixin(SupervisionReaderMixin):
    """The form of a new problem or order on the project of the URL, for those whom
    ``project_permission`` allows (else 403 with ``refusal``); bad input comes back with
    status 400."""

    project_permission = ""
    refusal = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.project = get_object_or_404(Project, pk=kwargs["pk"])
            if not may(request.user, self.project_permission, self.project):
                raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, **kwargs)


def problem_or_404(pk: int, user) -> Problem:
    """Return the problem with everything its page shows, when ``user`` may see it."""
    problem = get_object_or_404(selectors.problem_detail(), pk=pk)
    if not may(user, "projects.view_problem", problem):
        raise PermissionDenied(_("You may only see the problems of your units and projects."))
    return problem


class ProblemDetailView(StepsPageMixin, SupervisionReaderMixin, DetailView):
    """A problem: what, whose, by when, how far; its steps and its orders; and one form
    per step the user may take now."""

    template_name = "projects/supervision/problem_detail.html"
    context_object_name = "problem"

    def get_object(self, queryset=None):
        return problem_or_404(self.kwargs["pk"], self.request.user)

    def available_steps(self, item, user):
        return available_problem_steps(item, user)

    def step_form(self, step, item):
        return ProblemStepForm(step=step, problem=item)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            may_issue_order=may(self.request.user, "projects.issue_order", self.object.project),
            **kwargs,
        )


class ProblemStepView(SupervisionReaderMixin, View):
    """Take a step of a problem (POST); bad input comes back on the problem's page with
    status 400 and nothing saved. Sending back and striking off ask first."""

    def post(self, request, pk, step):
        if step not in PROBLEM_STEPS:
            raise Http404
        problem = problem_or_404(pk, request.user)
        form = ProblemStepForm(request.POST, request.FILES, step=step, problem=problem)
        if form.is_valid():
            if step in CONFIRMED_STEPS and request.POST.get("confirmed") != "1":
                return self.confirmation(problem, form)
            try:
                taken = services.problem_step(
                    acting_user=request.user, problem=problem, step=step, **form.step_arguments()
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("The problem is now “%(status)s”.")
                    % {"status": taken.get_to_status_display()},
                )
                return redirect(problem)
        return detail_with_errors(
            request, ProblemDetailView, kwargs={"pk": pk}, step_forms={step: form}
        )

    def confirmation(self, problem, form):
        """Return the confirmation page of a step the user may take now (else 403)."""
        step = form.step
        if step not in available_problem_steps(problem, self.request.user):
            raise PermissionDenied(_("You may not take this step on this problem."))
        if step.name == "strike_off":
            question = _("Verify and strike off this problem?")
            consequence = _(
                "The problem will be struck off the ledger as verified today; it no longer"
                " counts as open, and its project's light no longer shows it."
            )
        else:
            question = _("Send this problem back for rework?")
            consequence = _(
                "The problem goes back to %(unit)s as in progress, with your comment; they"
                " are told."
            ) % {"unit": problem.responsible_unit or _("the responsible unit")}
        return render(
            self.request,
            "projects/supervision/confirm_step.html",
            {
                "project": problem.project,
                "item": problem,
                "question": question,
                "action_label": step.label,
                "consequence": consequence,
                "comment": form.cleaned_data["comment"],
                "danger": step.name == "return",
                "action_url": self.request.path,
                "cancel_url": problem.get_absolute_url(),
            },
        )


class ProblemEvidenceView(SupervisionReaderMixin, View):
    """The evidence of a problem's step, to those who see the problem, as a download."""

    def get(self, request, pk):
        step = get_object_or_404(
            ProblemTransition.objects.select_related("problem__project"), pk=pk
        )
        if not may(request.user, "projects.view_problem", step.problem):
            raise PermissionDenied
        if not step.evidence:
            raise Http404
        filename = posixpath.basename(step.evidence.name)
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return protected_file_response(step.evidence, filename=filename, content_type=content_type)


class ProblemCreateView(ProjectItemFormMixin, FormView):
    """Raise a problem on a project (发现问题); who may assign gives it its unit and
    deadline at once. Bad input comes back with status 400 and nothing saved."""

    template_name = "projects/supervision/problem_form.html"
    project_permission = "projects.raise_problem"
    refusal = gettext_lazy("You may only raise problems on projects you are responsible for.")

    def get_form(self, form_class=None):
        return ProblemRaiseForm(
            **self.get_form_kwargs(),
            can_assign=may(self.request.user, "projects.assign_problem"),
        )

    def form_valid(self, form):
        try:
            problem = services.problem_raise(
                acting_user=self.request.user, project=self.project, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The problem is on the ledger: “%(status)s”.")
            % {"status": problem.get_status_display()},
        )
        return redirect(problem)


class ProblemFromReportView(SupervisionReaderMixin, View):
    """列入问题台账: put one line of a monthly report's problems on the ledger (POST), once
    per line; a second tap opens the item the first made."""

    def post(self, request, pk, line):
        report = get_object_or_404(ProgressReport.objects.select_related("project"), pk=pk)
        try:
            problem = services.problem_from_report_line(
                acting_user=request.user, report=report, line=line
            )
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return redirect("projects:report", pk=report.pk)
        messages.success(
            request,
            _("Line %(line)d of the report is on the problem ledger.") % {"line": line},
        )
        return redirect(problem)
