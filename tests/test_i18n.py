"""The UI speaks Chinese by default, English on request, and no string is left untranslated."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def gettext_tools():
    need(shutil.which("msgfmt") is not None, "GNU gettext (msgfmt) is not installed")


def test_login_page_is_chinese_by_default(client):
    content = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in content
    assert "登录" in content
    assert "山王镇项目调度" in content


def test_english_is_selectable(client):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True
    )
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "Log in" in content


def test_every_string_is_translated():
    gettext_tools()
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(
            ["msgattrib", flag, "--no-wrap", str(CATALOGUE)], capture_output=True, text=True
        )
        entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ")]
        # msgattrib keeps the header entry (msgid "") when it prints anything.
        assert entries in ([], ['msgid ""']), result.stdout


def test_catalogue_holds_every_string_of_the_code(tmp_path):
    """Strings added to code or templates must be in the catalogue (run `make messages`)."""
    gettext_tools()
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "node_modules", "var", ".git", "tests", "*.mo", "__pycache__"
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(["msgcmp", str(CATALOGUE), str(fresh)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    result = subprocess.run(["msgcmp", str(fresh), str(CATALOGUE)], capture_output=True, text=True)
    assert result.returncode == 0, "obsolete entries: " + result.stderr


def test_compiled_catalogue_is_up_to_date():
    """The .mo the app loads is what msgfmt makes of the .po now (`make translations`)."""
    gettext_tools()
    compiled = CATALOGUE.with_suffix(".mo")
    if not compiled.exists():
        pytest.fail("locale/zh_Hans/LC_MESSAGES/django.mo is missing: run `make translations`")
    fresh = subprocess.run(
        ["msgfmt", "--check-format", "-o", "-", str(CATALOGUE)], capture_output=True, check=True
    ).stdout
    assert compiled.read_bytes() == fresh, "stale translations: run `make translations`"
