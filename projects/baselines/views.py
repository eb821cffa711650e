"""The baselines' pages: the years and their baselines with the administrators' freeze
form (POST, after a confirmation step), and a year's comparison of original, adjusted,
live plan and actual, filterable, paged and exported as XLSX. Views stay thin: selectors
read, the service writes, the rules decide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shanwang.forms import apply_validation_error
from shanwang.mixins import PortfolioReaderMixin
from shanwang.models import FIRST_YEAR, LAST_YEAR
from shanwang.spreadsheets.exports import xlsx_response

from .. import selectors as portfolio
from ..choices import BaselineKind
from ..models import Project
from ..rules import may
from ..seeding import demo
from . import briefing, selectors, services
from .forms import BaselineFreezeForm, ComparisonFilterForm


class BaselineListView(PortfolioReaderMixin, TemplateView):
    """计划基线: every plan year with its baselines (who, when, why); for administrators
    the freeze form, and a warning while this year has no original baseline."""

    template_name = "projects/baselines/baseline_list.html"

    def get_context_data(self, **kwargs):
        today = portfolio.today()
        years = selectors.baseline_years(on=today)
        this_year = next(year for year in years if year.year == today.year)
        may_freeze = may(self.request.user, "projects.freeze_baseline")
        if may_freeze and "form" not in kwargs:
            kwargs["form"] = BaselineFreezeForm(
                initial={"year": today.year, "kind": this_year.next_kind or BaselineKind.ORIGINAL}
            )
        return super().get_context_data(
            years=years,
            this_year=this_year,
            may_freeze=may_freeze,
            **kwargs,
        )


class BaselineFreezeView(PortfolioReaderMixin, View):
    """Freeze a year's plan (POST: year, kind, reason): administrators only. The POST
    without ``confirmed=1`` shows what will happen, its 确认 button posts again with it;
    bad input brings the list page back with the errors and status 400, nothing saved."""

    def post(self, request):
        if not may(request.user, "projects.freeze_baseline"):
            raise PermissionDenied(_("Only administrators freeze a baseline."))
        form = BaselineFreezeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if request.POST.get("confirmed") != "1":
                return self.confirmation(data)
            try:
                baseline = services.baseline_freeze(
                    year=data["year"], kind=data["kind"], reason=data["reason"], user=request.user
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(baseline)s frozen: %(count)d annual plans kept as they stand today.")
                    % {"baseline": baseline, "count": baseline.entries.count()},
                )
                return redirect(baseline)
        view = BaselineListView(request=request, kwargs={})
        return view.render_to_response(view.get_context_data(form=form), status=400)

    def confirmation(self, data):
        year = selectors.year_baselines(data["year"])
        plans = selectors.plan_count(data["year"])
        return render(
            self.request,
            "projects/baselines/confirm_freeze.html",
            {
                "data": data,
                "kind_label": BaselineKind(data["kind"]).label,
                "baselines": year,
                "plans": plans,
                "consequence": _(
                    "The %(count)d annual plans of %(year)d will be kept as they stand now."
                    " A baseline is never changed or removed afterwards, by anyone."
                )
                % {"count": plans, "year": data["year"]},
                "danger": True,
                "action_url": self.request.path,
                "cancel_url": reverse("projects:baselines"),
            },
        )


class BaselineYearView(PortfolioReaderMixin, TemplateView):
    """A year's plan: per project the original, the adjustment, the live plan and the
    actual, the differences marked, the totals; ``?export=xlsx`` for the workbook."""

    template_name = "projects/baselines/baseline_year.html"

    def get(self, request, *args, **kwargs):
        if not FIRST_YEAR <= self.kwargs["year"] <= LAST_YEAR:
            raise Http404
        year = selectors.year_baselines(self.kwargs["year"])
        filters = ComparisonFilterForm(request.GET or None)
        rows = selectors.year_comparison(year, projects=filters.narrow(Project.objects))
        if filters.is_valid() and filters.cleaned_data["moved"]:
            rows = selectors.moved_filter(rows, year)
        rows = rows.order_by("name_sort", "name", "pk")
        totals = selectors.comparison_totals(rows)
        if request.GET.get("export") == "xlsx":
            return xlsx_response(
                briefing.year_workbook(year, rows, totals),
                demo.marked_file_name(f"{_('Plan baselines')}-{year.year}.xlsx"),
            )
        page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        return self.render_to_response(
            self.get_context_data(
                baselines=year,
                filters=filters,
                page_obj=page,
                rows=page.object_list,
                totals=totals,
                query=query.urlencode(),
            )
        )
