"""View helpers every app's pages share."""

from django.contrib.auth.mixins import PermissionRequiredMixin


class PortfolioReaderMixin(PermissionRequiredMixin):
    """Every role reads the portfolio; a user without a role gets 403."""

    permission_required = "projects.read_portfolio"


def detail_with_errors(request, view_class, *, kwargs: dict, status: int = 400, **context):
    """Render the detail page ``view_class`` again with the invalid ``context`` (a form
    and its errors) and ``status``: the one way an action's bad input comes back."""
    view = view_class(request=request, kwargs=kwargs)
    view.object = view.get_object()
    return view.render_to_response(view.get_context_data(**context), status=status)
