"""Real other processes for the tests of concurrency and connections: the test database
as a file that a second process can open (SQLite), that process holding its write lock,
and the app served by gunicorn with the production configuration (deploy/)."""

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

#: Holds SQLite's write lock (BEGIN IMMEDIATE) on the file argv[1], says "locked", and
#: commits after argv[2] seconds or, with none, once a line comes on its standard input.
_LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2])) if len(sys.argv) > 2 else sys.stdin.readline()
db.execute("COMMIT")
print("released", flush=True)
"""


def uses_sqlite() -> bool:
    return connection.vendor == "sqlite"


@pytest.fixture
def sqlite_file(transactional_db, tmp_path):
    """Move the test's default connection onto a copy of the (in-memory) test database in
    a file, which other processes and threads can open; yield the file's path. The
    in-memory database is kept open and comes back, untouched, after the test."""
    if not uses_sqlite():
        pytest.skip("a test of SQLite's file locking")
    path = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    memory, name = connection.connection, connection.settings_dict["NAME"]
    copy = sqlite3.connect(path)
    memory.backup(copy)
    copy.close()
    options = connection.settings_dict["OPTIONS"]
    timeout = options["timeout"]
    connection.connection = None  # not closed: that would drop the in-memory database
    connection.settings_dict["NAME"] = str(path)
    try:
        yield path
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        options["timeout"] = timeout
        connection.connection = memory


@pytest.fixture
def served_database(request, transactional_db):
    """The test database with every write committed, open to other processes and
    threads: PostgreSQL's as it is, SQLite's moved to a file (``sqlite_file``, whose path
    is returned)."""
    return request.getfixturevalue("sqlite_file") if uses_sqlite() else None


def set_lock_timeout(seconds: float) -> None:
    """Make the SQLite connections opened from now on wait ``seconds`` for a lock."""
    connection.close()
    connection.settings_dict["OPTIONS"]["timeout"] = seconds


@contextlib.contextmanager
def write_lock(path: Path, *, release_after: float | None = None):
    """Hold the write lock of the SQLite file ``path`` from another process: until the
    block ends or, with ``release_after``, that many seconds after it was taken."""
    arguments = [sys.executable, "-c", _LOCKER, str(path)]
    if release_after is not None:
        arguments.append(str(release_after))
    locker = subprocess.Popen(arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        yield locker
        if release_after is None:
            locker.stdin.write("\n")
            locker.stdin.flush()
        assert locker.wait(timeout=30) == 0
    finally:
        locker.kill()
        locker.wait()


def database_url() -> str:
    """Return a DATABASE_URL naming the test database for a process of its own."""
    database = connection.settings_dict
    if uses_sqlite():
        assert not connection.is_in_memory_db(), "use the sqlite_file fixture"
        return f"sqlite:///{database['NAME']}"
    user, password = database["USER"], database["PASSWORD"]
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{database['HOST']}:{database['PORT']}/{database['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """The app under gunicorn, with deploy/gunicorn.conf.py, on the test database."""

    def __init__(self, tmp_path: Path, **env):
        self.port = _free_port()
        self.log = tmp_path / "gunicorn.log"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "SHANWANG_VAR_DIR": str(tmp_path / "var"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",
            # Debug on: the static files are served uncollected; an error is still a 500.
            "DJANGO_DEBUG": "1",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            **env,
        }
        environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_listening()

    def _wait_until_listening(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn stopped:\n{self.log.read_text()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return
            time.sleep(0.1)
        pytest.fail(f"gunicorn did not listen within {timeout} s:\n{self.log.read_text()}")

    def get(self, path: str, *, cookies: dict[str, str] | None = None) -> tuple[int, bytes]:
        """GET ``path``; return the status and the body (redirects are not followed)."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        if cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop(self) -> str:
        """Stop gunicorn; return what it logged."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.log.read_text()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def gunicorn(tmp_path):
    """Start the app under gunicorn with ``gunicorn(**env)``; stopped after the test."""
    servers = []

    def start(**env) -> Gunicorn:
        servers.append(Gunicorn(tmp_path, **env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
