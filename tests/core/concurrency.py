"""Concurrency scenarios shared by the reference-number and sweeper tests.

On PostgreSQL the tests run these with threads against the test database. SQLite's in-memory
test database cannot be shared by several connections with real locking, so on SQLite the tests
run this module as a script against a fresh SQLite *file* database (the production setup):
`python -m tests.core.concurrency <scenario>` prints the scenario's result as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading


def _run_threads(count: int, target) -> list[BaseException]:
    from django.db import connection

    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def wrapped(i):
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def refnumbers(station, threads: int = 8, per_thread: int = 50) -> dict:
    from fengqiao.core.refnumbers import next_reference
    from fengqiao.core.workflow_models import ReferenceCounter

    results: list[str] = []
    lock = threading.Lock()

    def work(_):
        for _ in range(per_thread):
            number = next_reference("JQ", station, year=2026)
            with lock:
                results.append(number)

    errors = _run_threads(threads, work)
    return {
        "errors": [repr(e) for e in errors],
        "numbers": sorted(results),
        "counter": ReferenceCounter.objects.get(kind="JQ", station=station, year=2026).last,
    }


def make_due_clocks(count: int, now: dt.datetime) -> list[int]:
    """`count` running clocks at a station whose first warning is due at `now`."""
    from fengqiao.accounts.choices import Role
    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.core.services import clock_start

    bureau, _ = Bureau.objects.get_or_create(code="CC", defaults={"name": "并发县局"})
    station = Station.objects.create(
        bureau=bureau,
        name=f"并发派出所{Station.objects.count()}",
        code=f"CC{Station.objects.count()}",
    )
    User.objects.create(
        username=f"leader{station.pk}",
        full_name="所领导",
        role=Role.STATION_LEADER,
        station=station,
    )
    officer = User.objects.create(
        username=f"officer{station.pk}", full_name="民警", role=Role.CASE_OFFICER, station=station
    )
    ids = []
    for _ in range(count):
        # 24 h clock started 12 h ago: its 50 % warning is due right now.
        clock = clock_start(
            obj=station,
            station=station,
            kind="fraud_contact_low",
            assignee=officer,
            started_at=now - dt.timedelta(hours=12),
        )
        ids.append(clock.pk)
    return ids


def sweep(clock_ids: list[int], now: dt.datetime, workers: int = 2) -> dict:
    """Two workers sweep the same due clocks at once, through the real notification_send."""
    from django.db.models import Count

    from fengqiao.core import sweeper
    from fengqiao.core.workflow_models import ClockWarning
    from fengqiao.notifications.models import Notification

    results = []
    errors = _run_threads(workers, lambda _: results.append(sweeper.sweep(now=now).as_dict()))
    per_key = (
        Notification.objects.filter(kind="clock_warning")
        .values("dedupe_key")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "errors": [repr(e) for e in errors],
        "sent": sorted([row["dedupe_key"], row["n"]] for row in per_key),
        "warnings": ClockWarning.objects.filter(clock_id__in=clock_ids).count(),
        "fired": sum(r["fired"] for r in results),
        "sweep_errors": sum(r["errors"] for r in results),
        "expected": sorted([f"clock:{pk}:level:1", 1] for pk in clock_ids),
    }


def main(scenario: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    if scenario == "refnumbers":
        from fengqiao.accounts.models import Bureau, Station

        bureau = Bureau.objects.create(name="并发县局", code="CC")
        return refnumbers(Station.objects.create(bureau=bureau, name="并发派出所", code="CC1"))
    if scenario == "sweep":
        now = timezone.now()
        return sweep(make_due_clocks(200, now), now)
    raise SystemExit(f"unknown scenario {scenario}")


def run_on_sqlite_file(tmp_path, scenario: str) -> dict:
    """Run a scenario in a child process on a fresh SQLite file database."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    from tests.schema_cache import copy_sqlite_schema

    database = tmp_path / "concurrency.sqlite3"
    copy_sqlite_schema(database)  # migrated once per run, not once per child (migrate: a no-op)
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONPATH=str(root),
    )
    proc = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.core.concurrency", scenario],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
