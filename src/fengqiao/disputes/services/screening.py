"""The daily screening calls (排查): record, link to a dispute, flag the missed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.core.scoping import editable_community_ids


def screening_record(*, actor, point, answer, note="", day: dt.date | None = None):
    """Record today's call to a liaison point in one click. 无异常 counts as a report. A second answer the
    same day replaces the first (a `missed` flag is replaced by a late call)."""
    from fengqiao.disputes.choices import CallAnswer
    from fengqiao.disputes.models import ScreeningCall

    answer = CallAnswer(answer)
    if answer == CallAnswer.MISSED:
        raise ValidationError({"answer": "漏报由系统在当日结束时标记"})
    if point.station_id != actor.station_id and not actor.is_superuser:
        raise PermissionDenied("只能联系本所的联络点")
    if not (
        actor.is_superuser
        or actor.is_leader
        or point.community_id in editable_community_ids(actor)
        or point.community.officers.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied("只有该社区的社区民警可以记录")
    if answer == CallAnswer.REPORTED and not (note or "").strip():
        raise ValidationError({"note": "有情况时请简要说明"})
    day = day or timezone.localdate()
    with transaction.atomic():
        call, _created = ScreeningCall.objects.update_or_create(
            point=point,
            day=day,
            defaults={
                "station_id": point.station_id,
                "community_id": point.community_id,
                "officer": actor,
                "answer": answer,
                "note": (note or "").strip()[:300],
                "called_at": timezone.now(),
            },
        )
    return call


def screening_link_dispute(*, actor, call_id: int, dispute) -> None:
    """The dispute registered from a screening call's report is recorded on the call (same station)."""
    from fengqiao.disputes.models import ScreeningCall

    ScreeningCall.objects.filter(
        pk=call_id, station_id=dispute.station_id, dispute__isnull=True
    ).update(dispute=dispute)


def screening_flag_missed(*, day: dt.date, station=None) -> int:
    """End of day: every active liaison point with no call that day gets a `missed` row. Idempotent."""
    from fengqiao.disputes.choices import CallAnswer
    from fengqiao.disputes.models import ScreeningCall
    from fengqiao.registry.models import LiaisonPoint

    points = LiaisonPoint.objects.filter(active=True).exclude(screening_calls__day=day)
    if station is not None:
        points = points.filter(station=station)
    rows = []
    for point in points.select_related("community").prefetch_related("community__officers"):
        officers = list(point.community.officers.all())
        rows.append(
            ScreeningCall(
                station_id=point.station_id,
                community_id=point.community_id,
                point=point,
                day=day,
                officer=officers[0] if officers else None,
                answer=CallAnswer.MISSED,
            )
        )
    with transaction.atomic():
        ScreeningCall.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
