"""The supervision orders' pages (督办单): the filterable, exportable list; an order's
page with one form per step the user may take (the unit's reply, the issuer's
acceptance or sending back); the steps (POST, 400 with the page on bad input); and an
order issued on a project or one of its problems."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from shanwang.forms import apply_validation_error
from shanwang.mixins import detail_with_errors

from ...models import Problem
from ...rules import may
from .. import selectors, services
from ..filters import OrderFilter
from ..forms.orders import OrderIssueForm, OrderStepForm
from ..tables import OrderTable
from ..workflow import ORDER_STEPS, available_order_steps
from .ledger import (
    ProjectItemFormMixin,
    StepsPageMixin,
    SupervisionListMixin,
    SupervisionReaderMixin,
)


class OrderListView(SupervisionListMixin, FilterView):
    """督办单: every order the user sees, filtered by status, level, unit, project,
    overdue replies only and the user's own units'."""

    table_class = OrderTable
    filterset_class = OrderFilter
    template_name = "projects/supervision/order_list.html"
    export_name = "督办单"

    def get_queryset(self):
        return selectors.order_list(user=self.request.user)


def order_or_404(pk: int, user):
    """Return the order with everything its page shows, when ``user`` may see it."""
    order = get_object_or_404(selectors.order_detail(), pk=pk)
    if not may(user, "projects.view_order", order):
        raise PermissionDenied(_("You may only see the orders of your units and projects."))
    return order


class OrderDetailView(StepsPageMixin, SupervisionReaderMixin, DetailView):
    """An order: what is required, of whom, by when, the reply, its steps, and one form
    per step the user may take now."""

    template_name = "projects/supervision/order_detail.html"
    context_object_name = "order"

    def get_object(self, queryset=None):
        return order_or_404(self.kwargs["pk"], self.request.user)

    def available_steps(self, item, user):
        return available_order_steps(item, user)

    def step_form(self, step, item):
        return OrderStepForm(step=step, order=item)


class OrderStepView(SupervisionReaderMixin, View):
    """Take a step of an order (POST); bad input comes back on the order's page with
    status 400 and nothing saved."""

    def post(self, request, pk, step):
        if step not in ORDER_STEPS:
            raise Http404
        order = order_or_404(pk, request.user)
        form = OrderStepForm(request.POST, step=step, order=order)
        if form.is_valid():
            try:
                taken = services.order_step(
                    acting_user=request.user, order=order, step=step, **form.step_arguments()
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("The supervision order is now “%(status)s”.")
                    % {"status": taken.get_to_status_display()},
                )
                return redirect(order)
        return detail_with_errors(
            request, OrderDetailView, kwargs={"pk": pk}, step_forms={step: form}
        )


class OrderIssueView(ProjectItemFormMixin, FormView):
    """Issue a supervision order on a project, or on one of its problems
    (``?problem=<id>``), with a reply deadline; bad input comes back with status 400."""

    template_name = "projects/supervision/order_form.html"
    project_permission = "projects.issue_order"
    refusal = gettext_lazy("Only reviewers, leaders and administrators issue supervision orders.")

    def get_initial(self):
        initial = super().get_initial()
        problem = self.request.GET.get("problem", "")
        if problem.isdigit():
            found = (
                Problem.objects.filter(project=self.project, pk=problem)
                .only("pk", "level", "responsible_unit_id", "responsible_person_id")
                .first()
            )
            if found is not None:
                initial |= {
                    "problem": found.pk,
                    "level": found.level,
                    "responsible_unit": found.responsible_unit_id,
                    "responsible_person": found.responsible_person_id,
                }
        return initial

    def get_form(self, form_class=None):
        return OrderIssueForm(**self.get_form_kwargs(), project=self.project)

    def form_valid(self, form):
        try:
            order = services.order_issue(
                acting_user=self.request.user, project=self.project, **form.issue_arguments()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Supervision order issued; the reply is due on %(date)s.")
            % {"date": order.reply_deadline.isoformat()},
        )
        return redirect(order)
