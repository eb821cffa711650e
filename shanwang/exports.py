"""Table exports that are safe to open in Excel."""

from django_tables2.export import TableExport
from tablib import Dataset

#: A cell starting with one of these is a formula to Excel or LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """Return ``value`` so that a spreadsheet shows it as text, never runs it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeTableExport(TableExport):
    """Export a table with every text cell made inert, and CSV with a BOM so that Excel
    reads the Chinese text as UTF-8."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        return Dataset(
            *(tuple(inert(value) for value in row) for row in dataset),
            headers=[inert(header) for header in dataset.headers],
            title=dataset.title,
        )

    def export(self):
        data = super().export()
        if self.format == self.CSV:
            return "\ufeff" + data
        return data
