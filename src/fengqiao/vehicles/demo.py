"""Demo data of 行车卫士, deterministic from the seed (called by core/demo/generator.py).

玉津派出所 holds the article's fleet: 31,358 motorcycles and 25,193 e-motorcycles with trackers
installed by 2024-04-20 (÷ scale), each with a tracking.Device (active; GT06, JT/T 808 and a few
OsmAnd phones), an install record, and a three-year policy with its payout table by age. 清溪派出所
gets a small fleet for the scoping demo. Thefts, recoveries and claims run from 2021 to 2026; 2023
matches the article at scale 1: 26 motorcycles and 31 e-motorcycles recovered, 90,500 yuan paid.
A few recent thefts are open (reported through the service, so each has its incident, its filed
theft case with two police officers, and a trail for the patrols' tracking page), and some alarms
are open for the alarm desk.

Bulk rows go in through the generator's fast insert (COPY / executemany); one summary change-log row
per station records what was written, as the generator does for the registry.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

YJ, QX = "511123-YJ", "511123-QX"
FLEET = {YJ: (31_358, 25_193), QX: (600, 450)}
INSTALL_FROM, INSTALL_UNTIL = dt.date(2019, 3, 1), dt.date(2024, 4, 20)
BRANDS = {
    "motorcycle": ["豪爵", "五羊本田", "新大洲本田", "宗申", "力帆", "隆鑫", "嘉陵", "钱江"],
    "e_motorcycle": ["雅迪", "爱玛", "台铃", "新日", "绿源", "小牛", "九号", "立马"],
}
COLOURS = ["黑", "白", "红", "蓝", "银灰", "黄", "绿"]
INSURERS = ["中国人保财险", "中国平安财险", "太平洋财险"]
TABLES = {
    "motorcycle": [(0, 3000), (1, 2500), (2, 2000), (3, 1500)],
    "e_motorcycle": [(0, 1500), (1, 1200), (2, 1000), (3, 800)],
}
RECOVERY_DAYS = {"motorcycle": 90, "e_motorcycle": 60}
# year: (recovered motorcycles, recovered e-motorcycles, claims [(kind, age band, count)], still open)
YEARS = {
    2021: (
        24,
        29,
        [
            ("motorcycle", 0, 10),
            ("motorcycle", 2, 8),
            ("e_motorcycle", 0, 12),
            ("e_motorcycle", 3, 6),
        ],
    ),
    2022: (
        27,
        33,
        [
            ("motorcycle", 0, 14),
            ("motorcycle", 1, 6),
            ("e_motorcycle", 0, 13),
            ("e_motorcycle", 2, 5),
        ],
    ),
    # the article: 26 + 31 recovered, 90,500 yuan paid (15×3000 + 8×2500 + 1×2000 + 15×1500 + 1×1000)
    2023: (
        26,
        31,
        [
            ("motorcycle", 0, 15),
            ("motorcycle", 1, 8),
            ("motorcycle", 2, 1),
            ("e_motorcycle", 0, 15),
            ("e_motorcycle", 2, 1),
        ],
    ),
    2024: (
        22,
        27,
        [
            ("motorcycle", 0, 9),
            ("motorcycle", 1, 5),
            ("e_motorcycle", 0, 10),
            ("e_motorcycle", 1, 4),
        ],
    ),
    2025: (
        18,
        21,
        [
            ("motorcycle", 0, 7),
            ("motorcycle", 3, 3),
            ("e_motorcycle", 0, 8),
            ("e_motorcycle", 1, 3),
        ],
    ),
    2026: (11, 14, [("motorcycle", 0, 3), ("e_motorcycle", 0, 4)]),
}
OPEN_THEFTS = 3
LABELS = {
    "vehicles": "车辆",
    "devices": "定位设备",
    "policies": "保险单",
    "thefts": "被盗",
    "recoveries": "追回",
    "claims": "理赔",
    "alarms": "告警",
}
PLACES = [
    "菜市场门口",
    "小区车棚",
    "学校门口",
    "超市停车点",
    "河滨路路边",
    "医院门口",
    "工业园区宿舍楼下",
]


def _insert(model, rows: list[dict]) -> list[int]:
    """The generator's fast insert, with '' for text columns the rows leave out (NOT NULL, no default)."""
    from django.db import models

    from fengqiao.core.demo.generator import _insert as insert

    blanks = [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.null and not f.has_default()
    ]
    for row in rows:
        for name in blanks:
            row.setdefault(name, "")
    return insert(model, rows)


def _scaled(n: int, scale: int) -> int:
    return max(1, round(n / scale)) if n else 0


def _stamp(day: dt.date, rng: random.Random, tz) -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(rng.randint(6, 22), rng.randint(0, 59)), tzinfo=tz
    ).astimezone(dt.UTC)


def load(*, scale: int, seed: int, log) -> dict[str, int]:
    from zoneinfo import ZoneInfo

    from fengqiao.accounts.models import Station
    from fengqiao.vehicles.models import Vehicle

    rng = random.Random(seed + 7)
    tz = ZoneInfo("Asia/Shanghai")
    counts = dict.fromkeys(
        ("vehicles", "devices", "policies", "thefts", "recoveries", "claims", "alarms"), 0
    )
    stations = {s.code: s for s in Station.objects.filter(code__in=FLEET)}
    if not stations or Vehicle.objects.filter(station__in=stations.values()).exists():
        return counts
    for code, (motorcycles, e_motorcycles) in FLEET.items():
        station = stations.get(code)
        if station is None:
            continue
        written = _station(
            station,
            _scaled(motorcycles, scale),
            _scaled(e_motorcycles, scale),
            rng,
            tz,
            scale=scale,
            history=code == YJ,
        )
        for key, value in written.items():
            counts[key] += value
        log(f"    {station.name}: {written['vehicles']:,} 辆车, {written['thefts']} 起被盗")
    return counts


def _station(
    station, n_moto: int, n_e: int, rng, tz, *, scale: int, history: bool
) -> dict[str, int]:
    from django.contrib.contenttypes.models import ContentType

    from fengqiao.accounts.choices import Role
    from fengqiao.accounts.models import User
    from fengqiao.core.models import ChangeAction, ObjectChange
    from fengqiao.registry.models import Community, Person
    from fengqiao.tracking.models import Device
    from fengqiao.vehicles.models import InsurancePolicy, PayoutRow, Tracker, Vehicle

    communities = {c.pk: c for c in Community.objects.filter(station=station)}
    owners = list(
        Person.objects.filter(station=station, birth_date__lte=dt.date(2006, 1, 1)).values_list(
            "pk", "community_id"
        )
    )
    if not owners:
        return dict.fromkeys(
            ("vehicles", "devices", "policies", "thefts", "recoveries", "claims", "alarms"), 0
        )
    desk = list(
        User.objects.filter(
            station=station, role__in=[Role.AUXILIARY, Role.COMMUNITY_OFFICER]
        ).values_list("pk", flat=True)
    ) or [None]
    kinds = ["motorcycle"] * n_moto + ["e_motorcycle"] * n_e
    rng.shuffle(kinds)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    prefix = "川L" if station.code == YJ else "川L·Q"
    span = (INSTALL_UNTIL - INSTALL_FROM).days
    plan = []
    for i, kind in enumerate(kinds):
        owner_id, community_id = owners[rng.randrange(len(owners))]
        installed = INSTALL_FROM + dt.timedelta(days=rng.randrange(span))
        plan.append(
            {
                "i": i,
                "kind": kind,
                "owner_id": owner_id,
                "community_id": community_id,
                "installed": installed,
                "purchased": installed - dt.timedelta(days=rng.randint(0, 5 * 365)),
                "plate": f"{prefix}{letters[i // 10000 % len(letters)]}{i % 10000:04d}"
                if prefix == "川L"
                else f"{prefix}{i:04d}",
            }
        )
    thefts = _plan_thefts(plan, rng, scale) if history else []
    stolen = {t["vehicle"] for t in thefts if t["outcome"] in ("claim", "open")}

    # devices
    protocol_of = lambda i: "osmand" if i % 20 == 19 else ("jt808" if i % 20 >= 12 else "gt06")  # noqa: E731
    base = 100_000 * (1 if station.code == YJ else 2)
    device_rows, identifiers = [], []
    as_of = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for p in plan:
        protocol = protocol_of(p["i"])
        n = base + p["i"]
        identifier = {
            "gt06": f"86612{n:010d}",
            "jt808": f"0139{n:08d}",
            "osmand": f"99001{n:010d}",
        }[protocol]
        identifiers.append(identifier)
        community = communities[p["community_id"]]
        lat = (community.latitude or station.latitude or 29.209) + rng.uniform(-0.004, 0.004)
        lon = (community.longitude or station.longitude or 103.947) + rng.uniform(-0.004, 0.004)
        p["lat"], p["lon"] = round(lat, 6), round(lon, 6)
        gone = p["i"] in stolen
        seen = as_of - dt.timedelta(minutes=rng.randint(1, 600))
        installed_at = _stamp(p["installed"], rng, tz)
        p["installed_at"] = installed_at
        device_rows.append(
            {
                "identifier": identifier,
                "protocol": protocol,
                "status": "active",
                "station_id": station.pk,
                "accepted_at": installed_at,
                "last_seen_at": seen,
                "last_fix_at": None if gone else seen,
                "latitude": None if gone else p["lat"],
                "longitude": None if gone else p["lon"],
                "speed_kmh": None if gone else 0.0,
                "course": 0.0,
                "created_at": installed_at,
            }
        )
    existing = set(
        Device.objects.filter(identifier__in=identifiers).values_list("identifier", flat=True)
    )
    if existing:  # a device the gateway already met: keep it, the demo takes the others
        keep = [i for i, ident in enumerate(identifiers) if ident not in existing]
        plan = [plan[i] for i in keep]
        device_rows = [device_rows[i] for i in keep]
        identifiers = [identifiers[i] for i in keep]
    device_ids = _insert(Device, device_rows)

    # vehicles (armed: 20 %, a home fence: 10 %)
    vehicle_rows = []
    for p, device_id, identifier in zip(plan, device_ids, identifiers, strict=True):
        armed = rng.random() < 0.2 and p["i"] not in stolen
        fenced = rng.random() < 0.1
        vehicle_rows.append(
            {
                "station_id": station.pk,
                "community_id": p["community_id"],
                "owner_id": p["owner_id"],
                "plate": p["plate"],
                "kind": p["kind"],
                "brand": rng.choice(BRANDS[p["kind"]]),
                "colour": rng.choice(COLOURS),
                "frame_number": f"LX{rng.randrange(10**12):012d}",
                "purchased_on": p["purchased"],
                "status": "stolen" if p["i"] in stolen else "normal",
                "armed": armed,
                "armed_at": as_of - dt.timedelta(hours=rng.randint(1, 48)) if armed else None,
                "armed_latitude": p["lat"] if armed else None,
                "armed_longitude": p["lon"] if armed else None,
                "home_latitude": p["lat"] if fenced else None,
                "home_longitude": p["lon"] if fenced else None,
                "home_radius_m": rng.choice([500, 1000, 2000]) if fenced else None,
                "outside_fence": False,
                "imei": identifier,
                "device_id": device_id,
                "registered_at": p["installed_at"],
            }
        )
    vehicle_ids = _insert(Vehicle, vehicle_rows)
    by_index = {p["i"]: (vid, p) for p, vid in zip(plan, vehicle_ids, strict=True)}
    _insert(
        Tracker,
        [
            {
                "station_id": station.pk,
                "community_id": p["community_id"],
                "vehicle_id": vid,
                "imei": ident,
                "protocol": protocol_of(p["i"]),
                "sim": f"1440{rng.randrange(10**9):09d}",
                "installed_at": p["installed_at"],
                "installed_by_id": desk[p["i"] % len(desk)],
                "install_point": f"{station.name}安装点",
            }
            for p, vid, ident in zip(plan, vehicle_ids, identifiers, strict=True)
        ],
    )
    policy_ids = _insert(
        InsurancePolicy,
        [
            {
                "station_id": station.pk,
                "community_id": p["community_id"],
                "vehicle_id": vid,
                "insurer": INSURERS[p["i"] % len(INSURERS)],
                "number": f"PDAA{p['installed']:%Y}{p['i']:08d}",
                "starts_on": p["installed"],
                "ends_on": p["installed"] + dt.timedelta(days=3 * 365 - 1),
                "recovery_days": RECOVERY_DAYS[p["kind"]],
            }
            for p, vid in zip(plan, vehicle_ids, strict=True)
        ],
    )
    _insert(
        PayoutRow,
        [
            {"policy_id": pid, "min_age_years": age, "amount": Decimal(amount)}
            for p, pid in zip(plan, policy_ids, strict=True)
            for age, amount in TABLES[p["kind"]]
        ],
    )
    policy_of = {vid: pid for vid, pid in zip(vehicle_ids, policy_ids, strict=True)}
    written = {
        "vehicles": len(vehicle_ids),
        "devices": len(device_ids),
        "policies": len(policy_ids),
        "thefts": 0,
        "recoveries": 0,
        "claims": 0,
        "alarms": 0,
    }
    if history:
        written.update(_write_thefts(station, thefts, by_index, policy_of, rng, tz))
        written["alarms"] = _write_alarms(station, vehicle_rows, vehicle_ids, rng, scale)
    # one summary row on the station (as the generator does per community): what the demo wrote
    summary = "、".join(f"{LABELS[k]} {v}" for k, v in written.items())
    ObjectChange.objects.create(
        user=None,
        user_name="系统(演示数据)",
        source="command",
        action=ChangeAction.CREATE,
        content_type=ContentType.objects.get_for_model(type(station)),
        object_id=station.pk,
        object_repr=f"{station.name}:行车卫士演示数据",
        station=station,
        before=None,
        after={"demo": True, "行车卫士": summary},
    )
    return written


def _plan_thefts(plan: list[dict], rng, scale: int) -> list[dict]:
    """Pick the stolen vehicles and shape them (purchase and install dates) so each theft's facts hold:
    installed before the theft, the policy covers it, the age band gives the planned payout."""
    pools = {k: [p for p in plan if p["kind"] == k] for k in TABLES}
    for pool in pools.values():
        rng.shuffle(pool)
    taken = {k: 0 for k in TABLES}

    def pick(kind):
        p = pools[kind][taken[kind] % len(pools[kind])]
        taken[kind] += 1
        return p

    thefts = []
    for year, (rec_m, rec_e, claims) in YEARS.items():
        last_day = dt.date(year, 10, 31) if year == 2026 else dt.date(year, 12, 20)
        for kind, n in (("motorcycle", rec_m), ("e_motorcycle", rec_e)):
            for _ in range(_scaled(n, scale)):
                day = dt.date(year, 1, 2) + dt.timedelta(
                    days=rng.randrange((last_day - dt.date(year, 1, 2)).days)
                )
                thefts.append(
                    {
                        "year": year,
                        "kind": kind,
                        "day": day,
                        "outcome": "recovered",
                        "age": rng.randint(0, 6),
                    }
                )
        for kind, age, n in claims:
            for _ in range(_scaled(n, scale)):
                # reported early enough for the recovery period and payment to fall in the same year
                latest = dt.date(year, 8, 31) if year < 2026 else dt.date(year, 6, 30)
                day = dt.date(year, 1, 2) + dt.timedelta(
                    days=rng.randrange((latest - dt.date(year, 1, 2)).days)
                )
                thefts.append(
                    {"year": year, "kind": kind, "day": day, "outcome": "claim", "age": age}
                )
    for _ in range(_scaled(OPEN_THEFTS, scale)):
        kind = rng.choice(list(TABLES))
        thefts.append(
            {
                "year": 2026,
                "kind": kind,
                "day": dt.date(2026, 11, 20) + dt.timedelta(days=rng.randrange(6)),
                "outcome": "open",
                "age": rng.randint(0, 4),
            }
        )
    for t in thefts:
        p = pick(t["kind"])
        t["vehicle"] = p["i"]
        # purchase so that the age at the theft is t["age"] full years; install and policy 30–600 days before
        p["purchased"] = t["day"] - dt.timedelta(days=365 * t["age"] + rng.randint(20, 300))
        p["installed"] = max(p["purchased"], t["day"] - dt.timedelta(days=rng.randint(30, 600)))
        # (a vehicle bought after 2024-04-20 and stolen later was fitted after the article's date)
    return thefts


def _write_thefts(station, thefts, by_index, policy_of, rng, tz) -> dict[str, int]:
    from fengqiao.accounts.choices import Role
    from fengqiao.accounts.models import User
    from fengqiao.core.refnumbers import next_reference
    from fengqiao.vehicles import rules, services
    from fengqiao.vehicles.models import InsuranceClaim, Recovery, Theft, Vehicle

    officers = list(
        User.objects.filter(station=station, is_active=True).exclude(role=Role.ADMIN).order_by("pk")
    )
    duty = next(
        (u for u in officers if u.role == Role.DUTY_OFFICER), officers[0] if officers else None
    )
    # the theft cases' officers (主办/协办): the case team's police officers, taken in turn
    police = [u for u in officers if u.rank == "police"]
    leads = [u for u in police if u.role == Role.CASE_OFFICER] or police
    opened = 0
    out = {"thefts": 0, "recoveries": 0, "claims": 0}
    for t in sorted(thefts, key=lambda t: t["day"]):
        vid, p = by_index.get(t["vehicle"], (None, None))
        if vid is None:
            continue
        reported = _stamp(t["day"], rng, tz)
        place = f"{rng.choice(PLACES)}"
        if t["outcome"] == "open":
            if len(police) < 2:
                continue
            vehicle = Vehicle.objects.select_related("station", "community", "device").get(pk=vid)
            Vehicle.objects.filter(pk=vid).update(status="normal")
            vehicle.status = "normal"
            lead = leads[opened % len(leads)]
            second = next(u for u in police[opened % len(police) :] + police if u.pk != lead.pk)
            opened += 1
            theft = services.theft_report(
                actor=duty,
                vehicle=vehicle,
                place=place,
                reporter_name="车主",
                lead_officer=lead,
                second_officer=second,
                reported_at=reported,
                narrative="演示:夜间停放被盗,定位器仍在上报",
            )
            _file_case(theft.case, lead, reported)
            _trail(vehicle.device, reported, p, rng)
            out["thefts"] += 1
            continue
        theft = Theft.objects.create(
            station=station,
            community_id=p["community_id"],
            vehicle_id=vid,
            reference=next_reference("DQ", station, year=t["year"]),
            reported_at=reported,
            stolen_at=reported - dt.timedelta(hours=rng.randint(1, 10)),
            place=place,
            reporter_name="车主",
            status="recovered" if t["outcome"] == "recovered" else "claimed",
            recorded_by=duty,
        )
        out["thefts"] += 1
        if t["outcome"] == "recovered":
            recovered = min(
                reported + dt.timedelta(hours=rng.randint(2, 24 * 20)),
                dt.datetime(t["year"], 12, 31, 12, tzinfo=dt.UTC),
            )
            Recovery.objects.create(
                station=station,
                community_id=p["community_id"],
                theft=theft,
                recovered_at=recovered,
                place=f"{rng.choice(PLACES)}(定位追回)",
                recovered_by=rng.choice(officers),
                condition=rng.choice(["intact", "intact", "intact", "damaged", "parts_missing"]),
            )
            out["recoveries"] += 1
        else:
            approved = reported + dt.timedelta(days=RECOVERY_DAYS[t["kind"]] + rng.randint(1, 10))
            paid = approved + dt.timedelta(days=rng.randint(3, 15))
            InsuranceClaim.objects.create(
                station=station,
                community_id=p["community_id"],
                theft=theft,
                policy_id=policy_of[vid],
                vehicle_age_years=t["age"],
                amount=rules.payout(
                    t["age"], [rules.PayoutRow(a, Decimal(m)) for a, m in TABLES[t["kind"]]]
                ),
                status="paid",
                approved_at=approved,
                approved_by=duty,
                paid_at=paid,
            )
            out["claims"] += 1
    return out


def _file_case(case, lead, reported: dt.datetime) -> None:
    """The theft case is filed (立案) and the scene examined within hours of the report, as a station
    does: no 立案审查 runs out (办理超期) on the demo's open thefts."""
    from django.utils import timezone

    from fengqiao.cases import services as case_services

    at = min(reported + dt.timedelta(hours=2), timezone.now())
    case_services.case_file(actor=lead, case=case, at=at)
    case_services.action_record(
        actor=lead,
        case=case,
        kind="scene",
        note="现场勘查:调取被盗地点周边监控,定位器轨迹已推送巡逻民警",
        officer=lead,
        at=at,
    )


def _trail(device, start: dt.datetime, p: dict, rng) -> None:
    """Two hours of fixes every 30 s moving away from where the vehicle stood (the thief's route)."""
    from django.utils import timezone

    from fengqiao.tracking.models import Device, Position

    if device is None:
        return
    lat, lon = p["lat"], p["lon"]
    heading_lat, heading_lon = rng.uniform(-1, 1) * 0.00012, rng.uniform(-1, 1) * 0.00012
    rows = []
    at = start
    for _ in range(240):
        lat += heading_lat + rng.uniform(-0.00003, 0.00003)
        lon += heading_lon + rng.uniform(-0.00003, 0.00003)
        at += dt.timedelta(seconds=30)
        rows.append(
            Position(
                device=device,
                fixed_at=at,
                received_at=at + dt.timedelta(seconds=1),
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                speed_kmh=round(rng.uniform(15, 40), 1),
                course=0,
            )
        )
    Position.objects.bulk_create(rows, batch_size=1000)
    Device.objects.filter(pk=device.pk).update(
        latitude=rows[-1].latitude,
        longitude=rows[-1].longitude,
        last_fix_at=at,
        last_seen_at=min(at, timezone.now()),
        speed_kmh=0,
    )


def _write_alarms(station, vehicle_rows, vehicle_ids, rng, scale: int) -> int:
    from fengqiao.vehicles.models import Alarm

    n = _scaled(240, scale)
    kinds = (
        ["vibration"] * 5
        + ["low_battery"] * 4
        + ["power_cut"] * 2
        + ["movement_while_armed", "fence_exit"]
    )
    rows = []
    as_of = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for k in range(n):
        j = rng.randrange(len(vehicle_ids))
        row = vehicle_rows[j]
        at = as_of - dt.timedelta(minutes=rng.randint(5, 60 * 24 * 20))
        state = "open" if k % 4 == 0 else "closed"
        rows.append(
            {
                "station_id": station.pk,
                "community_id": row["community_id"],
                "vehicle_id": vehicle_ids[j],
                "kind": rng.choice(kinds),
                "at": at,
                "last_at": at,
                "repeats": 0,
                "latitude": row["armed_latitude"] or row["home_latitude"],
                "longitude": row["armed_longitude"] or row["home_longitude"],
                "status": state,
                "closed_at": at + dt.timedelta(minutes=30) if state == "closed" else None,
                "result": rng.choice(["owner_confirmed", "false_alarm", "handled"])
                if state == "closed"
                else "",
                "acknowledged_at": at + dt.timedelta(minutes=10) if state == "closed" else None,
            }
        )
    return len(_insert(Alarm, rows))
