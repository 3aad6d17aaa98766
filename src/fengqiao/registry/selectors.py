"""Reads of the registry that several callers share (list page, API, export, other parts)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from fengqiao.core import masking, rls
from fengqiao.registry.models import Address, House, Organisation, Person

# Whole-access search for internal callers that have no user (matching, imports).
_PARTIAL = masking.SearchScope(partial=True)

_DIGITS = re.compile(r"^\d[\dXx]*$")
_LETTERS = re.compile(r"^[A-Za-z]+$")
_MAX_CHAR = "\U0010ffff"


def prefix(field: str, value: str) -> Q:
    """`field` starts with `value`, written as a range so SQLite and PostgreSQL can use the index.

    (A LIKE 'x%' with Django's ESCAPE clause never uses an index on SQLite, nor on PostgreSQL
    outside the C collation.) The range is exact in code-point order; startswith is kept as a guard.
    """
    return Q(
        **{f"{field}__gte": value, f"{field}__lt": value + _MAX_CHAR, f"{field}__startswith": value}
    )


# An address fragment such as "西街" can match thousands of addresses. Up to this many, their ids are
# read first and passed as a list; past it, a subquery (complete, a little slower) is used instead.
ADDRESS_MATCH_LIMIT = 5000


# A one- or two-character fragment is looked up in SQLite's trigram index as the trigrams that begin
# with it; past this many distinct trigrams (a very common character) the plain scan is as good.
SHORT_FRAGMENT_TERMS = 400
_FTS_TABLE = "registry_address_fts"


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_candidates(text: str):
    """SQLite: the ids of the addresses that may contain `text`, from the trigram index (migration
    registry 0003) — a superset; None when the index cannot narrow it (no index, a very common
    character). Never a scan of every address."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [_FTS_TABLE]
        )
        if cursor.fetchone() is None:
            return None
        if len(text) >= 3:
            # detail='none' keeps no positions: every trigram of the fragment (the rows are tested)
            trigrams = dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2))
            expression = " AND ".join(_fts_quote(t) for t in trigrams)
        else:
            # Every fragment of one or two characters begins a trigram (the text is indexed with two
            # sentinels at its end): the trigrams in the index's vocabulary that begin with it.
            low = text.lower()
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_FTS_TABLE}_terms "
                f"USING fts5vocab(main, {_FTS_TABLE}, 'row')"
            )
            cursor.execute(
                f"SELECT term FROM temp.{_FTS_TABLE}_terms WHERE term >= %s AND term < %s "  # noqa: S608
                f"LIMIT {SHORT_FRAGMENT_TERMS + 1}",
                [low, low + _MAX_CHAR],
            )
            terms = [row[0] for row in cursor.fetchall() if row[0].startswith(low)]
            if len(terms) > SHORT_FRAGMENT_TERMS:
                return None
            if not terms:
                return []
            expression = " OR ".join(_fts_quote(t) for t in terms)
    # The table name is ours; the user's text goes in as a parameter, quoted for FTS5's syntax.
    return RawSQL(  # noqa: S611
        f"SELECT rowid FROM {_FTS_TABLE} WHERE {_FTS_TABLE} MATCH %s",  # noqa: S608
        [expression],
    )


def _addresses_containing(text: str):
    """The addresses whose text contains `text`: an id list read first when it is short (it lets the
    database use the person table's address index instead of a subplan over the whole table), else a
    subquery, so a broad fragment never silently drops matches.

    The containment is tested only on the candidates of the text index (SQLite FTS5 trigrams; on
    PostgreSQL the pg_trgm GIN index serves the LIKE itself), never by a scan of every address."""
    from django.db import connection

    matching = Address.objects.filter(full_text__contains=text).order_by()
    if connection.vendor == "sqlite":
        candidates = _fts_candidates(text)
        if candidates is not None:
            matching = matching.filter(pk__in=candidates)
    else:
        matching = matching.filter(**_rls_stations())
    matching = matching.values_list("pk", flat=True)
    ids = list(matching[: ADDRESS_MATCH_LIMIT + 1])
    if len(ids) > ADDRESS_MATCH_LIMIT:
        return matching
    return ids


def _rls_stations() -> dict:
    """On PostgreSQL, the stations row-level security admits (core/rls.py), as a plain condition.

    The policy filters the rows anyway; but LIKE is not leakproof, so under the policy PostgreSQL
    may not use the trigram index and reads every address of the county. `station_id IN (…)` is
    leakproof: the (station, full_text) index then bounds the read to the user's stations."""
    scope = rls.current()
    if not scope or scope == rls.ALL:
        return {}
    return {"station_id__in": [int(s) for s in scope.split(",")]}


def _tail(queryset: QuerySet[Person], digits: str) -> QuerySet[Person]:
    """ID numbers or phones ending with `digits` (4 or more), through the indexed 4-character tails."""
    last4 = digits[-4:]
    match = Q(id_tail=last4) | Q(phone_tail=last4)
    if len(digits) > 4:
        match = (Q(id_tail=last4) & Q(id_number__endswith=digits)) | (
            Q(phone_tail=last4) & Q(phone__endswith=digits)
        )
    return queryset.filter(match)


names_door = masking.names_door


def person_search(
    queryset: QuerySet[Person], query: str, *, scope: masking.SearchScope = _PARTIAL
) -> QuerySet[Person]:
    """Search persons by name, pinyin initials, ID number, phone or address, as the duty desk types it.

    - digits of length 15 or more (or 17 + X): the exact ID number;
    - 11 digits starting with 1: the exact phone;
    - 4 to 10 digits: the end of an ID number or phone (people quote "尾号"), by indexed tails;
    - fewer digits: the start of an ID number or phone;
    - latin letters: pinyin initials (zs → 张三);
    - anything else: names starting with it, or current addresses containing it.

    `scope` (core/masking.py `search_scope(user)`): a role without the need finds by a full ID
    number, a full phone or a phone's shown four last digits only, and by an address fragment only
    above the door; any other digits find nothing, so no query confirms a hidden character.
    """
    query = (query or "").strip()
    if not query:
        return queryset
    if _DIGITS.match(query):
        q = query.upper()
        if not scope.partial:
            if len(q) >= 15:
                return queryset.filter(id_number=q)
            if len(q) == 11 and q.startswith("1"):
                return queryset.filter(phone=q)
            if masking.is_shown_phone_tail(q):
                return queryset.filter(phone_tail=q)
            return queryset.none()
        if len(q) >= 15:
            return queryset.filter(id_number=q)
        if len(q) == 11 and q.startswith("1"):
            return queryset.filter(phone=q)
        if len(q) >= 4:
            return _tail(queryset, q)
        return queryset.filter(prefix("id_number", q) | prefix("phone", q))
    if _LETTERS.match(query):
        return queryset.filter(prefix("name_initials", query.lower()))
    if not scope.partial and names_door(query):
        return queryset.filter(prefix("name", query))
    return queryset.filter(prefix("name", query) | Q(address_id__in=_addresses_containing(query)))


def house_search(queryset: QuerySet[House], query: str, *, whole: bool = True) -> QuerySet[House]:
    """`whole`: the user sees door addresses (core/masking.py); else a fragment naming a door finds
    nothing by the address."""
    query = (query or "").strip()
    if not query:
        return queryset
    match = prefix("owner_name", query) | Q(owner_phone=query)
    if whole or not names_door(query):
        match |= Q(address_id__in=_addresses_containing(query))
    return queryset.filter(match)


def address_search(
    queryset: QuerySet[Address], query: str, *, whole: bool = True
) -> QuerySet[Address]:
    query = (query or "").strip()
    if not query:
        return queryset
    if not whole:
        return queryset.none() if names_door(query) else queryset.filter(full_text__contains=query)
    return queryset.filter(Q(full_text__contains=query) | Q(code=query))


def organisation_search(queryset: QuerySet[Organisation], query: str) -> QuerySet[Organisation]:
    query = (query or "").strip()
    if not query:
        return queryset
    if _LETTERS.match(query):
        return queryset.filter(prefix("name_initials", query.lower()))
    return queryset.filter(
        Q(name__contains=query)
        | Q(credit_code=query.upper())
        | Q(address_id__in=_addresses_containing(query))
        | Q(legal_representative=query)
    )
