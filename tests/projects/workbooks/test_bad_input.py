"""The bad-input corpus: every file is rejected with a message naming what is wrong (and
the sheet, row and column where it applies), through the import function and through
the management command, and not a row of the database changes, although most files
also hold valid rows.

At the end the module prints ``bad-input corpus: files tried N / accepted 0 / rows
changed 0`` (``pytest -s``, or in CI's output as the integration tests' fault lines).
"""

import datetime
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from projects.models import Project
from projects.workbooks.sheets import import_projects_file
from villages.imports import import_income_file
from villages.models import CollectiveIncome

from .conftest import database_rows, rows_changed
from .corpus import (
    CORPUS,
    NEW,
    OTHER_VILLAGE,
    VILLAGE,
    BadFile,
    approval,
    existing_project,
    fund_entry,
    funding,
    income,
    income_book,
    milestone,
    new_project,
    plan,
    project_book,
    target,
)

# Every test here uses the database, so that pytest-django keeps them together and the
# tally is printed once, after the last.
pytestmark = pytest.mark.django_db

IMPORTS = {"projects": import_projects_file, "income": import_income_file}
COMMANDS = {"projects": "import_projects", "income": "import_income"}

#: What the corpus did, summed over the module's tests.
TALLY = Counter(tried=0, accepted=0, changed=0)


@pytest.fixture(scope="module", autouse=True)
def corpus_line(request):
    """Print the corpus's tally when the module is done, past pytest's capture (as
    ``capsys.disabled()`` does for the integration tests' fault lines)."""
    yield
    line = (
        f"bad-input corpus: files tried {TALLY['tried']} / accepted {TALLY['accepted']} "
        f"/ rows changed {TALLY['changed']}"
    )
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        print(f"\n{line}")
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


def matches(bad: BadFile, message: str) -> bool:
    return all(fragment in message for fragment in bad.expect)


def test_corpus_is_large_and_each_file_is_distinct():
    """At least 30 files, each with its own name, and no two alike."""
    assert len(CORPUS) >= 30
    assert len({bad.id for bad in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("bad", CORPUS, ids=lambda bad: bad.id)
def test_bad_file_is_rejected_and_changes_nothing(bad, world, tmp_path):
    """The import and the command both reject the file with its message, the command
    exits with an error, and every table is as it was."""
    path = bad.write(tmp_path)
    before = database_rows()
    TALLY["tried"] += 1
    stderr = io.StringIO()
    with translation.override("en"):
        report = IMPORTS[bad.importer](path, user=world.importer)
        TALLY["accepted"] += report.accepted
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command(
                COMMANDS[bad.importer],
                str(path),
                "--user",
                world.importer.username,
                stdout=io.StringIO(),
                stderr=stderr,
            )
    changed = rows_changed(before, database_rows())
    TALLY["changed"] += changed

    assert not report.accepted
    assert report.rows_written == 0
    assert any(matches(bad, message) for message in report.errors), report.errors
    assert any(matches(bad, line) for line in stderr.getvalue().splitlines()), stderr.getvalue()
    assert changed == 0


def test_the_good_rows_of_the_corpus_import_on_their_own(world):
    """The valid rows the bad files carry are accepted without the bad ones: the
    rejections above threw away rows that would have been written."""
    data = project_book(
        projects=[existing_project(), new_project()],
        fundings=[funding()],
        plans=[plan()],
        milestones=[milestone()],
        approvals=[approval()],
        fund_entries=[fund_entry()],
        targets=[target()],
    )
    report = import_projects_file(io.BytesIO(data), "台账.xlsx", user=world.importer)
    assert report.accepted, report.errors
    assert {sheet.title: (sheet.new, sheet.changed) for sheet in report.sheets} == {
        "项目": (1, 1),
        "资金来源": (1, 0),
        "年度计划": (1, 0),
        "节点": (1, 0),
        "前期手续": (1, 0),
        "资金拨付": (1, 0),
        "实物工作量": (1, 0),
    }
    new = Project.objects.get(name=NEW)
    assert sorted(new.villages.values_list("name", flat=True)) == sorted([VILLAGE, OTHER_VILLAGE])
    assert (new.planned_start, new.planned_completion) == (
        datetime.date(2024, 3, 1),
        datetime.date(2024, 12, 31),
    )
    assert new.total_investment == Decimal("1250.50")
    world.project.refresh_from_db()
    assert world.project.stage == Project.Stage.UNDER_CONSTRUCTION

    report = import_income_file(io.BytesIO(income_book([income()])), "收入.xlsx")
    assert report.accepted, report.errors
    assert CollectiveIncome.objects.get(village__name=OTHER_VILLAGE).amount == Decimal("66.60")
