"""Reads of the anti-fraud part: registry matching, the officer of a community, the work queue, overdue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext

from fengqiao.accounts.choices import Role
from fengqiao.antifraud import rules
from fengqiao.antifraud.choices import OPEN_STATUSES, MatchMethod
from fengqiao.antifraud.models import Warning

CHUNK = 500


@dataclass(frozen=True)
class Match:
    person: object | None
    community: object | None
    method: str


NO_MATCH = Match(None, None, MatchMethod.NONE)


class Matcher:
    """Match warnings to the registry of one station: ID number, then phone, then name + address,
    then the address alone (community only). `prime(rows)` loads the people of many warnings in a
    few queries (imports); `match(...)` falls back to one query per key for what was not primed."""

    def __init__(self, station):
        from fengqiao.registry.models import Community, Person

        self.station = station
        self._communities = {c.pk: c for c in Community.objects.filter(station=station)}
        self._persons = Person.objects.filter(station=station).only(
            "pk", "name", "phone", "id_number", "community_id", "address_id", "station_id"
        )
        self._by_id: dict[str, object | None] = {}
        self._by_phone: dict[str, list] = {}
        self._by_name: dict[str, list] = {}
        self._officers: dict[int, object | None] = {}

    def prime(self, *, id_numbers=(), phones=(), names=()):
        ids = [i for i in set(id_numbers) if i and i not in self._by_id]
        for i in ids:
            self._by_id[i] = None
        for start in range(0, len(ids), CHUNK):
            for p in self._persons.filter(id_number__in=ids[start : start + CHUNK]):
                self._by_id[p.id_number] = p
        for key, store, field in (
            (phones, self._by_phone, "phone"),
            (names, self._by_name, "name"),
        ):
            values = [v for v in set(key) if v and v not in store]
            for v in values:
                store[v] = []
            persons = self._persons
            if field == "name":  # name + address matching reads the standard address
                persons = persons.select_related("address").only(
                    "pk",
                    "name",
                    "phone",
                    "id_number",
                    "community_id",
                    "address_id",
                    "station_id",
                    "address__full_text",
                )
            for start in range(0, len(values), CHUNK):
                for p in persons.filter(**{f"{field}__in": values[start : start + CHUNK]}).order_by(
                    "pk"
                ):
                    store[getattr(p, field)].append(p)

    def community_of(self, person):
        return self._communities.get(person.community_id)

    def _lookup(self, store, field, value):
        if value not in store:
            self.prime(**{f"{field}s": [value]}) if field != "id_number" else self.prime(
                id_numbers=[value]
            )
        return store[value]

    def match(self, *, name: str, phone: str, id_number: str, address_text: str) -> Match:
        if id_number:
            person = self._lookup(self._by_id, "id_number", id_number)
            if person is not None:
                return Match(person, self.community_of(person), MatchMethod.ID_NUMBER)
        if phone:
            people = self._lookup(self._by_phone, "phone", phone)
            same_name = [p for p in people if p.name == name]
            chosen = same_name or people
            if len(chosen) == 1 or (chosen and len({p.community_id for p in chosen}) == 1):
                return Match(chosen[0], self.community_of(chosen[0]), MatchMethod.PHONE)
        if name and address_text:
            people = [
                p
                for p in self._lookup(self._by_name, "name", name)
                if p.address_id and rules.address_matches(address_text, p.address.full_text)
            ]
            if len(people) == 1:
                return Match(people[0], self.community_of(people[0]), MatchMethod.NAME_ADDRESS)
        if address_text:
            community = self.community_by_address(address_text)
            if community is not None:
                return Match(None, community, MatchMethod.ADDRESS)
        return NO_MATCH

    def community_by_address(self, text: str):
        """A community whose name appears in the address (the longest name wins)."""
        compact = "".join(text.split())
        for community in sorted(
            self._communities.values(), key=lambda c: len(c.name), reverse=True
        ):
            if community.name and community.name in compact:
                return community
        return None

    def officer_for(self, community):
        """The community's officer: a 社区民警 assigned to it first, else any active officer assigned to it."""
        if community is None:
            return None
        if community.pk not in self._officers:
            officers = list(
                community.officers.filter(is_active=True, station_id=community.station_id).order_by(
                    "pk"
                )
            )
            preferred = [o for o in officers if o.role == Role.COMMUNITY_OFFICER]
            self._officers[community.pk] = (preferred or officers or [None])[0]
        return self._officers[community.pk]


def overdue_q(now):
    """Not yet contacted and past the contact deadline, or contacted late."""
    from django.db.models import F

    return Q(first_contact_at__isnull=True, contact_due_at__lte=now, status__in=OPEN_STATUSES) | Q(
        first_contact_at__gt=F("contact_due_at")
    )


def my_warnings_items(user, now):
    """Work queue. Before first contact a warning's contact clock is already in the queue (the core
    `clock` provider: assignee, due time, colour), so this lists what the clocks do not:
    - my warnings contacted but not closed yet (待办结: record the outcome);
    - for the command room, duty desk and leaders: the station's warnings nobody is assigned to
      (待分派), due at their contact deadline."""
    from fengqiao.antifraud.models import DESK_ROLES
    from fengqiao.core.workqueue import WorkItem

    items = []
    to_close, to_assign = gettext("待办结"), gettext("待分派")
    mine = (
        Warning.objects.visible_to(user)
        .open()
        .filter(officer=user, first_contact_at__isnull=False)
        .select_related("fraud_type")
        .order_by("received_at")
    )
    for w in mine[:200]:
        items.append(
            WorkItem(
                title=f"{w.reference} {w.name} · {to_close}",
                url=reverse("antifraud:warning_detail", args=[w.pk]),
                due_at=None,
                kind="fraud_warning",
                kind_label=gettext("反诈预警"),
                object=w,
            )
        )
    if user.is_superuser or user.role in DESK_ROLES:
        waiting = (
            Warning.objects.visible_to(user)
            .filter(status="unassigned")
            .select_related("fraud_type")
            .order_by("contact_due_at")
        )
        for w in waiting[:200]:
            overdue = w.contact_due_at is not None and w.contact_due_at <= now
            items.append(
                WorkItem(
                    title=f"{w.reference} {w.get_risk_level_display()}·{w.fraud_type} {w.name} · {to_assign}",
                    url=reverse("antifraud:warning_detail", args=[w.pk]),
                    due_at=w.contact_due_at,
                    level="red" if overdue else ("orange" if w.risk_level == "high" else ""),
                    kind="fraud_warning",
                    kind_label=gettext("反诈预警"),
                    object=w,
                )
            )
    return items
