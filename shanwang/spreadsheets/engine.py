"""All-or-nothing imports of workbooks through django-import-export resources.

A :class:`WorkbookImport` knows the sheets it accepts (a title, a resource, the columns
that identify a row). It reads the file safely (:mod:`shanwang.spreadsheets`), checks
headers and duplicate rows, then imports every sheet inside one transaction: one bad
row anywhere and nothing is written. The result lists every problem with its sheet, row
and column, and counts new, changed and unchanged rows per sheet for the preview.

New rows are written in bulk once their sheet has been read through (:class:`NewRows`):
the rows, their many-to-many links and their history, a few statements whatever the
number of rows. Rows that change go through ``save()`` one by one (and, where a resource
says so, through a service), as before.
"""

import functools
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.utils.translation import gettext as _
from import_export.instance_loaders import ModelInstanceLoader
from import_export.resources import Diff, ModelResource
from import_export.results import Error, RowResult
from import_export.widgets import ManyToManyWidget
from simple_history.models import HistoricalRecords
from simple_history.signals import (
    post_create_historical_m2m_records,
    post_create_historical_record,
    pre_create_historical_m2m_records,
    pre_create_historical_record,
)
from tablib import Dataset

from ..audit import audit_log
from ..pinyin import PinyinNamedModel, PinyinQuerySet
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
    """Find existing rows by a key of several columns, with a fixed number of queries per
    sheet: the stored keys, then the whole stored rows the file names (none for a file of
    new rows), with their relations and many-to-many links."""

    #: Up to this many stored rows are read by their keys; more, and the whole table.
    BY_KEY = 900

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.fields = [resource.fields[name] for name in resource._meta.import_id_fields]
        self.known = None

    def stored_rows(self):
        """The stored rows, with what telling a row's changes reads."""
        model = self.resource._meta.model
        related = [
            f.attribute for f in self.fields if model._meta.get_field(f.attribute).is_relation
        ]
        # The links of the many-to-many columns are read with the rows, so that telling
        # an unchanged row compares them without a query per row.
        linked = [
            name for name in many_to_many_columns(self.resource) if is_many_to_many(model, name)
        ]
        return self.get_queryset().select_related(*related).prefetch_related(*linked)

    def key(self, row) -> tuple | None:
        try:
            return tuple(f.clean(row) for f in self.fields)
        except ValueError:
            return None

    def _load(self) -> dict:
        headers = self.dataset.headers
        keys = (self.key(dict(zip(headers, values))) for values in self.dataset)  # noqa: B905
        named = {
            tuple(value.pk if isinstance(value, models.Model) else value for value in key)
            for key in keys
            if key is not None
        }
        stored = self.get_queryset().values_list("pk", *(f.attribute for f in self.fields))
        wanted = [pk for pk, *key in stored if tuple(key) in named]
        if not wanted:
            return {}
        rows = self.stored_rows()
        if len(wanted) <= self.BY_KEY:
            rows = rows.filter(pk__in=wanted)
        return {tuple(f.get_value(instance) for f in self.fields): instance for instance in rows}

    def get_instance(self, row):
        if self.known is None:
            self.known = self._load()
        key = self.key(row)
        return None if key is None else self.known.get(key)


def many_to_many_columns(resource) -> list[str]:
    """The attributes of the resource's columns that list several related records."""
    return [
        import_field.attribute
        for import_field in resource.get_import_fields()
        if isinstance(import_field.widget, ManyToManyWidget)
    ]


def is_many_to_many(model, name: str) -> bool:
    try:
        return model._meta.get_field(name).many_to_many
    except FieldDoesNotExist:
        return False


def violated_constraint_message(model, error: IntegrityError) -> str | None:
    """The message of the model's constraint that the database refused, if it names one."""
    text = str(error)
    named = [c for c in model._meta.constraints if c.name in text]
    if not named:
        return None
    return max(named, key=lambda c: len(c.name)).get_violation_error_message()


class NoDiff(Diff):
    """No preview (the command's import): the cells of every row are not read twice for
    a diff nobody reads."""

    def __init__(self, resource, instance, new):
        self.left, self.right, self.new = [], [], new

    def compare_with(self, resource, instance):
        pass


class ChangesOnlyDiff(Diff):
    """The preview of a changed row shows its key and the cells that change, nothing else."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.shown = [
            field.attribute in resource._meta.import_id_fields
            for field in resource.get_import_fields()
        ]

    def compare_with(self, resource, instance):
        super().compare_with(resource, instance)
        # A new row waiting for its sheet's bulk write has no links yet: show the ones it
        # will have.
        waiting = getattr(instance, NewRows.LINKS, None) or {}
        for position, import_field in enumerate(resource.get_import_fields()):
            if import_field.attribute in waiting:
                self.right[position] = import_field.widget.render(waiting[import_field.attribute])

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


# New rows in bulk ------------------------------------------------------------------------


class UniqueValues:
    """The values a model's unique fields (and ``unique_together``) hold while a sheet is
    imported, read once and kept up to date with every row saved or waiting to be
    written, so that a row is checked as ``Model.validate_unique`` checks it, without
    its query per field and row, and against the new rows of the sheet above it too
    (which are written only at the sheet's end).

    A unique check Django would make differently (a parent model's field,
    ``unique_for_date``) is left to Django.
    """

    def __init__(self, model):
        self.model = model
        checks, date_checks = model()._get_unique_checks()
        pk_name = model._meta.pk.name
        self.checks = [
            fields
            for model_class, fields in checks
            if model_class is model and fields != (pk_name,)
        ]
        self.django_checks = [(c, f) for c, f in checks if c is not model]
        self.date_checks = date_checks
        self.attnames = {
            name: model._meta.get_field(name).attname for fields in self.checks for name in fields
        }
        self.owners: dict[tuple, dict[tuple, object]] | None = None
        #: The values each row holds, by check: an update replaces its former values.
        self.held: dict[object, dict[tuple, tuple]] = {}

    def _key(self, row, fields) -> tuple | None:
        """The values of ``fields`` in ``row`` (a model instance or a dict by attname);
        None when one is None (Django skips such a check)."""
        if isinstance(row, dict):
            key = tuple(row[self.attnames[name]] for name in fields)
        else:
            key = tuple(getattr(row, self.attnames[name]) for name in fields)
        return None if None in key else key

    def _load(self):
        self.owners = {fields: {} for fields in self.checks}
        if not self.checks:
            return
        names = list(dict.fromkeys(self.attnames.values()))
        for pk, *values in self.model._default_manager.values_list("pk", *names):
            by_name = dict(zip(names, values, strict=True))
            self._hold(pk, {fields: self._key(by_name, fields) for fields in self.checks})

    def _hold(self, owner, keys: dict[tuple, tuple | None]) -> None:
        former = self.held.get(owner, {})
        for fields, key in keys.items():
            before = former.get(fields)
            if before is not None and self.owners[fields].get(before) == owner:
                del self.owners[fields][before]
            if key is not None:
                self.owners[fields][key] = owner
        self.held[owner] = keys

    @staticmethod
    def _owner(instance):
        return instance.pk if instance.pk is not None else ("new", id(instance))

    def problems(self, instance, *, exclude) -> dict[str, list]:
        """The unique checks ``instance`` fails, as ``validate_unique`` reports them."""
        if self.owners is None:
            self._load()
        errors = {}
        owner = self._owner(instance)
        for fields in self.checks:
            if exclude.intersection(fields):
                continue
            key = self._key(instance, fields)
            if key is not None and self.owners[fields].get(key, owner) != owner:
                errors.setdefault(fields[0] if len(fields) == 1 else NON_FIELD_ERRORS, []).append(
                    instance.unique_error_message(self.model, fields)
                )
        if self.django_checks or self.date_checks:
            django_checks = [(c, f) for c, f in self.django_checks if not exclude.intersection(f)]
            for key, messages in instance._perform_unique_checks(django_checks).items():
                errors.setdefault(key, []).extend(messages)
            for key, messages in instance._perform_date_checks(self.date_checks).items():
                errors.setdefault(key, []).extend(messages)
        return errors

    def record(self, instance) -> None:
        """Hold the values of a row just saved or waiting to be written."""
        if self.owners is None:
            self._load()
        if self.checks:
            self._hold(
                self._owner(instance),
                {fields: self._key(instance, fields) for fields in self.checks},
            )


def loaded_relations(instance) -> set[str]:
    """The foreign keys of ``instance`` set to a record read from the database (by a
    lookup column, or loaded with the row): ``clean_fields`` would query each again to
    see that it exists. Keys with a ``limit_choices_to`` or validators of their own are
    left to it."""
    names = set()
    for key in plain_foreign_keys(type(instance)):
        if not key.is_cached(instance):
            continue
        related = key.get_cached_value(instance)
        if (
            related is not None
            and not related._state.adding
            and getattr(related, key.target_field.attname) == getattr(instance, key.attname)
        ):
            names.add(key.name)
    return names


@functools.cache
def plain_foreign_keys(model) -> list:
    """The foreign keys of ``model`` without a ``limit_choices_to`` or validators."""
    return [
        key
        for key in model._meta.concrete_fields
        if key.many_to_one and not key.remote_field.limit_choices_to and not key.validators
    ]


def is_history_receiver(receiver) -> bool:
    """Whether ``receiver`` is one of django-simple-history's own (a bound method of
    ``HistoricalRecords``, or a partial of one for a many-to-many field)."""
    target = getattr(receiver, "func", receiver)
    return isinstance(getattr(target, "__self__", None), HistoricalRecords)


def other_receivers(signal, sender) -> list:
    """The receivers of ``signal`` for ``sender`` that are not simple_history's."""
    sync_receivers, async_receivers = signal._live_receivers(sender)
    return [r for r in (*sync_receivers, *async_receivers) if not is_history_receiver(r)]


def history_of(model):
    """simple_history's manager of ``model``'s history (None: no history kept)."""
    manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
    if manager_name is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return None
    return getattr(model, manager_name)


def bulk_insert_is_a_save(model) -> bool:
    """Whether a bulk insert, with the links and history :class:`NewRows` writes, leaves
    what ``save()`` and the links' ``set()`` leave for ``model``: its ``save()`` is
    Django's own or the pinyin base's (whose columns the manager's ``bulk_create`` also
    fills), no receiver but simple_history's listens to its saves or its links' changes,
    nobody to the history's own signals, and the database returns the new rows' keys.
    Otherwise its new rows are saved one by one."""
    database = connections[router.db_for_write(model)]
    if not database.features.can_return_rows_from_bulk_insert or model._meta.parents:
        return False
    if model.save is not models.Model.save:
        pinyin_filled = isinstance(model._default_manager.all(), PinyinQuerySet)
        if model.save is not PinyinNamedModel.save or not pinyin_filled:
            return False
    if other_receivers(pre_save, model) or other_receivers(post_save, model):
        return False
    links = [field for field in model._meta.many_to_many if field.remote_field.through]
    if any(
        not field.remote_field.through._meta.auto_created
        or other_receivers(m2m_changed, field.remote_field.through)
        for field in links
    ):
        return False
    if (manager := history_of(model)) is None:
        return True
    history = manager.model
    history_models = [
        history,
        *(linked_history(history, field) for field in tracked_links(history)),
    ]
    return not any(
        signal.has_listeners(sender)
        for sender in history_models
        for signal in (
            pre_create_historical_record,
            post_create_historical_record,
            pre_create_historical_m2m_records,
            post_create_historical_m2m_records,
        )
    )


def tracked_links(history) -> list:
    """The many-to-many fields whose links the historical model records."""
    return list(getattr(history, "_history_m2m_fields", []))


def linked_history(history, field):
    """The model of the links a historical record holds for ``field``."""
    return getattr(history, field.name).model


class NewRows:
    """The new rows of a sheet, held until the sheet has been read through and then
    written in bulk: the rows (``bulk_create``, which fills the created and changed
    times and the pinyin columns as ``save()`` does), their many-to-many links, and the
    history ``save()`` and the links' ``set()`` write: a "+" record of each row, and a
    "~" record with the links of each row given links, with the importer and the change
    reason the resource set on the row.

    The database's own refusals (a check constraint) are found by halving the rows that
    a statement refused until the row is found, and reported on that row, as a row's own
    save would report them. Every row has been checked (``full_clean``, the unique
    values) before it is held.
    """

    #: The links a held row will have, by attribute, kept on the row for the preview.
    LINKS = "_new_row_links"

    def __init__(self, model):
        self.model = model
        self.rows: list = []
        self.numbers: dict[int, int] = {}

    def __bool__(self):
        return bool(self.rows)

    def hold(self, instance, number: int) -> None:
        setattr(instance, self.LINKS, {})
        self.rows.append(instance)
        self.numbers[id(instance)] = number

    def holds(self, instance) -> bool:
        return id(instance) in self.numbers and instance.pk is None

    def hold_links(self, instance, attribute: str, related: list) -> None:
        getattr(instance, self.LINKS)[attribute] = related

    def write(self, result) -> None:
        """Write the held rows; report the ones the database refuses on their rows of
        ``result``."""
        refused: dict[int, IntegrityError] = {}
        self._insert(self.rows, refused)
        written = [row for row in self.rows if id(row) not in refused]
        links = self._link(written)
        self._record_history(written, links)
        self._report(result, refused)
        for row in self.rows:
            delattr(row, self.LINKS)

    def _insert(self, rows, refused) -> None:
        try:
            with transaction.atomic():
                self.model._default_manager.bulk_create(rows)
            return
        except IntegrityError as error:
            for row in rows:
                # The statement was undone; a batch before it (SQLite's) set keys too.
                row.pk, row._state.adding, row._state.db = None, True, None
            if len(rows) == 1:
                refused[id(rows[0])] = error
                return
        middle = len(rows) // 2
        self._insert(rows[:middle], refused)
        self._insert(rows[middle:], refused)

    def _link(self, rows) -> dict[str, dict[int, list]]:
        """Write the links of the rows; return the link rows by attribute and row."""
        written = {}
        attributes = list(dict.fromkeys(a for row in rows for a in getattr(row, self.LINKS)))
        for attribute in attributes:
            field = self.model._meta.get_field(attribute)
            through = field.remote_field.through
            source = through._meta.get_field(field.m2m_field_name()).attname
            target = through._meta.get_field(field.m2m_reverse_field_name()).attname
            by_row = {
                id(row): [
                    through(**{source: row.pk, target: related.pk})
                    for related in getattr(row, self.LINKS).get(attribute) or ()
                ]
                for row in rows
                if attribute in getattr(row, self.LINKS)
            }
            through._default_manager.bulk_create(
                [link for links in by_row.values() for link in links]
            )
            written[attribute] = by_row
        return written

    def _record_history(self, rows, links) -> None:
        manager = history_of(self.model)
        if manager is None or not rows:
            return
        history = manager.model
        manager.bulk_history_create(rows)
        tracked = [link for link in tracked_links(history) if link.name in links]
        recorded = []
        for link_field in tracked:
            # As set() does, a "~" record each time a row is given links, holding the links
            # of every field set so far (the fields in the order of the columns).
            recorded.append(link_field)
            changed = [row for row in rows if links[link_field.name].get(id(row))]
            records = manager.bulk_history_create(changed, update=True)
            for done in recorded:
                link_history = linked_history(history, done)
                names = [f.attname for f in done.remote_field.through._meta.concrete_fields]
                link_history._default_manager.bulk_create(
                    [
                        link_history(
                            history_id=record.pk,
                            **{name: getattr(link, name) for name in names},
                        )
                        for row, record in zip(changed, records, strict=True)
                        for link in links[done.name].get(id(row), ())
                    ]
                )

    def _report(self, result, refused) -> None:
        row_results = {
            id(row_result.instance): row_result
            for row_result in result.rows
            if row_result.instance is not None and id(row_result.instance) in self.numbers
        }
        for key, row_result in row_results.items():
            row_result.object_id = row_result.instance.pk
            if key not in refused:
                continue
            error, number = refused[key], self.numbers[key]
            result.totals[row_result.import_type] -= 1
            message = violated_constraint_message(self.model, error)
            if message is None:
                row_result.import_type = RowResult.IMPORT_TYPE_ERROR
                row_result.errors.append(Error(error, number=number))
                result.append_error_row(number, {}, row_result.errors)
            else:
                row_result.import_type = RowResult.IMPORT_TYPE_INVALID
                row_result.validation_error = ValidationError(message)
                result.append_invalid_row(number, {}, row_result.validation_error)
            result.totals[row_result.import_type] += 1
        result.invalid_rows.sort(key=lambda invalid: invalid.number)


class TownResource(ModelResource):
    """A resource whose rows are checked whole: every column's problem is reported, many
    to many columns included, and unchanged rows are counted as such.

    An update changes only what the file says: an empty cell leaves the stored value, and
    clearing a value takes the marker （清空） (``CLEAR_MARKERS``), as the instructions say.

    The model's check and unique constraints are enforced by the database when the row
    is saved, and a violation is reported with the constraint's own message: Django's
    ``validate_constraints`` would run one query per constraint per row, which makes a
    10,000-row import several times slower for the same answer. For the same reason the
    unique fields are checked against values read once per sheet (:class:`UniqueValues`)
    and a related record the row names by a lookup column is not looked up again
    (``loaded_relations``).

    New rows are held and written in bulk at the end of the sheet (:class:`NewRows`),
    unless the model does on save what a bulk insert would not (``bulk_insert_is_a_save``).
    """

    def __init__(self, *, html_diff: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not html_diff:
            # The command has no use for the preview's HTML diff of every row.
            self._meta = copy(self._meta)
            self._meta.skip_html_diff = True
        #: Set for the import of a sheet (import_data_inner).
        self.unique_values: UniqueValues | None = None
        self.new_rows: NewRows | None = None
        self._import_fields = None

    def get_import_fields(self):
        # Asked several times a row; the columns do not change during an import.
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        model = self._meta.model
        self.unique_values = UniqueValues(model)
        links_are_fields = all(is_many_to_many(model, name) for name in many_to_many_columns(self))
        self.new_rows = (
            NewRows(model) if links_are_fields and bulk_insert_is_a_save(model) else None
        )
        result = super().import_data_inner(
            dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
        )
        if self.new_rows and (using_transactions or not dry_run):
            self.new_rows.write(result)
        return result

    #: The preview's diff of a row.
    diff_class = ChangesOnlyDiff

    def get_diff_class(self):
        return NoDiff if self._meta.skip_html_diff else self.diff_class

    def after_init_instance(self, instance, new, row, **kwargs):
        """Read the row as the instructions say: for an existing record an empty cell is
        left out (its value stays), and the clear marker is an empty cell."""
        for column, value in list(row.items()):
            if is_clear_marker(value):
                row[column] = None
            elif not new and not as_text(value):
                del row[column]

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """``full_clean`` without its queries: the fields (but the existence of the
        related records the lookup columns have just read), ``clean()``, then the unique
        values (:class:`UniqueValues`); constraints are left to the database."""
        errors = dict(import_validation_errors or {})
        if self.unique_values is None:
            # Outside a sheet's import: Django's own checks.
            try:
                instance.full_clean(
                    exclude=errors.keys(),
                    validate_unique=validate_unique,
                    validate_constraints=False,
                )
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        else:
            exclude = {*errors, *loaded_relations(instance)}
            try:
                instance.clean_fields(exclude=exclude)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
            try:
                instance.clean()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
            if validate_unique:
                failed = {name for name in errors if name != NON_FIELD_ERRORS}
                for key, messages in self.unique_values.problems(instance, exclude=failed).items():
                    errors.setdefault(key, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        if is_create and self.new_rows is not None:
            self.before_save_instance(instance, row, **kwargs)
            self.new_rows.hold(instance, kwargs["row_number"])
            self.after_save_instance(instance, row, **kwargs)
        else:
            super().save_instance(instance, is_create, row, **kwargs)
        if self.unique_values is not None:
            self.unique_values.record(instance)

    def save_m2m(self, instance, row, **kwargs):
        """A held new row keeps its links for the bulk write (as ``Field.save`` would
        set them)."""
        if self.new_rows is None or not self.new_rows.holds(instance):
            return super().save_m2m(instance, row, **kwargs)
        for import_field in self.get_import_fields():
            if (
                isinstance(import_field.widget, ManyToManyWidget)
                and import_field.attribute
                and import_field.column_name in row
                and not import_field.readonly
            ):
                related = import_field.clean(row)
                if related is not None or import_field.saves_null_values:
                    self.new_rows.hold_links(instance, import_field.attribute, list(related or ()))
        return None

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
