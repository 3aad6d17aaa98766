"""trail_day: one vehicle's day of trail (every 10 s: 8,640 fixes) read from a position table of at least
20 million rows; target < 50 ms.

The table is filled once by a bulk path inside the database (PostgreSQL generate_series into the day
partitions; SQLite a recursive CTE): 2,315 trackers × 864 fixes a day (every 100 s) × 10 days =
20.0 million rows, plus the measured vehicle reporting every 10 s for those 10 days. Each query is
`fengqiao.tracking.services.trail_points(device, day start, day end)`: the rows of `trail` with the
fields a map needs (time, latitude, longitude, speed, course) as a list of tuples; the figure is the p95 of 30 queries over the
10 days (the first, cold query is printed too). Database: GATEWAY_BENCH_TRAIL_URL (default PostgreSQL
postgres://postgres@127.0.0.1:5432/fq_bench_trail, created when missing).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NAME = "trail_day"
TARGET_MS = 50.0
FLEET = 2315
PER_DAY = 864
DAYS = 10
TARGET_ROWS = 20_000_000
START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
VEHICLE = "TRAIL-VEHICLE"


def fill(log) -> None:
    from django.db import connection, transaction

    from fengqiao.tracking import partitions
    from fengqiao.tracking.choices import DeviceStatus, Protocol
    from fengqiao.tracking.models import Device

    existing = set(
        Device.objects.filter(identifier__startswith="TB").values_list("identifier", flat=True)
    )
    Device.objects.bulk_create(
        [
            Device(identifier=f"TB{i:06d}", protocol=Protocol.GT06, status=DeviceStatus.ACTIVE)
            for i in range(FLEET)
            if f"TB{i:06d}" not in existing
        ]
    )
    Device.objects.get_or_create(
        identifier=VEHICLE, defaults={"protocol": Protocol.GT06, "status": DeviceStatus.ACTIVE}
    )
    pg = connection.vendor == "postgresql"
    if pg:
        partitions.ensure_days(connection, START.date(), (START + dt.timedelta(days=DAYS)).date())
    for day in range(DAYS):
        begin = START + dt.timedelta(days=day)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if pg:
                cursor.execute(
                    "INSERT INTO tracking_position (device_id, fixed_at, received_at, latitude, longitude, speed_kmh, "
                    "course, valid, buffered, outdated, attributes) "
                    "SELECT d.id, t, t, 29.209 + (random() - 0.5) * 0.07, 103.947 + (random() - 0.5) * 0.08, "
                    "(random() * 40)::int, (random() * 359)::int, true, false, false, '{}'::jsonb "
                    "FROM tracking_device d CROSS JOIN generate_series(%s::timestamptz, %s::timestamptz, %s::interval) t "
                    "WHERE d.identifier LIKE 'TB%%' OR (d.identifier = %s AND extract(epoch from t)::bigint %% 100 = 0)",
                    [begin, begin + dt.timedelta(seconds=86400 - 100), "100 seconds", VEHICLE],
                )
                # the measured vehicle: every 10 s
                cursor.execute(
                    "INSERT INTO tracking_position (device_id, fixed_at, received_at, latitude, longitude, speed_kmh, "
                    "course, valid, buffered, outdated, attributes) "
                    "SELECT d.id, t, t, 29.209 + (random() - 0.5) * 0.07, 103.947 + (random() - 0.5) * 0.08, 20, 90, "
                    "true, false, false, '{}'::jsonb FROM tracking_device d "
                    "CROSS JOIN generate_series(%s::timestamptz, %s::timestamptz, %s::interval) t "
                    "WHERE d.identifier = %s AND extract(epoch from t)::bigint %% 100 <> 0",
                    [begin, begin + dt.timedelta(seconds=86400 - 10), "10 seconds", VEHICLE],
                )
            else:
                base = begin.strftime("%Y-%m-%d %H:%M:%S")
                cursor.execute(
                    "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
                    "INSERT INTO tracking_position (device_id, fixed_at, received_at, latitude, longitude, speed_kmh, "
                    "course, valid, buffered, outdated, attributes) "
                    "SELECT d.id, datetime(%s, '+' || (n * 100) || ' seconds'), datetime(%s, '+' || (n * 100) || ' seconds'), "
                    "29.209 + (abs(random()) %% 70000) / 1e6 - 0.035, 103.947 + (abs(random()) %% 80000) / 1e6 - 0.04, "
                    "20, 90, 1, 0, 0, '{}' FROM tracking_device d, s WHERE d.identifier LIKE 'TB%%'",
                    [PER_DAY - 1, base, base],
                )
                cursor.execute(
                    "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
                    "INSERT INTO tracking_position (device_id, fixed_at, received_at, latitude, longitude, speed_kmh, "
                    "course, valid, buffered, outdated, attributes) "
                    "SELECT d.id, datetime(%s, '+' || (n * 10) || ' seconds'), datetime(%s, '+' || (n * 10) || ' seconds'), "
                    "29.209, 103.947, 20, 90, 1, 0, 0, '{}' FROM tracking_device d, s WHERE d.identifier = %s",
                    [8640 - 1, base, base, VEHICLE],
                )
        log(f"day {day + 1}/{DAYS} written in {time.perf_counter() - started:.0f} s")
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tracking_position")


def main() -> None:
    import django

    url = os.environ.get(
        "GATEWAY_BENCH_TRAIL_URL", "postgres://postgres@127.0.0.1:5432/fq_bench_trail"
    )
    from run import ensure_postgres_database

    ensure_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    django.setup()
    from common import report
    from django.core.management import call_command
    from django.db import connection

    from fengqiao.tracking.models import Device
    from fengqiao.tracking.services import trail_points

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracking_position")
        rows = cursor.fetchone()[0]
    if rows < TARGET_ROWS:
        print(f"filling the position table ({rows:,} rows now) …", flush=True)
        started = time.perf_counter()
        fill(lambda line: print(line, flush=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tracking_position")
            rows = cursor.fetchone()[0]
        print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)
    device = Device.objects.get(identifier=VEHICLE)
    print(f"{NAME}: {rows:,} positions in the table ({connection.vendor})", flush=True)
    samples = []
    points = 0
    for i in range(31):
        begin = START + dt.timedelta(days=i % DAYS)
        started = time.perf_counter()
        points = len(
            trail_points(device, begin, begin + dt.timedelta(days=1) - dt.timedelta(microseconds=1))
        )
        elapsed = (time.perf_counter() - started) * 1000
        if i == 0:
            print(f"first (cold) query: {elapsed:.1f} ms, {points} points", flush=True)
        else:
            samples.append(elapsed)
    samples.sort()
    p50 = samples[len(samples) // 2]
    p95 = samples[int(0.95 * len(samples)) - 1]
    print(
        f"{points} points a day; p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(samples)} queries",
        flush=True,
    )
    if rows < TARGET_ROWS:
        print(f"FAIL: only {rows:,} rows", flush=True)
        p95 = float("inf")
    report(NAME, p95, "ms_p95", TARGET_MS)


if __name__ == "__main__":
    main()
