"""All-or-nothing imports of workbooks through django-import-export resources.

A :class:`WorkbookImport` knows the sheets it accepts (a title, a resource, the columns
that identify a row). It reads the file safely (:mod:`shanwang.spreadsheets`), checks
headers and duplicate rows, then imports every sheet inside one transaction: one bad
row anywhere and nothing is written. The result lists every problem with its sheet, row
and column, and counts new, changed and unchanged rows per sheet for the preview.
"""

from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from import_export.instance_loaders import ModelInstanceLoader
from import_export.resources import Diff, ModelResource
from import_export.results import RowResult
from import_export.widgets import ManyToManyWidget
from tablib import Dataset

from ..audit import audit_log
from .files import (
    Column,
    Sheet,
    SpreadsheetRejected,
    add_table,
    inert,
    new_workbook,
    read_spreadsheet,
    workbook_bytes,
)
from .widgets import (
    AmountWidget,
    DateWidget,
    TextWidget,
    YearWidget,
    as_text,
    is_clear_marker,
)


class KeyedInstanceLoader(ModelInstanceLoader):
    """Find existing rows by a key of several columns, with one query per sheet."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.fields = [resource.fields[name] for name in resource._meta.import_id_fields]
        self.known = None

    def get_instance(self, row):
        if self.known is None:
            model = self.resource._meta.model
            related = [
                f.attribute for f in self.fields if model._meta.get_field(f.attribute).is_relation
            ]
            self.known = {
                tuple(f.get_value(instance) for f in self.fields): instance
                for instance in self.get_queryset().select_related(*related)
            }
        try:
            key = tuple(f.clean(row) for f in self.fields)
        except ValueError:
            return None
        return self.known.get(key)


def violated_constraint_message(model, error: IntegrityError) -> str | None:
    """The message of the model's constraint that the database refused, if it names one."""
    text = str(error)
    named = [c for c in model._meta.constraints if c.name in text]
    if not named:
        return None
    return max(named, key=lambda c: len(c.name)).get_violation_error_message()


class ChangesOnlyDiff(Diff):
    """The preview of a changed row shows its key and the cells that change, nothing else."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.shown = [
            field.attribute in resource._meta.import_id_fields
            for field in resource.get_import_fields()
        ]

    def as_html(self):
        html = super().as_html()
        if self.new:
            return html
        return [
            cell if shown or before != after else ""
            for cell, shown, before, after in zip(
                html, self.shown, self.left, self.right, strict=True
            )
        ]


class TownResource(ModelResource):
    """A resource whose rows are checked whole: every column's problem is reported, many
    to many columns included, and unchanged rows are counted as such.

    An update changes only what the file says: an empty cell leaves the stored value, and
    clearing a value takes the marker （清空） (``CLEAR_MARKERS``), as the instructions say.

    The model's check and unique constraints are enforced by the database when the row
    is saved, and a violation is reported with the constraint's own message: Django's
    ``validate_constraints`` would run one query per constraint per row, which makes a
    10,000-row import several times slower for the same answer.
    """

    def __init__(self, *, html_diff: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not html_diff:
            # The command has no use for the preview's HTML diff of every row.
            self._meta = copy(self._meta)
            self._meta.skip_html_diff = True

    def get_diff_class(self):
        return ChangesOnlyDiff

    def after_init_instance(self, instance, new, row, **kwargs):
        """Read the row as the instructions say: for an existing record an empty cell is
        left out (its value stays), and the clear marker is an empty cell."""
        for column, value in list(row.items()):
            if is_clear_marker(value):
                row[column] = None
            elif not new and not as_text(value):
                del row[column]

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=errors.keys(), validate_unique=validate_unique, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        try:
            with transaction.atomic():
                instance.save(force_insert=is_create)
        except IntegrityError as error:
            message = violated_constraint_message(type(instance), error)
            if message is None:
                raise
            raise ValidationError(message) from error

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for import_field in self.get_import_fields():
            if (
                isinstance(import_field.widget, ManyToManyWidget)
                and import_field.column_name in row
            ):
                try:
                    import_field.clean(row)
                except ValueError as error:
                    errors[import_field.attribute] = [str(error)]
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance._history_user = kwargs.get("user")
        instance._change_reason = _("Spreadsheet import")

    def column_of(self, attribute: str) -> str | None:
        for import_field in self.get_import_fields():
            if import_field.attribute == attribute:
                return import_field.column_name
        return None

    @classmethod
    def headers(cls) -> list[str]:
        return [import_field.column_name for import_field in cls().get_import_fields()]

    @classmethod
    def columns(cls) -> list[Column]:
        """How the columns are written: amounts with two decimals, dates as dates."""
        columns = []
        for import_field in cls().get_import_fields():
            widget = import_field.widget
            kind, width = "text", 14
            if isinstance(widget, AmountWidget):
                kind = "amount"
            elif isinstance(widget, DateWidget):
                kind = "date"
            elif isinstance(widget, YearWidget):
                kind, width = "number", 10
            elif isinstance(widget, TextWidget) and (widget.max_length or 300) >= 200:
                width = 30
            columns.append(Column(import_field.column_name, kind, width))
        return columns

    def export_rows(self, queryset):
        fields = self.get_import_fields()
        for instance in queryset:
            yield [f.widget.render(f.get_value(instance)) for f in fields]


@dataclass
class SheetSpec:
    title: str
    resource_class: type[TownResource]
    #: The columns that identify a row (a project's name; project and year …).
    key: tuple[str, ...]
    #: Columns that may be left out of the file (the others must be there).
    optional: tuple[str, ...] = ()
    #: Names a rename left behind, still read so that files made before it import: the
    #: sheet's former titles, and former column headers with the header each stands for.
    former_titles: tuple[str, ...] = ()
    former_headers: dict[str, str] = field(default_factory=dict)

    def current_headers(self, headers: list[str]) -> list[str]:
        """Return ``headers`` with every former header replaced by its current name."""
        return [self.former_headers.get(header, header) for header in headers]


@dataclass
class SheetOutcome:
    title: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    result: object = None


@dataclass
class ImportReport:
    file_name: str
    dry_run: bool
    errors: list[str] = field(default_factory=list)
    sheets: list[SheetOutcome] = field(default_factory=list)
    #: Key values of refused rows, by key column: their dependants are held back.
    failed_keys: dict[str, set[str]] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def rows_written(self) -> int:
        """Rows added or changed in the database (none for a dry run or a rejection)."""
        if self.dry_run or not self.accepted:
            return 0
        return sum(sheet.new + sheet.changed for sheet in self.sheets)

    def summary(self) -> str:
        return "；".join(
            _("%(sheet)s: %(new)d new, %(changed)d changed, %(unchanged)d unchanged")
            % {
                "sheet": sheet.title,
                "new": sheet.new,
                "changed": sheet.changed,
                "unchanged": sheet.unchanged,
            }
            for sheet in self.sheets
        )


class WorkbookImport:
    """Import the sheets of a workbook (or one CSV table) named by ``specs``, in order."""

    #: Sheets a workbook may carry that hold no data (the template's instructions).
    IGNORED_TITLES = ("填写说明", "说明", "Instructions")

    def __init__(self, name: str, specs: list[SheetSpec], *, ignored_titles=()):
        self.name = name
        self.specs = specs
        self.ignored_titles = (*self.IGNORED_TITLES, *ignored_titles)

    def run_file(self, file, file_name: str | None = None, *, user=None, dry_run=False):
        """Import from a path or an open binary file."""
        if isinstance(file, (str, Path)):
            path = Path(file)
            data, file_name = path.read_bytes(), file_name or path.name
        else:
            data, file_name = file.read(), file_name or getattr(file, "name", "") or ""
        return self.run(data, file_name, user=user, dry_run=dry_run)

    def export(self, querysets: dict[str, object], *, mark=None) -> bytes:
        """A workbook in the import's shape: one sheet per spec, rows from
        ``querysets[title]`` (a queryset the resource's ``export_queryset`` prepared);
        ``mark(workbook)``, when given, adds what the caller's workbooks carry besides (a
        notice sheet, which the import is told to skip)."""
        workbook = new_workbook()
        for spec in self.specs:
            rows = spec.resource_class().export_rows(querysets[spec.title])
            add_table(workbook, spec.title, spec.resource_class.columns(), rows)
        if mark is not None:
            mark(workbook)
        return workbook_bytes(workbook)

    def export_csv(self, queryset) -> str:
        """The first sheet's rows as CSV (with a BOM, for Excel), text made inert."""
        spec = self.specs[0]
        dataset = Dataset(
            *(
                tuple(inert(value) for value in row)
                for row in spec.resource_class().export_rows(queryset)
            ),
            headers=spec.resource_class.headers(),
        )
        return "\ufeff" + dataset.export("csv")

    def template(self, instructions: list[str], examples: dict[str, list]) -> bytes:
        """An empty workbook with an instructions sheet and an example row per sheet."""
        workbook = new_workbook()
        sheet = workbook.create_sheet(self.IGNORED_TITLES[0])
        sheet.column_dimensions["A"].width = 110
        for line in instructions:
            sheet.append([line])
        for spec in self.specs:
            add_table(workbook, spec.title, spec.resource_class.columns(), [examples[spec.title]])
        return workbook_bytes(workbook)

    def run(self, data: bytes, file_name: str, *, user=None, dry_run=False) -> ImportReport:
        report = ImportReport(file_name=file_name, dry_run=dry_run)
        try:
            sheets = read_spreadsheet(data, file_name)
        except SpreadsheetRejected as rejected:
            report.errors.append(rejected.message)
            return report
        return self.run_sheets(sheets, report, user=user)

    def run_sheets(
        self, sheets: list[Sheet], report: ImportReport, *, user=None, preview=False
    ) -> ImportReport:
        """Import ``sheets``; with ``preview``, keep each row's HTML diff for the admin."""
        matched = self._match(sheets, report.errors)
        for spec, sheet in matched:
            self._check_headers(spec, sheet, report.errors)
        if not report.errors:
            for spec, sheet in matched:
                self._check_duplicates(spec, sheet, report.errors)
        if report.errors:
            return report
        with transaction.atomic():
            for spec, sheet in matched:
                report.sheets.append(
                    self._import_sheet(spec, sheet, report, user=user, preview=preview)
                )
            if report.errors or report.dry_run:
                transaction.set_rollback(True)
        if report.accepted and not report.dry_run:
            audit_log(
                "import",
                user=user,
                kind=self.name,
                file=report.file_name,
                rows_written=report.rows_written,
                sheets={sheet.title: [sheet.new, sheet.changed] for sheet in report.sheets},
            )
        return report

    # Checks before import ----------------------------------------------------------------

    def _match(self, sheets: list[Sheet], errors: list[str]) -> list[tuple[SheetSpec, Sheet]]:
        by_title = {spec.title: spec for spec in self.specs}
        by_former_title = {title: spec for spec in self.specs for title in spec.former_titles}
        found: dict[str, Sheet] = {}
        for sheet in sheets:
            if sheet.title in self.ignored_titles:
                continue
            spec = (
                by_title.get(sheet.title)
                or by_former_title.get(sheet.title)
                or self._spec_by_headers(sheet)
            )
            if spec is None:
                if sheet.rows or sheet.headers:
                    errors.append(
                        _("Sheet “%(sheet)s” is not one this import knows (expected: %(titles)s).")
                        % {"sheet": sheet.title, "titles": "、".join(by_title)}
                    )
                continue
            if spec.title in found:
                errors.append(
                    _("The file holds the sheet “%(sheet)s” twice.") % {"sheet": spec.title}
                )
                continue
            sheet.title = spec.title
            sheet.headers = spec.current_headers(sheet.headers)
            found[spec.title] = sheet
        if not found and not errors:
            errors.append(
                _("The file holds no sheet to import (expected: %(titles)s).")
                % {"titles": "、".join(by_title)}
            )
        return [(spec, found[spec.title]) for spec in self.specs if spec.title in found]

    def _spec_by_headers(self, sheet: Sheet) -> SheetSpec | None:
        """Tell a CSV file's (or a renamed sheet's) table by its key columns."""
        headers = {spec.title: set(spec.current_headers(sheet.headers)) for spec in self.specs}
        candidates = [spec for spec in self.specs if set(spec.key) <= headers[spec.title]]
        if not candidates:
            return None
        return max(
            candidates,
            key=lambda spec: len(headers[spec.title] & set(spec.resource_class.headers())),
        )

    def _check_headers(self, spec: SheetSpec, sheet: Sheet, errors: list[str]) -> None:
        expected = spec.resource_class.headers()
        for position, header in enumerate(sheet.headers, start=1):
            if not header:
                errors.append(
                    _("Sheet “%(sheet)s”: column %(position)d has no header.")
                    % {"sheet": spec.title, "position": position}
                )
            elif header not in expected:
                errors.append(
                    _(
                        "Sheet “%(sheet)s”: unknown column “%(column)s” (renamed? the "
                        "template's columns are: %(expected)s)."
                    )
                    % {"sheet": spec.title, "column": header, "expected": "、".join(expected)}
                )
        seen = set()
        for header in sheet.headers:
            if header and header in seen:
                errors.append(
                    _("Sheet “%(sheet)s”: the column “%(column)s” appears twice.")
                    % {"sheet": spec.title, "column": header}
                )
            seen.add(header)
        for header in expected:
            if header not in sheet.headers and header not in spec.optional:
                errors.append(
                    _("Sheet “%(sheet)s”: the column “%(column)s” is missing.")
                    % {"sheet": spec.title, "column": header}
                )

    def _check_duplicates(self, spec: SheetSpec, sheet: Sheet, errors: list[str]) -> None:
        positions = [sheet.headers.index(column) for column in spec.key]
        first_row: dict[tuple, int] = {}
        for number, values in sheet.rows:
            key = tuple(
                as_text(values[position]) if position < len(values) else ""
                for position in positions
            )
            if not any(key):
                continue
            if key in first_row:
                errors.append(
                    _("Sheet “%(sheet)s”, row %(row)d repeats row %(first)d (%(key)s).")
                    % {
                        "sheet": spec.title,
                        "row": number,
                        "first": first_row[key],
                        "key": "，".join(
                            f"{column}“{value}”"
                            for column, value in zip(spec.key, key, strict=True)
                        ),
                    }
                )
            else:
                first_row[key] = number

    # Import ------------------------------------------------------------------------------

    def _import_sheet(self, spec, sheet, report, *, user, preview) -> SheetOutcome:
        rows = self._hold_back_dependants(spec, sheet, report)
        width = len(sheet.headers)
        dataset = Dataset(
            *(tuple((values + [None] * width)[:width]) for _number, values in rows),
            headers=sheet.headers,
        )
        resource = spec.resource_class(html_diff=preview)
        result = resource.import_data(
            dataset,
            dry_run=False,
            # The whole file runs in one transaction, rolled back on any problem; a row's
            # save has its own savepoint (do_instance_save), so no savepoint per row.
            use_transactions=False,
            raise_errors=False,
            retain_instance_in_row_result=True,
            user=user,
        )
        numbers = [number for number, _values in rows]
        failed = {number - 1 for number, _errors in result.row_errors()}
        failed |= {invalid.number - 1 for invalid in result.invalid_rows}
        if len(spec.key) == 1 and failed:
            # Rows of later sheets that belong to these rows are held back (see below).
            position = sheet.headers.index(spec.key[0])
            report.failed_keys.setdefault(spec.key[0], set()).update(
                as_text(rows[index][1][position]) for index in failed
            )
        for row_number, row_errors in result.row_errors():
            for error in row_errors:
                report.errors.append(
                    self._message(spec, numbers[row_number - 1], None, str(error.error))
                )
        for error in result.base_errors:
            report.errors.append(self._message(spec, None, None, str(error.error)))
        for invalid in result.invalid_rows:
            number = numbers[invalid.number - 1]
            for attribute, messages in invalid.error_dict.items():
                column = None if attribute == NON_FIELD_ERRORS else resource.column_of(attribute)
                for message in messages:
                    report.errors.append(self._message(spec, number, column, message))
        totals = result.totals
        return SheetOutcome(
            title=spec.title,
            new=totals[RowResult.IMPORT_TYPE_NEW],
            changed=totals[RowResult.IMPORT_TYPE_UPDATE],
            unchanged=totals[RowResult.IMPORT_TYPE_SKIP],
            result=result,
        )

    def _hold_back_dependants(self, spec, sheet, report) -> list[tuple[int, list]]:
        """Leave out the rows that belong to a row an earlier sheet refused (a project's
        funding when the project's own row has a problem): they would only repeat that
        problem as "unknown project"."""
        rows = sheet.rows
        for column, failed in report.failed_keys.items():
            if column not in sheet.headers or (column == spec.key[0] and len(spec.key) == 1):
                continue
            position = sheet.headers.index(column)
            held = [number for number, values in rows if as_text(values[position]) in failed]
            if held:
                rows = [
                    (n, values) for n, values in rows if as_text(values[position]) not in failed
                ]
                report.errors.append(
                    _(
                        "Sheet “%(sheet)s”, rows %(rows)s: not checked, because the row of "
                        "their %(column)s in an earlier sheet has problems."
                    )
                    % {
                        "sheet": spec.title,
                        "rows": "、".join(str(number) for number in held),
                        "column": column,
                    }
                )
        return rows

    @staticmethod
    def _message(spec, row, column, message) -> str:
        if row is None:
            return _("Sheet “%(sheet)s”: %(message)s") % {"sheet": spec.title, "message": message}
        if column is None:
            return _("Sheet “%(sheet)s”, row %(row)d: %(message)s") % {
                "sheet": spec.title,
                "row": row,
                "message": message,
            }
        return _("Sheet “%(sheet)s”, row %(row)d, column “%(column)s”: %(message)s") % {
            "sheet": spec.title,
            "row": row,
            "column": column,
            "message": message,
        }
