"""Run Celery beat only while holding a PostgreSQL advisory lock: one beat, whatever runs.

    python deploy/single_beat.py [--no-wait] [-- celery beat options]

Beat sends the periodic tasks (the alert scans, the weekly digest); two beats would send
each of them twice. The lock lives in the database every machine shares, so a second
copy started by mistake on another machine, or kept on purpose as a standby, waits here
and starts beat only when the first one's database session ends: its process stopped or
died, or its machine went down. With --no-wait it exits (status 75) instead of waiting.
If this process loses its database session it stops its beat within one check interval
(--retry), because the lock went with the session; a standby that takes the lock waits
that interval and a second before starting its beat, so the two do not overlap.

Run from the project directory with the app's environment (DATABASE_URL, REDIS_URL, ...),
as systemd's shanwang-beat.service does.
"""

import argparse
import logging
import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanwang.settings")

import django  # noqa: E402  (the project must be importable first)

#: The advisory lock's key (any 64-bit number the app uses for nothing else): "SWBEAT".
LOCK_KEY = 0x5357_4245_4154
EX_TEMPFAIL = 75

logger = logging.getLogger("shanwang.single_beat")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-wait", action="store_true", help="exit if another beat runs")
    parser.add_argument(
        "--retry",
        type=float,
        default=float(os.environ.get("BEAT_LOCK_RETRY_SECONDS", 15)),
        help="seconds between tries for the lock, and between checks of the connection",
    )
    parser.add_argument(
        "beat_args", nargs="*", help="passed to celery beat (after --); default --loglevel=INFO"
    )
    options = parser.parse_args(argv)
    beat_args = options.beat_args or ["--loglevel=INFO"]

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        logger.error("The beat lock needs PostgreSQL; DATABASE_URL names %s.", connection.vendor)
        return 2
    me = f"shanwang-beat pid {os.getpid()} on {socket.gethostname()}"
    with connection.cursor() as cursor:
        # Shown in pg_stat_activity, so the waiting copies can say who holds the lock.
        cursor.execute("SELECT set_config('application_name', %s, false)", [me[:63]])
    stop = _StopFlag()
    reported = None
    while not _try_lock(connection):
        holder = _holder(connection)
        if options.no_wait:
            logger.error("Not starting: another beat holds the lock (%s).", holder)
            return EX_TEMPFAIL
        if holder != reported:  # once per holder, not every few seconds
            logger.info("Standing by: another beat holds the lock (%s).", holder)
            reported = holder
        if stop.wait(options.retry):
            return 0
    # A beat that held the lock until its session died notices within one check interval
    # and stops; wait that long before starting, so that the two never overlap.
    logger.info("Lock taken (%s); starting celery beat in %.0f s.", me, options.retry + 1)
    if stop.wait(options.retry + 1):
        return 0
    if not _lock_held(connection):
        logger.error("Lost the database session before beat started; not starting it.")
        return 1
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shanwang", "-q", "beat", *beat_args],
        cwd=BASE_DIR,
    )
    stop.forward_to(beat)
    while True:
        try:
            status = beat.wait(timeout=options.retry)
        except subprocess.TimeoutExpired:
            pass
        else:
            logger.info("celery beat exited with status %s; lock released.", status)
            return status if status >= 0 else 128 - status  # killed by signal N: 128 + N
        if not _lock_held(connection):
            logger.error("Lost the database session, and the lock with it: stopping beat.")
            beat.terminate()
            beat.wait()
            return 1


#: The lock in pg_locks: a 64-bit key shows as classid (high half) and objid (low half).
_THE_LOCK = (
    "lock.locktype = 'advisory' AND lock.granted AND lock.objsubid = 1"
    " AND lock.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND (lock.classid::bigint << 32) + lock.objid::bigint = %s"
)


def _try_lock(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        return cursor.fetchone()[0]


def _holder(connection) -> str:
    """Return who holds the lock, as pg_stat_activity knows them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT activity.application_name, activity.client_addr FROM pg_locks AS lock"
            f" JOIN pg_stat_activity AS activity ON activity.pid = lock.pid WHERE {_THE_LOCK}",
            [LOCK_KEY],
        )
        row = cursor.fetchone()
    if row is None:
        return "released just now"
    name, address = row
    return f"{name or 'unnamed session'} from {address or 'a local socket'}"


def _lock_held(connection) -> bool:
    """Return whether this session (still the same one) holds the lock."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT FROM pg_locks AS lock WHERE {_THE_LOCK}"
                " AND lock.pid = pg_backend_pid())",
                [LOCK_KEY],
            )
            return cursor.fetchone()[0]
    except Exception:  # any driver error: the session is gone
        return False


class _StopFlag:
    """Turn SIGTERM and SIGINT into a clean stop: end the wait, or pass them on to beat."""

    def __init__(self):
        self.child = None
        self.stopping = False
        self._read, self._write = os.pipe()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)

    def _handle(self, signum, frame):
        self.stopping = True
        if self.child is not None:
            self.child.send_signal(signum)
        else:
            os.write(self._write, b"x")

    def forward_to(self, child):
        self.child = child

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return whether a stop was asked for."""
        ready, _, _ = select.select([self._read], [], [], seconds)
        return bool(ready) or self.stopping


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
