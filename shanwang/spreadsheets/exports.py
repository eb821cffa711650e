"""Table exports that are safe to open in Excel."""

import datetime
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django_tables2.export import TableExport
from tablib import Dataset

from .files import XLSX_TYPE, Column, add_table, inert, new_workbook, workbook_bytes

__all__ = ["SafeTableExport", "column_kind", "inert", "xlsx_response"]


def xlsx_response(content: bytes, file_name: str) -> HttpResponse:
    """A workbook download; the file name may be Chinese (RFC 5987)."""
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


def column_kind(values) -> str:
    """How a column of exported values is written: amounts (Decimal) with two decimals,
    dates as dates, anything else as it is."""
    for value in values:
        if isinstance(value, Decimal):
            return "amount"
        if isinstance(value, datetime.date):
            return "date"
        if value not in (None, ""):
            return "text"
    return "text"


class SafeTableExport(TableExport):
    """Export a table with every text cell made inert; XLSX with real numbers (two
    decimals for amounts) and real dates, CSV with a BOM so that Excel reads the Chinese
    text as UTF-8. ``mark(workbook)``, when given, adds to the XLSX what the caller's
    workbooks carry besides (a notice sheet)."""

    def __init__(self, *args, mark=None, **kwargs):
        self.mark = mark
        super().__init__(*args, **kwargs)

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        return Dataset(
            *(tuple(inert(value) for value in row) for row in dataset),
            headers=[inert(header) for header in dataset.headers],
            title=dataset.title,
        )

    def export(self):
        if self.format == self.XLSX:
            return self._xlsx()
        data = super().export()
        if self.format == self.CSV:
            return "\ufeff" + data
        return data

    def _xlsx(self) -> bytes:
        columns = [
            Column(str(header), column_kind(self.dataset.get_col(index)), 16)
            for index, header in enumerate(self.dataset.headers)
        ]
        workbook = new_workbook()
        add_table(workbook, self.dataset.title or "Sheet1", columns, list(self.dataset))
        if self.mark is not None:
            self.mark(workbook)
        return workbook_bytes(workbook)
