"""View helpers every app's pages share."""

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from django_tables2.export import ExportMixin

from .spreadsheets.exports import SafeTableExport


class PortfolioReaderMixin(PermissionRequiredMixin):
    """Every role reads the portfolio; a user without a role gets 403."""

    permission_required = "projects.read_portfolio"


class SafeExportMixin(ExportMixin):
    """A list's export as filtered and sorted, as XLSX or CSV (``SafeTableExport``: inert
    cells), named by ``get_export_filename`` in a way a browser reads in Chinese; the
    workbook gets what ``mark_export(workbook)`` adds (the apps: the demo notice)."""

    export_class = SafeTableExport
    export_formats = ("xlsx", "csv")

    def mark_export(self, workbook) -> None:
        """Add to the XLSX what the app's workbooks carry besides (here: nothing)."""

    def create_export(self, export_format):
        exporter = self.export_class(
            export_format=export_format,
            table=self.get_table(**self.get_table_kwargs()),
            exclude_columns=self.exclude_columns,
            dataset_kwargs=self.get_dataset_kwargs(),
            mark=self.mark_export,
        )
        response = exporter.response()
        # django-tables2 writes the name raw, which a Chinese name breaks (RFC 6266).
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(export_format)
        )
        return response


def detail_with_errors(request, view_class, *, kwargs: dict, status: int = 400, **context):
    """Render the detail page ``view_class`` again with the invalid ``context`` (a form
    and its errors) and ``status``: the one way an action's bad input comes back."""
    view = view_class(request=request, kwargs=kwargs)
    view.object = view.get_object()
    return view.render_to_response(view.get_context_data(**context), status=status)


def protected_file_response(
    file, *, filename: str, content_type: str, as_attachment: bool = True, cache="private"
):
    """Return an uploaded ``file`` to a user a view has checked: as a download named
    ``filename`` (or inline when not ``as_attachment``), of ``content_type``, never
    sniffed into a page. Behind nginx (DJANGO_MEDIA_ACCEL_PREFIX) nginx sends the bytes."""
    if settings.MEDIA_ACCEL_PREFIX:
        response = HttpResponse(content_type=content_type)
        # Percent-encoded: a header must be ASCII, and nginx decodes it (Chinese names).
        response["X-Accel-Redirect"] = quote(f"{settings.MEDIA_ACCEL_PREFIX}{file.name}")
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    else:
        response = FileResponse(
            file.open("rb"),
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response
