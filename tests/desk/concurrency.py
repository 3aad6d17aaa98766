"""Several counters calling "next" at the same moment never call the same number.

On PostgreSQL the test runs the threads against the test database; on SQLite (whose in-memory test
database cannot be shared with real locking) it runs `python -m tests.desk.concurrency` against a fresh
SQLite file, the production setup, and reads the JSON result.
"""

from __future__ import annotations

import json
import os
import sys
import threading


def calls(threads: int = 6, waiting: int = 120) -> dict:
    from django.db import connection

    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.desk import services
    from fengqiao.desk.models import Counter, Service, Ticket

    bureau = Bureau.objects.create(name="并发县局Q", code="CQ")
    station = Station.objects.create(bureau=bureau, name="并发派出所Q", code="CQ1")
    clerk = User.objects.create(
        username="cq_clerk", full_name="叫号", role="auxiliary", station=station
    )
    a = Service.objects.create(station=station, prefix="A", name="甲")
    b = Service.objects.create(station=station, prefix="B", name="乙")
    counters = []
    for n in range(1, threads + 1):
        c = Counter.objects.create(station=station, number=n)
        c.services.set([a, b])
        counters.append(c)
    for i in range(waiting):
        services.ticket_take(actor=clerk, service=a if i % 2 else b)
    called: list[tuple[int, int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def work(i):
        counter = Counter.objects.get(pk=counters[i].pk)
        try:
            barrier.wait()
            while True:
                ticket = services.ticket_call_next(actor=clerk, counter=counter)
                if ticket is None:
                    break
                with lock:
                    called.append((ticket.pk, counter.pk))
                services.ticket_finish(actor=clerk, counter=counter)
        except BaseException as exc:  # noqa: BLE001 - reported
            errors.append(repr(exc))
        finally:
            connection.close()

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    ids = [pk for pk, _c in called]
    return {
        "errors": errors,
        "called": len(ids),
        "distinct": len(set(ids)),
        "counters_used": len({c for _pk, c in called}),
        "waiting_left": Ticket.objects.filter(station=station, status="waiting").count(),
        "done": Ticket.objects.filter(station=station, status="done").count(),
    }


def main() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return calls()


def run_on_sqlite_file(tmp_path) -> dict:
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    from tests.schema_cache import copy_sqlite_schema

    database = tmp_path / "desk-concurrency.sqlite3"
    copy_sqlite_schema(database)  # migrated once per run, not once per child (migrate: a no-op)
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONPATH=f"{root / 'src'}{os.pathsep}{root}",
    )
    proc = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.desk.concurrency"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(main()))
