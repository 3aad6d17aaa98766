"""Reads of the registry that several callers share (list page, API, export, other parts)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from fengqiao.registry.models import Address, House, Organisation, Person

_DIGITS = re.compile(r"^\d[\dXx]*$")
_LETTERS = re.compile(r"^[A-Za-z]+$")


def person_search(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Search persons by name, pinyin initials, ID number, phone or address, as the duty desk types it.

    - digits of length 18 (or 17 + X): the exact ID number;
    - 11 digits starting with 1: the exact phone;
    - 4 to 10 digits: the end of an ID number or phone (people quote "尾号");
    - latin letters: pinyin initials (zs → 张三);
    - anything else: name prefix, or an address containing it.
    """
    query = (query or "").strip()
    if not query:
        return queryset
    if _DIGITS.match(query):
        q = query.upper()
        if len(q) >= 15:
            return queryset.filter(id_number=q)
        if len(q) == 11 and q.startswith("1"):
            return queryset.filter(phone=q)
        if len(q) >= 4:
            return queryset.filter(Q(id_number__endswith=q) | Q(phone__endswith=q))
        return queryset.filter(Q(id_number__startswith=q) | Q(phone__startswith=q))
    if _LETTERS.match(query):
        return queryset.filter(name_initials__startswith=query.lower())
    return queryset.filter(Q(name__startswith=query) | Q(address__full_text__contains=query) | Q(registered_address__contains=query))


def house_search(queryset: QuerySet[House], query: str) -> QuerySet[House]:
    query = (query or "").strip()
    if not query:
        return queryset
    return queryset.filter(Q(address__full_text__contains=query) | Q(owner_name__startswith=query) | Q(owner_phone=query))


def address_search(queryset: QuerySet[Address], query: str) -> QuerySet[Address]:
    query = (query or "").strip()
    if not query:
        return queryset
    return queryset.filter(Q(full_text__contains=query) | Q(code=query))


def organisation_search(queryset: QuerySet[Organisation], query: str) -> QuerySet[Organisation]:
    query = (query or "").strip()
    if not query:
        return queryset
    if _LETTERS.match(query):
        return queryset.filter(name_initials__startswith=query.lower())
    return queryset.filter(
        Q(name__contains=query) | Q(credit_code=query.upper()) | Q(address__full_text__contains=query) | Q(legal_representative=query)
    )
