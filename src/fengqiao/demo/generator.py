"""Generate the reference station's demo data, deterministically from a seed.

The whole load runs in one transaction: it is either all there or not at all. Small things
(bureau, stations, units, users, communities, liaison points) are saved one by one, so the change
log records them as usual. The bulk (addresses, houses, persons, organisations: ~270,000 rows at
scale 1) is written with bulk_create, which bypasses the change-log signals; instead ONE summary
change-log row per community records what the demo created there (counts). Writing a change-log
row for each of 153,028 seeded persons would double the load time and say nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from fengqiao.demo import data

PERSON_FIELDS_FOR_HASH = (
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "category",
    "relation",
)


@dataclass
class Counts:
    stations: int = 0
    communities: int = 0
    addresses: int = 0
    houses: int = 0
    persons: int = 0
    organisations: int = 0
    users: int = 0
    by_station: dict = field(default_factory=dict)
    parts: dict = field(default_factory=dict)


def scaled(count: int, scale: int) -> int:
    return int(round(count / scale))


def as_of() -> dt.date:
    return dt.date(*data.AS_OF)


# ----------------------------------------------------------------------------- pure helpers


class Names:
    """Chinese names by sex and generation, and their pinyin initials (cached: pypinyin is slow per call)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        n = len(data.SURNAMES)
        # Zipf-like weights: the common surnames much more common.
        self.cum_surnames = list(_accumulate([1.0 / (i + 1) ** 0.9 for i in range(n)]))
        self._initials: dict[str, str] = {}

    def surname(self) -> str:
        return self.rng.choices(data.SURNAMES, cum_weights=self.cum_surnames)[0]

    def given(self, sex: str, birth_year: int) -> str:
        old = birth_year < 1975
        if sex == "M":
            pool = data.MALE_OLD if old else data.MALE_YOUNG
        else:
            pool = data.FEMALE_OLD if old else data.FEMALE_YOUNG
        if self.rng.random() < (0.35 if old else 0.2):
            return self.rng.choice(pool)
        return self.rng.choice(pool) + self.rng.choice(pool)

    def initials(self, name: str) -> str:
        value = self._initials.get(name)
        if value is None:
            from fengqiao.registry.rules import pinyin_initials

            value = self._initials[name] = pinyin_initials(name)
        return value


def _accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


def id_number(rng: random.Random, region: str, birth: dt.date, sex: str, taken: set) -> str:
    """A GB 11643 resident ID number: region, birth date, order code whose parity is the sex, check digit."""
    from fengqiao.registry.rules import id_check_char

    while True:
        order = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
        first17 = f"{region}{birth:%Y%m%d}{order:03d}"
        number = first17 + id_check_char(first17)
        if number not in taken:
            taken.add(number)
            return number


def phone(rng: random.Random, taken: set) -> str:
    while True:
        number = rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in taken:
            taken.add(number)
            return number


_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_code_check(first8: str) -> str:
    """GB 11714 check character of an organisation code (the 9th–17th characters of a credit code)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, weights, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def credit_code(rng: random.Random, kind: str, region: str, taken: set) -> str:
    """A GB 32100 unified social credit code: registering authority, organisation type, region, GB 11714 code."""
    from fengqiao.registry.rules import uscc_check_char

    prefix = {"firm": "91", "sole": "92", "gov": "11", "inst": "12", "social": "51"}[kind]
    while True:
        if kind in {"firm", "sole"}:
            body = "MA" + "".join(rng.choice(_ORG_ALPHABET[:-1]) for _ in range(6))
        else:
            body = f"{rng.randrange(10**8):08d}"
        first17 = prefix + region + body + org_code_check(body)
        code = first17 + uscc_check_char(first17)
        if code not in taken:
            taken.add(code)
            return code


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integer parts proportional to `weights`, summing exactly to `total`."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(math.floor(r)) for r in raw]
    rest = total - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def cells(spec: dict) -> list[list[tuple[float, float]]]:
    """Boundary rings (lon, lat) for the station's communities: the urban ones tile a central square in
    rows (3-4-4-3 for 14), the villages share the ring around it as a pinwheel (N, E, S, W).
    The whole square has the station's area."""
    area = float(spec["area_km2"])
    a = math.sqrt(area) / 2  # half side, km
    b = min(spec["inner_km"], a * 0.8)
    lat0, lon0 = spec["lat"], spec["lon"]
    km_lat = 1 / 110.95
    km_lon = 1 / (111.32 * math.cos(math.radians(lat0)))

    def pt(x, y):
        return (round(lon0 + x * km_lon, 6), round(lat0 + y * km_lat, 6))

    def rect(x0, y0, x1, y1):
        return [pt(x0, y0), pt(x1, y0), pt(x1, y1), pt(x0, y1), pt(x0, y0)]

    communities = [c for c in spec["communities"] if c[1] == "community"]
    villages = [c for c in spec["communities"] if c[1] == "village"]
    rows = _row_split(len(communities))
    urban = []
    row_h = 2 * b / len(rows)
    for r, n in enumerate(rows):
        y1 = b - r * row_h
        y0 = y1 - row_h
        w = 2 * b / n
        for i in range(n):
            urban.append(rect(-b + i * w, y0, -b + (i + 1) * w, y1))
    ring = [
        rect(-a, b, b, a),
        rect(b, -b, a, a),
        rect(-b, -a, a, -b),
        rect(-a, -a, -b, b),
    ]  # N, E, S, W
    rural = [ring[i % len(ring)] for i in range(len(villages))]
    return urban + rural


def _row_split(n: int) -> list[int]:
    if n <= 4:
        return [n]
    rows = max(2, round(math.sqrt(n)))
    base, extra = divmod(n, rows)
    middle = set(range(1, 1 + extra)) if extra <= rows - 2 else set(range(extra))
    return [base + (1 if i in middle else 0) for i in range(rows)]


def point_in(rng: random.Random, ring) -> tuple[float, float]:
    """A (lat, lon) inside a rectangular ring."""
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return (
        round(rng.uniform(min(lats), max(lats)), 6),
        round(rng.uniform(min(lons), max(lons)), 6),
    )


_CUMULATIVE: dict[int, tuple[list, list]] = {}


def _weighted(rng: random.Random, options: list[tuple]):
    """Pick options[i][0] (or the whole tuple when it has more than two items) by its last item as weight."""
    key = id(options)
    cached = _CUMULATIVE.get(key)
    if cached is None:
        values = [o[0] if len(o) == 2 else o for o in options]
        cached = _CUMULATIVE[key] = (values, list(_accumulate([o[-1] for o in options])))
    return rng.choices(cached[0], cum_weights=cached[1])[0]


HOUSE_USE = {
    "estate": [("owner", 72), ("rented", 18), ("vacant", 8), ("group_rented", 1), ("business", 1)],
    "street": [("owner", 58), ("rented", 16), ("vacant", 5), ("group_rented", 3), ("business", 18)],
    "group": [("owner", 84), ("rented", 3), ("vacant", 10), ("business", 3)],
}
FAMILY_SIZE = [(1, 12), (2, 26), (3, 27), (4, 19), (5, 10), (6, 6)]
INFLOW_REASONS = [
    ("work", 55),
    ("business", 20),
    ("study", 7),
    ("family", 12),
    ("medical", 2),
    ("other", 4),
]
BUSINESS_KINDS = [
    ("sole_trader", 66),
    ("enterprise", 20),
    ("hotel", 4),
    ("entertainment", 4),
    ("medical", 3),
    ("other", 3),
]


# ----------------------------------------------------------------------------- the plan (no database)


class Planner:
    """Plans one station's registry in memory: plain dicts that refer to each other by list index."""

    def __init__(self, rng: random.Random, names: Names, taken: dict, scale: int):
        self.rng = rng
        self.names = names
        self.taken = taken
        self.scale = scale
        self.today = as_of()
        self.addresses: list[dict] = []
        self.houses: list[dict] = []
        self.persons: list[dict] = []
        self.orgs: list[dict] = []
        self.liaison: list[dict] = []
        self.rented_seen = 0
        self.org_names: set[str] = set()

    # -- people

    def birth(self, age: int) -> dt.date:
        age = max(0, min(age, 100))
        start = dt.date(self.today.year - age - 1, self.today.month, self.today.day) + dt.timedelta(
            days=1
        )
        return start + dt.timedelta(days=self.rng.randrange(365))

    def new_person(self, *, community, surname, sex, age, category, relation, home_text) -> int:
        rng = self.rng
        birth = self.birth(age)
        name = surname + self.names.given(sex, birth.year)
        person = {
            "community": community,
            "name": name,
            "name_initials": self.names.initials(name),
            "sex": sex,
            "birth_date": birth,
            "category": category,
            "relation": relation,
            "ethnicity": _weighted(rng, data.ETHNICITIES),
            "nationality": "中国",
            "id_type": "id_card",
            "inflow_date": None,
            "inflow_reason": "",
            "expected_departure": None,
            "employer": None,
            "address": None,
            "house": None,
        }
        if category == "registered":
            region, region_text, _ = _weighted(rng, data.LOCAL_REGIONS)
            person["registered_address"] = (
                "四川省乐山市犍为县" + home_text
                if region == "511123" and home_text
                else self.home_address(region_text)
            )
        else:
            region, region_text, _ = _weighted(rng, data.OTHER_REGIONS)
            person["registered_address"] = self.home_address(region_text)
            self.inflow(person)
        person["id_number"] = id_number(rng, region, birth, sex, self.taken["id"])
        person["phone"] = self.maybe_phone(age)
        person["created_at"] = self.created_at()
        self.persons.append(person)
        return len(self.persons) - 1

    def inflow(self, person: dict) -> None:
        rng = self.rng
        inflow = self.today - dt.timedelta(days=rng.randrange(10, 6 * 365))
        person["inflow_date"] = inflow
        person["inflow_reason"] = _weighted(rng, INFLOW_REASONS)
        departure = inflow + dt.timedelta(days=rng.randrange(365, 3 * 365))
        if departure <= self.today and rng.random() < 0.85:
            departure = self.today + dt.timedelta(days=rng.randrange(30, 2 * 365))
        person["expected_departure"] = departure

    def home_address(self, region_text: str) -> str:
        rng = self.rng
        return f"{region_text}{rng.choice(data.HOME_TOWNS)}{rng.choice(data.HOME_VILLAGES)}{rng.randrange(1, 12)}组{rng.randrange(1, 90)}号"

    def maybe_phone(self, age: int) -> str:
        share = (
            0.0
            if age < 12
            else 0.4
            if age < 18
            else 0.96
            if age <= 65
            else 0.75
            if age <= 80
            else 0.4
        )
        return phone(self.rng, self.taken["phone"]) if self.rng.random() < share else ""

    def created_at(self) -> dt.datetime:
        days = self.rng.randrange(1, 8 * 365)
        return dt.datetime(*data.AS_OF, 2, 0, tzinfo=dt.UTC) - dt.timedelta(
            days=days, seconds=self.rng.randrange(36000)
        )

    def household(
        self, *, community, size: int, category_of, home_text: str, tenant: bool
    ) -> list[int]:
        """A family: householder, spouse, children, parents or grandchildren, ages and surnames that fit."""
        rng = self.rng
        head_age = int(rng.triangular(22, 88, 48))
        head_sex = "M" if rng.random() < 0.76 else "F"
        surname = self.names.surname()
        members = [("head", head_age, head_sex, surname)]
        other_sex = "F" if head_sex == "M" else "M"
        if size >= 2 and rng.random() < 0.85:
            members.append(
                ("spouse", max(20, head_age + rng.randint(-5, 4)), other_sex, self.names.surname())
            )
        while len(members) < size:
            kind = len(members)
            if head_age < 45:
                if kind <= 3 and head_age - 22 > 0:
                    members.append(
                        ("child", rng.randint(0, max(0, head_age - 22)), rng.choice("MF"), surname)
                    )
                else:
                    members.append(
                        (
                            "parent",
                            min(95, head_age + rng.randint(24, 32)),
                            rng.choice("MF"),
                            surname,
                        )
                    )
            elif head_age < 65:
                if kind <= 2:
                    members.append(
                        (
                            "child",
                            rng.randint(max(0, head_age - 34), head_age - 22),
                            rng.choice("MF"),
                            surname,
                        )
                    )
                elif kind == 3:
                    members.append(
                        (
                            "relative",
                            rng.randint(max(18, head_age - 34), head_age - 20),
                            rng.choice("MF"),
                            self.names.surname(),
                        )
                    )
                else:
                    members.append(
                        (
                            "grandchild",
                            rng.randint(0, max(0, head_age - 46)),
                            rng.choice("MF"),
                            surname,
                        )
                    )
            else:
                if kind == 1 or kind == 2:
                    members.append(
                        (
                            "child",
                            rng.randint(head_age - 36, head_age - 22),
                            rng.choice("MF"),
                            surname,
                        )
                    )
                elif kind == 3:
                    members.append(
                        (
                            "relative",
                            rng.randint(head_age - 38, head_age - 22),
                            rng.choice("MF"),
                            self.names.surname(),
                        )
                    )
                else:
                    members.append(
                        ("grandchild", rng.randint(0, head_age - 44), rng.choice("MF"), surname)
                    )
        result = []
        category = category_of()
        for relation, age, sex, family_name in members:
            if tenant and relation == "head":
                relation = "tenant"
            result.append(
                self.new_person(
                    community=community,
                    surname=family_name,
                    sex=sex,
                    age=age,
                    category=category,
                    relation=relation,
                    home_text=home_text,
                )
            )
        return result

    def group_tenants(self, *, community, size: int) -> list[int]:
        result = []
        for _ in range(size):
            category = "floating" if self.rng.random() < 0.95 else "registered"
            result.append(
                self.new_person(
                    community=community,
                    surname=self.names.surname(),
                    sex="M" if self.rng.random() < 0.7 else "F",
                    age=self.rng.randint(18, 55),
                    category=category,
                    relation="tenant",
                    home_text="",
                )
            )
        return result

    def foreigners(self, *, community) -> list[int]:
        rng = self.rng
        country, pool, passport_prefix = rng.choice(data.FOREIGN)
        result = []
        for _ in range(1 if rng.random() < 0.7 else 2):
            name = rng.choice(pool)
            sex = rng.choice("MF")
            age = rng.randint(20, 60)
            while True:
                number = passport_prefix + f"{rng.randrange(10**7):07d}"
                if ("passport", number) not in self.taken["passport"]:
                    self.taken["passport"].add(("passport", number))
                    break
            person = {
                "community": community,
                "name": name,
                "name_initials": self.names.initials(name),
                "sex": sex,
                "birth_date": self.birth(age),
                "category": "foreign",
                "relation": "tenant",
                "ethnicity": "",
                "nationality": country,
                "id_type": "passport",
                "id_number": number,
                "phone": phone(rng, self.taken["phone"]),
                "registered_address": country,
                "employer": None,
                "address": None,
                "house": None,
                "created_at": self.created_at(),
            }
            self.inflow(person)
            person["inflow_reason"] = rng.choice(["work", "business", "study", "family"])
            self.persons.append(person)
            result.append(len(self.persons) - 1)
        return result

    # -- places

    def community(self, *, station: dict, community, cspec, ring, quota: int) -> None:
        name, kind, _weight, old_town, roads, years = cspec
        rng = self.rng
        counters = dict.fromkeys(range(len(roads)), 0)
        road_weights = [3.0 if k == "estate" else 1.5 if k == "street" else 1.0 for _, k in roads]
        building_years: dict = {}
        heads: list[int] = []  # owner-occupying householders, landlords for the rented houses
        first = len(self.persons)
        first_org = len(self.orgs)
        while len(self.persons) - first < quota:
            r = rng.choices(range(len(roads)), weights=road_weights)[0]
            road, road_kind = roads[r]
            i = counters[r]
            counters[r] += 1
            address = {
                "community": community,
                "town": station["town"],
                "road": road,
                "latitude": None,
                "longitude": None,
            }
            if road_kind == "estate":
                new = years[0] >= 2005
                floors = 18 if new else 6
                per_unit = floors * 2
                per_building = per_unit * 2
                building, rest = divmod(i, per_building)
                unit, rest = divmod(rest, per_unit)
                floor, room = divmod(rest, 2)
                address.update(
                    building=str(building + 1),
                    unit=str(unit + 1),
                    floor=str(floor + 1),
                    room=f"{floor + 1}{room + 1:02d}",
                    doorplate="",
                )
                year = building_years.setdefault((r, building), rng.randint(*years))
            else:
                address.update(doorplate=str(i + 1), building="", unit="", floor="", room="")
                year = rng.randint(*years)
            address["latitude"], address["longitude"] = point_in(rng, ring)
            address["local"] = _local_text(name, address)
            self.addresses.append(address)
            a = len(self.addresses) - 1
            use = _weighted(rng, HOUSE_USE[road_kind])
            house = {
                "community": community,
                "address": a,
                "use": use,
                "built_year": year,
                "area_m2": Decimal(
                    rng.randint(
                        *(
                            (60, 140)
                            if road_kind == "estate"
                            else (40, 130)
                            if road_kind == "street"
                            else (80, 220)
                        )
                    )
                ),
                "rooms": rng.randint(1, 5),
                "owner": None,
                "owner_name": "",
                "owner_phone": "",
            }
            self.houses.append(house)
            h = len(self.houses) - 1
            home_text = station["town"] + address["local"]
            occupants: list[int] = []
            if use == "owner":
                size = _weighted(rng, FAMILY_SIZE)
                occupants = self.household(
                    community=community,
                    size=size,
                    category_of=lambda: "registered" if rng.random() < 0.97 else "floating",
                    home_text=home_text,
                    tenant=False,
                )
                self._own(house, occupants[0])
                heads.append(occupants[0])
            elif use == "rented":
                self.rented_seen += 1
                if kind == "community" and self.rented_seen % 200 == 100:
                    occupants = self.foreigners(community=community)
                else:
                    occupants = self.household(
                        community=community,
                        size=rng.choice([1, 1, 2, 2, 3, 3, 4]),
                        category_of=lambda: "floating" if rng.random() < 0.62 else "registered",
                        home_text="",
                        tenant=True,
                    )
                self._landlord(house, heads)
            elif use == "group_rented":
                occupants = self.group_tenants(community=community, size=rng.randint(4, 10))
                self._landlord(house, heads)
            elif use == "business":
                if rng.random() < 0.5:
                    occupants = self.household(
                        community=community,
                        size=rng.choice([1, 2, 3, 4]),
                        category_of=lambda: "registered" if rng.random() < 0.8 else "floating",
                        home_text=home_text,
                        tenant=False,
                    )
                    self._own(house, occupants[0])
                else:
                    self._landlord(house, heads)
                self.business(
                    community=community, address=a, road=road, living=occupants, heads=heads
                )
            else:  # vacant
                self._landlord(house, heads)
            for p in occupants:
                self.persons[p]["address"] = a
                self.persons[p]["house"] = h
        # The last household may overshoot the quota: drop its last members (the house keeps its owner's name).
        overshoot = len(self.persons) - first - quota
        if overshoot > 0:
            self._trim(overshoot)
        self.landmarks(
            station=station,
            community=community,
            name=name,
            roads=roads,
            counters=counters,
            ring=ring,
        )
        self.employ(first, first_org)
        self.liaison_points(community=community, name=name, kind=kind, roads=roads, first=first)

    def _own(self, house: dict, person: int) -> None:
        p = self.persons[person]
        house["owner"] = person
        house["owner_name"] = p["name"]
        house["owner_phone"] = p["phone"]

    def _landlord(self, house: dict, heads: list[int]) -> None:
        if heads and self.rng.random() < 0.7:
            self._own(house, self.rng.choice(heads))
        else:
            house["owner_name"] = self.names.surname() + self.names.given(
                self.rng.choice("MF"), self.rng.randint(1950, 1990)
            )
            house["owner_phone"] = phone(self.rng, self.taken["phone"])

    def _trim(self, n: int) -> None:
        removed = self.persons[-n:]
        del self.persons[-n:]
        gone = set(range(len(self.persons), len(self.persons) + n))
        for p in removed:
            if p["id_type"] == "passport":
                self.taken["passport"].discard(("passport", p["id_number"]))
            else:
                self.taken["id"].discard(p["id_number"])
            if p["phone"]:
                self.taken["phone"].discard(p["phone"])
        for house in self.houses[-50:]:
            if house["owner"] in gone:
                house["owner"] = None  # keep the name: the owner lives elsewhere
        for org in self.orgs[-20:]:
            if org["rep"] in gone:
                org["rep"] = None

    def business(
        self, *, community, address: int, road: str, living: list[int], heads: list[int]
    ) -> None:
        rng = self.rng
        category = _weighted(rng, BUSINESS_KINDS)
        keeper = living[0] if living else (rng.choice(heads) if heads else None)
        keeper_name = (
            self.persons[keeper]["name"] if keeper is not None else self.names.surname() + "某"
        )
        surname = keeper_name[0]
        for attempt in range(8):
            if category == "sole_trader":
                org_name, code_kind = f"{road}{surname}记{rng.choice(data.SHOP_KINDS)}", "sole"
            elif category == "enterprise":
                head = rng.choice(["犍为县", "乐山市", "四川"])
                tail = rng.choice(["有限公司", "有限责任公司"])
                org_name, code_kind = (
                    f"{head}{rng.choice(data.FIRM_WORDS)}{rng.choice(data.FIRM_TRADES)}{tail}",
                    "firm",
                )
            elif category == "hotel":
                org_name, code_kind = (
                    f"{road}{rng.choice(data.FIRM_WORDS)}{rng.choice(['宾馆', '酒店', '客栈', '旅馆'])}",
                    "sole",
                )
            elif category == "entertainment":
                org_name, code_kind = (
                    f"{rng.choice(data.FIRM_WORDS)}{rng.choice(['KTV', '网吧', '电竞馆', '足浴店'])}({road}店)",
                    "sole",
                )
            elif category == "medical":
                org_name, code_kind = (
                    f"{road}{surname}氏{rng.choice(['诊所', '中医诊所', '口腔诊所'])}",
                    "sole",
                )
            else:
                org_name, code_kind = (
                    f"{road}{surname}记{rng.choice(['维修部', '服务部', '工作室'])}",
                    "sole",
                )
            if org_name not in self.org_names:
                break
            surname = self.names.surname() if attempt >= 3 else surname
        n = 2
        base = org_name
        while org_name in self.org_names:
            org_name = f"{base}(分店{n})"
            n += 1
        self.org_names.add(org_name)
        self.orgs.append(
            {
                "community": community,
                "name": org_name,
                "category": category,
                "code_kind": code_kind,
                "address": address,
                "rep": keeper,
                "legal_representative": keeper_name,
                "person_in_charge": keeper_name,
                "phone": (self.persons[keeper]["phone"] if keeper is not None else "")
                or phone(rng, self.taken["phone"]),
                "employee_count": rng.randint(1, 4) if code_kind == "sole" else rng.randint(5, 60),
            }
        )

    def landmarks(self, *, station, community, name, roads, counters, ring) -> None:
        rng = self.rng
        marks = (
            [m for m in data.LANDMARKS if m[2] == name]
            if station["code"] == data.STATIONS[0]["code"]
            else []
        )
        if self.scale > 1:
            marks = marks[: max(1, len(marks) // 2)] if self.scale < 20 else marks[:1]
        streets = [i for i, (_, k) in enumerate(roads) if k != "estate"] or [0]
        for org_name, category, _community, code_kind in marks:
            r = streets[0]
            road = roads[r][0]
            counters[r] += 1
            address = {
                "community": community,
                "town": station["town"],
                "road": road,
                "doorplate": str(counters[r]),
                "building": "",
                "unit": "",
                "floor": "",
                "room": "",
            }
            address["latitude"], address["longitude"] = point_in(rng, ring)
            address["local"] = _local_text(name, address)
            self.addresses.append(address)
            self.org_names.add(org_name)
            adults = [
                i
                for i in range(len(self.persons) - 1, max(-1, len(self.persons) - 400), -1)
                if self.persons[i]["community"] is community
                and 30 <= self.today.year - self.persons[i]["birth_date"].year <= 60
            ]
            rep = rng.choice(adults) if adults else None
            rep_name = self.persons[rep]["name"] if rep is not None else ""
            self.orgs.append(
                {
                    "community": community,
                    "name": org_name,
                    "category": category,
                    "code_kind": code_kind,
                    "address": len(self.addresses) - 1,
                    "rep": rep,
                    "legal_representative": rep_name,
                    "person_in_charge": rep_name,
                    "phone": f"0833-{rng.randrange(4200000, 4299999)}",
                    "employee_count": rng.randint(20, 800),
                }
            )

    def employ(self, first_person: int, first_org: int) -> None:
        rng = self.rng
        orgs = list(range(first_org, len(self.orgs)))
        if not orgs:
            return
        weights = [max(1, self.orgs[o]["employee_count"]) for o in orgs]
        cum = list(_accumulate(weights))
        for p in range(first_person, len(self.persons)):
            person = self.persons[p]
            age = self.today.year - person["birth_date"].year
            if 18 <= age <= 60 and rng.random() < 0.3:
                person["employer"] = rng.choices(orgs, cum_weights=cum)[0]

    def liaison_points(self, *, community, name, kind, roads, first) -> None:
        rng = self.rng
        if kind == "village":
            places = ["村委会", f"{roads[0][0]}组长家", f"{roads[-1][0]}茶馆", "村卫生室"]
        else:
            places = [f"{name}居委会", f"{roads[0][0]}老年活动中心"] + [
                f"{r}门卫室" for r, k in roads if k == "estate"
            ]
        count = min(len(places), 2 + rng.randrange(3))
        candidates = [
            i
            for i in range(first, len(self.persons))
            if self.persons[i]["phone"]
            and 40 <= self.today.year - self.persons[i]["birth_date"].year <= 72
        ]
        for place in places[:count]:
            contact = self.persons[rng.choice(candidates)] if candidates else None
            self.liaison.append(
                {
                    "community": community,
                    "name": place,
                    "contact_name": contact["name"] if contact else self.names.surname() + "大爷",
                    "contact_phone": contact["phone"]
                    if contact
                    else phone(rng, self.taken["phone"]),
                    "location": f"{name}{place}",
                }
            )


def _local_text(community_name: str, a: dict) -> str:
    """Address.local_text() for a planned address (the same composition; checked by the tests)."""
    from fengqiao.registry.rules import address_text

    return address_text(
        [
            community_name,
            a["road"],
            f"{a['doorplate']}号" if a["doorplate"] else "",
            f"{a['building']}栋" if a["building"] else "",
            f"{a['unit']}单元" if a["unit"] else "",
            f"{a['room']}室" if a["room"] else "",
        ]
    )


# ----------------------------------------------------------------------------- writing


def station_exists() -> bool:
    from fengqiao.accounts.models import Station

    return Station.objects.filter(code=data.STATIONS[0]["code"]).exists()


def demo_password() -> str:
    import os

    return os.environ.get("DEMO_PASSWORD") or data.DEMO_PASSWORD


def username_for(name: str, taken: set) -> str:
    from pypinyin import lazy_pinyin

    base = "".join(lazy_pinyin(name)).lower()
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate


def load(*, scale: int = 1, seed: int = 20240420, log=print) -> Counts:
    """Write the demo data of 犍为县公安局 (玉津派出所 and 清溪派出所) in one transaction."""
    import time

    from django.db import transaction

    from fengqiao.core import context

    started = time.perf_counter()
    counts = Counts()
    with transaction.atomic(), context.acting_as(None, source="command"):
        taken = {"id": set(), "phone": set(), "passport": set(), "code": set()}
        rng = random.Random(seed)
        names = Names(rng)
        bureau = _bureau()
        from fengqiao.core import basemap

        log(f"base map rivers and roads → {basemap.write_demo(data.STATIONS)}")
        for spec in data.STATIONS:
            station, communities = _station(bureau, spec)
            planner = Planner(rng, names, taken, scale)
            rings = cells(spec)
            quotas = largest_remainder(
                scaled(spec["persons"], scale), [c[2] for c in spec["communities"]]
            )
            for cspec, ring, quota in zip(spec["communities"], rings, quotas, strict=True):
                community = communities[cspec[0]]
                lat = sum(p[1] for p in ring[:4]) / 4
                lon = sum(p[0] for p in ring[:4]) / 4
                community.boundary = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
                community.latitude, community.longitude = round(lat, 6), round(lon, 6)
                community.save()
                planner.community(
                    station=spec, community=community, cspec=cspec, ring=ring, quota=quota
                )
            written = _write(station, planner, taken, rng)
            counts.by_station[spec["name"]] = written
            for key, value in written.items():
                setattr(counts, key, getattr(counts, key) + value)
            counts.stations += 1
            counts.communities += len(communities)
            log(
                f"  {spec['name']}: {written['persons']:,} 人, {written['houses']:,} 房屋, {written['organisations']:,} 单位 ({time.perf_counter() - started:.0f} s)"
            )
        counts.users = _staff(bureau)
        for module_name in PART_DEMOS:
            module = _part_demo(module_name)
            if module is not None:
                part_started = time.perf_counter()
                written = module.load(scale=scale, seed=seed, log=log)
                part = module_name.rsplit(".", 1)[-1]  # fengqiao.demo.<part>
                counts.parts[part] = written
                log(f"  {part}: {written} ({time.perf_counter() - part_started:.0f} s)")
    _analyze()
    return counts


# Each part writes its own demo records (fengqiao/demo/<part>.py) after the registry and the staff
# exist, in this order (cases build on incidents). A part's module has
# `load(*, scale, seed, log) -> dict[str, int]` and finds the stations, communities, people and users
# it needs in the database.
PART_DEMOS = [
    "fengqiao.demo.incidents",
    "fengqiao.demo.disputes",
    "fengqiao.demo.cases",
    "fengqiao.demo.antifraud",
    "fengqiao.demo.vehicles",
    "fengqiao.demo.estates",
    "fengqiao.demo.command",
    "fengqiao.demo.desk",
    "fengqiao.demo.lawstudy",
    "fengqiao.demo.reports",
]


def _part_demo(module_name: str):
    import importlib

    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise


def _analyze() -> None:
    """Refresh the planner's statistics after the bulk load.

    Without them SQLite picks the station index for `station = ? AND id_number = ?` (every row of the
    station) instead of the ID-number index: an exact ID search took 150 ms instead of 1 ms."""
    from django.db import connection

    from fengqiao.registry.models import Address, House, Organisation, Person

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            for model in (Address, House, Person, Organisation):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _bureau():
    from fengqiao.accounts.models import Bureau

    bureau = Bureau.objects.filter(code=data.BUREAU["code"]).first()
    if bureau is None:
        bureau = Bureau(**data.BUREAU)
        bureau.save()
    return bureau


def _station(bureau, spec):
    from fengqiao.accounts.models import Station
    from fengqiao.registry.models import Community

    station = Station(
        bureau=bureau,
        name=spec["name"],
        code=spec["code"],
        area_km2=Decimal(spec["area_km2"]),
        address=spec["address"],
        latitude=spec["lat"],
        longitude=spec["lon"],
    )
    station.save()
    communities = {}
    for i, (name, kind, _w, old_town, _roads, _years) in enumerate(spec["communities"]):
        note = ""
        if old_town and name == "西街社区":
            note = "老城区,大部分小区房龄在30年以上;四川省“最佳温暖社区”"
        community = Community(
            station=station,
            name=name,
            kind=kind,
            code=f"{spec['code'][:6]}{100 + i:03d}{'001' if kind == 'community' else '200'}",
            town=spec["town"],
            is_old_town=old_town,
            note=note,
        )
        community.save()
        communities[name] = community
    return station, communities


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert plain rows into `model`'s table with ids chosen here (after the current maximum).

    Much faster than bulk_create (no model instances, no per-value field preparation): COPY on
    PostgreSQL, executemany on SQLite. Columns missing from a row take the field's default; auto_now
    fields take the demo's as-of time. Returns the new ids in row order.
    """
    from django.db import connection

    from fengqiao.core import rls

    if not rows:
        return []
    if model._meta.label == "registry.Person":
        for row in rows:  # the indexed 尾号 search keys Person.fill_search_keys would set
            row["id_tail"] = (row.get("id_number") or "")[-4:]
            row["phone_tail"] = (row.get("phone") or "")[-4:]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    stamp = dt.datetime(*data.AS_OF, tzinfo=dt.UTC)
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = stamp
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None
    columns = [f.column for f in fields]
    names = [f.attname for f in fields]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({qn(meta.pk.column)}), 0) FROM {table}")  # noqa: S608 - our table names
        first = cursor.fetchone()[0] + 1
        ids = list(range(first, first + len(rows)))
        column_sql = ", ".join(qn(c) for c in [meta.pk.column, *columns])
        postgresql = connection.vendor == "postgresql"
        if postgresql and rls.copy_allowed(cursor, meta.db_table):
            with cursor.cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row([pk, *[row.get(n, defaults[n]) for n in names]])
        else:  # SQLite, or a table behind row-level security for this role (no COPY there)
            adapt = connection.ops.adapt_datetimefield_value

            def sql_value(v):
                if postgresql:
                    return v
                if isinstance(v, dt.datetime):
                    return adapt(v)
                if isinstance(v, dt.date):
                    return v.isoformat()
                if isinstance(v, Decimal):
                    return str(v)
                return v

            placeholders = ", ".join(["%s"] * (len(columns) + 1))
            sql = f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})"  # noqa: S608 - our table names
            for i in range(0, len(rows), 5000):
                chunk = zip(ids[i : i + 5000], rows[i : i + 5000], strict=True)
                cursor.executemany(
                    sql,
                    [
                        [pk, *[sql_value(row.get(n, defaults[n])) for n in names]]
                        for pk, row in chunk
                    ],
                )
        if postgresql:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                [meta.db_table, meta.pk.column, ids[-1]],
            )
    return ids


def _write(station, planner: Planner, taken: dict, rng: random.Random) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from fengqiao.core.models import ChangeAction, ObjectChange
    from fengqiao.registry.models import (
        Address,
        Community,
        House,
        LiaisonPoint,
        Organisation,
        Person,
    )

    address_ids = _insert(
        Address,
        [
            {
                "station_id": station.pk,
                "community_id": a["community"].pk,
                "town": a["town"],
                "road": a["road"],
                "doorplate": a["doorplate"],
                "building": a["building"],
                "unit": a["unit"],
                "floor": a["floor"],
                "room": a["room"],
                "full_text": a["town"] + a["local"],
                "code": "",
                "latitude": a["latitude"],
                "longitude": a["longitude"],
            }
            for a in planner.addresses
        ],
    )
    region = station.code[:6]
    org_ids = _insert(
        Organisation,
        [
            {
                "station_id": station.pk,
                "community_id": o["community"].pk,
                "name": o["name"],
                "name_initials": planner.names.initials(o["name"]),
                "category": o["category"],
                "credit_code": credit_code(rng, o["code_kind"], region, taken["code"])
                if o["category"] != "other"
                else "",
                "address_id": address_ids[o["address"]],
                "legal_representative": o["legal_representative"],
                "legal_representative_person_id": None,
                "person_in_charge": o["person_in_charge"],
                "phone": o["phone"],
                "employee_count": o["employee_count"],
                "note": "",
            }
            for o in planner.orgs
        ],
    )
    house_ids = _insert(
        House,
        [
            {
                "station_id": station.pk,
                "community_id": h["community"].pk,
                "address_id": address_ids[h["address"]],
                "use": h["use"],
                "owner_id": None,
                "owner_name": h["owner_name"],
                "owner_phone": h["owner_phone"],
                "area_m2": h["area_m2"],
                "rooms": h["rooms"],
                "built_year": h["built_year"],
                "note": "",
            }
            for h in planner.houses
        ],
    )
    person_rows = []
    for p in planner.persons:
        row = {k: v for k, v in p.items() if k not in ("community", "address", "house", "employer")}
        row.update(
            station_id=station.pk,
            community_id=p["community"].pk,
            address_id=address_ids[p["address"]] if p["address"] is not None else None,
            house_id=house_ids[p["house"]] if p["house"] is not None else None,
            employer_id=org_ids[p["employer"]] if p["employer"] is not None else None,
            note="",
            updated_at=p["created_at"],
        )
        person_rows.append(row)
    person_ids = _insert(Person, person_rows)
    with connection.cursor() as cursor:
        owner_rows = [
            (person_ids[h["owner"]], house_ids[i])
            for i, h in enumerate(planner.houses)
            if h["owner"] is not None
        ]
        sql = f"UPDATE {House._meta.db_table} SET owner_id = %s WHERE id = %s"  # noqa: S608
        cursor.executemany(sql, owner_rows)
        rep_rows = [
            (person_ids[o["rep"]], org_ids[i])
            for i, o in enumerate(planner.orgs)
            if o["rep"] is not None
        ]
        cursor.executemany(
            f"UPDATE {Organisation._meta.db_table} SET legal_representative_person_id = %s WHERE id = %s",  # noqa: S608
            rep_rows,
        )
    for point in planner.liaison:
        LiaisonPoint(station=station, **point).save()  # few: logged one by one
    # One summary change-log row per community for the bulk rows above.
    per_community: dict[int, dict] = {}
    for kind, rows in (
        ("addresses", planner.addresses),
        ("houses", planner.houses),
        ("persons", planner.persons),
        ("organisations", planner.orgs),
    ):
        for row in rows:
            summary = per_community.setdefault(
                row["community"].pk,
                dict.fromkeys(("addresses", "houses", "persons", "organisations"), 0),
            )
            summary[kind] += 1
    ct = ContentType.objects.get_for_model(Community)
    ObjectChange.objects.bulk_create(
        [
            ObjectChange(
                user=None,
                user_name="系统(演示数据)",
                source="command",
                action=ChangeAction.CREATE,
                content_type=ct,
                object_id=community.pk,
                object_repr=f"{community.name}:演示数据",
                station=station,
                before=None,
                after={"demo": True, **per_community.get(community.pk, {})},
            )
            for community in Community.objects.filter(station=station).order_by("pk")
        ]
    )
    return {
        "addresses": len(address_ids),
        "houses": len(house_ids),
        "persons": len(person_ids),
        "organisations": len(org_ids),
    }


def _staff(bureau) -> int:
    """The people of the station: 31 民警 and 41 辅警 of 玉津, the mediator, auditor, admin, county and 清溪 users."""
    from django.contrib.auth.hashers import make_password

    from fengqiao.accounts.models import Station, Unit, User
    from fengqiao.registry.models import Community

    rng = random.Random(
        "fengqiao-demo-staff"
    )  # staff are the same whatever the seed: the printed logins stay valid
    names = Names(rng)
    password = make_password(demo_password())
    yujin = Station.objects.get(code=data.STATIONS[0]["code"])
    qingxi = Station.objects.get(code=data.STATIONS[1]["code"])
    units = {}
    for name, kind in data.UNITS:
        unit = Unit(station=yujin, name=name, kind=kind)
        unit.save()
        units[name] = unit
    taken = set(User.objects.values_list("username", flat=True))
    count = 0
    leaders = {}

    def make(full_name, role, rank, station, unit=None, bureau_=None, police_number=""):
        nonlocal count
        user = User(
            username=username_for(full_name, taken),
            full_name=full_name,
            role=role,
            rank=rank,
            station=station,
            bureau=bureau_ or (station.bureau if station else None),
            unit=unit,
            police_number=police_number,
            phone=phone(rng, set()),
            password=password,
        )
        user.save()
        count += 1
        return user

    communities = {c.name: c for c in Community.objects.filter(station=yujin)}
    for i, (full_name, role, unit_name, title, owned) in enumerate(data.POLICE):
        user = make(
            full_name,
            role,
            "police",
            yujin,
            units[unit_name],
            police_number=f"0{51123 + i * 7:05d}",
        )
        for c in owned:
            communities[c].officers.add(user)
        if (
            title
            and unit_name not in leaders
            and (title.endswith("队长") or title.endswith("主任") or title == "所长")
        ):
            leaders[unit_name] = user
    seen = {p[0] for p in data.POLICE}
    for i in range(data.AUXILIARY_COUNT):
        while True:
            sex = "M" if rng.random() < 0.6 else "F"
            full_name = names.surname() + names.given(sex, rng.randint(1985, 2002))
            if full_name not in seen:
                seen.add(full_name)
                break
        make(
            full_name,
            "auxiliary",
            "auxiliary",
            yujin,
            units[data.AUXILIARY_UNITS[i % len(data.AUXILIARY_UNITS)]],
            police_number=f"F{11230 + i:05d}",
        )
    for full_name, role, rank, unit_name, _note in data.OTHER_STAFF:
        user = make(full_name, role, rank, yujin, units.get(unit_name))
        if unit_name:
            leaders[unit_name] = user
    for full_name, role, _title in data.BUREAU_USERS:
        make(full_name, role, "police", None, bureau_=bureau, police_number="050001")
    qx_communities = {c.name: c for c in Community.objects.filter(station=qingxi)}
    for full_name, role, _title, owned in data.QINGXI_STAFF:
        user = make(full_name, role, "auxiliary" if role == "auxiliary" else "police", qingxi)
        for c in owned:
            qx_communities[c].officers.add(user)
    for unit_name, user in leaders.items():
        unit = units[unit_name]
        unit.leader = user
        unit.save()
    return count


def logins() -> list[tuple[str, str, str]]:
    """(role label, name, username) of the demo logins that exist in the database."""
    from fengqiao.accounts.models import Station, User

    station = Station.objects.filter(code=data.STATIONS[0]["code"]).first()
    rows = []
    for label, name in data.LOGINS:
        users = User.objects.filter(is_active=True)
        if name is None:
            user = (
                users.filter(station=station, role="auxiliary").order_by("pk").first()
                if station
                else None
            )
        else:
            user = users.filter(full_name=name).order_by("pk").first()
        if user is not None:
            rows.append((label, user.full_name, user.username))
    return rows


def fingerprint(station_code: str | None = None) -> str:
    """A hash of the generated registry (not of primary keys): equal for equal seeds and scales."""
    import hashlib

    from fengqiao.registry.models import Address, House, Organisation, Person

    station_code = station_code or data.STATIONS[0]["code"]
    digest = hashlib.sha256()
    persons = Person.objects.filter(station__code=station_code).order_by("id_type", "id_number")
    for row in persons.values_list(
        *PERSON_FIELDS_FOR_HASH,
        "community__name",
        "address__full_text",
        "house__use",
        "registered_address",
    ):
        digest.update(repr(row).encode())
    for row in (
        Address.objects.filter(station__code=station_code)
        .order_by("full_text")
        .values_list("full_text", "latitude", "longitude")
    ):
        digest.update(repr(row).encode())
    for row in (
        House.objects.filter(station__code=station_code)
        .order_by("address__full_text")
        .values_list("address__full_text", "use", "owner_name", "built_year")
    ):
        digest.update(repr(row).encode())
    for row in (
        Organisation.objects.filter(station__code=station_code)
        .order_by("name", "credit_code")
        .values_list("name", "category", "credit_code", "legal_representative")
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()
