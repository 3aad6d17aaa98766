"""Demo data of 行车卫士, deterministic from the seed (called by demo/generator.py).

玉津派出所 holds the article's fleet: 31,358 motorcycles and 25,193 e-motorcycles with trackers
installed by 2024-04-20 (÷ scale), each with a tracking.Device (active; GT06, JT/T 808 and a few
OsmAnd phones), an install record, and a three-year policy with its payout table by age. 清溪派出所
gets a small fleet for the scoping demo. Thefts, recoveries and claims run from 2021 to 2026; 2023
matches the article at scale 1: 26 motorcycles and 31 e-motorcycles recovered, 90,500 yuan paid.
A few recent thefts are open (reported through the service, so each has its incident, its filed
theft case with two police officers, and a trail for the patrols' tracking page), and some alarms
are open for the alarm desk. Every historic theft has its incident (刑事/盗窃) and criminal case
(盗窃罪): the incidents demo's own theft incident of its month while one is left (and the case the
cases demo gave it, rewritten for the theft), else a new one; recovered → case closed after the
recovery, paid by the insurance → case still investigated with recent work (no red line).

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

    from fengqiao.demo.generator import _insert as insert

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
    thefts = _plan_thefts(plan, rng, scale, _incident_pool(station)) if history else []
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


def _incident_pool(station) -> dict[tuple[int, int], list[tuple[int, dt.datetime, dt.date]]]:
    """The incidents demo's own 刑事/盗窃 incidents of the station, by (year, month) of Beijing time, that
    a historic theft may take as its report: filed (已立案), closed, no open case, no theft yet."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from fengqiao.cases.choices import OPEN_STATUSES
    from fengqiao.incidents.models import Incident
    from fengqiao.vehicles.models import Theft
    from fengqiao.vehicles.services import theft_category

    try:
        category = theft_category()
    except ValidationError:
        return {}
    pool = {}
    for pk, received in (
        Incident.objects.filter(
            station=station, category=category, outcome="case_filed", status="closed"
        )
        .exclude(cases__status__in=OPEN_STATUSES)
        .exclude(pk__in=Theft.objects.filter(incident__isnull=False).values("incident_id"))
        .order_by("received_at", "pk")
        .values_list("pk", "received_at")
    ):
        day = timezone.localtime(received).date()
        pool.setdefault((day.year, day.month), []).append((pk, received, day))
    return pool


def _snap(pool, day: dt.date, first: dt.date, last: dt.date, rng):
    """A theft drawn on `day` takes an incident of the same month (its report), when one is left whose
    date keeps the theft's plan (between `first` and `last`): the theft moves to that incident's day."""
    here = pool.get((day.year, day.month), [])
    fits = [k for k, (_pk, _at, d) in enumerate(here) if first <= d <= last]
    if not fits:
        return day, None
    pk, received, local = here.pop(rng.choice(fits))
    return local, (pk, received)


def _plan_thefts(plan: list[dict], rng, scale: int, incidents=None) -> list[dict]:
    """Pick the stolen vehicles and shape them (purchase and install dates) so each theft's facts hold:
    installed before the theft, the policy covers it, the age band gives the planned payout. A historic
    theft takes an incident of `incidents` (the incidents demo's thefts) of its month when one is left."""
    incidents = incidents or {}
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
                day, incident = _snap(incidents, day, dt.date(year, 1, 2), last_day, rng)
                thefts.append(
                    {
                        "year": year,
                        "kind": kind,
                        "day": day,
                        "outcome": "recovered",
                        "age": rng.randint(0, 6),
                        "incident": incident,
                    }
                )
        for kind, age, n in claims:
            for _ in range(_scaled(n, scale)):
                # reported early enough for the recovery period and payment to fall in the same year
                latest = dt.date(year, 8, 31) if year < 2026 else dt.date(year, 6, 30)
                day = dt.date(year, 1, 2) + dt.timedelta(
                    days=rng.randrange((latest - dt.date(year, 1, 2)).days)
                )
                day, incident = _snap(incidents, day, dt.date(year, 1, 2), latest, rng)
                thefts.append(
                    {
                        "year": year,
                        "kind": kind,
                        "day": day,
                        "outcome": "claim",
                        "age": age,
                        "incident": incident,
                    }
                )
    # The open thefts are recent whatever the day of the run: reported 1–6 days before it, so the case
    # (filed within hours, idle since) is inside 查打不严's 15 days on any day of any year.
    from django.utils import timezone

    today = timezone.localdate()
    for _ in range(_scaled(OPEN_THEFTS, scale)):
        kind = rng.choice(list(TABLES))
        day = today - dt.timedelta(days=1 + rng.randrange(6))
        thefts.append(
            {
                "year": day.year,
                "kind": kind,
                "day": day,
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
    from fengqiao.vehicles import services
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
    out = {"thefts": 0, "recoveries": 0, "claims": 0}
    ordered = sorted(thefts, key=lambda t: t["day"])
    history = _history_facts(
        station,
        [t for t in ordered if t["outcome"] != "open" and t["vehicle"] in by_index],
        by_index,
        policy_of,
        officers,
        rng,
        tz,
    )
    if len(police) >= 2:
        _file_history(station, history, police, leads, duty, rng)
    for f in history:
        theft = Theft.objects.create(
            station=station,
            community_id=f["community_id"],
            vehicle_id=f["vehicle_id"],
            reference=f["reference"],
            reported_at=f["reported"],
            stolen_at=f["stolen"],
            place=f["place"],
            reporter_name=f["reporter_name"],
            reporter_phone=f["reporter_phone"],
            incident_id=f.get("incident_id"),
            case_id=f.get("case_id"),
            status="recovered" if f["outcome"] == "recovered" else "claimed",
            recorded_by=duty,
        )
        out["thefts"] += 1
        if f["outcome"] == "recovered":
            Recovery.objects.create(
                station=station,
                community_id=f["community_id"],
                theft=theft,
                recovered_at=f["recovered"],
                place=f["recovery_place"],
                recovered_by=f["recovered_by"],
                condition=f["condition"],
            )
            out["recoveries"] += 1
        else:
            InsuranceClaim.objects.create(
                station=station,
                community_id=f["community_id"],
                theft=theft,
                policy_id=f["policy_id"],
                vehicle_age_years=f["age"],
                amount=f["amount"],
                status="paid",
                approved_at=f["approved"],
                approved_by=duty,
                paid_at=f["paid"],
            )
            out["claims"] += 1
    opened = 0
    for t in ordered:
        vid, p = by_index.get(t["vehicle"], (None, None))
        if vid is None or t["outcome"] != "open" or len(police) < 2:
            continue
        reported = _stamp(t["day"], rng, tz)
        place = f"{rng.choice(PLACES)}"
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
    return out


def _history_facts(station, thefts, by_index, policy_of, officers, rng, tz) -> list[dict]:
    """The facts of each historic theft (report, recovery or claim), in report order, numbered."""
    from fengqiao.core.refnumbers import next_reference
    from fengqiao.incidents.models import Incident
    from fengqiao.registry.models import Person
    from fengqiao.vehicles import rules
    from fengqiao.vehicles.choices import VehicleKind
    from fengqiao.vehicles.models import Vehicle

    vehicles = {
        row[0]: row
        for row in Vehicle.objects.filter(
            pk__in=[by_index[t["vehicle"]][0] for t in thefts]
        ).values_list("pk", "plate", "kind", "brand", "colour", "owner_id")
    }
    owners = {
        pk: (name, phone)
        for pk, name, phone in Person.objects.filter(
            pk__in=[v[5] for v in vehicles.values()]
        ).values_list("pk", "name", "phone")
    }
    reused = Incident.objects.in_bulk([t["incident"][0] for t in thefts if t.get("incident")])
    facts = []
    for t in thefts:
        vid, p = by_index[t["vehicle"]]
        _pk, plate, kind, brand, colour, owner_id = vehicles[vid]
        owner_name, owner_phone = owners.get(owner_id, ("", ""))
        incident = reused.get(t["incident"][0]) if t.get("incident") else None
        reported = incident.received_at if incident else _stamp(t["day"], rng, tz)
        f = {
            "outcome": t["outcome"],
            "year": t["year"],
            "age": t["age"],
            "vehicle_id": vid,
            "community_id": p["community_id"],
            "owner_id": owner_id,
            "plate": plate,
            "described": f"{VehicleKind(kind).label}{plate}({brand} {colour})",
            "reference": next_reference("DQ", station, year=t["year"]),
            "reported": reported,
            "stolen": reported - dt.timedelta(hours=rng.randint(1, 10)),
            "incident": incident,
            "place": (incident.location[:200] if incident else "") or rng.choice(PLACES),
            "reporter_name": (incident.caller_name if incident else "") or owner_name or "车主",
            "reporter_phone": (incident.caller_phone if incident else owner_phone) or "",
            "owner_name": owner_name or "车主",
            "owner_phone": owner_phone or "",
        }
        if t["outcome"] == "recovered":
            f["recovered"] = min(
                reported + dt.timedelta(hours=rng.randint(2, 24 * 20)),
                dt.datetime(t["year"], 12, 31, 12, tzinfo=dt.UTC),
            )
            f["recovery_place"] = f"{rng.choice(PLACES)}(定位追回)"
            f["recovered_by"] = rng.choice(officers)
            f["condition"] = rng.choice(["intact", "intact", "intact", "damaged", "parts_missing"])
        else:
            f["approved"] = reported + dt.timedelta(
                days=RECOVERY_DAYS[t["kind"]] + rng.randint(1, 10)
            )
            f["paid"] = f["approved"] + dt.timedelta(days=rng.randint(3, 15))
            f["policy_id"] = policy_of[vid]
            f["policy"] = f"{INSURERS[p['i'] % len(INSURERS)]} PDAA{p['installed']:%Y}{p['i']:08d}"
            f["amount"] = rules.payout(
                t["age"], [rules.PayoutRow(a, Decimal(m)) for a, m in TABLES[t["kind"]]]
            )
        facts.append(f)
    return facts


CLOSINGS = [
    "车辆已追回发还车主,抓获犯罪嫌疑人,破案,侦查终结移送审查起诉",
    "车辆已追回发还车主,破案,侦查终结移送审查起诉",
    "车辆已追回发还车主,串并案破案,本案结案",
]
SUSPECTS = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def _file_history(station, facts, police, leads, duty, rng) -> None:
    """Each historic theft's incident (刑事/盗窃, 已立案) and criminal case (盗窃罪), as a station files
    them: the incidents demo's own theft incident of that day when the theft took one (and the case the
    cases demo already gave it, reshaped to the theft), otherwise a new incident and case. A recovered
    theft's case is closed (破案) after the recovery; a theft paid by the insurance is still under
    investigation (办理中), its last work recent, so no 查打不严. Written with plain inserts (no clocks)."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from fengqiao.accounts.choices import Role
    from fengqiao.cases.models import (
        Case,
        CaseAction,
        CaseEvent,
        CaseParty,
        CaseReview,
        RedLineFlag,
        WeeklySummary,
    )
    from fengqiao.core.refnumbers import next_reference
    from fengqiao.incidents.models import Incident
    from fengqiao.registry.models import Community
    from fengqiao.vehicles.services import theft_category, theft_offence

    now = timezone.now().replace(microsecond=0)
    try:
        category, offence = theft_category(), theft_offence()
    except ValidationError:  # no 刑事/盗窃 or no 盗窃罪 enabled: the thefts stay unlinked
        return
    by_pk = {u.pk: u for u in police}
    room = [u for u in police if u.role == Role.CASE_MANAGER] or [
        u for u in police if u.role == Role.STATION_LEADER
    ]
    rural = set(
        Community.objects.filter(station=station)
        .exclude(kind="community")
        .values_list("pk", flat=True)
    )
    existing = {
        incident_id: (pk, reference, lead_id, second_id)
        for pk, incident_id, reference, lead_id, second_id in Case.objects.filter(
            source_incident_id__in=[f["incident"].pk for f in facts if f["incident"]]
        ).values_list(
            "pk", "source_incident_id", "reference", "lead_officer_id", "second_officer_id"
        )
    }
    new_incidents, new_cases, reshaped = [], [], []
    for k, f in enumerate(facts):
        incident = f["incident"]
        local_year = timezone.localtime(f["reported"]).year
        if incident is not None and incident.pk in existing:
            case_id, reference, lead_id, second_id = existing[incident.pk]
            lead, second = by_pk.get(lead_id), by_pk.get(second_id)
        else:
            case_id, reference, lead, second = (
                None,
                next_reference("XS", station, year=local_year),
                None,
                None,
            )
        if lead is None or second is None:
            lead = leads[k % len(leads)]
            second = next(u for u in police[k % len(police) :] + police if u.pk != lead.pk)
        f.update(case_id=case_id, case_reference=reference, lead=lead, second=second)
        _theft_case_times(f, now, rng)
        if incident is None:
            new_incidents.append(_incident_row(station, f, category, duty, rural, rng))
        if case_id is None:
            new_cases.append(f)
        else:
            reshaped.append(f)
    _insert_incidents(station, new_incidents, rng)
    for f, row in zip([f for f in facts if f["incident"] is None], new_incidents, strict=True):
        f["incident_id"], f["incident_reference"] = row["id"], row["reference"]
    for f in facts:
        if f["incident"] is not None:
            f["incident_id"], f["incident_reference"] = f["incident"].pk, f["incident"].reference
            Incident.objects.filter(pk=f["incident_id"]).update(
                narrative=f"{f['described']}被盗。", case_reference=f["case_reference"]
            )
    ids = _insert(
        Case,
        [
            {
                "station_id": station.pk,
                "community_id": f["community_id"]
                if f["incident"] is None
                else f["incident"].community_id,
                "reference": f["case_reference"],
                "kind": "criminal",
                "offence_id": offence.pk,
                "source_incident_id": f["incident_id"],
                "unit_id": f["lead"].unit_id,
                "lead_officer_id": f["lead"].pk,
                "second_officer_id": f["second"].pk,
                "created_by_id": f["lead"].pk,
                **_case_fields(f),
            }
            for f in new_cases
        ],
    )
    for f, pk in zip(new_cases, ids, strict=True):
        f["case_id"] = pk
    # the cases demo's case of a reused incident becomes this theft's case: its facts and file redone
    for f in reshaped:
        Case.objects.filter(pk=f["case_id"]).update(offence_id=offence.pk, **_case_fields(f))
    old = [f["case_id"] for f in reshaped]
    for model in (CaseReview, RedLineFlag, CaseAction, CaseEvent, CaseParty):
        queryset = model.objects.filter(case_id__in=old)
        queryset._raw_delete(queryset.db)
    _insert_case_files(facts, room, now, rng)
    if reshaped and WeeklySummary.objects.filter(station=station).exists():
        from fengqiao.demo.cases import _weeks

        _weeks(station, now)  # the stored weekly figures of the cases demo, recomputed


def _theft_case_times(f: dict, now: dt.datetime, rng) -> None:
    """立案 within the hour or two, 现场勘查 at once, the owner heard the same day; recovered: 破案 and
    closed days after the recovery; paid by the insurance: still investigated, checked recently."""
    hour = dt.timedelta(hours=1)
    f["accepted"] = f["reported"] + hour * rng.uniform(0.5, 1.5)
    f["scene"] = f["accepted"] + hour * rng.uniform(0.1, 0.4)
    f["interview"] = f["accepted"] + hour * rng.uniform(2, 20)
    if f["outcome"] == "recovered":
        f["closing"] = rng.choice(CLOSINGS)
        f["closed"] = max(
            min(f["recovered"] + dt.timedelta(days=rng.uniform(1, 10)), now - 6 * hour),
            f["recovered"] + hour,
        )
        f["last_action"] = max(f["recovered"], f["interview"])
    else:
        f["evidence"] = f["accepted"] + dt.timedelta(days=rng.uniform(1, 6))
        f["checked"] = max(now - dt.timedelta(days=rng.uniform(1, 12)), f["paid"] + hour)
        f["last_action"] = f["checked"]


def _case_fields(f: dict) -> dict:
    closed = f["outcome"] == "recovered"
    return {
        "title": f"{f['plate']}被盗案",
        "summary": f"{f['described']}于{f['place']}被盗。",
        "status": "closed" if closed else "handling",
        "reported_at": f["reported"],
        "accepted_at": f["accepted"],
        "closed_at": f["closed"] if closed else None,
        "closing_summary": f["closing"] if closed else "",
        "last_action_at": f["last_action"],
        "in_appraisal": False,
        "penalty_kind": "",
        "penalty_text": "",
        "penalty_mode": "",
        "not_filed_reason": "",
    }


def _incident_row(station, f, category, duty, rural, rng) -> dict:
    from django.utils import timezone

    from fengqiao.core.refnumbers import next_reference

    received = f["reported"]
    dispatched = received + dt.timedelta(seconds=rng.randint(40, 240))
    arrived = dispatched + dt.timedelta(minutes=rng.uniform(3, 25))
    handled = arrived + dt.timedelta(minutes=rng.randint(20, 90))
    reported = handled + dt.timedelta(minutes=rng.randint(5, 30))
    closed = reported + dt.timedelta(minutes=rng.randint(5, 40))
    f["incident_closed"] = closed
    return {
        "station_id": station.pk,
        "community_id": f["community_id"],
        "reference": next_reference("JQ", station, year=timezone.localtime(received).year),
        "submission_id": None,
        "source": rng.choice(["110", "110", "110", "walk_in", "phone"]),
        "urgency": "normal",
        "category_id": category.pk,
        "caller_name": f["owner_name"],
        "caller_phone": f["owner_phone"],
        "caller_person_id": f["owner_id"],
        "address_id": None,
        "location": f["place"],
        "narrative": f"{f['described']}被盗。",
        "area_type": "rural" if f["community_id"] in rural else "urban",
        "status": "closed",
        "received_at": received,
        "dispatched_at": dispatched,
        "arrived_at": arrived,
        "handled_at": handled,
        "reported_at": reported,
        "closed_at": closed,
        "outcome": "case_filed",
        "disposition": "已立为刑事案件侦查",
        "assigned_unit_id": f["lead"].unit_id,
        "case_reference": f["case_reference"],
        "received_by_id": duty.pk if duty else None,
        "_lead": f["lead"],
    }


def _insert_incidents(station, rows: list[dict], rng) -> None:
    """The new theft incidents with their dispatch, steps and the owner's callback (as the incidents
    demo writes its history); each row gets its "id"."""
    import json

    from fengqiao.accounts.models import User
    from fengqiao.demo.incidents import _due
    from fengqiao.incidents.models import (
        Callback,
        CallbackAttempt,
        Incident,
        IncidentAssignment,
        IncidentEvent,
    )

    if not rows:
        return
    leads = [row.pop("_lead") for row in rows]
    for row, pk in zip(rows, _insert(Incident, rows), strict=True):
        row["id"] = pk
    callers = list(
        User.objects.filter(station=station, is_active=True, role="auxiliary").values_list(
            "pk", flat=True
        )
    ) or [lead.pk for lead in leads]
    assignments, events, callbacks, done = [], [], [], []
    steps = ("received", "dispatched", "arrived", "handled", "reported", "closed")
    for row, lead in zip(rows, leads, strict=True):
        assignments.append(
            {
                "incident_id": row["id"],
                "officer_id": lead.pk,
                "role": "lead",
                "assigned_at": row["dispatched_at"],
            }
        )
        for kind in steps:
            data = {}
            if kind == "dispatched":
                data = {"lead": lead.pk, "officers": [lead.pk], "unit": lead.unit_id}
            elif kind == "closed":
                data = {"outcome": "case_filed"}
            at = row[f"{kind}_at"]
            events.append(
                {
                    "incident_id": row["id"],
                    "kind": kind,
                    "actor_id": row["received_by_id"] if kind in steps[:2] else lead.pk,
                    "at": at,
                    "data": json.dumps(data, ensure_ascii=False),
                    "created_at": at,
                }
            )
        if not row["caller_phone"]:
            continue
        who = rng.choice(callers)
        at = row["closed_at"] + dt.timedelta(hours=rng.uniform(3, 48))
        rating = "satisfied" if rng.random() < 0.95 else "basic"
        callbacks.append(
            {
                "station_id": station.pk,
                "incident_id": row["id"],
                "target": "caller",
                "name": row["caller_name"],
                "phone": row["caller_phone"],
                "is_local": True,
                "unit_id": row["assigned_unit_id"],
                "officer_id": lead.pk,
                "due_at": _due(row["closed_at"], 3),
                "reason": "",
                "note": "",
                "complaint_officer_id": None,
                "status": "done",
                "attempts": 1,
                "rating": rating,
                "assignee_id": who,
                "completed_at": at,
                "completed_by_id": who,
            }
        )
        done.append((row, who, at, rating))
        events.append(
            {
                "incident_id": row["id"],
                "kind": "callback_done",
                "actor_id": who,
                "at": at,
                "created_at": at,
                "data": json.dumps(
                    {"name": row["caller_name"], "rating": rating}, ensure_ascii=False
                ),
            }
        )
    _insert(IncidentAssignment, assignments)
    callback_ids = _insert(Callback, callbacks)
    _insert(
        CallbackAttempt,
        [
            {"callback_id": pk, "at": at, "by_id": who, "reached": True, "note": ""}
            for pk, (_row, who, at, _rating) in zip(callback_ids, done, strict=True)
        ],
    )
    _insert(IncidentEvent, events)


def _insert_case_files(facts, room, now, rng) -> None:
    """Parties, work, timeline and (closed cases) the case room's 一案一评 of the historic theft cases."""
    import json

    from fengqiao.cases.models import CaseAction, CaseEvent, CaseParty, CaseReview
    from fengqiao.demo.cases import review_row

    parties, actions, events, reviews = [], [], [], []
    for f in facts:
        case_id, lead, second = f["case_id"], f["lead"], f["second"]
        parties.append(
            {
                "case_id": case_id,
                "role": "victim",
                "name": f["owner_name"],
                "person_id": f["owner_id"],
                "id_number": "",
                "phone": f["owner_phone"],
                "pursuit_note": "",
            }
        )
        work = [
            (
                "scene",
                f["scene"],
                lead,
                None,
                "现场勘查:调取被盗地点周边监控,定位器轨迹推送巡逻民警",
            ),
            ("interview", f["interview"], lead, second, "询问被害人(车主),制作询问笔录"),
        ]
        if f["outcome"] == "recovered":
            suspect = rng.choice(SUSPECTS) + rng.choice(SUSPECTS[::-1]) + "某"
            parties.append(
                {
                    "case_id": case_id,
                    "role": "suspect",
                    "name": suspect,
                    "person_id": None,
                    "id_number": "",
                    "phone": "",
                    "pursuit_note": "",
                }
            )
            where = _local_text(f["recovered"])
            work.append(
                (
                    "other",
                    f["recovered"],
                    f["recovered_by"],
                    None,
                    f"车辆已追回:{f['plate']},{where}于{f['recovery_place']}(被盗登记{f['reference']})",
                )
            )
        else:
            work.append(
                ("evidence", f["evidence"], lead, None, "调取沿途视频监控,比对定位器最后位置")
            )
            work.append(
                (
                    "evidence",
                    f["checked"],
                    lead,
                    None,
                    "定期比对被盗抢车辆信息、核查定位器信号,车辆未再出现,继续追查",
                )
            )
        for kind, at, officer, other, note in work:
            actions.append(
                {
                    "case_id": case_id,
                    "kind": kind,
                    "at": at,
                    "officer_id": officer.pk,
                    "second_officer_id": other.pk if other else None,
                    "party_id": None,
                    "note": note,
                    "recorded_by_id": lead.pk,
                }
            )
        timeline = [
            (
                "received",
                f["reported"],
                f"{f['plate']}被盗案",
                {"incident": f["incident_reference"]},
            ),
            ("filed", f["accepted"], "", {}),
            *[("action", at, note, {"theft": f["reference"]}) for _k, at, _o, _s, note in work],
        ]
        if f["outcome"] == "recovered":
            timeline.append(("closed", f["closed"], f["closing"], {}))
        else:
            timeline.append(
                (
                    "action",
                    f["approved"],
                    f"保险理赔:{f['plate']}追查期满未追回,按车龄{f['age']}年赔付{f['amount']:.0f}元({f['policy']})",
                    {"theft": f["reference"]},
                )
            )
        for kind, at, text, data in timeline:
            events.append(
                {
                    "case_id": case_id,
                    "kind": kind,
                    "at": at,
                    "actor_id": lead.pk,
                    "text": text[:300],
                    "data": json.dumps(data, ensure_ascii=False),
                    "created_at": at,
                }
            )
        if f["outcome"] == "recovered" and room and rng.random() < 0.92:
            review = review_row(rng, case_id, f["closed"], room, (lead, second), now)
            if review:
                reviews.append(review)
    _insert(CaseParty, parties)
    _insert(CaseAction, actions)
    _insert(CaseEvent, events)
    _insert(CaseReview, reviews)


def _local_text(at: dt.datetime) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


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
