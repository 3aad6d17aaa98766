"""Shared fixtures: the three-user scoping matrix (alice / bob / charlie) and logged-in clients."""

import os
import tempfile
from pathlib import Path

import pytest

from fengqiao.accounts.choices import Role
from tests.browser import (  # noqa: F401  (fixtures and the failure report hook)
    _chromium,
    _playwright,
    browser,
    page,
    pytest_runtest_makereport,
)
from tests.factories import PASSWORD, CommunityFactory, StationFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request):
    """On SQLite, test against a database *file* (on tmpfs when there is one), never in memory.

    With an in-memory test database, pytest-django hands the live server's request threads the test
    thread's own sqlite3 connection. One connection shared by threads can deadlock inside C: a
    thread running one of Django's Python SQL functions (date truncation on the figures pages)
    holds SQLite's connection mutex and waits for the GIL, while a thread reading rows (a live-push
    poll) holds the GIL and waits for the mutex. Nothing in Python can time that out: the suite
    hung for 45 minutes (issue 16; `docs/testing.md` shows the twenty-line reproduction). With a
    file each thread opens its own connection, WAL lets readers and the writer go on side by side,
    and every lock wait is bounded by the busy timeout, as in production and on PostgreSQL.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        shm = Path("/dev/shm")  # noqa: S108 - tmpfs for the test database, a per-process name
        folder = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
        path = folder / f"fengqiao-test-{os.getpid()}.sqlite3"
        db.setdefault("TEST", {})["NAME"] = str(path)

        def remove_files():
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        remove_files()
        _remove_stale_test_databases(folder)
        request.addfinalizer(remove_files)
    request.getfixturevalue("django_db_modify_db_settings_parallel_suffix")


def pytest_sessionstart(session):
    from fengqiao.core import rls

    rls.set_process_default(rls.ALL)  # the tests' own code is trusted; requests carry their user's
    if not session.config.getvalue("reuse_db") and os.environ.get("FENGQIAO_TEST_MIGRATE") != "1":
        from tests import schema_cache

        schema_cache.build_template()


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """The test database starts as a copy of the migrated schema (`tests/schema_cache.py`), built
    once per set of migrations, and is opened with keepdb so `migrate` finds nothing to do.
    `FENGQIAO_TEST_MIGRATE=1` builds it by migrations instead, as Django does by default."""
    if request.config.getvalue("reuse_db"):
        return True
    if os.environ.get("FENGQIAO_TEST_MIGRATE") == "1":
        return False
    from django.db import connections

    from tests import schema_cache

    connection = connections["default"]
    name = connection.creation._get_test_db_name()
    if connection.vendor == "sqlite":
        schema_cache.copy_sqlite_schema(name)
    elif connection.vendor == "postgresql":
        schema_cache.copy_postgres_schema(connection.settings_dict, name)
        request.addfinalizer(
            lambda: schema_cache.drop_postgres_database(connection.settings_dict, name)
        )
    else:
        return False
    return True


def _fast_flush_on_postgresql() -> None:
    """On PostgreSQL a transactional test's flush is one TRUNCATE of some 200 tables: a new file for
    each, 1–10 s a test on a busy machine, most of the PostgreSQL run's time. Between tests the
    tables hold a few rows: DELETE them instead, in the flush's own transaction, with the foreign-key
    triggers off for that transaction (`SET LOCAL session_replication_role`, which needs the
    superuser the suite connects as; as the app role the flush stays a TRUNCATE). The result is the
    same: every table empty, sequences as they were (Django's flush does not restart them)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    if getattr(truncate, "fengqiao_fast", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or not _is_superuser(self.connection):
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET LOCAL session_replication_role = replica"] + [
            f"DELETE FROM {self.quote_name(table)}"  # noqa: S608 - Django's own table names, quoted
            for table in tables
        ]

    sql_flush.fengqiao_fast = True
    DatabaseOperations.sql_flush = sql_flush


def _is_superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """FENGQIAO_TEST_APP_ROLE=1 (PostgreSQL): once the test database exists, the suite connects as
    the application role (tests/rls.py), as the web, job and gateway processes do in production:
    every query is then under the station policies of row-level security. The test's own code runs
    with the scope 'all' (trusted, like a job); each request through the test client or the live
    server with its user's scope (core/rls.py)."""
    from django.db import connections

    connection = connections["default"]
    if connection.vendor == "postgresql":
        _fast_flush_on_postgresql()
    if os.environ.get("FENGQIAO_TEST_APP_ROLE") == "1" and connection.vendor == "postgresql":
        from tests.rls import APP_ROLE, ensure_app_role

        with django_db_blocker.unblock():
            ensure_app_role(connection.settings_dict, connection.settings_dict["NAME"])
            connection.close()
            connection.settings_dict["USER"] = APP_ROLE
            connection.settings_dict["PASSWORD"] = ""


# The rows the data migrations load (incident categories, fraud types, dispute types and triggers,
# time-limit rules, the default scheme …) are part of a migrated database. A transaction=True test
# (browser tests, the live server) ends with Django's flush, which empties every table: the tests
# after it, in a whole run, would then find a different database from the one they find alone, and
# fail or pass by their order. So the rows are read once, at the first test
# that uses the database, and put back after each flush: every test starts from the migrated state.
NOT_MIGRATION_ROWS = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
_MIGRATION_ROWS: dict = {}


def _uses_database(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return bool(item.get_closest_marker("django_db")) or "_django_db_helper" in names


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or {"transactional_db", "live_server", "django_db_reset_sequences"} & set(names)
    )


def _read_migration_rows() -> None:
    from django.apps import apps
    from django.core import serializers

    models = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_MIGRATION_ROWS
    ]
    rows = []
    for model in serializers.sort_dependencies([(None, models)], allow_cycles=True):
        objects = list(model._base_manager.order_by("pk"))
        if objects:
            rows.extend(serializers.serialize("python", objects, use_natural_foreign_keys=True))
    _MIGRATION_ROWS["rows"] = rows
    _MIGRATION_ROWS["models"] = sorted(
        {row["model"] for row in rows}, key=[r["model"] for r in rows].index
    )


def _put_back_migration_rows() -> None:
    from django.apps import apps
    from django.core import serializers
    from django.core.management.color import no_style
    from django.db import connection, transaction

    rows = _MIGRATION_ROWS.get("rows")
    if not rows:
        return
    models = [apps.get_model(label) for label in _MIGRATION_ROWS["models"]]
    if models[0]._base_manager.exists():
        return
    with transaction.atomic():
        for obj in serializers.deserialize("python", rows):
            obj.save()
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


@pytest.fixture(autouse=True)
def _migration_rows_read(request, django_db_blocker):
    if "rows" in _MIGRATION_ROWS or not _uses_database(request.node):
        return
    request.getfixturevalue("_django_db_helper")
    with django_db_blocker.unblock():
        _read_migration_rows()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # the item's fixtures are torn down: the flush ran; the last item's also closed the session's
    if nextitem is None or "rows" not in _MIGRATION_ROWS or not _is_transactional(item):
        return
    from pytest_django.plugin import blocking_manager_key

    from fengqiao.core import rls

    with item.config.stash[blocking_manager_key].unblock(), rls.system():
        _put_back_migration_rows()


def _remove_stale_test_databases(folder: Path) -> None:
    """A killed run cannot remove its file: remove those whose process is gone."""
    for stale in folder.glob("fengqiao-test-*.sqlite3*"):
        pid = stale.name.removeprefix("fengqiao-test-").split(".")[0].split("_")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            stale.unlink(missing_ok=True)


@pytest.fixture
def station(db):
    return StationFactory(name="玉津派出所", code="511123-YJ")


@pytest.fixture
def other_station(db):
    return StationFactory(name="清溪派出所", code="511123-QX")


@pytest.fixture
def community_a(station):
    return CommunityFactory(station=station, name="西街社区")


@pytest.fixture
def community_b(station):
    return CommunityFactory(station=station, name="东街社区")


@pytest.fixture
def alice(station):
    """Station leader of 玉津派出所."""
    return UserFactory(
        username="alice", full_name="艾丽", role=Role.STATION_LEADER, station=station
    )


@pytest.fixture
def bob(station, community_a):
    """Community officer of 西街社区 (community A) at 玉津派出所."""
    user = UserFactory(
        username="bob", full_name="鲍勃", role=Role.COMMUNITY_OFFICER, station=station
    )
    community_a.officers.add(user)
    return user


@pytest.fixture
def charlie(other_station):
    """Community officer of another station."""
    return UserFactory(
        username="charlie", full_name="查理", role=Role.COMMUNITY_OFFICER, station=other_station
    )


@pytest.fixture
def rules_admin(station):
    """A system administrator: time-limit rules apply to every station, so administrators (not station leaders) edit them."""
    return UserFactory(username="rules_admin", full_name="管理员", role=Role.ADMIN, station=station)


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def login():
    return _login


@pytest.fixture
def alice_client(client, alice):
    return _login(client, alice)


@pytest.fixture
def bob_client(client, bob):
    return _login(client, bob)


@pytest.fixture
def charlie_client(client, charlie):
    return _login(client, charlie)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _time_limit_rules(request):
    """The default time-limit rules come from a data migration; a transaction=True test's flush
    erases them. Put them back for every test that uses the database (one query when present)."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    request.getfixturevalue(
        "transactional_db" if "transactional_db" in request.fixturenames else "db"
    )
    from fengqiao.core.services import rules_load_defaults

    rules_load_defaults()
