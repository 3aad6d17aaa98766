"""Demo data of 平安智慧小区: the reference station's 47 smart estates with gate access control —
the registry's estates (百草苑小区 in 西街社区, 江湾壹号小区 in 滨江社区 …) plus old-town estates of
西街社区 with houses over 30 years old and newer ones elsewhere — their gates, terminals (Hikvision and
ZKTeco), residents' credentials linked to registry persons, 7 days of access events (bulk inserts),
a few credentials of people not in the registry (registration tasks) and two offline terminals."""

from __future__ import annotations

import datetime as dt
import random

ESTATE_COUNT = 47  # PRODUCT.md: 47 smart residential estates with gate access control
DAYS = 7
YJ = "511123-YJ"
OLD_TOWN_EXTRA = [
    "西街老粮站宿舍",
    "书院街小区",
    "文庙街供销社宿舍",
    "玉津路电力宿舍",
    "西街农机厂宿舍",
    "西街百货公司宿舍",
]
NEW_NAMES = ["锦绣", "翡翠", "阳光", "金桂", "碧水", "御景", "香榭", "天府", "龙湾", "水韵", "梧桐", "东方", "丽景",
             "紫荆", "尚城", "蓝湾", "和园", "观澜", "玉园", "雅苑", "康桥", "盛世", "欣城", "澜庭", "鑫苑"]  # fmt: skip
BEIJING = dt.timezone(dt.timedelta(hours=8))
BROKEN = "(线路故障)"  # the two demo terminals that stay offline (the demo's simulated terminals skip them)


def _name(road: str) -> str:
    return road if road.endswith(("小区", "宿舍")) else f"{road}小区"


def load(*, scale: int, seed: int, log) -> dict[str, int]:
    from django.db import transaction
    from django.db.models import Avg, Count
    from django.utils import timezone

    from fengqiao.accounts.models import Station
    from fengqiao.core import events
    from fengqiao.core.audit import log_bulk
    from fengqiao.core.models import ChangeAction
    from fengqiao.demo.data import YUJIN_COMMUNITIES
    from fengqiao.estates import services
    from fengqiao.estates.models import AccessDevice, Credential, DeviceAlarm, Estate, Gate
    from fengqiao.registry.models import Address, Community, Person

    counts = dict.fromkeys(
        ("estates", "gates", "devices", "credentials", "events", "tasks", "offline"), 0
    )
    station = Station.objects.filter(code=YJ).first()
    if station is None or Estate.objects.filter(station=station).exists():
        return counts
    rng = random.Random(seed + 12)
    now = timezone.now()
    communities = {c.name: c for c in Community.objects.filter(station=station)}
    plan = []  # (community, road or None, name, built year, old town)
    for name, _kind, _w, old_town, roads, years in YUJIN_COMMUNITIES:
        community = communities.get(name)
        if community is None:
            continue
        for road, kind in roads:
            if kind == "estate":
                plan.append((community, road, _name(road), rng.randint(*years), old_town))
    west = communities.get("西街社区")
    for extra in OLD_TOWN_EXTRA:
        if west is not None and len(plan) < ESTATE_COUNT:
            plan.append((west, None, extra, rng.randint(1984, 1995), True))
    towns = [
        c for c in communities.values() if c.kind == "community" and not c.is_old_town
    ] or list(communities.values())
    names = iter(NEW_NAMES)
    while len(plan) < ESTATE_COUNT and towns:
        community = towns[len(plan) % len(towns)]
        plan.append(
            (community, None, f"{next(names, 'X')}家园小区", rng.randint(2005, 2022), False)
        )
    centres = {
        row["community_id"]: (row["lat"], row["lon"])
        for row in Address.objects.filter(station=station)
        .values("community_id")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
    }
    road_centres = {
        (row["community_id"], row["road"]): (row["lat"], row["lon"], row["n"])
        for row in Address.objects.filter(station=station).values("community_id", "road")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"), n=Count("id"))
    }  # fmt: skip
    with transaction.atomic():
        estates, gates, devices, credentials = [], [], [], []
        for community, road, name, built, old_town in plan[:ESTATE_COUNT]:
            lat, lon, n = (
                road_centres.get((community.pk, road), (None, None, 0)) if road else (None, None, 0)
            )
            if lat is None:
                base = centres.get(community.pk) or (29.209, 103.947)
                lat, lon = (
                    (base[0] or 29.209) + rng.uniform(-0.006, 0.006),
                    (base[1] or 103.947) + rng.uniform(-0.006, 0.006),
                )
            households = (
                max(40, n) if n else rng.randint(60 if old_town else 200, 160 if old_town else 900)
            )
            estates.append(Estate(
                station=station, community=community, name=name, address=f"犍为县玉津镇{road or name}",
                latitude=round(lat, 6), longitude=round(lon, 6), households=households, built_year=built,
                property_company="" if old_town else rng.choice(["犍为城投物业", "玉津物业", "嘉州物业", "江湾物业服务中心"]),
            ))  # fmt: skip
        Estate.objects.bulk_create(estates)
        estates = list(
            Estate.objects.filter(station=station).select_related("community").order_by("id")
        )
        log_bulk(estates, ChangeAction.CREATE, source="demo")
        for estate in estates:
            old = (estate.built_year or 2000) < 1996
            spec = (
                [("大门", "pedestrian", "")]
                if old
                else [
                    ("东门", "pedestrian", ""),
                    ("南门", "pedestrian", ""),
                    ("车行道闸", "vehicle", ""),
                ]
            )
            if not old and rng.random() < 0.4:
                spec.append(("北门", "pedestrian", ""))
            for gate_name, kind, direction in spec:
                gates.append(Gate(estate=estate, name=gate_name, kind=kind, direction=direction))
        Gate.objects.bulk_create(gates)
        gates = list(
            Gate.objects.filter(estate__station=station).select_related("estate").order_by("id")
        )
        log_bulk(gates, ChangeAction.CREATE, source="demo")
        for n, gate in enumerate(gates):
            hik = rng.random() < 0.6
            identifier = (
                ":".join(f"{b:02x}" for b in (0xBC, 0xBA, 0xC2, 0x10, n >> 8, n & 255))
                if hik
                else f"CJDE2023{n:05d}"
            )
            last = now - dt.timedelta(seconds=rng.randint(5, 240))
            devices.append(AccessDevice(
                vendor="hikvision" if hik else "zkteco", identifier=identifier, status="active", station=station,
                estate=gate.estate, gate=gate, name=f"{gate.estate.name}{gate.name}{'人脸门禁' if hik else '门禁一体机'}",
                model="DS-K1T671M" if hik else "SpeedFace-V5L", first_seen_at=now - dt.timedelta(days=200),
                last_seen_at=last, remote_address=f"10.{20 + n // 250}.{n % 250}.2:80",
            ))  # fmt: skip
        AccessDevice.objects.bulk_create(devices)
        devices = list(AccessDevice.objects.filter(station=station).order_by("id"))
        log_bulk(devices, ChangeAction.CREATE, source="demo")
        # two terminals silent for an hour: offline alarms (the sweep would raise them the same way)
        for device in rng.sample(devices, 2):
            AccessDevice.objects.filter(pk=device.pk).update(
                name=device.name + BROKEN,
                last_seen_at=now - dt.timedelta(hours=1),
                offline_since=now - dt.timedelta(minutes=50),
            )
            alarm = DeviceAlarm.objects.create(
                device=device,
                station=station,
                estate_id=device.estate_id,
                started_at=now - dt.timedelta(hours=1),
            )
            events.publish(  # as the sweep does: the command room's wall shows them
                "estate.device_offline",
                {
                    "alarm_id": alarm.pk,
                    "device_id": device.pk,
                    "station_id": station.pk,
                    "estate_id": device.estate_id,
                },
            )
            counts["offline"] += 1
        # residents' credentials: persons living in the estate's road (else of its community)
        people_by_road = {}
        for pk, community_id, road in (
            Person.objects.filter(station=station, address__isnull=False)
            .values_list("pk", "community_id", "address__road")
            .iterator(chunk_size=20000)
        ):
            people_by_road.setdefault((community_id, road), []).append(pk)
        people_by_community = {}
        for key, pks in people_by_road.items():
            people_by_community.setdefault(key[0], []).extend(pks[:400])
        holders_by_estate = {}
        for estate, (community, road, *_rest) in zip(estates, plan, strict=False):
            pool = people_by_road.get((community.pk, road), []) if road else []
            if len(pool) < 30:
                pool = pool + people_by_community.get(community.pk, [])
            wanted = max(20, min(len(pool), estate.households * 2 // 3, 600) // max(1, scale))
            chosen = rng.sample(pool, min(wanted, len(pool))) if pool else []
            holders = []
            for j, person_id in enumerate(chosen, start=1):
                kind = rng.choices(["card", "face", "qr"], weights=[45, 40, 15])[0]
                credentials.append(Credential(
                    station=station, estate=estate, holder_no=f"{j:05d}", card_no=f"37{rng.randint(10**7, 10**8 - 1)}" if kind == "card" else "",
                    kind=kind, person_id=person_id, issued_at=now - dt.timedelta(days=rng.randint(30, 900)),
                ))  # fmt: skip
                holders.append((f"{j:05d}", person_id))
            # enrolled on the terminals but never registered (tenants moved in, relatives staying)
            for k in range(1 if rng.random() < 0.2 else 0):
                no = f"{len(chosen) + k + 1:05d}"
                credentials.append(
                    Credential(
                        station=station,
                        estate=estate,
                        holder_no=no,
                        kind="face",
                        note="物业录入,未登记",
                    )
                )
                holders.append((no, None))
            holders_by_estate[estate.pk] = holders
        Credential.objects.bulk_create(credentials, batch_size=5000)
        log_bulk(
            list(Credential.objects.filter(station=station)), ChangeAction.CREATE, source="demo"
        )
        counts.update(
            estates=len(estates),
            gates=len(gates),
            devices=len(devices),
            credentials=len(credentials),
        )
        cred_ids = {
            (c.estate_id, c.holder_no): c.pk
            for c in Credential.objects.filter(station=station).only("pk", "estate_id", "holder_no")
        }
        counts["events"] = _events(
            station, estates, devices, holders_by_estate, cred_ids, rng, now, scale
        )
    services.analyze()
    counts["tasks"] = services.tasks_detect(now=now)
    log(
        f"    {station.name}: {counts['estates']} 个小区, {counts['devices']} 台门禁, {counts['events']:,} 条通行记录, {counts['tasks']} 个核查登记任务"
    )
    return counts


def _events(station, estates, devices, holders_by_estate, cred_ids, rng, now, scale) -> int:
    from django.db import connection

    from fengqiao.estates.store import COLUMNS

    by_estate = {}
    for d in devices:
        by_estate.setdefault(d.estate_id, []).append(d)
    rows = []
    today = now.astimezone(BEIJING).date()
    for estate in estates:
        devs = by_estate.get(estate.pk, [])
        holders = holders_by_estate.get(estate.pk, [])
        if not devs or not holders:
            continue
        per_day = max(20, min(estate.households, 500) // max(1, scale))
        for back in range(DAYS):
            day = today - dt.timedelta(days=back)
            n = (
                per_day
                if back
                else int(per_day * min(1.0, (now.astimezone(BEIJING).hour + 1) / 24))
            )
            keys = set()
            for _ in range(n):
                hour = rng.choices(
                    range(24),
                    weights=[
                        1,
                        1,
                        1,
                        1,
                        1,
                        2,
                        6,
                        12,
                        10,
                        6,
                        5,
                        6,
                        8,
                        6,
                        5,
                        5,
                        6,
                        9,
                        12,
                        10,
                        7,
                        5,
                        3,
                        2,
                    ],
                )[0]
                local = dt.datetime.combine(
                    day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=BEIJING
                )
                at = local.astimezone(dt.UTC)
                if at > now:
                    continue
                device = rng.choice(devs)
                holder, person_id = rng.choice(holders)
                key = f"{holder}@{local:%Y%m%d%H%M%S}"
                if (device.pk, key) in keys:
                    continue
                keys.add((device.pk, key))
                granted = rng.random() > 0.02
                kind = rng.choices(["face", "card", "qr", "fingerprint"], weights=[50, 30, 15, 5])[
                    0
                ]
                rows.append((station.pk, estate.pk, device.gate_id, device.pk, at, day, at, rng.choice(["in", "out"]), kind,
                             granted, holder, holder, "", cred_ids.get((estate.pk, holder)), person_id, key,
                             "5/75" if device.vendor == "hikvision" else "ATTLOG/15"))  # fmt: skip
        # a visitor card not known to the estate, seen on 3-4 different days: a registration task
        if rng.random() < 0.1:
            stranger = f"card:{rng.randint(10**9, 4 * 10**9)}"
            for back in rng.sample(range(DAYS), rng.randint(3, 4)):
                day = today - dt.timedelta(days=back)
                at = dt.datetime.combine(
                    day, dt.time(rng.randint(7, 10), rng.randint(0, 59)), tzinfo=BEIJING
                ).astimezone(dt.UTC)
                if at > now:
                    continue
                device = rng.choice(devs)
                rows.append((station.pk, estate.pk, device.gate_id, device.pk, at, day, at, "in", "card", True, stranger,
                             "", stranger[5:], None, None, f"{stranger}@{at:%Y%m%d%H%M%S}", "5/1"))  # fmt: skip
    from fengqiao.core import rls

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # through the backend: the scope is set
            if rls.copy_allowed(cursor, "estates_accessevent"):
                with cursor.cursor.copy(f"COPY estates_accessevent ({COLUMNS}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            else:  # behind row-level security for this role: no COPY
                cursor.executemany(
                    f"INSERT INTO estates_accessevent ({COLUMNS}) VALUES ({', '.join(['%s'] * 17)})"  # noqa: S608
                    " ON CONFLICT DO NOTHING",
                    rows,
                )
    else:
        from fengqiao.tracking.store import _sqlite_time as t

        raw = connection.connection
        raw.executemany(
            f"INSERT OR IGNORE INTO estates_accessevent ({COLUMNS}) VALUES ({', '.join(['?'] * 17)})",  # noqa: S608
            [(r[0], r[1], r[2], r[3], t(r[4]), r[5].isoformat(), t(r[6]), *r[7:]) for r in rows],
        )
    return len(rows)
