"""Check every row of an import table, then write the good ones in bulk.

`check()` reads nothing but a few batched lookups (communities, existing ID numbers, addresses,
houses) and writes nothing; `write()` must run inside the caller's transaction. The same checks run
again at commit time, so a record registered between the dry run and the commit is still caught.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core.audit import log_bulk
from fengqiao.exchange import rules as cells
from fengqiao.exchange.choices import ImportKind
from fengqiao.exchange.columns import COLUMNS
from fengqiao.exchange.readers import Table
from fengqiao.registry import rules
from fengqiao.registry.choices import HouseUse, IdType, InflowReason, PersonCategory, Relation, Sex
from fengqiao.registry.models import Address, Community, House, Person
from fengqiao.registry.services import person_validate

BATCH = 1000
LOOKUP_CHUNK = 500
PROGRESS_EVERY = 500

# Short labels people type in spreadsheets, besides the full ones of the choices.
CATEGORY_ALIASES = {
    "户籍": PersonCategory.REGISTERED,
    "流动": PersonCategory.FLOATING,
    "境外": PersonCategory.FOREIGN,
}
SEX_ALIASES = {"男性": Sex.MALE, "女性": Sex.FEMALE}
IDTYPE_ALIASES = {"身份证": IdType.RESIDENT_ID}
# Model fields that person_validate reports on, and the column they come from.
_PERSON_FIELD_COLUMN = {
    "name": "name",
    "id_number": "id_number",
    "id_type": "id_type",
    "sex": "sex",
    "birth_date": "birth_date",
    "phone": "phone",
    "inflow_date": "inflow_date",
    "inflow_reason": "inflow_reason",
    "expected_departure": "expected_departure",
    "nationality": "nationality",
    "category": "category",
}
_ADDRESS_PARTS = ("road", "doorplate", "building", "unit", "floor", "room")


@dataclass
class Plan:
    """One good row, ready to write."""

    row: int
    obj: object
    address_key: tuple[int, str] | None  # (community id, full text)
    address_parts: dict | None


def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)[:60]


class Importer:
    kind: str = ""
    model: type | None = None
    fields: tuple[str, ...] = ()  # what a good row keeps between the dry run and the commit

    def __init__(self, *, user, station, today: dt.date | None = None):
        self.user = user
        self.station = station
        self.today = today or timezone.localdate()
        self.titles = {c.key: c.title for c in COLUMNS[self.kind]}
        self.lengths = {c.key: c.max_length for c in COLUMNS[self.kind]}
        self.communities = {c.name: c for c in Community.objects.filter(station=station)}
        self.editable = set(
            Community.objects.editable_by(user).filter(station=station).values_list("id", flat=True)
        )
        self.errors: list[dict] = []
        self.bad_rows: set[int] = set()
        self._row_errors: set[str] = set()
        self._full_texts: dict[tuple, str] = {}

    # ------------------------------------------------------------------ errors

    def error(self, row: int, key: str, value, problem: str) -> None:
        self.errors.append(
            {
                "row": row,
                "column": self.titles.get(key, key),
                "value": _shown(value),
                "problem": problem,
            }
        )
        self.bad_rows.add(row)
        self._row_errors.add(key)

    def cell(self, row: int, values: dict, key: str, parse: Callable, *args, **kwargs):
        raw = values.get(key)
        try:
            return parse(raw, *args, **kwargs)
        except cells.CellError as exc:
            self.error(row, key, raw, str(exc))
            return None

    def text(self, row, values, key):
        return self.cell(row, values, key, cells.text, max_length=self.lengths.get(key)) or ""

    # ------------------------------------------------------------------ shared parts

    def community(self, row: int, values: dict) -> Community | None:
        name = cells.text(values.get("community"))
        if not name:
            self.error(row, "community", name, _("请填写社区/村"))
            return None
        community = self.communities.get(name)
        if community is None:
            self.error(row, "community", name, _("“%(name)s”不是本所的社区/村") % {"name": name})
            return None
        if community.pk not in self.editable:
            self.error(
                row,
                "community",
                name,
                _("您无权导入“%(name)s”的数据(只能导入您负责的社区/村)") % {"name": name},
            )
            return None
        return community

    def address(self, row: int, values: dict, community: Community | None, *, required: bool):
        parts = {key: self.text(row, values, key) for key in _ADDRESS_PARTS}
        if not parts["road"]:
            if required:
                self.error(row, "road", "", _("请填写街路巷/小区"))
            elif any(parts[k] for k in _ADDRESS_PARTS[1:]):
                self.error(row, "road", "", _("填写了门牌、楼栋或户室时须填写街路巷/小区"))
            return None, None
        if community is None:
            return None, None
        parts["town"] = community.town
        cache_key = (community.pk, *parts.values())
        full_text = self._full_texts.get(cache_key)
        if full_text is None:
            full_text = Address(community=community, **parts).compose_full_text()
            self._full_texts[cache_key] = full_text
        if len(full_text) > Address._meta.get_field("full_text").max_length:
            self.error(row, "road", parts["road"], _("地址过长"))
            return None, None
        return (community.pk, full_text), parts

    def existing_addresses(self, keys) -> dict[str, int]:
        texts = sorted({text for _, text in keys})
        found = {}
        for chunk in _chunks(texts):
            found.update(
                Address.objects.filter(station=self.station, full_text__in=chunk).values_list(
                    "full_text", "id"
                )
            )
        return found

    # ------------------------------------------------------------------ the pass over the rows

    def check(self, table: Table, progress: Callable[[int], None] | None = None) -> list[Plan]:
        plans = []
        for index, (row, values) in enumerate(table.rows, start=1):
            self._row_errors = set()
            plan = self.check_row(row, dict(zip(table.keys, values, strict=True)))
            if plan is not None and row not in self.bad_rows:
                plans.append(plan)
            if progress and index % PROGRESS_EVERY == 0:
                progress(index)
        plans = self.check_against_database(plans)
        if progress:
            progress(len(table.rows))
        return plans

    def check_row(self, row: int, values: dict) -> Plan | None:
        raise NotImplementedError

    # ------------------------------------------------------------------ the good rows, kept between dry run and commit

    def dump(self, plans: list[Plan]) -> list[dict]:
        """The good rows as JSON, so the commit needs not parse the spreadsheet again."""
        model = self.model
        fields = [model._meta.get_field(name) for name in self.fields]
        return [
            {
                "row": plan.row,
                "fields": {f.attname: f.value_to_string(plan.obj) for f in fields},
                "address_key": list(plan.address_key) if plan.address_key else None,
                "address_parts": plan.address_parts,
            }
            for plan in plans
        ]

    def load(self, dumped: list[dict]) -> list[Plan]:
        model = self.model
        fields = [model._meta.get_field(name) for name in self.fields]
        plans = []
        for item in dumped:
            values = {}
            for field in fields:
                raw = item["fields"].get(field.attname)
                values[field.attname] = (
                    None if raw in (None, "") and field.null else field.to_python(raw)
                )
            key = tuple(item["address_key"]) if item["address_key"] else None
            plans.append(Plan(item["row"], model(**values), key, item["address_parts"]))
        return plans

    def recheck(self, plans: list[Plan]) -> list[Plan]:
        """At commit time: what may have changed since the dry run (scope, records registered meanwhile)."""
        good = []
        for plan in plans:
            community_id = plan.obj.community_id
            if community_id not in self.editable:
                name = next((c.name for c in self.communities.values() if c.pk == community_id), "")
                self.error(plan.row, "community", name, _("您已无权导入“%(name)s”的数据") % {"name": name})
            else:
                good.append(plan)
        return self.check_against_database(good)

    def check_against_database(self, plans: list[Plan]) -> list[Plan]:
        return plans

    def write(
        self, plans: list[Plan], progress: Callable[[int], None] | None = None
    ) -> dict[str, int]:
        raise NotImplementedError

    # ------------------------------------------------------------------ writing addresses

    def create_addresses(self, plans: list[Plan]) -> dict[str, Address | int]:
        """Find or create the standard address of every plan; returns full text → address (or id)."""
        wanted = {}
        for plan in plans:
            if plan.address_key is not None:
                wanted.setdefault(plan.address_key, plan.address_parts)
        by_text: dict[str, Address | int] = dict(self.existing_addresses(wanted.keys()))
        new = []
        for (community_id, text), parts in wanted.items():
            if text in by_text:
                continue
            address = Address(
                station=self.station, community_id=community_id, full_text=text, **parts
            )
            new.append(address)
            by_text[text] = address
        for chunk in _chunks(new, BATCH):
            Address.objects.bulk_create(chunk)
            log_bulk(chunk, "create", actor=self.user, source="import")
        self.created_addresses = len(new)
        return by_text


def _address_id(value) -> int:
    return value if isinstance(value, int) else value.pk


class PersonImporter(Importer):
    kind = ImportKind.PERSONS
    model = Person
    fields = (
        "station",
        "community",
        "name",
        "name_initials",
        "id_tail",
        "phone_tail",
        "id_type",
        "id_number",
        "sex",
        "birth_date",
        "ethnicity",
        "nationality",
        "phone",
        "category",
        "registered_address",
        "relation",
        "inflow_date",
        "inflow_reason",
        "expected_departure",
        "note",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen_ids: dict[tuple[str, str], int] = {}
        self._initials: dict[str, str] = {}

    def initials(self, name: str) -> str:
        if name not in self._initials:
            self._initials[name] = rules.pinyin_initials(name)[:50]
        return self._initials[name]

    def check_row(self, row, values):
        community = self.community(row, values)
        name = self.text(row, values, "name")
        id_type = (
            self.cell(row, values, "id_type", cells.choice, IdType, extra=IDTYPE_ALIASES)
            or IdType.RESIDENT_ID
        )
        id_number = self.cell(row, values, "id_number", cells.id_text)
        sex = self.cell(row, values, "sex", cells.choice, Sex, extra=SEX_ALIASES)
        birth_date = self.cell(row, values, "birth_date", cells.date)
        category = self.cell(
            row, values, "category", cells.choice, PersonCategory, extra=CATEGORY_ALIASES
        )
        relation = self.cell(row, values, "relation", cells.choice, Relation)
        inflow_date = self.cell(row, values, "inflow_date", cells.date)
        inflow_reason = self.cell(row, values, "inflow_reason", cells.choice, InflowReason)
        departure = self.cell(row, values, "expected_departure", cells.date)
        person = Person(
            station_id=self.station.pk,
            community_id=community.pk if community else None,
            name=name,
            name_initials=self.initials(name) if name else "",
            id_type=id_type,
            id_number=id_number or "",
            sex=sex or "",
            birth_date=birth_date,
            phone=self.text(row, values, "phone"),
            category=category or PersonCategory.REGISTERED,
            registered_address=self.text(row, values, "registered_address"),
            relation=relation or "",
            inflow_date=inflow_date,
            inflow_reason=inflow_reason or "",
            expected_departure=departure,
            ethnicity=self.text(row, values, "ethnicity") or "汉族",
            nationality=self.text(row, values, "nationality"),
            note=self.text(row, values, "note"),
        )
        if "id_number" in self._row_errors:
            person.id_number = ""
        try:
            person_validate(person, today=self.today)
            person.fill_search_keys(initials=person.name_initials)
        except ValidationError as exc:
            id_bad = "id_number" in exc.message_dict or "id_number" in self._row_errors
            for field, messages in exc.message_dict.items():
                key = _PERSON_FIELD_COLUMN.get(field, field)
                if key in self._row_errors:
                    continue  # the cell itself was already reported
                if id_bad and key in ("sex", "birth_date") and values.get(key) in (None, ""):
                    continue  # blank, to be taken from the ID number: its problem is reported once
                for message in messages:
                    self.error(row, key, values.get(key), message)
        if (
            departure
            and inflow_date
            and departure <= inflow_date
            and person.category != PersonCategory.FLOATING
        ):
            self.error(row, "expected_departure", departure, _("预计离开日期应晚于流入日期"))
        if person.id_number and "id_number" not in self._row_errors:
            key = (person.id_type, person.id_number)
            first = self.seen_ids.get(key)
            if first is not None:
                self.error(row, "id_number", person.id_number, _("与第%(row)s行的证件号码重复") % {"row": first})
            else:
                self.seen_ids[key] = row
        address_key, parts = self.address(row, values, community, required=False)
        return Plan(row=row, obj=person, address_key=address_key, address_parts=parts)

    def check_against_database(self, plans):
        numbers = sorted({p.obj.id_number for p in plans})
        taken = set()
        for chunk in _chunks(numbers):
            taken.update(
                Person.objects.filter(id_number__in=chunk).values_list("id_type", "id_number")
            )
        good = []
        for plan in plans:
            if (plan.obj.id_type, plan.obj.id_number) in taken:
                self.error(
                    plan.row, "id_number", plan.obj.id_number, _("该证件号码已登记,请勿重复导入")
                )
            else:
                good.append(plan)
        return good

    def write(self, plans, progress=None):
        by_text = self.create_addresses(plans)
        address_ids = sorted(
            {_address_id(by_text[p.address_key[1]]) for p in plans if p.address_key}
        )
        houses: dict[int, House | int] = {}
        for chunk in _chunks(address_ids):
            houses.update(
                House.objects.filter(address_id__in=chunk).values_list("address_id", "id")
            )
        # Existing addresses without a house: load them in one go (a house's log entry names its address).
        bare = [i for i in address_ids if i not in houses]
        loaded = {}
        for chunk in _chunks(bare):
            loaded.update(Address.objects.in_bulk(chunk))
        new_houses = []
        for plan in plans:
            if plan.address_key is None:
                continue
            address = by_text[plan.address_key[1]]
            address_id = _address_id(address)
            if address_id in houses:
                continue
            if isinstance(address, int):
                address = loaded[address_id]
            house = House(
                station=self.station,
                community_id=address.community_id,
                address=address,
                use=HouseUse.OWNER_OCCUPIED,
            )
            houses[address_id] = house
            new_houses.append(house)
        for chunk in _chunks(new_houses, BATCH):
            House.objects.bulk_create(chunk)
            log_bulk(chunk, "create", actor=self.user, source="import")
        now = timezone.now()
        persons = []
        for plan in plans:
            person = plan.obj
            person.created_at = now
            person.updated_at = now
            if plan.address_key:
                person.address_id = _address_id(by_text[plan.address_key[1]])
                house = houses[person.address_id]
                person.house_id = house if isinstance(house, int) else house.pk
            persons.append(person)
        done = 0
        for chunk in _chunks(persons, BATCH):
            Person.objects.bulk_create(chunk)
            log_bulk(chunk, "create", actor=self.user, source="import")
            done += len(chunk)
            if progress:
                progress(done)
        return {
            "persons": len(persons),
            "houses": len(new_houses),
            "addresses": self.created_addresses,
        }


class HouseImporter(Importer):
    kind = ImportKind.HOUSES
    model = House
    fields = (
        "station",
        "community",
        "use",
        "owner_name",
        "owner_phone",
        "area_m2",
        "rooms",
        "built_year",
        "note",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen_addresses: dict[str, int] = {}
        self.this_year = self.today.year

    def check_row(self, row, values):
        community = self.community(row, values)
        use = self.cell(row, values, "use", cells.choice, HouseUse)
        owner_phone = self.text(row, values, "owner_phone")
        try:
            owner_phone = rules.normalise_phone(owner_phone)
        except rules.InvalidPhone as exc:
            self.error(row, "owner_phone", owner_phone, str(exc))
        house = House(
            station_id=self.station.pk,
            community_id=community.pk if community else None,
            use=use or HouseUse.OWNER_OCCUPIED,
            owner_name=self.text(row, values, "owner_name"),
            owner_phone=owner_phone,
            area_m2=self.cell(row, values, "area_m2", cells.number, max_digits=8, decimal_places=2),
            rooms=self.cell(row, values, "rooms", cells.integer, minimum=0, maximum=999),
            built_year=self.cell(
                row, values, "built_year", cells.integer, minimum=1800, maximum=self.this_year
            ),
            note=self.text(row, values, "note"),
        )
        address_key, parts = self.address(row, values, community, required=True)
        if address_key is not None:
            first = self.seen_addresses.get(address_key[1])
            if first is not None:
                self.error(
                    row,
                    "road",
                    parts["road"],
                    _("与第%(row)s行是同一地址(%(address)s)") % {"row": first, "address": address_key[1]},
                )
            else:
                self.seen_addresses[address_key[1]] = row
        return Plan(row=row, obj=house, address_key=address_key, address_parts=parts)

    def check_against_database(self, plans):
        existing = self.existing_addresses([p.address_key for p in plans])
        ids = sorted(existing.values())
        taken = {}
        for chunk in _chunks(ids):
            taken.update(House.objects.filter(address_id__in=chunk).values_list("address_id", "id"))
        good = []
        for plan in plans:
            address_id = existing.get(plan.address_key[1])
            if address_id in taken:
                self.error(
                    plan.row,
                    "road",
                    plan.address_parts["road"],
                    _("该地址已登记房屋(%(address)s,编号%(id)s)")
                    % {"address": plan.address_key[1], "id": taken[address_id]},
                )
            else:
                good.append(plan)
        return good

    def write(self, plans, progress=None):
        by_text = self.create_addresses(plans)
        houses = []
        for plan in plans:
            address = by_text[plan.address_key[1]]
            if isinstance(address, int):
                plan.obj.address_id = address
            else:
                plan.obj.address = address
            houses.append(plan.obj)
        done = 0
        for chunk in _chunks(houses, BATCH):
            House.objects.bulk_create(chunk)
            self._log_houses(chunk)
            done += len(chunk)
            if progress:
                progress(done)
        return {"houses": len(houses), "addresses": self.created_addresses}

    def _log_houses(self, chunk):
        # str(house) reads its address: load the ones not in memory in one query, not one per house.
        missing = [h.address_id for h in chunk if "address" not in h._state.fields_cache]
        if missing:
            loaded = Address.objects.in_bulk(missing)
            for house in chunk:
                if "address" not in house._state.fields_cache:
                    house.address = loaded[house.address_id]
        log_bulk(chunk, "create", actor=self.user, source="import")


IMPORTERS = {ImportKind.PERSONS: PersonImporter, ImportKind.HOUSES: HouseImporter}
