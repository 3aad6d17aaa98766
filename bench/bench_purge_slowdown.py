"""purge_slowdown: the retention purge of a day's positions (2 million rows) while the gateway ingests
5,000 positions a second; target: ingestion slowed by < 20 %.

A gateway process serves 5,000 simulated GT06 devices each reporting every second (open loop). The rate
of stored positions (the gateway's committed counter) is measured over a 15 s baseline, then over the
purge (`fengqiao.tracking.retention.purge_positions`, run from this process against the same database),
at least 10 s. Slowdown = 1 − purge rate / baseline rate; the acknowledgement latency seen by the devices
is printed too. Database: GATEWAY_BENCH_PURGE_URL (default SQLite var/bench-purge.db, where the purge is
batched deletes competing for the write lock; on PostgreSQL whole day partitions are dropped).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NAME = "purge_slowdown"
TARGET_PERCENT = 20.0
DEVICES = int(os.environ.get("GATEWAY_PURGE_DEVICES", "5000"))
OLD_ROWS = int(os.environ.get("GATEWAY_PURGE_ROWS", "2000000"))
OLD_DAY = dt.datetime(2025, 1, 15, tzinfo=dt.UTC)


def fill_old_day(log) -> None:
    """A day's positions, 200+ days old, written in bulk inside the database."""
    from django.db import connection, transaction

    from fengqiao.tracking import partitions
    from fengqiao.tracking.choices import DeviceStatus, Protocol
    from fengqiao.tracking.models import Device

    devices = OLD_ROWS // 8640
    Device.objects.bulk_create(
        [
            Device(identifier=f"OLD{i:06d}", protocol=Protocol.GT06, status=DeviceStatus.ACTIVE)
            for i in range(devices)
        ],
        ignore_conflicts=True,
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            partitions.ensure_days(connection, OLD_DAY.date(), OLD_DAY.date())
            cursor.execute(
                "INSERT INTO tracking_position (device_id, fixed_at, received_at, latitude, longitude, speed_kmh, "
                "course, valid, buffered, outdated, attributes) "
                "SELECT d.id, t, t, 29.2, 103.9, 20, 90, true, false, false, '{}'::jsonb FROM tracking_device d "
                "CROSS JOIN generate_series(%s::timestamptz, %s::timestamptz, '10 seconds'::interval) t "
                "WHERE d.identifier LIKE 'OLD%%'",
                [OLD_DAY, OLD_DAY + dt.timedelta(seconds=86390)],
            )
        else:
            cursor.execute(
                "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 8639) "
                "INSERT INTO tracking_position (device_id, fixed_at, received_at, latitude, longitude, speed_kmh, "
                "course, valid, buffered, outdated, attributes) "
                "SELECT d.id, datetime(%s, '+' || (n * 10) || ' seconds'), datetime(%s, '+' || (n * 10) || ' seconds'), "
                "29.2, 103.9, 20, 90, 1, 0, 0, '{}' FROM tracking_device d, s WHERE d.identifier LIKE 'OLD%%'",
                [OLD_DAY.strftime("%Y-%m-%d %H:%M:%S")] * 2,
            )
    log(f"{devices * 8640:,} old positions written in {time.perf_counter() - started:.0f} s")


def stored_now(gateways) -> int:
    return sum(s.get("positions_stored", 0) for s in gateways.status())


def main() -> None:
    import django

    url = os.environ.get("GATEWAY_BENCH_PURGE_URL", f"sqlite:///{ROOT / 'var' / 'bench-purge.db'}")
    from run import ensure_postgres_database

    ensure_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    django.setup()
    from common import report
    from django.core.management import call_command
    from django.db import connection

    from fengqiao.gateway import loadgen, simulate
    from fengqiao.tracking.models import Position
    from fengqiao.tracking.retention import purge_positions

    call_command("migrate", verbosity=0)
    print(
        f"{NAME}: {DEVICES:,} devices × 1 position/s; purge of {OLD_ROWS:,} old positions ({connection.vendor})",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracking_position")
    fill_old_day(lambda line: print(line, flush=True))
    connection.close()

    gateways = loadgen.start_gateways(url, log=lambda line: print(line, flush=True))
    result: dict = {}

    def load():
        result.update(
            simulate.run_processes(
                processes=1, devices=DEVICES, host="127.0.0.1", port=gateways.ports["gt06"], protocol="gt06",
                interval=1.0, duration=75.0, connect_rate=3000.0,
            )
        )  # fmt: skip

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    try:
        time.sleep(25)  # connect, log in, settle
        base_start, base_count = time.monotonic(), stored_now(gateways)
        time.sleep(15)
        base_end, base_end_count = time.monotonic(), stored_now(gateways)
        baseline = (base_end_count - base_count) / (base_end - base_start)
        purge_start, purge_count = time.monotonic(), stored_now(gateways)
        removed = purge_positions(before=OLD_DAY + dt.timedelta(days=1), pause=0.005)
        purge_seconds = time.monotonic() - purge_start
        if purge_seconds < 10:
            time.sleep(10 - purge_seconds)
        during = (stored_now(gateways) - purge_count) / (time.monotonic() - purge_start)
        thread.join(120)
    finally:
        gateways.stop()
    left = Position.objects.filter(fixed_at__lt=OLD_DAY + dt.timedelta(days=1)).count()
    slowdown = max(0.0, (1 - during / baseline) * 100) if baseline else 100.0
    print(
        f"baseline {baseline:,.0f} positions/s; during the purge ({removed:,} rows in {purge_seconds:.1f} s) "
        f"{during:,.0f} positions/s; old rows left {left}",
        flush=True,
    )
    print(f"devices: {simulate.summary(result) if result else 'no result'}", flush=True)
    report(NAME, slowdown, "percent", TARGET_PERCENT)


if __name__ == "__main__":
    main()
