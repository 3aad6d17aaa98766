"""`fengqiao demo --county N`: a deterministic county of N stations (default 20) for scale tests.

Each station of 犍为县公安局 gets its communities, addresses, houses, residents, staff, incidents,
disputes, cases, vehicles and estates. At scale 1 a station has 80,000 residents, 27,000 vehicles
and 27,000 incidents, so the default county (20 stations) holds 1.6 M residents, 540 k vehicles and
540 k incidents: more than ten times the reference station (玉津派出所, 153,028 residents).

The rows are planned in plain Python (no model instances) and written with `generator._insert`:
COPY on PostgreSQL, executemany on SQLite (small counties only: `--scale 1000`). Everything is
derived from the seed: the same seed and scale give the same rows and the same ids on an empty
database. One station is planned and written at a time, so memory stays at one station's rows. The
load commits station by station (a county takes minutes; a crash keeps the finished stations and
the command refuses to run again on a partial county, so start from an empty database).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from fengqiao.demo import data
from fengqiao.demo.generator import Names, _insert, _weighted

# Per station at scale 1 (÷ scale, at least 1 each).
PERSONS = 80_000
VEHICLES = 27_000
INCIDENTS = 27_000
DISPUTES = 3_000
CASES = 2_500
ESTATES_PER_COMMUNITY = 2
COMMUNITIES = 10  # 8 社区 + 2 村
YEARS = 3

CODE_PREFIX = "511123-C"  # station codes 511123-C01 …: never the reference stations' codes

# The towns of 犍为县 (玉津 and 清溪 are the reference demo's stations, so they are not reused here).
TOWNS = [
    "孝姑",
    "石溪",
    "罗城",
    "定文",
    "铁炉",
    "新民",
    "敖家",
    "龙孔",
    "芭沟",
    "舟坝",
    "寿保",
    "九井",
    "泉水",
    "马庙",
    "金石井",
    "岷东",
    "纪家",
    "南阳",
    "下渡",
    "双溪",
    "同兴",
    "塘坝",
    "公平",
    "大兴",
]
COMMUNITY_WORDS = "东街 西街 南街 北街 新华 文庙 滨江 兴隆 桂花 清平 金山 民主".split()
VILLAGE_WORDS = "红星 光明 团结 新桥 石板 大坪 高峰 和平".split()
ROADS = "人民路 解放路 新华街 文化路 建设路 滨江路 学府路 商业街 工农路 兴业路".split()
ESTATE_WORDS = "锦绣 阳光 金色 翠苑 和园 滨江 书香 鑫城 华府 丽景".split()

STAFF = [  # (role, rank, how many) per station
    ("station_leader", "police", 1),
    ("duty_officer", "police", 2),
    ("community_officer", "police", 4),
    ("case_officer", "police", 3),
    ("auxiliary", "auxiliary", 4),
]
NARRATIVES = ["邻居吵架", "电动车被盗", "手机被骗", "醉酒闹事", "噪音扰民", "交通事故", "求助开锁"]
DISPUTE_TEXT = [
    "邻里因漏水发生纠纷",
    "婚姻家庭矛盾",
    "工资拖欠纠纷",
    "宅基地边界争议",
    "买卖合同纠纷",
]
BRANDS = ["雅迪", "爱玛", "台铃", "新日", "小牛", "豪爵", "五羊本田", "宗申"]
COLOURS = ["黑", "白", "红", "蓝", "灰", "银"]


@dataclass
class CountyCounts:
    stations: int = 0
    communities: int = 0
    persons: int = 0
    houses: int = 0
    addresses: int = 0
    users: int = 0
    incidents: int = 0
    disputes: int = 0
    cases: int = 0
    vehicles: int = 0
    estates: int = 0
    by_station: dict = field(default_factory=dict)

    def add(self, written: dict) -> None:
        for key, value in written.items():
            setattr(self, key, getattr(self, key) + value)


def station_code(i: int) -> str:
    return f"{CODE_PREFIX}{i + 1:02d}"


def station_name(i: int) -> str:
    town = TOWNS[i % len(TOWNS)]
    return f"{town}派出所" if i < len(TOWNS) else f"{town}第{i // len(TOWNS) + 1}派出所"


def county_exists() -> bool:
    from fengqiao.accounts.models import Station

    return Station.objects.filter(code__startswith=CODE_PREFIX).exists()


def per_station(scale: int) -> dict[str, int]:
    def s(n):
        return max(1, round(n / scale))

    return {
        "persons": max(COMMUNITIES, s(PERSONS)),
        "vehicles": s(VEHICLES),
        "incidents": s(INCIDENTS),
        "disputes": s(DISPUTES),
        "cases": s(CASES),
    }


def load(*, stations: int = 20, scale: int = 1, seed: int = 20240420, log=print) -> CountyCounts:
    """Write the county: the bureau (犍为县公安局, reused when it exists), its bureau user, N stations."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from fengqiao.core import context
    from fengqiao.demo.generator import demo_password

    if stations < 1:
        raise ValueError("stations must be at least 1")
    started = time.perf_counter()
    _ORDER.clear()  # the ID-number order codes start afresh: the same seed gives the same numbers
    counts = CountyCounts()
    password = make_password(demo_password())  # hashed once: every demo user has the same one
    now = dt.datetime(*data.AS_OF, 10, 0, tzinfo=dt.UTC)
    with context.acting_as(None, source="command"):
        with transaction.atomic():
            bureau = _bureau(password)
            counts.users += 1
        for i in range(stations):
            with transaction.atomic():
                _skip_fk_triggers()
                written = _station(bureau, i, scale=scale, seed=seed, now=now, password=password)
            counts.add(written)
            counts.stations += 1
            counts.by_station[station_name(i)] = written
            log(
                f"  {station_name(i)}: {written['persons']:,} 人, {written['vehicles']:,} 车, "
                f"{written['incidents']:,} 警情 ({time.perf_counter() - started:.0f} s)"
            )
    _analyze()
    return counts


def _skip_fk_triggers() -> None:
    """On PostgreSQL as a superuser, skip the per-row foreign-key triggers for this transaction.

    COPY fires one trigger per foreign key per row (a person has five): most of the server's work
    in a county load. The rows are built here to refer only to rows written before them (the
    SQLite test loads with foreign keys on), and `SET LOCAL` ends with the transaction. Without the
    privilege the checks simply run."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _bureau(password: str):
    from fengqiao.accounts.models import Bureau, User

    bureau = Bureau.objects.filter(code=data.BUREAU["code"]).first()
    if bureau is None:
        bureau = Bureau(**data.BUREAU)
        bureau.save()
    if not User.objects.filter(username="county_bureau").exists():
        User(
            username="county_bureau",
            full_name="县局指挥中心",
            role="bureau",
            rank="police",
            bureau=bureau,
            password=password,
            police_number="C00001",
        ).save()
    return bureau


def _station(bureau, i: int, *, scale: int, seed: int, now: dt.datetime, password: str) -> dict:
    from fengqiao.accounts.models import Station, Unit, User
    from fengqiao.registry.models import Community

    rng = random.Random(f"{seed}-county-{i}")
    names = Names(rng)
    sizes = per_station(scale)
    town = TOWNS[i % len(TOWNS)] + "镇"
    lat0 = round(29.0 + (i % 5) * 0.08, 6)
    lon0 = round(103.7 + (i // 5) * 0.08, 6)
    station = Station(
        bureau=bureau,
        name=station_name(i),
        code=station_code(i),
        area_km2=Decimal("60.00"),
        address=f"四川省乐山市犍为县{town}人民路{10 + i}号",
        latitude=lat0,
        longitude=lon0,
    )
    station.save()
    unit = Unit(station=station, name="综合指挥室", kind="command_room")
    unit.save()
    users = {}
    for role, rank, n in STAFF:
        for k in range(n):
            user = User(
                username=f"c{i + 1:02d}_{role}{k + 1}",
                full_name=names.surname() + names.given("M", 1985),
                role=role,
                rank=rank,
                station=station,
                bureau=bureau,
                unit=unit,
                password=password,
                police_number=f"C{i + 1:02d}{len(users) + 1:03d}",
            )
            user.save()
            users.setdefault(role, []).append(user)
    communities = []
    for k in range(COMMUNITIES):
        village = k >= COMMUNITIES - 2
        word = (VILLAGE_WORDS if village else COMMUNITY_WORDS)[k % 8 if village else k]
        community = Community(
            station=station,
            name=f"{word}{'村' if village else '社区'}",
            kind="village" if village else "community",
            code=f"511123{i + 1:03d}{k + 1:03d}",
            town=town,
            latitude=round(lat0 + (k % 4) * 0.01, 6),
            longitude=round(lon0 + (k // 4) * 0.01, 6),
            note="",
        )
        community.save()
        community.officers.add(users["community_officer"][k % len(users["community_officer"])])
        communities.append(community)
    written = _registry(station, communities, town, sizes["persons"], rng, names, i)
    people = written.pop("_people")
    written["users"] = sum(len(v) for v in users.values())
    written["communities"] = len(communities)
    written["estates"] = _estates(station, communities, rng, now)
    written["vehicles"] = _vehicles(station, people, sizes["vehicles"], rng, now, i)
    incident_ids, written["incidents"] = _incidents(
        station, communities, people, users, sizes["incidents"], rng, now
    )
    written["disputes"] = _disputes(station, communities, users, sizes["disputes"], rng, now)
    written["cases"] = _cases(station, incident_ids, users, sizes["cases"], rng, now)
    return written


_ORDER: dict[tuple, int] = {}


def _id_number(birth: dt.date, sex: str) -> tuple[str, dt.date]:
    """A unique resident ID number in the county: the order codes of a birth date and sex are handed
    out in turn (500 per day and sex; the next day when they run out)."""
    from fengqiao.registry.rules import id_check_char

    while True:
        key = (birth, sex)
        n = _ORDER.get(key, 0)
        if n < 500:
            _ORDER[key] = n + 1
            order = n * 2 + (1 if sex == "M" else 0)
            first17 = f"511123{birth:%Y%m%d}{order:03d}"
            return first17 + id_check_char(first17), birth
        birth += dt.timedelta(days=1)


def _registry(station, communities, town, total, rng, names, i) -> dict:
    from fengqiao.registry.models import Address, House, Person

    today = dt.date(*data.AS_OF)
    per_community = [total // len(communities)] * len(communities)
    per_community[0] += total - sum(per_community)
    addresses, houses, persons = [], [], []
    house_of = []  # per person: the index of their house
    for community, quota in zip(communities, per_community, strict=True):
        made = 0
        n = 0
        while made < quota:
            road = ROADS[n % len(ROADS)]
            number = n // len(ROADS) + 1
            building, room = divmod(number, 60)
            local = f"{community.name}{road}{building + 1}栋{room + 1:02d}室"
            addresses.append(
                {
                    "station_id": station.pk,
                    "community_id": community.pk,
                    "town": town,
                    "road": road,
                    "doorplate": "",
                    "building": str(building + 1),
                    "unit": "",
                    "floor": "",
                    "room": f"{room + 1:02d}",
                    "full_text": town + local,
                    "code": "",
                    "latitude": round(community.latitude + rng.uniform(-0.004, 0.004), 6),
                    "longitude": round(community.longitude + rng.uniform(-0.004, 0.004), 6),
                }
            )
            use = _weighted(rng, [("owner", 75), ("rented", 18), ("vacant", 7)])
            houses.append(
                {
                    "station_id": station.pk,
                    "community_id": community.pk,
                    "address": len(addresses) - 1,
                    "use": use,
                    "owner_name": "",
                    "owner_phone": "",
                    "area_m2": Decimal(rng.randint(50, 160)),
                    "rooms": rng.randint(1, 5),
                    "built_year": rng.randint(1985, 2022),
                    "note": "",
                }
            )
            n += 1
            if use == "vacant":
                continue
            size = min(quota - made, rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5)))
            surname = names.surname()
            for m in range(size):
                age = int(rng.triangular(18, 90, 45)) if m < 2 else rng.randint(0, 40)
                sex = rng.choice("MF")
                birth = dt.date(today.year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
                id_number, birth = _id_number(birth, sex)
                family = surname if m != 1 else names.surname()
                given = names.given(sex, birth.year)
                name = family + given
                floating = use == "rented" and rng.random() < 0.6
                phone = (
                    rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                    if age >= 14
                    else ""
                )
                persons.append(
                    {
                        "station_id": station.pk,
                        "community_id": community.pk,
                        "name": name,
                        # per part: the given names come from a small pool, so the cache hits
                        "name_initials": names.initials(family) + names.initials(given),
                        "id_type": "id_card",
                        "id_number": id_number,
                        "sex": sex,
                        "birth_date": birth,
                        "ethnicity": "汉族",
                        "nationality": "中国",
                        "phone": phone,
                        "category": "floating" if floating else "registered",
                        "registered_address": f"四川省乐山市犍为县{town}{local}",
                        "relation": ("tenant" if use == "rented" else "head")
                        if m == 0
                        else ("spouse" if m == 1 else "child"),
                        "inflow_date": today - dt.timedelta(days=rng.randrange(30, 2000))
                        if floating
                        else None,
                        "inflow_reason": "work" if floating else "",
                        "note": "",
                        "created_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
                        + dt.timedelta(minutes=rng.randrange(2_500_000)),
                    }
                )
                house_of.append(len(houses) - 1)
            made += size
            if use == "owner":
                houses[-1]["owner"] = len(persons) - size
                houses[-1]["owner_name"] = persons[-size]["name"]
                houses[-1]["owner_phone"] = persons[-size]["phone"]
    address_ids = _insert(Address, addresses)
    for h in houses:
        h["address_id"] = address_ids[h.pop("address")]
    owners = [h.pop("owner", None) for h in houses]
    house_ids = _insert(House, houses)
    for p, h in zip(persons, house_of, strict=True):
        p["house_id"] = house_ids[h]
        p["address_id"] = houses[h]["address_id"]
        p["updated_at"] = p["created_at"]
    person_ids = _insert(Person, persons)
    _set_owners(
        House, [(person_ids[o], house_ids[k]) for k, o in enumerate(owners) if o is not None]
    )
    adults = [
        (person_ids[k], p["community_id"])
        for k, p in enumerate(persons)
        if today.year - p["birth_date"].year >= 18
    ]
    return {
        "addresses": len(address_ids),
        "houses": len(house_ids),
        "persons": len(person_ids),
        "_people": adults,
    }


def _set_owners(model, pairs) -> None:
    """House owners in one statement per chunk (UPDATE … FROM VALUES on PostgreSQL)."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for k in range(0, len(pairs), 20_000):
                chunk = pairs[k : k + 20_000]
                cursor.execute(
                    f"UPDATE {table} AS h SET owner_id = v.o FROM unnest(%s::bigint[], %s::bigint[]) AS v(o, h) WHERE h.id = v.h",  # noqa: S608
                    [[o for o, _ in chunk], [h for _, h in chunk]],
                )
        else:
            cursor.executemany(f"UPDATE {table} SET owner_id = %s WHERE id = %s", pairs)  # noqa: S608


def _estates(station, communities, rng, now) -> int:
    from fengqiao.estates.models import Estate

    rows = []
    for community in communities:
        if community.kind != "community":
            continue
        for k in range(ESTATES_PER_COMMUNITY):
            name = f"{ESTATE_WORDS[(community.pk + k) % len(ESTATE_WORDS)]}{'小区' if k == 0 else '花园'}"
            rows.append(
                {
                    "station_id": station.pk,
                    "community_id": community.pk,
                    "name": name,
                    "address": f"{community.town}{community.name}{name}",
                    "latitude": community.latitude,
                    "longitude": community.longitude,
                    "households": rng.randint(200, 1200),
                    "built_year": rng.randint(1995, 2022),
                    "property_company": f"{name}物业管理有限公司",
                    "created_at": now,
                }
            )
    return len(_insert(Estate, rows))


def _vehicles(station, people, n, rng, now, i) -> int:
    from fengqiao.vehicles.models import Vehicle

    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    rows = []
    for k in range(n):
        owner_id, community_id = people[rng.randrange(len(people))]
        rows.append(
            {
                "station_id": station.pk,
                "community_id": community_id,
                "owner_id": owner_id,
                # 川L + station letter pair + 5 digits: unique across the county (100,000 per station)
                "plate": f"川L{letters[i // 24 % 24]}{letters[i % 24]}{k:05d}",
                "kind": "e_motorcycle" if rng.random() < 0.7 else "motorcycle",
                "brand": rng.choice(BRANDS),
                "colour": rng.choice(COLOURS),
                "frame_number": f"LX{rng.randrange(10**12):012d}",
                "purchased_on": (now - dt.timedelta(days=rng.randrange(30, 3000))).date(),
                "status": "normal",
                "imei": "",
                "registered_at": now - dt.timedelta(days=rng.randrange(1, 1000)),
            }
        )
    return len(_insert(Vehicle, rows))


def _counter(kind: str, station, counters: dict) -> None:
    from fengqiao.core.workflow_models import ReferenceCounter

    for year, last in counters.items():
        ReferenceCounter.objects.update_or_create(
            kind=kind, station_id=station.pk, year=year, defaults={"last": last}
        )


def _times(rng, n, now):
    start = now - dt.timedelta(days=365 * YEARS)
    span = int((now - start).total_seconds()) - 36_000
    return sorted(start + dt.timedelta(seconds=rng.randrange(span)) for _ in range(n))


def _incidents(station, communities, people, users, n, rng, now):
    from fengqiao.core.refnumbers import format_reference
    from fengqiao.incidents.models import Incident, IncidentCategory

    categories = list(
        IncidentCategory.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)
    )
    duty = users["duty_officer"]
    counters: dict[int, int] = {}
    rows = []
    for received in _times(rng, n, now):
        year = (received + dt.timedelta(hours=8)).year
        counters[year] = counters.get(year, 0) + 1
        community = communities[rng.randrange(len(communities))]
        caller = people[rng.randrange(len(people))][0] if rng.random() < 0.3 else None
        closed = received + dt.timedelta(minutes=rng.randint(30, 300))
        rows.append(
            {
                "station_id": station.pk,
                "community_id": community.pk,
                "reference": format_reference("JQ", year, counters[year]),
                "source": "110",
                "urgency": "normal",
                "category_id": categories[rng.randrange(len(categories))],
                "caller_name": "",
                "caller_phone": "",
                "caller_person_id": caller,
                "location": f"{community.name}{rng.randint(1, 200)}号附近",
                "narrative": rng.choice(NARRATIVES),
                "area_type": "rural" if community.kind == "village" else "urban",
                "status": "closed",
                "received_at": received,
                "dispatched_at": received + dt.timedelta(minutes=2),
                "arrived_at": received + dt.timedelta(minutes=rng.randint(4, 30)),
                "handled_at": closed - dt.timedelta(minutes=20),
                "reported_at": closed - dt.timedelta(minutes=10),
                "closed_at": closed,
                "outcome": "resolved",
                "disposition": "现场处置完毕",
                "case_reference": "",
                "received_by_id": duty[rng.randrange(len(duty))].pk,
            }
        )
    ids = _insert(Incident, rows)
    _counter("JQ", station, counters)
    return ids, len(ids)


def _disputes(station, communities, users, n, rng, now) -> int:
    from fengqiao.core.refnumbers import format_reference
    from fengqiao.disputes.models import Dispute, DisputeType

    types = list(DisputeType.objects.order_by("pk").values_list("pk", flat=True))
    owners = users["community_officer"]
    counters: dict[int, int] = {}
    rows = []
    for registered in _times(rng, n, now):
        year = (registered + dt.timedelta(hours=8)).year
        counters[year] = counters.get(year, 0) + 1
        community = communities[rng.randrange(len(communities))]
        closed = registered + dt.timedelta(days=rng.randint(1, 30))
        done = closed < now
        rows.append(
            {
                "station_id": station.pk,
                "community_id": community.pk,
                "reference": format_reference("JF", year, counters[year]),
                "dispute_type_id": types[rng.randrange(len(types))],
                "narrative": rng.choice(DISPUTE_TEXT),
                "notes": "",
                "location": f"{community.name}",
                "source": "visit",
                "owner_id": owners[rng.randrange(len(owners))].pk,
                "level": "yellow",
                "level_reasons": "[]",
                "suggested_level": "yellow",
                "suggested_reasons": "[]",
                "status": "closed" if done else "mediating",
                "registered_at": registered,
                "accepted_at": registered,
                "settled_at": closed if done else None,
                "closed_at": closed if done else None,
                "close_reason": "调解成功" if done else "",
            }
        )
    ids = _insert(Dispute, rows)
    _counter("JF", station, counters)
    return len(ids)


def _cases(station, incident_ids, users, n, rng, now) -> int:
    from fengqiao.cases.models import Case, OffenceType
    from fengqiao.core.refnumbers import format_reference

    offences = list(OffenceType.objects.order_by("pk").values_list("pk", "kind", "name"))
    officers = users["case_officer"] + users["community_officer"]
    counters: dict[tuple[str, int], int] = {}
    rows = []
    for reported in _times(rng, n, now):
        year = (reported + dt.timedelta(hours=8)).year
        pk, kind, offence = offences[rng.randrange(len(offences))]
        prefix = "XS" if kind == "criminal" else "XZ"
        counters[(prefix, year)] = counters.get((prefix, year), 0) + 1
        lead, second = rng.sample(officers, 2)
        closed = reported + dt.timedelta(days=rng.randint(3, 90))
        done = closed < now - dt.timedelta(days=1)
        rows.append(
            {
                "station_id": station.pk,
                "reference": format_reference(prefix, year, counters[(prefix, year)]),
                "kind": kind,
                "offence_id": pk,
                "title": f"{offence}案",
                "summary": rng.choice(NARRATIVES),
                "source_incident_id": incident_ids[rng.randrange(len(incident_ids))]
                if incident_ids
                else None,
                "unit_id": lead.unit_id,
                "lead_officer_id": lead.pk,
                "second_officer_id": second.pk,
                "status": "closed" if done else "handling",
                "reported_at": reported,
                "accepted_at": reported + dt.timedelta(hours=4),
                "not_filed_reason": "",
                "penalty_kind": "",
                "penalty_text": "",
                "penalty_mode": "",
                "last_action_at": min(closed, now),
                "closed_at": closed if done else None,
                "closing_summary": "结案" if done else "",
                "created_by_id": lead.pk,
            }
        )
    ids = _insert(Case, rows)
    for prefix in ("XS", "XZ"):
        _counter(prefix, station, {y: v for (p, y), v in counters.items() if p == prefix})
    return len(ids)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def fingerprint() -> dict:
    """Counts and id ranges per station: equal for equal seeds and scales on an empty database."""
    from django.db.models import Max, Min

    from fengqiao.accounts.models import Station
    from fengqiao.incidents.models import Incident
    from fengqiao.registry.models import Person
    from fengqiao.vehicles.models import Vehicle

    result = {}
    for station in Station.objects.filter(code__startswith=CODE_PREFIX).order_by("code"):
        row = {}
        for label, model in (("persons", Person), ("incidents", Incident), ("vehicles", Vehicle)):
            agg = model.objects.filter(station=station).aggregate(Min("id"), Max("id"))
            row[label] = (
                model.objects.filter(station=station).count(),
                agg["id__min"],
                agg["id__max"],
            )
        row["first_person"] = (
            Person.objects.filter(station=station)
            .order_by("id")
            .values_list("name", "id_number")
            .first()
        )
        result[station.code] = row
    return result
