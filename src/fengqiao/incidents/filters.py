"""The list filters, shared by the page, the xlsx export and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from fengqiao.incidents.models import Incident, IncidentCategory
from fengqiao.incidents.selectors import unfiled_filter


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


def filter_incidents(queryset, params, now=None):
    now = now or timezone.now()
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start:
        queryset = queryset.filter(received_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time.min)))
    if end:
        queryset = queryset.filter(
            received_at__lt=timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
        )
    category = _int(params.get("category"))
    if category:
        queryset = queryset.filter(Q(category_id=category) | Q(category__parent_id=category))
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
            Q(category__requires_case=True) | Q(category__parent__requires_case=True), case_reference=""
        ).filter(unfiled_filter(now))
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(
            Q(reference__icontains=q) | Q(caller_phone__contains=q) | Q(location__icontains=q)
        )
    return queryset.distinct() if officer else queryset


def top_categories():
    return IncidentCategory.objects.filter(parent__isnull=True, active=True)


__all__ = ["filter_incidents", "top_categories", "Incident"]
