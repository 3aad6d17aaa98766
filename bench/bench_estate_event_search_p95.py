"""estate_event_search_p95: the event search of the page and the API (selectors.event_search, the capped
count and one page of 50) over 30 days of events of 47 estates, ≈ 3 M rows; target p95 < 200 ms.

Own database (ESTATE_SEARCH_BENCH_DATABASE_URL, default SQLite var/bench-estate-search.db), filled once
in bulk (SQLite executemany with the indexes built afterwards; PostgreSQL COPY) and reused while it
holds the rows. The searches are the ones officers make: an estate today, an estate over a week by
direction, the whole station (newest first), one credential's 30 days (the personal search), refused
QR codes at an estate, a community over one day, a later page, a gate over three days.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NAME = "estate_event_search_p95"
TARGET_MS = 200.0
ROWS = int(os.environ.get("ESTATE_SEARCH_BENCH_ROWS", "3000000"))
ESTATES, GATES, DAYS = 47, 3, 30
REPEAT = int(os.environ.get("ESTATE_SEARCH_BENCH_REPEAT", "15"))
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _fill(station, community, now) -> None:
    from django.db import connection

    from fengqiao.estates.models import AccessDevice, AccessEvent, Credential, Estate, Gate
    from fengqiao.estates.store import COLUMNS

    AccessEvent.objects.all().delete()
    for m in (Credential, AccessDevice, Gate, Estate):
        m.objects.filter(station_id=station.pk).delete() if hasattr(
            m, "station_id"
        ) else m.objects.all().delete()
    estates = [
        Estate.objects.create(station=station, community=community, name=f"检索小区{i + 1:02d}")
        for i in range(ESTATES)
    ]
    devices = []
    for e in estates:
        for g in range(GATES):
            gate = Gate.objects.create(estate=e, name=f"{g + 1}号门")
            devices.append(AccessDevice.objects.create(vendor="hikvision", identifier=f"bc:ba:c2:30:{len(devices) >> 8:02x}:{len(devices) & 255:02x}",
                                                       status="active", station=station, estate=e, gate=gate))  # fmt: skip
    rng = random.Random(11)
    per_device = ROWS // len(devices)
    start = now - dt.timedelta(days=DAYS)
    span = (now - start).total_seconds()
    vendor = connection.vendor
    print(f"filling {per_device * len(devices):,} events ({vendor}) …", flush=True)
    t0 = time.perf_counter()
    if vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA synchronous=OFF")
            c.execute("PRAGMA journal_mode=MEMORY")
            indexes = [
                r
                for r in c.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='estates_accessevent' AND sql IS NOT NULL"
                ).fetchall()
            ]
            for name, _ in indexes:
                c.execute(f'DROP INDEX "{name}"')
    raw = connection.connection
    from fengqiao.tracking.store import _sqlite_time as t

    kinds = ["face"] * 50 + ["card"] * 30 + ["qr"] * 15 + ["fingerprint"] * 5
    for d in devices:
        rows = []
        offsets = sorted(rng.random() * span for _ in range(per_device))
        for n, off in enumerate(offsets):
            at = start + dt.timedelta(seconds=off)
            holder = f"{rng.randint(1, 400):05d}"
            rows.append((station.pk, d.estate_id, d.gate_id, d.pk, at, at.astimezone(BEIJING).date(), at,
                         "in" if rng.random() < 0.5 else "out", kinds[rng.randrange(100)], rng.random() > 0.02, holder,
                         holder, "", None, None, f"{n}", "5/75"))  # fmt: skip
        if vendor == "sqlite":
            raw.executemany(f"INSERT INTO estates_accessevent ({COLUMNS}) VALUES ({', '.join(['?'] * 17)})",  # noqa: S608
                            [(r[0], r[1], r[2], r[3], t(r[4]), r[5].isoformat(), t(r[6]), *r[7:]) for r in rows])  # fmt: skip
        else:
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY estates_accessevent ({COLUMNS}) FROM STDIN") as copy,
            ):
                for r in rows:
                    copy.write_row(r)
        raw.commit() if vendor == "postgresql" else None
    if vendor == "sqlite":
        with connection.cursor() as c:
            for _, sql in indexes:
                c.execute(sql)
            c.execute("ANALYZE estates_accessevent")
            c.execute("PRAGMA synchronous=FULL")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE estates_accessevent")
    print(f"filled in {time.perf_counter() - t0:.0f} s", flush=True)


def main() -> None:
    url = os.environ.get(
        "ESTATE_SEARCH_BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-estate-search.db'}"
    )
    from run import ensure_postgres_database

    ensure_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    import common

    common.setup()
    from django.utils import timezone

    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.estates import selectors
    from fengqiao.estates.models import AccessEvent, Estate, Gate
    from fengqiao.registry.models import Community

    bureau = Bureau.objects.first() or Bureau.objects.create(name="犍为县公安局", code="511123")
    station = Station.objects.filter(code="BENCH-SRCH").first() or Station.objects.create(
        bureau=bureau, name="检索派出所", code="BENCH-SRCH"
    )
    community = Community.objects.filter(station=station).first() or Community.objects.create(
        station=station, name="检索社区", code="BENCH-SRCH-1"
    )
    user = User.objects.filter(username="bench_leader").first() or User.objects.create_user(
        username="bench_leader", password="x", role="station_leader", station=station, full_name="基准所长")  # fmt: skip
    now = timezone.now()
    have = AccessEvent.objects.filter(station_id=station.pk).count()
    if have < ROWS * 0.95:
        _fill(station, community, now)
    else:
        latest = (
            AccessEvent.objects.filter(station_id=station.pk)
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        now = latest + dt.timedelta(seconds=1)
    total = AccessEvent.objects.filter(station_id=station.pk).count()
    estates = list(Estate.objects.filter(station=station).values_list("pk", flat=True))
    gates = list(Gate.objects.filter(estate__station=station).values_list("pk", flat=True))
    today = now.astimezone(BEIJING).date()
    rng = random.Random(5)
    print(
        f"{NAME}: {total:,} events of {len(estates)} estates over {DAYS} days; {REPEAT} rounds of 8 searches",
        flush=True,
    )

    def searches():
        e = rng.choice(estates)
        return {
            "estate today": {"estate": str(e), "from": today.isoformat()},
            "estate week, in": {"estate": str(e), "from": (today - dt.timedelta(days=6)).isoformat(), "to": today.isoformat(), "direction": "in"},
            "whole station": {"from": (today - dt.timedelta(days=29)).isoformat()},
            "one credential, 30 days": {"estate": str(e), "subject": f"{rng.randint(1, 400):05d}"},
            "refused QR at an estate": {"estate": str(e), "type": "qr", "result": "refused"},
            "community, one day": {"community": str(community.pk), "from": (today - dt.timedelta(days=3)).isoformat(), "to": (today - dt.timedelta(days=3)).isoformat()},
            "estate, page 5": {"estate": str(e), "page": "5"},
            "gate, three days": {"gate": str(rng.choice(gates)), "from": (today - dt.timedelta(days=2)).isoformat()},
        }  # fmt: skip

    samples: dict[str, list[float]] = {}
    for round_ in range(REPEAT + 1):
        for label, params in searches().items():
            t0 = time.perf_counter()
            qs = selectors.event_search(user, params)
            count, more = selectors.capped_count(qs)
            rows = selectors.page_of(qs, int(params.get("page", "1")))
            elapsed = (time.perf_counter() - t0) * 1000
            if round_:  # the first round warms the caches
                samples.setdefault(label, []).append(elapsed)
            assert rows or count == 0
    everything = [v for values in samples.values() for v in values]
    for label, values in samples.items():
        print(
            f"  {label:28s} p50 {common.median(values):6.1f} ms  p95 {common.p95(values):6.1f} ms",
            flush=True,
        )
    common.report(NAME, common.p95(everything), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
