"""Real processes for the integration tests: an SMTP server on loopback, Celery workers
started as subprocesses on the test database, the Redis broker, and a second database
session that holds a table lock.

Every service is checked first: without it the test is skipped with the reason, or
fails when REQUIRE_SERVICES=1 (CI).
"""

import asyncio
import contextlib
import email
import email.policy
import importlib.util
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection

from shanwang.celery import app as celery_app
from tests.conftest import need
from tests.projects.alerts.robots import robot_certificate, robots  # noqa: F401

#: The CI's Redis server (.ci/run), restarted by the broker-restart scenario.
REDIS_START = shlex.split(
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
DELIVER_TASK = "projects.tasks.deliver_reminders"
TASK_SUCCEEDED = re.compile(rf"Task {re.escape(DELIVER_TASK)}\[[^\]]+\] succeeded")
TASK_RETRIED = re.compile(rf"Task {re.escape(DELIVER_TASK)}\[[^\]]+\] retry: .*")
TASK_FAILED = re.compile(rf"Task {re.escape(DELIVER_TASK)}\[[^\]]+\] raised unexpected: .*")


class WorkerTaskFailed(AssertionError):
    """A delivery task failed in a worker with an error it does not retry."""


def wait_until(predicate, *, timeout: float, what: str, check=None, interval: float = 0.05):
    """Poll ``predicate`` until it is true; call ``check`` on each round (it raises on a
    failure seen early); fail after ``timeout`` seconds, saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        if check is not None:
            check()
        if predicate():
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# Services --------------------------------------------------------------------------------


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def services(uses_postgresql):
    """Require PostgreSQL, a reachable Redis broker, aiosmtpd and the celery command."""
    broker_url = settings.CELERY_BROKER_URL
    need(
        broker_url.startswith(("redis://", "rediss://")),
        "REDIS_URL (or CELERY_BROKER_URL) does not name a Redis server",
    )
    need(_redis_answers(broker_url), f"Redis at {broker_url} does not answer")
    need(not settings.CELERY_TASK_ALWAYS_EAGER, "CELERY_TASK_ALWAYS_EAGER is on")
    need(importlib.util.find_spec("aiosmtpd") is not None, "aiosmtpd is not installed")
    need(Path(sys.executable).with_name("celery").exists(), "the celery command is missing")


# The SMTP server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """An SMTP server on loopback (aiosmtpd, in its own thread) that counts the messages
    it accepts per (recipient, subject), and can misbehave on request: answer ``421``
    to the next DATA commands, refuse recipients for good (``550``), or hold one DATA
    command unanswered until released (or until the client goes away)."""

    def __init__(self):
        self.port = _free_port()
        self.lock = threading.Lock()
        self.received: Counter = Counter()
        self.accepted: list[tuple[str, str]] = []  # in the order the server said 250
        self.peers: set = set()  # client (address, port) of each accepted message
        self.offered = 0  # DATA commands seen
        self.refuse_data = 0  # answer 421 to this many DATA commands
        self.refused = 0
        self.refuse_recipients: set[str] = set()
        self.hold_at: int | None = None  # hold the n-th DATA command (1-based)
        self.holding = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.release.set()
        self.controller.stop()

    def snapshot(self) -> Counter:
        with self.lock:
            return Counter(self.received)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.offered += 1
            number = self.offered
            if self.refused < self.refuse_data:
                self.refused += 1
                return "421 Service not available"
        if number == self.hold_at:
            self.holding.set()
            # aiosmtpd cancels this coroutine when the client disconnects: the message
            # is then never accepted, as a real server would drop it.
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        # The parser keeps the space of a folded header's empty first line.
        subject = str(message["Subject"]).strip()
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received[(recipient, subject)] += 1
                self.accepted.append((recipient, subject))
            self.peers.add(session.peer)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_server(services):
    server = MailServer()
    server.start()
    yield server
    server.stop()


# The broker ------------------------------------------------------------------------------


class Broker:
    """The Redis broker the app is configured with (REDIS_URL or CELERY_BROKER_URL)."""

    def __init__(self, url: str):
        self.url = url
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 6379
        self.restarted = False

    def _client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)

    def purge(self):
        """Drop queued tasks and kombu's record of unacknowledged ones (a killed worker's
        task would otherwise come back after the visibility timeout, in a later test)."""
        celery_app.control.purge()
        # kombu's Redis transport keeps them under these keys (its defaults).
        self._client().delete("unacked", "unacked_index", "unacked_mutex")

    def queued(self) -> int:
        """Return how many task messages wait in the default queue."""
        from kombu.exceptions import ChannelError

        with celery_app.connection_for_write() as broker_connection:
            try:
                declared = broker_connection.default_channel.queue_declare(
                    queue=celery_app.conf.task_default_queue, passive=True
                )
            except ChannelError:  # not even declared: a fresh Redis
                return 0
        return declared.message_count

    def _cli(self, *args, timeout=10):
        return subprocess.run(
            ["redis-cli", "-h", self.host, "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def answers(self) -> bool:
        return self._cli("ping", timeout=5).stdout.strip() == "PONG"

    def require_restartable(self):
        """Skip unless this is the CI's throwaway server: local, port 6379, nothing on
        disk, and the Redis commands at hand (a developer's Redis is never restarted)."""
        need(
            bool(shutil.which("redis-server") and shutil.which("redis-cli")),
            "redis-server and redis-cli are needed to restart Redis",
        )
        need(
            self.host in ("127.0.0.1", "localhost") and self.port == 6379,
            f"only the CI's Redis on 127.0.0.1:6379 is restarted, not {self.host}:{self.port}",
        )
        import redis

        try:
            config = self._client().config_get("save") | self._client().config_get("appendonly")
        except redis.RedisError as error:
            config = {"error": str(error)}
        need(
            config.get("save") == "" and config.get("appendonly") == "no",
            f"Redis keeps data on disk ({config}): not the CI's throwaway server",
        )

    def restart(self):
        """Shut Redis down without saving (every queued message is lost) and start it
        again with the CI's command line."""
        self.restarted = True
        self._cli("shutdown", "nosave")
        wait_until(lambda: not self.answers(), timeout=15, what="Redis to stop")
        self.ensure_running()

    def ensure_running(self):
        if not self.answers():
            for folder in ("/var/lib/redis", "/var/log/redis"):
                os.makedirs(folder, exist_ok=True)
            subprocess.run(REDIS_START, check=True, timeout=15)
        wait_until(self.answers, timeout=30, what="redis-cli ping to answer")


@pytest.fixture
def broker(services):
    broker = Broker(settings.CELERY_BROKER_URL)
    broker.purge()
    yield broker
    if broker.restarted:
        broker.ensure_running()
    broker.purge()


# Celery workers --------------------------------------------------------------------------


#: Workers connect under this name, so tests can tell their sessions from others (a
#: live server thread of an earlier browser test may still hold a connection).
WORKER_APPLICATION_NAME = "shanwang-test-worker"


def worker_database_url() -> str:
    """Return a postgres:// URL of the test database pytest-django created."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return (
        f"postgres://{quote(db['USER'] or '', safe='')}{password}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
        f"?application_name={WORKER_APPLICATION_NAME}"
    )


class Worker:
    """A real Celery worker (prefork, 2 processes) in its own process group."""

    def __init__(self, name: str, env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        self.killed = False
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("celery")),
                    "-A",
                    "shanwang",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=2",
                    "--loglevel=INFO",
                    f"--hostname={name}@%h",
                    # Start-up handshakes with other workers only slow the start here.
                    "--without-mingle",
                    "--without-gossip",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def check(self):
        if not self.killed and self.process.poll() is not None:
            pytest.fail(f"worker {self.name} exited with {self.process.returncode}:\n{self.tail()}")

    def wait_ready(self, timeout: float = 60):
        wait_until(
            lambda: re.search(r"@\S+ ready\.", self.log()) is not None,
            timeout=timeout,
            what=f"worker {self.name} to be ready",
            check=self.check,
            interval=0.1,
        )

    def kill(self):
        """SIGKILL the worker and its pool processes at once, as a crash would."""
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        """End the worker once its test is over: SIGKILL to the whole group. Its work is
        done by then (or no longer wanted); a warm shutdown would only spend 3-4 s in
        Celery's and billiard's shutdown timers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class Workers:
    """Start workers against the test database, the broker and the SMTP server, and
    read what they logged."""

    def __init__(self, env: dict, log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.started: list[Worker] = []

    def start(self) -> Worker:
        name = f"integration-{len(self.started) + 1}-{uuid.uuid4().hex[:6]}"
        worker = Worker(name, self.env, self.log_dir / f"{name}.log")
        self.started.append(worker)
        worker.wait_ready()
        return worker

    def _lines(self, pattern) -> list[str]:
        return [line for worker in self.started for line in pattern.findall(worker.log())]

    def succeeded(self) -> int:
        """Return how many delivery tasks the workers finished."""
        return len(self._lines(TASK_SUCCEEDED))

    def retries(self) -> list[str]:
        return self._lines(TASK_RETRIED)

    def check(self):
        """Fail at once when a delivery task failed for good or a worker died."""
        if failures := self._lines(TASK_FAILED):
            raise WorkerTaskFailed("\n".join(failures))
        for worker in self.started:
            worker.check()

    def wait(self, predicate, *, timeout: float, what: str):
        try:
            wait_until(predicate, timeout=timeout, what=what, check=self.check, interval=0.1)
        except pytest.fail.Exception as error:
            logs = "\n\n".join(f"--- {w.name}\n{w.tail()}" for w in self.started)
            raise pytest.fail.Exception(f"{error}\n{logs}") from None

    def stop_all(self):
        """Stop every worker and wait until their database sessions have ended, so that
        the flush after the test waits for none of them."""
        for worker in self.started:
            worker.stop()
        if self.started:
            wait_until(
                lambda: other_sessions() == 0, timeout=30, what="the workers' sessions to end"
            )


@pytest.fixture
def workers(services, transactional_db, mail_server, broker, tmp_path):
    """Start Celery workers on demand; all are stopped before the database is flushed."""
    env = os.environ | {
        # pytest-django exports it; settings.SETTINGS_MODULE is None under overrides.
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "shanwang.settings"),
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": broker.url,
        "CELERY_BROKER_URL": broker.url,
        "EMAIL_URL": mail_server.url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    fleet = Workers(env, tmp_path)
    yield fleet
    fleet.stop_all()


# A second database session ---------------------------------------------------------------


class TableLock:
    """A SHARE lock on a table, held from a second session: reads and SELECT ... FOR
    UPDATE go on, while INSERT and UPDATE wait until it is released."""

    def __init__(self, model):
        self.table = model._meta.db_table
        self.session = connection.copy()

    def __enter__(self):
        self.session.set_autocommit(False)
        with self.session.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '10s'")
            cursor.execute(f"LOCK TABLE {self.session.ops.quote_name(self.table)} IN SHARE MODE")
        return self

    def __exit__(self, *exc_info):
        self.release()

    def release(self):
        if self.session.connection is not None:
            self.session.rollback()
            self.session.close()

    def waiting(self) -> int:
        """Return how many other sessions wait for a lock on the table."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                [self.table],
            )
            return cursor.fetchone()[0]


def other_sessions() -> int:
    """Return how many workers' sessions are still connected to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
            "AND application_name = %s",
            [WORKER_APPLICATION_NAME],
        )
        return cursor.fetchone()[0]
