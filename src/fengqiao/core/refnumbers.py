"""Human-readable reference numbers (JQ-2026-000123): a locked counter row per kind, station and year.

Never count()+1. The counter row is locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
IMMEDIATE transaction mode takes the write lock at BEGIN) and incremented inside the caller's
transaction, so a number is consumed only when the record that carries it is committed: the
sequence is gap-free and unique. Call it inside the transaction that saves the record.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from fengqiao.core.workflow_models import ReferenceCounter

KIND_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")


def format_reference(kind: str, year: int, number: int) -> str:
    return f"{kind}-{year}-{number:06d}"


def next_reference(kind: str, station, year: int | None = None) -> str:
    """The next number for (kind, station, year), e.g. next_reference("JQ", station) -> 'JQ-2026-000123'."""
    if not KIND_PATTERN.match(kind or ""):
        raise ValueError(f"编号类型必须是大写字母开头的1-10位字母数字: {kind!r}")
    year = year or timezone.localdate().year
    station_id = getattr(station, "pk", station)
    with transaction.atomic():
        counter = (
            ReferenceCounter.objects.select_for_update()
            .filter(kind=kind, station_id=station_id, year=year)
            .first()
        )
        if counter is None:
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(
                        kind=kind, station_id=station_id, year=year, last=0
                    )
            except IntegrityError:
                pass  # another transaction created it first; lock theirs below
            counter = ReferenceCounter.objects.select_for_update().get(
                kind=kind, station_id=station_id, year=year
            )
        ReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
        number = ReferenceCounter.objects.values_list("last", flat=True).get(pk=counter.pk)
    return format_reference(kind, year, number)
