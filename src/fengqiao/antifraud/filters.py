"""The warning-list filters shared by the list page, the xlsx feedback export and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from fengqiao.antifraud.choices import RiskLevel, WarningStatus
from fengqiao.antifraud.selectors import overdue_q
from fengqiao.core import masking


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value):
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def filter_warnings(queryset, params, now=None, *, user=None):
    """level, status (or "open"), overdue=1, community, officer, from/to (received, Beijing dates), q (search)."""
    now = now or timezone.now()
    level = params.get("level")
    if level in RiskLevel.values:
        queryset = queryset.filter(risk_level=level)
    status = params.get("status")
    if status == "open":
        queryset = queryset.open()
    elif status in WarningStatus.values:
        queryset = queryset.filter(status=status)
    elif not status:
        queryset = queryset.primary()
    if params.get("overdue") in ("1", "true", "on", True):
        queryset = queryset.filter(overdue_q(now))
    community = _int(params.get("community"))
    if community:
        queryset = queryset.filter(community_id=community)
    officer = _int(params.get("officer"))
    if officer:
        queryset = queryset.filter(officer_id=officer)
    fraud_type = _int(params.get("fraud_type"))
    if fraud_type:
        queryset = queryset.filter(fraud_type_id=fraud_type)
    tz = timezone.get_current_timezone()
    start = _date(params.get("from"))
    if start:
        queryset = queryset.filter(received_at__gte=dt.datetime.combine(start, dt.time.min, tz))
    end = _date(params.get("to"))
    if end:
        queryset = queryset.filter(
            received_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)
        )
    text = (params.get("q") or "").strip()
    if text:
        queryset = queryset.filter(
            Q(reference__icontains=text)
            | Q(external_id__icontains=text)
            | Q(name__startswith=text)
            | (
                masking.phone_match("phone", text, user, partial="endswith")
                if user is not None
                else Q(phone__endswith=text)
            )
            | Q(id_number=text.upper())
        )
    return queryset
