"""django-import-export in the admin for our workbooks: upload → preview of every sheet
with new, changed and unchanged rows (or every problem, by sheet, row and column) →
confirm. The reading, checking and importing are those of
:class:`shanwang.spreadsheets.engine.WorkbookImport`, the same as the management commands'."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from import_export.admin import ImportMixin
from import_export.formats.base_formats import Format
from import_export.results import Error, Result
from tablib import Dataset

from .engine import ImportReport, WorkbookImport
from .exports import xlsx_response
from .files import SpreadsheetRejected, read_spreadsheet


class SpreadsheetFormat(Format):
    """One upload format for .xlsx workbooks and CSV files (UTF-8 or GBK), told apart by
    their content and read by :func:`shanwang.spreadsheets.read_spreadsheet`."""

    def __init__(self, encoding=None):
        # The encoding ImportMixin passes is ignored: CSV files are decoded by content.
        self.encoding = encoding

    def get_title(self):
        return "xlsx / csv"

    def get_extension(self):
        return "xlsx"

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True

    def can_export(self):
        return False

    def create_dataset(self, in_stream):
        sheets = read_spreadsheet(in_stream)
        first = next((sheet for sheet in sheets if sheet.rows), sheets[0] if sheets else None)
        dataset = Dataset()
        if first is not None:
            dataset.headers = first.headers
            width = len(first.headers)
            for _number, values in first.rows:
                dataset.append((values + [None] * width)[:width])
        dataset.town_sheets = sheets
        return dataset


class ImportProblem(Exception):
    """A problem of the file, shown as it is (no traceback)."""


def workbook_resource(workbook: WorkbookImport):
    """A resource class for ImportMixin that imports the whole workbook at once."""

    class WorkbookResource:
        def __init__(self, **kwargs):
            pass

        @classmethod
        def get_display_name(cls):
            return workbook.name

        def get_user_visible_fields(self):
            return [
                SimpleNamespace(
                    column_name=f"{spec.title}（{'、'.join(spec.resource_class.headers())}）"
                )
                for spec in workbook.specs
            ]

        def import_data(self, dataset, dry_run=False, file_name=None, user=None, **kwargs):
            report = workbook.run_sheets(
                dataset.town_sheets,
                ImportReport(file_name=file_name or "", dry_run=dry_run),
                user=user,
                preview=dry_run,
            )
            main = next((sheet.result for sheet in report.sheets if sheet.result), None)
            result = main or Result()
            for message in report.errors:
                result.append_base_error(Error(ImportProblem(message)))
            result.town_report = report
            return result

    return WorkbookResource


class WorkbookImportMixin(ImportMixin):
    """ImportMixin for a :class:`WorkbookImport`, with a template download."""

    #: The workbook's importer, its template builder and the template's file name.
    workbook: WorkbookImport
    workbook_template = None
    template_file_name = "template.xlsx"
    import_template_name = "admin/workbook_import.html"
    import_error_display = ("message",)
    skip_admin_log = False

    def get_import_formats(self):
        return [SpreadsheetFormat]

    def get_import_resource_classes(self, request):
        return [workbook_resource(self.workbook)]

    def get_import_context_data(self, **kwargs):
        return super().get_import_context_data(**kwargs) | {
            "template_url_name": f"admin:{self.template_url_name}",
            "sheet_titles": [spec.title for spec in self.workbook.specs],
        }

    def has_import_permission(self, request):
        return request.user.has_perm("projects.import_workbook")

    def get_urls(self):
        template = path(
            "import/template/",
            self.admin_site.admin_view(self.template_view),
            name=self.template_url_name,
        )
        return [template, *super().get_urls()]

    @property
    def template_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_import_template"

    def template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        return xlsx_response(type(self).workbook_template(), self.template_file_name)

    def add_data_read_fail_error_to_form(self, form, exception):
        if isinstance(exception, SpreadsheetRejected):
            form.add_error("import_file", exception.message)
        else:
            super().add_data_read_fail_error_to_form(form, exception)

    def generate_log_entries(self, result, request):
        """Log the rows of every sheet in the admin's history, not only the first's."""
        for sheet in result.town_report.sheets:
            self._log_actions(sheet.result, request)

    def add_success_message(self, result, request):
        report = result.town_report
        messages.success(
            request,
            _("Imported %(file)s: %(summary)s.")
            % {"file": report.file_name, "summary": report.summary()},
        )
