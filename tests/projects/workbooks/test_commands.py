"""``manage.py import_projects`` and ``import_income``: a good file is imported with its
counts printed, ``--dry-run`` writes nothing, ``--user`` is recorded, and a bad file
ends with an error status and every problem on stderr."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from projects.models import Funding, Milestone, Project, StageTransition
from villages.models import CollectiveIncome

from .conftest import database_rows, rows_changed
from .corpus import (
    EXISTING,
    INCOME_HEADERS,
    NEW,
    OTHER_VILLAGE,
    csv_file,
    existing_project,
    funding,
    good_book,
    income,
    milestone,
    new_project,
    plan,
    project_book,
)

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    """Run a command in English; return what it wrote to stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def workbook(tmp_path):
    """A workbook that adds a project (with funding, plan and milestone) and moves the
    existing one to 在建."""
    path = tmp_path / "项目台账.xlsx"
    path.write_bytes(
        project_book(
            projects=[existing_project(), new_project()],
            fundings=[funding()],
            plans=[plan()],
            milestones=[milestone()],
        )
    )
    return path


def test_a_good_file_is_imported_and_counted(world, workbook):
    stdout, stderr = run("import_projects", str(workbook), "--user", world.importer.username)

    assert stderr == ""
    assert "项目: 1 new, 1 changed, 0 unchanged" in stdout
    assert "资金来源: 1 new, 0 changed, 0 unchanged" in stdout
    assert "节点: 1 new, 0 changed, 0 unchanged" in stdout
    assert "Imported: 5 row(s) added or changed." in stdout
    new = Project.objects.get(name=NEW)
    assert Funding.objects.filter(project=new).count() == 1
    assert Milestone.objects.filter(project=new, owner=world.contact).count() == 1
    # --user is recorded in the history and in the stage change.
    assert new.history.filter(history_type="+").get().history_user == world.importer
    assert set(new.history.values_list("history_user", flat=True)) == {world.importer.pk}
    transition = StageTransition.objects.filter(project__name=EXISTING).latest("pk")
    assert (transition.to_stage, transition.acting_user) == (
        Project.Stage.UNDER_CONSTRUCTION,
        world.importer,
    )


def test_a_second_run_changes_nothing(world, workbook):
    run("import_projects", str(workbook), "--user", world.importer.username)
    before = database_rows()

    stdout, _stderr = run("import_projects", str(workbook), "--user", world.importer.username)

    assert "项目: 0 new, 0 changed, 2 unchanged" in stdout
    assert "Imported: 0 row(s) added or changed." in stdout
    assert rows_changed(before, database_rows()) == 0


def test_a_stage_change_needs_the_account_of_the_one_who_imports(world, workbook):
    """Without --user nobody could answer for the stage change: the file is refused."""
    before, transitions = database_rows(), StageTransition.objects.count()
    with pytest.raises(CommandError):
        run("import_projects", str(workbook))
    assert rows_changed(before, database_rows()) == 0
    assert StageTransition.objects.count() == transitions


def test_dry_run_counts_and_writes_nothing(world, workbook):
    before = database_rows()

    stdout, _stderr = run(
        "import_projects", str(workbook), "--dry-run", "--user", world.importer.username
    )

    assert "项目: 1 new, 1 changed, 0 unchanged" in stdout
    assert "Dry run: nothing was written." in stdout
    assert rows_changed(before, database_rows()) == 0


def test_a_bad_file_fails_with_every_problem_on_stderr(world, tmp_path):
    path = tmp_path / "项目台账.xlsx"
    path.write_bytes(
        project_book(
            projects=[
                new_project(**{"项目阶段": "半完工"}),
                existing_project(**{"总投资（万元）": -1}),
            ]
        )
    )
    before = database_rows()

    with pytest.raises(CommandError, match=r"项目台账.xlsx rejected: 2 problem\(s\)"):
        run("import_projects", str(path))

    assert rows_changed(before, database_rows()) == 0
    stderr = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command("import_projects", str(path), stderr=stderr, stdout=io.StringIO())
    lines = stderr.getvalue().splitlines()
    assert any("row 2, column “项目阶段”" in line and "半完工" in line for line in lines)
    assert any("row 3, column “总投资（万元）”" in line and "negative" in line for line in lines)


def test_an_unknown_user_or_a_missing_file_is_an_error(world, workbook, tmp_path):
    before = database_rows()
    with pytest.raises(CommandError, match="Unknown user account “nobody”"):
        run("import_projects", str(workbook), "--user", "nobody")
    with pytest.raises(CommandError, match="No such file"):
        run("import_projects", str(tmp_path / "missing.xlsx"))
    assert rows_changed(before, database_rows()) == 0


def test_income_command_imports_a_gbk_csv(world, tmp_path):
    path = tmp_path / "村集体经济收入.csv"
    path.write_bytes(csv_file(INCOME_HEADERS, [income()], encoding="gbk"))

    stdout, _stderr = run("import_income", str(path))

    assert "村集体经济收入: 1 new, 0 changed, 0 unchanged" in stdout
    assert CollectiveIncome.objects.filter(village__name=OTHER_VILLAGE, year=2023).exists()


def test_income_dry_run_writes_nothing(world, tmp_path):
    path = tmp_path / "村集体经济收入.csv"
    path.write_bytes(csv_file(INCOME_HEADERS, [income()]))
    before = database_rows()

    stdout, _stderr = run("import_income", str(path), "--dry-run")

    assert "1 new" in stdout
    assert rows_changed(before, database_rows()) == 0


def manage(*args, tmp_path) -> subprocess.CompletedProcess:
    """Run manage.py in a new process, on a database of its own under ``tmp_path``: the
    files it is given are refused before any query, so it needs no tables."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'command.sqlite3'}",
        "SHANWANG_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_exits_non_zero_on_a_rejected_file(tmp_path):
    """The shell sees the failure: exit status 1, the file named on stderr."""
    path = tmp_path / "不是工作簿.xlsx"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)

    finished = manage("import_projects", str(path), tmp_path=tmp_path)

    assert finished.returncode == 1
    assert "不是工作簿.xlsx" in finished.stderr
    assert finished.stdout == ""


def test_the_income_command_exits_non_zero_on_a_project_workbook(tmp_path):
    path = tmp_path / "收入.xlsx"
    path.write_bytes(good_book())

    finished = manage("import_income", str(path), tmp_path=tmp_path)

    assert finished.returncode == 1
    assert "项目" in finished.stderr and "收入.xlsx" in finished.stderr
