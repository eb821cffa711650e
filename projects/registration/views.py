"""The pages of statistics registration (入库纳统): the list of the projects started and
not registered (开工未入库), filterable by unit and light and exported as filtered; the
form that records a project's registration (its own page, reached from the list's rows
and the project page; bad input comes back beside its field with status 400); and the
administrators' clearing, after a confirmation step. Views stay thin: selectors read,
services write, rules decide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from shanwang.forms import apply_validation_error
from shanwang.mixins import PortfolioReaderMixin, SafeExportMixin

from ..models import Project, TrafficLightThresholds
from ..rules import may
from ..seeding import demo
from ..selectors import today
from . import selectors, services
from .filters import UnregisteredFilter
from .forms import RegistrationRecordForm
from .tables import UnregisteredTable

#: The name of the list's export, in the words a county's statistics office uses.
EXPORT_NAME = "开工未入库项目"


class UnregisteredListView(PortfolioReaderMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """开工未入库: the projects at or above the threshold started and not registered,
    the longest since their start first; every role reads it. Its export carries the
    demo notice while demo records exist."""

    table_class = UnregisteredTable
    filterset_class = UnregisteredFilter
    template_name = "projects/registration/unregistered_list.html"
    dataset_kwargs = {"title": EXPORT_NAME}
    mark_export = staticmethod(demo.mark_workbook)

    def get_queryset(self):
        self.thresholds = TrafficLightThresholds.current()
        return selectors.unregistered_list(on=today(), thresholds=self.thresholds)

    def get_table_kwargs(self):
        return {"user": self.request.user}

    def get_export_filename(self, export_format):
        return demo.marked_file_name(f"{EXPORT_NAME}-{today():%Y%m%d}.{export_format}")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_sizes=UnregisteredTable.PAGE_SIZES, thresholds=self.thresholds, **kwargs
        )


class RegistrationRecordView(PortfolioReaderMixin, View):
    """Record a project's statistics registration and its date: the form (GET) and its
    POST, for whoever may change the project. Back to ``next`` (the list it came from)
    or the project page."""

    template_name = "projects/registration/record_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.project = get_object_or_404(Project, pk=kwargs["pk"])
            if not may(request.user, "projects.record_registration", self.project):
                raise PermissionDenied(
                    _("You may only record the registration of projects you are responsible for.")
                )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return self.render(RegistrationRecordForm())

    def post(self, request, pk):
        form = RegistrationRecordForm(request.POST)
        if form.is_valid():
            try:
                services.registration_record(
                    self.project,
                    user=request.user,
                    registered_on=form.cleaned_data["statistics_registered_on"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("“%(project)s” is recorded as statistics-registered on %(date)s.")
                    % {
                        "project": self.project.name,
                        "date": form.cleaned_data["statistics_registered_on"].isoformat(),
                    },
                )
                return redirect(self.next_url() or self.project)
        return self.render(form, status=400)

    def next_url(self) -> str | None:
        """Return the page to go back to when it is one of this site's, else None."""
        url = self.request.POST.get("next") or self.request.GET.get("next")
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return url
        return None

    def render(self, form, status=200):
        registration = selectors.project_registration(
            self.project, user=self.request.user, on=today()
        )
        return render(
            self.request,
            self.template_name,
            {
                "project": self.project,
                "form": form,
                "registration": registration,
                "next": self.next_url() or "",
            },
            status=status,
        )


class RegistrationClearView(PortfolioReaderMixin, View):
    """Clear a project's statistics registration (POST, administrators), after a
    confirmation step: the POST without ``confirmed=1`` shows what will happen."""

    def post(self, request, pk):
        project = get_object_or_404(Project, pk=pk)
        if not may(request.user, "projects.clear_registration", project):
            raise PermissionDenied(_("Only administrators may clear a statistics registration."))
        if request.POST.get("confirmed") != "1":
            return render(
                request,
                "projects/confirm_step.html",
                {
                    "project": project,
                    "question": _("Clear the statistics registration of “%(project)s”?")
                    % {"project": project.name},
                    "action_label": _("Clear the registration"),
                    "consequence": _(
                        "The project will be recorded as not statistics-registered, without "
                        "a registration date or year; once started at or above the threshold, "
                        "it is listed as started and not registered again."
                    ),
                    "danger": True,
                    "action_url": request.path,
                    "cancel_url": project.get_absolute_url(),
                },
            )
        services.registration_clear(project, user=request.user)
        messages.success(
            request,
            _("The statistics registration of “%(project)s” is cleared.")
            % {"project": project.name},
        )
        return redirect(project)
