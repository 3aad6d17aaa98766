"""Run in a child process by tests/core/test_replica.py, against a primary (DATABASE_URL) and its
streaming replica (REPLICA_DATABASE_URL) that the test started: which database answers a heavy page
when the replica is fresh, when it lags beyond the bound, and when it is down. Prints one JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import time


def main() -> None:
    import django

    django.setup()
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from fengqiao.accounts.models import User
    from fengqiao.core import replica
    from tests.factories import StationFactory, UserFactory

    result = {}
    station = StationFactory(name="副本派出所", code="REPL-1")
    user = UserFactory(username="replica_leader", role="station_leader", station=station)
    client = Client()
    client.force_login(user)
    url = reverse("reports:dashboard")

    deadline = time.monotonic() + 30  # the replica has the user once it has replayed the setup
    while not User.objects.using("replica").filter(pk=user.pk).exists():
        if time.monotonic() > deadline:
            raise SystemExit("the replica never caught up")
        time.sleep(0.2)

    def statements(captured) -> list[str]:
        """The page's own statements: not transaction control (on PostgreSQL each autocommit read
        is wrapped in a short transaction that sets the station scope, core/postgresql), nor the
        replica's health check."""
        return [
            q["sql"]
            for q in captured
            if q["sql"].strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")
            and "pg_is_in_recovery" not in q["sql"]
        ]

    def page(capture_replica: bool = True) -> dict:
        replica.forget()
        with CaptureQueriesContext(connections["default"]) as primary_queries:
            if capture_replica:
                with CaptureQueriesContext(connections["replica"]) as replica_queries:
                    response = client.get(url)
                on_replica = statements(replica_queries.captured_queries)
            else:
                response = client.get(url)
                on_replica = []
        return {
            "status": response.status_code,
            "replica_queries": len(on_replica),
            "replica_sql_sample": [s[:120] for s in on_replica[:5]],
            "primary_queries": len(statements(primary_queries.captured_queries)),
            "state": replica.status()["reason"],
        }

    # the primary's own statements (pg_wal_replay_* run on the replica with psycopg, not Django)
    import psycopg

    replica_url = os.environ["REPLICA_DATABASE_URL"]

    result["fresh"] = page()
    with psycopg.connect(replica_url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    User.objects.filter(pk=user.pk).update(
        phone="13800000000"
    )  # WAL the replica receives, not replays
    time.sleep(float(os.environ["REPLICA_MAX_LAG_SECONDS"]) + 1.5)
    result["lagging"] = page()
    with psycopg.connect(replica_url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 20
    while True:  # replayed again: the replica is used again
        result["caught_up"] = page()
        if result["caught_up"]["replica_queries"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    subprocess.run(os.environ["REPLICA_STOP_COMMAND"].split(), check=True, capture_output=True)  # noqa: S603
    started = time.monotonic()
    result["down"] = page(capture_replica=False)
    result["down_seconds"] = round(time.monotonic() - started, 2)
    print("RESULT " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
