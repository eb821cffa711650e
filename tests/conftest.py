import contextlib
import os

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

# Other processes on the test database (SQLite as a file, its write lock, gunicorn).
from tests.processes import gunicorn, served_database, sqlite_file  # noqa: F401

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out (rather than skip) the tests of SQLite's own behaviour:
    `make test` runs them in a pass of their own on SQLite, so CI skips nothing."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return
    left_out = [item for item in items if item.get_closest_marker("sqlite_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("sqlite_only")]


def need(available: bool, reason: str) -> None:
    """Skip the test with ``reason`` when a service or tool is absent; fail in CI."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Hash passwords cheaply in every test (tests/hashers.py). Django's other hashers
    stay behind it, so hashes made elsewhere still check."""
    default = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    others = [hasher for hasher in settings.PASSWORD_HASHERS if hasher != default]
    hashers = ["tests.hashers.FastPBKDF2PasswordHasher", *others]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@contextlib.contextmanager
def rows_for_the_module(django_db_blocker):
    """Keep the rows a module-scoped fixture writes in this block for each of the
    module's tests, and remove them after its last, as Django's ``setUpTestData`` does:
    the block runs in a transaction rolled back at the end, and each test's own
    transaction (pytest-django's, Django's TestCase) is a savepoint inside it. Every
    test starts from the same rows and whatever it changes is undone after it.

    For ``django_db`` tests only, not ``transaction=True`` ones (nor live_server):
    those need committed rows and flush the tables."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        block._from_testcase = True  # as TestCase's own blocks: durable ones may nest
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture
def uses_postgresql():
    need(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "DATABASE_URL does not name a PostgreSQL server",
    )


def with_role(user, role):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def user(django_user_model):
    """A staff member (工作人员) who answers for no project yet."""
    from projects.rules import Role

    user = django_user_model.objects.create_user(
        username="wang.fang", password="correct-horse-battery", last_name="王", first_name="芳"
    )
    return with_role(user, Role.STAFF)


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin.office", password="correct-horse-battery", email="office@shanwang.local"
    )


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
