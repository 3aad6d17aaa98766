"""The application role of row-level security in tests (PostgreSQL; core/rls.py, docs/deploy.md).

The test database is made by the superuser (which bypasses every policy). `APP_ROLE` is a login
role with row privileges only — not the owner, not a superuser, no BYPASSRLS — as the web, job and
gateway processes use in production. `as_app_role()` switches the test's own connection to it inside
the test's transaction (SET LOCAL ROLE), so the test's rows are there and the policies hold.
With FENGQIAO_TEST_APP_ROLE=1 the whole suite connects as that role (tests/conftest.py).
"""

from __future__ import annotations

import contextlib

APP_ROLE = "fengqiao_app_test"
_granted: set[str] = set()


def ensure_app_role(settings_dict: dict, database: str) -> None:
    """Create the role (once per cluster) and grant it row access to `database`'s tables."""
    import psycopg

    if database in _granted:
        return

    from fengqiao.core import rls
    from tests import schema_cache

    direct = schema_cache._direct(settings_dict)
    with psycopg.connect(
        dbname=database,
        user=direct.get("USER") or None,
        password=direct.get("PASSWORD") or None,
        host=direct.get("HOST") or None,
        port=direct.get("PORT") or None,
        autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone()
        if not exists:
            try:
                admin.execute(
                    f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                )
            except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                pass  # another run made it first
        for statement in rls.grant_sql(APP_ROLE):
            admin.execute(statement)
    _granted.add(database)


@contextlib.contextmanager
def as_app_role():
    """The test's connection runs as the application role for the block (inside the test's
    transaction; the superuser who opened the session may switch back)."""
    from django.db import connection, transaction

    from tests import rls as this

    assert transaction.get_connection().in_atomic_block, "use inside the test's transaction"
    this.ensure_app_role(connection.settings_dict, connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
    try:
        yield
    finally:
        from django.db import DatabaseError

        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")
        except DatabaseError:
            pass  # an aborted transaction: its rollback resets the role
