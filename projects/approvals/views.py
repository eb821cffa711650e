"""The approvals' pages (前期手续): the town-wide list of items, an item's edit page
(usable on a phone), and the project page's apply button (POST). Views stay thin:
selectors read, services write, rules decide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView
from django_filters.views import FilterView

from shanwang.forms import apply_validation_error
from shanwang.mixins import PortfolioReaderMixin

from .. import selectors as portfolio
from ..models import Project
from ..rules import may
from . import selectors, services
from .filters import ApprovalFilter
from .forms import ApprovalUpdateForm


class ApprovalListView(PortfolioReaderMixin, FilterView):
    """前期手续: every project's approvals, by default those past their planned date and
    unsettled; filtered by status, overdue and unit."""

    filterset_class = ApprovalFilter
    template_name = "projects/approvals/approval_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.approval_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on = portfolio.today()
        context["rows"] = [
            (item, selectors.days_overdue(item, on) if not item.is_settled else 0)
            for item in context["object_list"]
        ]
        return context


class ApprovalEditView(PortfolioReaderMixin, FormView):
    """An approval's edit page: status, person, dates, document number, note and the
    attachment; bad input comes back with its errors (400) and nothing is saved."""

    template_name = "projects/approvals/approval_form.html"
    form_class = ApprovalUpdateForm

    def dispatch(self, request, *args, **kwargs):
        self.item = get_object_or_404(selectors.approval_detail(), pk=kwargs["pk"])
        if request.user.is_authenticated and not may(
            request.user, "projects.change_approvalitem", self.item
        ):
            raise PermissionDenied(
                _("You may only update the approvals of projects you are responsible for.")
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.item}

    def form_valid(self, form):
        try:
            services.approval_update(
                self.item,
                user=self.request.user,
                attachment=form.cleaned_data["attachment"],
                **form.changes(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("The approval “%(name)s” is updated.") % {"name": self.item.name}
        )
        return redirect(f"{self.item.project.get_absolute_url()}#approvals")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            item=self.item, project=self.item.project, on=portfolio.today(), **kwargs
        )


class ApprovalsApplyView(PortfolioReaderMixin, View):
    """Apply the category's approvals template to a project (POST): the items it lacks
    are added, those it has are left as they are."""

    def post(self, request, pk):
        project = get_object_or_404(Project, pk=pk)
        try:
            added = services.apply_template(project, user=request.user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d approval added to the checklist.",
                    "%(count)d approvals added to the checklist.",
                    len(added),
                )
                % {"count": len(added)},
            )
        return redirect(f"{project.get_absolute_url()}#approvals")
