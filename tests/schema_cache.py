"""The migrated schema, built once per set of migrations and copied for every test database.

Running the 60-odd migrations costs about 40 s of CPU, and on a busy 2-core machine 150–260 s of
wall time: once per test run and once more per child process that needs a fresh database (the
concurrency scenarios). The suite's time then depended on the machine's load more than on its
tests. Instead the schema is migrated once into a template, keyed by a fingerprint of every
migration file and the installed apps, and each test database is a copy of it:

- SQLite: a file on tmpfs (`/dev/shm`, else the temp dir), copied with the file system;
- PostgreSQL: a template database `fq_schema_<fingerprint>`, copied by `CREATE DATABASE … TEMPLATE`.

The test database is then opened with Django's keepdb, so `migrate` runs and finds nothing to do:
a migration added later is still applied (and the fingerprint changes, so the next run builds a new
template). A lock file makes concurrent runs build the template once.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "src" / "fengqiao"


def scratch_folder() -> Path:
    shm = Path("/dev/shm")  # noqa: S108 - tmpfs for test databases
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


@functools.cache
def fingerprint() -> str:
    """Changes whenever a migration, the installed apps or Django's version change (read once per
    process: the template built at the session's start is the one its tests copy)."""
    import django
    from django.conf import settings

    digest = hashlib.sha256()
    digest.update(django.get_version().encode())
    digest.update("\n".join(settings.INSTALLED_APPS).encode())
    for path in sorted(MIGRATIONS.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(MIGRATIONS)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def _lock(name: str):
    path = Path(tempfile.gettempdir()) / f"fengqiao-schema-{name}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _migrate(database_url: str) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="fengqiao.settings")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    subprocess.run(  # noqa: S603 - our own interpreter and Django's migrate
        [sys.executable, "-m", "django", "migrate", "--no-input", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=1200,
    )


def sqlite_template() -> Path:
    """The migrated SQLite file for the current migrations (built when missing)."""
    key = fingerprint()
    folder = scratch_folder()
    target = folder / f"fengqiao-schema-{key}.sqlite3"
    with _lock(f"sqlite-{key}"):
        if not target.exists():
            building = folder / f"fengqiao-schema-{key}.building-{os.getpid()}.sqlite3"
            _migrate(f"sqlite:///{building}")
            _checkpoint(building)
            building.replace(target)
            for old in folder.glob("fengqiao-schema-*.sqlite3"):
                # another checkout's template, unused for a day (a run copies in milliseconds)
                stale = time.time() - old.stat().st_mtime > 86_400
                if old != target and ".building-" not in old.name and stale:
                    old.unlink(missing_ok=True)
    return target


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so one file is the whole database."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_sqlite_schema(destination: Path | str) -> None:
    """A fresh, migrated SQLite database at `destination` (replacing any file there)."""
    destination = Path(destination)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{destination}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(sqlite_template(), destination)


def _direct(settings_dict: dict) -> dict:
    """Where databases are created, copied and migrated: MIGRATE_DATABASE_URL's server and owner
    when set (straight to PostgreSQL, while the tests go through PgBouncer), else the test's own."""
    from django.conf import settings

    url = getattr(settings, "MIGRATE_DATABASE_URL", "")
    if not url:
        return settings_dict
    import dj_database_url

    direct = dj_database_url.parse(url)
    return {key: direct.get(key) for key in ("USER", "PASSWORD", "HOST", "PORT")}


def _admin_connection(settings_dict: dict):
    import psycopg

    settings_dict = _direct(settings_dict)

    connection = psycopg.connect(
        dbname="postgres",
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        autocommit=True,
    )
    return connection


def _database_url(settings_dict: dict, name: str) -> str:
    settings_dict = _direct(settings_dict)
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{name}"


def postgres_template(settings_dict: dict) -> str:
    """The migrated template database for the current migrations (built when missing)."""
    from psycopg import sql

    key = fingerprint()
    template = f"fq_schema_{key}"
    with _lock(f"postgres-{key}"), _admin_connection(settings_dict) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
        if exists:
            return template
        building = f"{template}_building"
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(building))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
        _migrate(_database_url(settings_dict, building))
        admin.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(building), sql.Identifier(template)
            )
        )
        stale = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'fq\\_schema\\_%%' AND datname <> %s",
            [template],
        ).fetchall()
        for (name,) in stale:
            try:
                admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
            except Exception:  # noqa: S110 - another run may be copying it: leave it
                pass
    return template


def copy_postgres_schema(settings_dict: dict, test_name: str) -> None:
    """Create the test database `test_name` as a copy of the migrated template database."""
    from psycopg import sql

    template = postgres_template(settings_dict)
    with _admin_connection(settings_dict) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(test_name))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(test_name), sql.Identifier(template)
            )
        )


def build_template() -> None:
    """Build the template for the configured database before the first test (so its minutes on a
    busy machine count against the session's bound, not a test's timeout)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        sqlite_template()
    elif "postgresql" in db["ENGINE"]:
        postgres_template(db)


def drop_postgres_database(settings_dict: dict, name: str) -> None:
    from psycopg import sql

    with _admin_connection(settings_dict) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
