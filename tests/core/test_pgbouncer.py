"""PgBouncer in transaction mode works with everything (issue 23). PostgreSQL only.

A PgBouncer of the test's own with ONE server connection: two clients take turns on it, so any
session state one of them left (a setting, an advisory lock, a prepared statement, a held cursor)
would show up in the other. Representative operations run through it as the application role.
"""

import threading

import psycopg
import pytest
from django.db import connection, transaction

from fengqiao.core import rls
from fengqiao.core.refnumbers import next_reference
from fengqiao.registry.models import Community
from tests import pgbouncer
from tests.factories import CommunityFactory, StationFactory
from tests.rls import APP_ROLE, ensure_app_role

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PgBouncer: PostgreSQL"),
    pytest.mark.skipif(not pgbouncer.available(), reason="needs Debian's pgbouncer"),
]


@pytest.fixture
def bouncer():
    from tests import schema_cache

    direct = schema_cache._direct(connection.settings_dict)  # PostgreSQL itself, not a pooler
    if direct.get("HOST") not in ("127.0.0.1", "localhost", "", None):
        pytest.skip("the test's PgBouncer fronts 127.0.0.1")
    upstream = int(direct.get("PORT") or 5432)
    with pgbouncer.running(pgbouncer.free_port(), upstream_port=upstream, pool_size=1) as port:
        yield port


def _other_client(port):
    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=APP_ROLE,
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
        prepare_threshold=None,
    )


@pytest.mark.django_db(transaction=True)
def test_representative_operations_through_pgbouncer_leave_no_session_state(bouncer):
    home, away = StationFactory(), StationFactory()
    CommunityFactory(station=home)
    CommunityFactory(station=away)
    ensure_app_role(connection.settings_dict, connection.settings_dict["NAME"])
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=str(bouncer), USER=APP_ROLE, PASSWORD="", CONN_MAX_AGE=60
    )
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    other = _other_client(bouncer)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), current_user")
            ours, user = cursor.fetchone()
        assert user == APP_ROLE
        assert other.execute("SELECT pg_backend_pid()").fetchone()[0] == ours  # one server conn

        # autocommit reads, a repeated query (no server-side prepared statement), an iterator
        with rls.scoped(str(home.pk)):
            for _ in range(8):
                assert set(Community.objects.values_list("station_id", flat=True)) == {home.pk}
            assert [c.station_id for c in Community.objects.iterator(chunk_size=1)] == [home.pk]
        # a transaction: the scope set once (SET LOCAL), a row lock, nested savepoints, an
        # advisory lock at transaction level
        with rls.scoped(str(home.pk)), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x66710023])
            assert next_reference("JQ", home, year=2026) == "JQ-2026-000001"
            assert next_reference("JQ", home, year=2026) == "JQ-2026-000002"
            assert Community.objects.count() == 1
        # the other client, on the same server connection: nothing left behind
        assert other.execute(
            "SELECT coalesce(current_setting('fengqiao.stations', true), '')"
        ).fetchone() == ("",)
        assert other.execute("SELECT count(*) FROM registry_community").fetchone() == (0,)
        assert other.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
        ).fetchone() == (0,)
        assert other.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)
        assert other.execute("SELECT count(*) FROM pg_cursors").fetchone() == (0,)
        # two threads at once, one server connection: each sees its own station only
        seen, errors = {}, []

        def work(station):
            try:
                with rls.scoped(str(station.pk)):
                    for _ in range(20):
                        with transaction.atomic():
                            seen.setdefault(station.pk, set()).update(
                                Community.objects.values_list("station_id", flat=True)
                            )
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(s,)) for s in (home, away)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert seen == {home.pk: {home.pk}, away.pk: {away.pk}}
    finally:
        other.close()
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_the_code_keeps_no_session_state():
    """No session-level SET, advisory lock or LISTEN in the code: behind PgBouncer in transaction
    mode the next transaction on the server connection may be another client's."""
    import re
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "src" / "fengqiao"
    offending = []
    patterns = [
        re.compile(r"pg_advisory_lock|pg_try_advisory_lock\b"),  # session-level locks
        re.compile(r"""execute\(\s*f?["']SET (?!LOCAL)""", re.IGNORECASE),  # session SET
        re.compile(r"""["']\s*LISTEN\s""", re.IGNORECASE),  # PostgreSQL LISTEN (push uses Redis)
        re.compile(r"set_config\([^)]*false\)"),
        re.compile(r"prepare_threshold\s*=\s*\d"),
    ]
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in patterns:
            offending += [
                f"{path.relative_to(source)}: {m.group(0)}" for m in pattern.finditer(text)
            ]
    assert offending == []
