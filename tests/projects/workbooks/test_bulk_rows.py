"""New rows are written in bulk once their sheet is read through, and leave exactly what
a row's own save leaves: the pinyin columns, the times, the villages, the history (a
"+" record, then a "~" record with the villages, by the importer, with the import's
change reason), the admin's log entries. A bad row anywhere still leaves nothing, and
the number of queries does not grow with the number of new rows."""

import datetime
import io
import math

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.db import connection
from django.db.models import AutoField
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from projects.models import Project
from projects.workbooks.sheets import PROJECT_SHEETS, import_projects_file, project_workbook
from shanwang.pinyin import PINYIN_FIELDS, name_pinyin
from shanwang.spreadsheets.engine import ImportReport, bulk_insert_is_a_save
from shanwang.spreadsheets.files import read_spreadsheet

from .conftest import database_rows, rows_changed
from .corpus import EXISTING, NEW, OTHER_VILLAGE, VILLAGE, at, existing_project, new_project
from .corpus import project_book as book
from .test_admin_import import PROJECT_CONFIRM, PROJECT_IMPORT, confirm, upload

pytestmark = pytest.mark.django_db

CODE = "2023-340405-48-01-012345"
#: What a project's history holds beside its own fields.
HISTORY_ONLY = {
    "history_id",
    "history_date",
    "history_type",
    "history_user",
    "history_change_reason",
}
#: Fields that differ between two projects saved one after the other.
OWN = {"id", "name", "created_at", "updated_at"}


def run(data: bytes, user=None, *, dry_run=False):
    return import_projects_file(io.BytesIO(data), "台账.xlsx", user=user, dry_run=dry_run)


def projects(count: int, **values) -> list[dict]:
    return [new_project(**{"项目名称": f"{NEW}{number:05d}"} | values) for number in range(count)]


def history(project) -> list[tuple]:
    """The project's history records, oldest first, without what makes them its own:
    type, user, reason, the project's fields and the villages each record holds."""
    record_villages = Project.history.model.villages.model
    fields = [
        field.attname
        for field in Project.history.model._meta.concrete_fields
        if field.name not in HISTORY_ONLY | OWN
    ]
    return [
        (
            record.history_type,
            record.history_user_id,
            record.history_change_reason,
            {name: getattr(record, name) for name in fields},
            sorted(
                record_villages.objects.filter(history=record).values_list("village", flat=True)
            ),
        )
        for record in project.history.order_by("history_date", "history_id")
    ]


def saved_one_by_one(template: Project, name: str, user) -> Project:
    """The project ``template`` copied under ``name`` and saved as an import saved a new
    row before it wrote new rows in bulk: ``save()``, then its villages ``set()``."""
    project = Project(
        **{
            field.attname: getattr(template, field.attname)
            for field in Project._meta.concrete_fields
            if field.name not in OWN | set(PINYIN_FIELDS)
        },
        name=name,
    )
    project._history_user = user
    project._change_reason = gettext("Spreadsheet import")
    project.save(force_insert=True)
    project.villages.set(template.villages.all())
    return project


def test_the_workbooks_models_are_written_in_bulk():
    """Nothing listens to the saves of the workbook's models but simple_history, whose
    records the bulk write makes: a receiver added later would be skipped by a bulk
    insert, so the engine saves such a model's rows one by one, and this test says so."""
    for spec in PROJECT_SHEETS:
        assert bulk_insert_is_a_save(spec.resource_class._meta.model), spec.title


def test_a_bulk_imported_project_has_the_history_of_a_single_save(world):
    started = timezone.now()

    report = run(book(projects=[new_project()]), world.importer)

    assert report.accepted, report.errors
    imported = Project.objects.get(name=NEW)
    reference = saved_one_by_one(imported, "测试逐行保存的项目", world.importer)
    assert history(imported) == history(reference)
    plus, changed = imported.history.order_by("history_date", "history_id")
    assert (plus.history_type, changed.history_type) == ("+", "~")
    assert plus.history_user == changed.history_user == world.importer
    assert plus.history_change_reason == gettext("Spreadsheet import")
    assert started <= imported.created_at <= plus.history_date <= changed.history_date
    assert changed.history_date <= timezone.now()


def test_a_bulk_imported_project_has_what_save_fills(world):
    started = timezone.now()

    report = run(book(projects=projects(3)), world.importer)

    assert report.accepted, report.errors
    for project in Project.objects.filter(name__startswith=NEW):
        assert {field: getattr(project, field) for field in PINYIN_FIELDS} == (
            name_pinyin(project.name).as_fields()
        )
        assert started <= project.created_at <= project.updated_at <= timezone.now()
        assert sorted(project.villages.values_list("name", flat=True)) == sorted(
            [VILLAGE, OTHER_VILLAGE]
        )
        assert project.responsible_unit == world.unit and project.contact_person == world.contact
    assert report.sheets[0].new == 3


def test_a_project_without_villages_gets_the_creation_record_only(world):
    report = run(book(projects=[new_project(**{"涉及村（社区）": None})]), world.importer)

    assert report.accepted, report.errors
    project = Project.objects.get(name=NEW)
    assert project.villages.count() == 0
    assert list(project.history.values_list("history_type", flat=True)) == ["+"]


def test_the_admins_log_names_each_new_row(world, client):
    client.force_login(world.importer)
    # The requests activate their language (English): not past this test.
    with translation.override(translation.get_language()):
        preview = upload(client, PROJECT_IMPORT, "台账.xlsx", book(projects=projects(2)))
        confirm(client, PROJECT_CONFIRM, preview)

    added = LogEntry.objects.filter(
        user=world.importer, action_flag=ADDITION, object_repr__startswith=NEW
    )
    names = dict(Project.objects.filter(name__startswith=NEW).values_list("pk", "name"))
    assert {(int(entry.object_id), entry.object_repr) for entry in added} == set(names.items())


def test_the_preview_of_a_new_row_shows_its_villages(world):
    data = book(projects=[new_project()])

    report = project_workbook.run_sheets(
        read_spreadsheet(data, "台账.xlsx"),
        ImportReport(file_name="台账.xlsx", dry_run=True),
        user=world.importer,
        preview=True,
    )

    row = report.sheets[0].result.valid_rows()[0]
    cells = dict(zip(report.sheets[0].result.diff_headers, row.diff, strict=True))
    assert VILLAGE in cells["涉及村（社区）"] and OTHER_VILLAGE in cells["涉及村（社区）"]
    assert not Project.objects.filter(name=NEW).exists()


def test_a_code_a_new_row_takes_is_refused_to_a_later_row(world):
    """A new row is written at the sheet's end, but a row below it that takes its code
    is refused, as when each row was saved in turn."""
    with translation.override("en"):
        report = run(
            book(
                projects=[
                    new_project(**{"项目代码": CODE}),
                    existing_project(**{"项目代码": CODE}),
                ]
            ),
            world.importer,
        )

    assert not report.accepted
    assert [error for error in report.errors if error.startswith(at("项目", 3, "项目代码"))]
    assert not [error for error in report.errors if "row 2" in error], report.errors


def test_a_receiver_of_the_saves_makes_the_rows_save_one_by_one(world):
    """Should something listen to a project's save, new rows are saved one by one, so
    that it hears each."""
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.name, created))

    post_save.connect(receiver, sender=Project)
    try:
        assert not bulk_insert_is_a_save(Project)
        report = run(book(projects=projects(2)), world.importer)
    finally:
        post_save.disconnect(receiver, sender=Project)

    assert report.accepted, report.errors
    assert sorted(heard) == [(f"{NEW}00000", True), (f"{NEW}00001", True)]
    assert bulk_insert_is_a_save(Project)


def test_a_bad_row_near_the_end_leaves_nothing_saved(world):
    """The database refuses the 2,000th new row (its planned completion before its
    start): it is reported on its row, and not one row of the file is written."""
    rows = projects(2000)
    rows[1999] |= {"计划开工日期": "2024-06-01", "计划完工日期": "2024-02-01"}
    rows.insert(0, existing_project())
    before = database_rows()

    with translation.override("en"):
        report = run(book(projects=rows), world.importer)

    assert report.errors == [
        f"{at('项目', 2002)} The planned completion date cannot be before the planned start date."
    ]
    assert rows_changed(before, database_rows()) == 0


def insert_fields(model) -> list:
    """The columns Django's bulk_create writes for new rows (not the automatic key)."""
    return [field for field in model._meta.concrete_fields if not isinstance(field, AutoField)]


def inserts_needed(rows: int, villages: int) -> int:
    """The INSERT statements the database's own limit on a statement's parameters needs
    for ``rows`` new projects with ``villages`` each: one a table on PostgreSQL,
    batches on SQLite."""
    history = Project.history.model
    statements = [
        (Project, rows),
        (Project.villages.through, rows * villages),
        (history, rows),  # "+"
        (history, rows),  # "~", with the villages
        (history.villages.model, rows * villages),
    ]
    return sum(
        math.ceil(count / connection.ops.bulk_batch_size(insert_fields(model), [None] * count))
        for model, count in statements
    )


def test_the_queries_of_an_import_do_not_grow_with_its_new_rows(world):
    """10 or 200 new projects with all their columns: the same queries, apart from the
    INSERT batches SQLite's limit on parameters needs (none on PostgreSQL)."""
    counts = {}
    for count in (10, 200):
        data = book(projects=projects(count, **{"入库日期": datetime.date(2024, 5, 1)}))
        with CaptureQueriesContext(connection) as queries:
            report = run(data, world.importer, dry_run=True)
        assert report.accepted and report.sheets[0].new == count, report.errors
        counts[count] = len(queries) - inserts_needed(count, villages=2)

    assert counts[10] == counts[200] < 30, counts
    if connection.vendor == "postgresql":
        assert inserts_needed(200, villages=2) == 5


def test_an_existing_rows_stage_change_still_goes_through_the_service(world):
    """Beside new rows written in bulk, a changed row's stage takes the workflow step."""
    report = run(book(projects=[existing_project(), *projects(2)]), world.importer)

    assert report.accepted, report.errors
    project = Project.objects.get(name=EXISTING)
    assert project.stage == Project.Stage.UNDER_CONSTRUCTION
    step = project.stage_transitions.latest("at")
    assert (step.from_stage, step.to_stage) == (Project.Stage.PRELIMINARY, project.stage)
    assert step.acting_user == world.importer
