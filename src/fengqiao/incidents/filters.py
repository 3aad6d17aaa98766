"""The list filters, shared by the page, the xlsx export and the API."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone

from fengqiao.core import masking
from fengqiao.incidents.models import Incident, IncidentCategory
from fengqiao.incidents.selectors import unfiled_ids
from fengqiao.registry.rules import InvalidPhone, normalise_phone

REFERENCE = re.compile(r"^[A-Za-z]{2}-\d{4}-\d{1,6}$")


def _date(value):
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def filter_incidents(queryset, params, now=None, *, user=None):
    """`user`: whose search it is; a role without the phone need finds by the whole number or its
    four last digits only (core/masking.py). None: an internal caller."""
    now = now or timezone.now()
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start:
        queryset = queryset.filter(
            received_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time.min))
        )
    if end:
        queryset = queryset.filter(
            received_at__lt=timezone.make_aware(
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
            )
        )
    category = _int(params.get("category"))
    if category:
        # the category and its sub-categories, as a list of ids (an OR over a join would scan every incident)
        ids = list(
            IncidentCategory.objects.filter(Q(pk=category) | Q(parent_id=category)).values_list(
                "pk", flat=True
            )
        )
        queryset = queryset.filter(category_id__in=ids)
    status = params.get("status")
    if status:
        queryset = queryset.filter(status=status)
    community = _int(params.get("community"))
    if community:
        queryset = queryset.filter(community_id=community)
    officer = _int(params.get("officer"))
    if officer:
        queryset = queryset.filter(assignments__officer_id=officer)
    if params.get("unfiled") in ("1", "true", "on"):
        queryset = queryset.filter(
            Q(category__requires_case=True) | Q(category__parent__requires_case=True),
            case_reference="",
        ).filter(pk__in=unfiled_ids(now))
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(_search(q, user))
    return queryset.distinct() if officer else queryset


def _search(q: str, user=None) -> Q:
    """A whole phone number or reference number is looked up exactly (indexed); anything else by fragment."""
    if REFERENCE.match(q):
        kind, year, number = q.upper().split("-")
        return Q(reference=f"{kind}-{year}-{int(number):06d}")
    if q.isdigit() and len(q) >= 7:
        try:
            phone = normalise_phone(q)
        except InvalidPhone:
            phone = ""
        if phone:
            return Q(caller_phone=phone)
    phone = (
        masking.phone_match("caller_phone", q, user)
        if user is not None
        else Q(caller_phone__contains=q)
    )
    return Q(reference__icontains=q) | phone | Q(location__icontains=q)


def top_categories():
    return IncidentCategory.objects.filter(parent__isnull=True, active=True)


__all__ = ["filter_incidents", "top_categories", "Incident"]
