"""The funds' pages: a project's money (its sources, entries, paid by month, the entry
form), an entry's edit and its deletion with a confirmation, a funding source added to
the project, and the town-wide overview (/funds/). Views stay thin: selectors read,
services write, rules decide (a refusal is a 403, bad input comes back with status 400
and nothing saved)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shanwang import formatting
from shanwang.forms import apply_validation_error
from shanwang.mixins import PortfolioReaderMixin

from ..models import FundEntry, Project
from ..rules import may
from ..selectors import today
from . import selectors, services
from .forms import FundEntryForm, FundingForm

PAGE = "projects/funds/project_funds_page.html"


def funds_page(request, project, *, status: int = 200, **forms):
    """Render the project's funds page, with the forms given (invalid ones among them)."""
    on = today()
    may_edit = may(request.user, "projects.change_project", project)
    context = {
        "project": project,
        "funds": selectors.project_funds(project, user=request.user, on=on),
        "entries": selectors.project_entries(project),
        "months": selectors.paid_by_month(year=on.year, project=project),
        "year": on.year,
        "may_edit": may_edit,
    }
    if may_edit:
        context["entry_form"] = forms.get("entry_form") or FundEntryForm(project=project)
        context["funding_form"] = forms.get("funding_form") or FundingForm(project=project)
    return render(request, PAGE, context, status=status)


def _require_editor(user, project) -> None:
    if not may(user, "projects.change_project", project):
        raise PermissionDenied(
            _("You may only record the money of projects you are responsible for.")
        )


def _editable_project(request, pk) -> Project:
    project = get_object_or_404(Project, pk=pk)
    _require_editor(request.user, project)
    return project


def _editable_entry(request, pk) -> FundEntry:
    entry = get_object_or_404(
        FundEntry.objects.select_related("funding__project", "funding__source"), pk=pk
    )
    _require_editor(request.user, entry.funding.project)
    return entry


class ProjectFundsView(PortfolioReaderMixin, View):
    """资金: a project's money by source, its entries and the amounts paid by month; the
    entry form for those who may change the project."""

    def get(self, request, pk):
        return funds_page(request, get_object_or_404(Project, pk=pk))


class FundEntryAddView(PortfolioReaderMixin, View):
    """Record an entry (POST)."""

    def post(self, request, pk):
        project = _editable_project(request, pk)
        form = FundEntryForm(request.POST, project=project)
        if form.is_valid():
            try:
                entry = services.fund_entry_add(acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("Recorded: %(kind)s %(amount)s on %(date)s.")
                    % {
                        "kind": entry.get_kind_display(),
                        "amount": formatting.amount(entry.amount),
                        "date": entry.date.isoformat(),
                    },
                )
                return redirect("projects:funds", pk=project.pk)
        return funds_page(request, project, status=400, entry_form=form)


class FundingAddView(PortfolioReaderMixin, View):
    """Add a funding source to the project (POST)."""

    def post(self, request, pk):
        project = _editable_project(request, pk)
        form = FundingForm(request.POST, project=project)
        if form.is_valid():
            try:
                funding = services.funding_add(
                    acting_user=request.user, project=project, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, _("“%(source)s” added to the funding.") % {"source": funding.source}
                )
                return redirect("projects:funds", pk=project.pk)
        return funds_page(request, project, status=400, funding_form=form)


class FundEntryEditView(PortfolioReaderMixin, View):
    """Change an entry: its form (GET), saved (POST)."""

    template_name = "projects/funds/entry_form.html"

    def render(self, request, entry, form, status=200):
        context = {"entry": entry, "project": entry.funding.project, "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        entry = _editable_entry(request, pk)
        return self.render(
            request, entry, FundEntryForm(instance=entry, project=entry.funding.project)
        )

    def post(self, request, pk):
        entry = _editable_entry(request, pk)
        project = entry.funding.project
        form = FundEntryForm(
            request.POST, instance=FundEntry.objects.get(pk=entry.pk), project=project
        )
        if form.is_valid():
            try:
                services.fund_entry_update(
                    acting_user=request.user, entry=entry, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The entry is changed."))
                return redirect("projects:funds", pk=project.pk)
        return self.render(request, entry, form, status=400)


class FundEntryDeleteView(PortfolioReaderMixin, View):
    """Delete an entry: the confirmation (GET), done (POST)."""

    def get(self, request, pk):
        entry = _editable_entry(request, pk)
        context = {"entry": entry, "project": entry.funding.project}
        return render(request, "projects/funds/entry_confirm_delete.html", context)

    def post(self, request, pk):
        entry = _editable_entry(request, pk)
        services.fund_entry_delete(acting_user=request.user, entry=entry)
        messages.success(request, _("The entry is deleted."))
        return redirect("projects:funds", pk=entry.funding.project_id)


class FundOverviewView(PortfolioReaderMixin, TemplateView):
    """资金总览: the town's money by source, the bridging funds' rate, the projects with
    idle funds and with progress ahead of the money; every role reads it."""

    template_name = "projects/funds/overview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(overview=selectors.fund_overview(on=today()), **kwargs)
