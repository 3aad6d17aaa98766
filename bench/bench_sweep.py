"""sweep_100k: 100,000 open clocks, 1,000 of them due in the same minute; one sweep must take < 5 s.

The due clocks go through the whole path: indexed query, conditional-UPDATE claim, warning row,
change-log row, and the real notification_send (inbox row and any configured outbound channel).
"""

from __future__ import annotations

import datetime as dt
import random
import sys

from common import Timer, report, setup

NAME = "sweep_100k"
TOTAL = 100_000
DUE = 1_000
TARGET_SECONDS = 5.0
STATION_CODE = "BENCH-SWEEP"


def clear(station) -> None:
    """Remove earlier runs' clocks with plain SQL (the ORM would log 100,000 deletes one by one)."""
    from django.db import connection, transaction

    from fengqiao.notifications.models import Notification

    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("core_clockwarning", "core_clockpause", "core_clockextension"):
            cursor.execute(
                f"DELETE FROM {table} WHERE clock_id IN (SELECT id FROM core_clock WHERE station_id = %s)",
                [station.pk],
            )
        cursor.execute("DELETE FROM core_clock WHERE station_id = %s", [station.pk])
    Notification.objects.filter(recipient__station=station).delete()


def build(now: dt.datetime):
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from fengqiao.accounts.choices import Role, UnitKind
    from fengqiao.accounts.models import Bureau, Station, Unit, User
    from fengqiao.core.services import rules_load_defaults
    from fengqiao.core.workflow_models import Clock, TimeLimitRule

    rules_load_defaults()
    bureau, _ = Bureau.objects.get_or_create(code="BENCH", defaults={"name": "基准测试县局"})
    station, _ = Station.objects.get_or_create(
        code=STATION_CODE, defaults={"bureau": bureau, "name": "基准测试派出所"}
    )
    clear(station)
    leader, _ = User.objects.get_or_create(
        username="bench-leader",
        defaults={"full_name": "基准所领导", "role": Role.STATION_LEADER, "station": station},
    )
    officers = []
    for i in range(40):
        unit, _ = Unit.objects.get_or_create(
            station=station,
            name=f"基准队{i % 4}",
            defaults={"kind": UnitKind.CASE_TEAM, "leader": leader},
        )
        officer, _ = User.objects.get_or_create(
            username=f"bench-officer-{i}",
            defaults={
                "full_name": f"基准民警{i}",
                "role": Role.CASE_OFFICER,
                "station": station,
                "unit": unit,
            },
        )
        officers.append(officer)
    rule = TimeLimitRule.objects.effective_on(now.date()).get(kind="emergency_registration")  # 24 h
    ct = ContentType.objects.get_for_model(Station)
    rng = random.Random(20261129)
    minute = now.replace(second=0, microsecond=0)
    rows = []
    for i in range(TOTAL):
        if i < DUE:
            # 50 % warning falls within the current minute.
            warn = minute + dt.timedelta(seconds=rng.uniform(0, 59))
            started = warn - dt.timedelta(hours=12)
        else:
            started = now - dt.timedelta(hours=rng.uniform(0, 11.5))
            warn = started + dt.timedelta(hours=12)
        rows.append(
            Clock(
                content_type=ct,
                object_id=station.pk,
                station=station,
                assignee=officers[i % len(officers)],
                unit=officers[i % len(officers)].unit,
                kind=rule.kind,
                rule=rule,
                title=f"基准警情{i}",
                started_at=started,
                due_at=started + dt.timedelta(hours=24),
                next_warning_at=warn,
                next_warning_level=1,
            )
        )
    rng.shuffle(rows)
    # Benchmark fixture rows, not a business write: no change-log rows for them.
    with transaction.atomic():
        Clock.objects.bulk_create(rows, batch_size=5000)
    return station, minute + dt.timedelta(seconds=59, microseconds=999999)


def explain(now):
    from fengqiao.core.sweeper import due_query

    return due_query(now).explain()


def main() -> None:
    setup()
    from django.db import connection
    from django.utils import timezone

    from fengqiao.core import context, sweeper
    from fengqiao.core.workflow_models import Clock, ClockWarning

    now = timezone.now()
    print(
        f"building {TOTAL:,} open clocks ({DUE:,} due in the minute {now:%H:%M} UTC) on {connection.vendor}...",
        flush=True,
    )
    with Timer() as t:
        station, sweep_at = build(now)
    print(f"built in {t.seconds:.1f} s", flush=True)
    print("due query plan:", explain(sweep_at).replace("\n", " | "), flush=True)
    with context.acting_as(None, source="job"), Timer() as t:
        result = sweeper.sweep(now=sweep_at)
    print(result.summary(), flush=True)
    fired = ClockWarning.objects.filter(clock__station=station).count()
    still_due = Clock.objects.filter(
        station=station, state="running", next_warning_at__lte=sweep_at
    ).count()
    print(f"warnings written: {fired:,}; still due after the sweep: {still_due}", flush=True)
    ok = (
        report(NAME, t.seconds, "s", TARGET_SECONDS)
        and fired == DUE
        and result.errors == 0
        and still_due == 0
    )
    clear(station)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
