"""The pages of physical targets: add a target to a project, change one, delete one
after a confirmation. For the project's staff, reviewers and administrators
(``projects.change_project``); bad input comes back with status 400 and nothing saved.
The targets themselves are shown on the project page (selectors.project_targets)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from shanwang.forms import apply_validation_error
from shanwang.mixins import PortfolioReaderMixin

from .. import selectors
from ..models import PhysicalTarget, Project
from ..rules import may
from . import services
from .forms import PhysicalTargetForm


def _require_editor(user, project) -> None:
    if not may(user, "projects.change_project", project):
        raise PermissionDenied(
            _("You may only change the targets of projects you are responsible for.")
        )


class TargetFormMixin(PortfolioReaderMixin):
    """The form of a target of ``self.project``, for those who may change the project."""

    template_name = "projects/targets/target_form.html"
    target = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.set_target(kwargs["pk"])
            _require_editor(request.user, self.project)
        return super().dispatch(request, *args, **kwargs)

    def set_target(self, pk) -> None:
        raise NotImplementedError

    def get_form(self, form_class=None):
        instance = self.target or PhysicalTarget(project=self.project)
        return PhysicalTargetForm(**self.get_form_kwargs(), instance=instance)

    def form_valid(self, form):
        try:
            target = services.target_save(
                self.project, user=self.request.user, target=self.target, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Target “%(name)s” for %(year)s saved.") % {"name": target.name, "year": target.year},
        )
        return redirect(f"{self.project.get_absolute_url()}#targets")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, target=self.target, **kwargs)


class TargetCreateView(TargetFormMixin, FormView):
    """Add a physical target to a project."""

    def set_target(self, pk):
        self.project = get_object_or_404(Project, pk=pk)

    def get_initial(self):
        return {"year": selectors.today().year}


class TargetUpdateView(TargetFormMixin, FormView):
    """Change a physical target."""

    def set_target(self, pk):
        self.target = get_object_or_404(PhysicalTarget.objects.select_related("project"), pk=pk)
        self.project = self.target.project


class TargetDeleteView(PortfolioReaderMixin, View):
    """Delete a physical target: GET (or a POST without ``confirmed=1``) shows what will
    happen, its 确认 button posts with it. A refusal (reports give quantities for it and
    the user is no administrator) goes back to the project page with the reason."""

    def get(self, request, pk):
        target = self._target(request, pk)
        return self.confirmation(target)

    def post(self, request, pk):
        target = self._target(request, pk)
        if request.POST.get("confirmed") != "1":
            return self.confirmation(target)
        try:
            services.target_delete(target, user=request.user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(
                request,
                _("Target “%(name)s” for %(year)s deleted.")
                % {"name": target.name, "year": target.year},
            )
        return redirect(f"{target.project.get_absolute_url()}#targets")

    def _target(self, request, pk) -> PhysicalTarget:
        target = get_object_or_404(PhysicalTarget.objects.select_related("project"), pk=pk)
        _require_editor(request.user, target.project)
        return target

    def confirmation(self, target):
        reports = target.reports_giving_quantities()
        return render(
            self.request,
            "projects/targets/target_confirm_delete.html",
            {
                "project": target.project,
                "target": target,
                "reports": reports,
                # Who is no administrator is told at once why it would be refused.
                "refused": services.deletion_refused(reports, user=self.request.user),
                "action_url": self.request.path,
                "cancel_url": f"{target.project.get_absolute_url()}#targets",
            },
        )
