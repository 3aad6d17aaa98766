"""Alarms: raise them, tell the owner (SMS) and the command room, sweep the offline, close."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from fengqiao.accounts.choices import Role
from fengqiao.core import events
from fengqiao.vehicles import conf, rules
from fengqiao.vehicles.choices import (
    AlarmKind,
    AlarmResult,
    AlarmStatus,
    MessageStatus,
    VehicleStatus,
)
from fengqiao.vehicles.models import Alarm, OwnerMessage, Vehicle
from fengqiao.vehicles.services.common import _lock, _require_editable

log = logging.getLogger(__package__)  # the services' logger, named as before the split


@dataclass(frozen=True)
class AlarmDraft:
    """An alarm to raise: the vehicle's ids (as read by the hook), kind, time and where."""

    vehicle_id: int
    station_id: int
    community_id: int
    kind: str
    at: dt.datetime
    latitude: float | None = None
    longitude: float | None = None
    speed_kmh: float | None = None
    position_id: int | None = None


def alarms_raise(drafts: list[AlarmDraft]) -> list[Alarm]:
    """Open the alarms (a repeat of an open alarm of the same vehicle and kind within
    VEHICLES_ALARM_REPEAT_MINUTES only counts), then tell owners by SMS and the command room live.
    Returns the alarms opened."""
    if not drafts:
        return []
    repeat = dt.timedelta(minutes=conf.get("VEHICLES_ALARM_REPEAT_MINUTES"))
    with transaction.atomic():
        vehicle_ids = {d.vehicle_id for d in drafts}
        kinds = {d.kind for d in drafts}
        open_alarms = {
            (a.vehicle_id, a.kind): a
            for a in Alarm.objects.filter(
                vehicle_id__in=vehicle_ids, kind__in=kinds, status=AlarmStatus.OPEN
            ).only("id", "vehicle_id", "kind", "last_at")
        }
        fresh: dict[tuple[int, str], Alarm] = {}
        for d in drafts:
            key = (d.vehicle_id, d.kind)
            existing = open_alarms.get(key)
            if existing is not None and d.at - existing.last_at <= repeat:
                Alarm.objects.filter(pk=existing.pk).update(
                    repeats=F("repeats") + 1, last_at=max(d.at, existing.last_at)
                )
                existing.last_at = max(d.at, existing.last_at)
                continue
            if key in fresh:
                fresh[key].repeats += 1
                fresh[key].last_at = max(fresh[key].last_at, d.at)
                continue
            fresh[key] = Alarm(
                station_id=d.station_id,
                community_id=d.community_id,
                vehicle_id=d.vehicle_id,
                kind=d.kind,
                at=d.at,
                last_at=d.at,
                latitude=d.latitude,
                longitude=d.longitude,
                speed_kmh=d.speed_kmh,
                position_id=d.position_id,
            )
        created = Alarm.objects.bulk_create(list(fresh.values()))
        if created:
            from fengqiao.core.audit import log_bulk
            from fengqiao.core.models import ChangeAction

            log_bulk(created, ChangeAction.CREATE, source="system")
        if created:
            # Published before the notifications are queued: on commit, the command room's alert
            # (its subscriber) is written before the vehicle_alarm notification that makes an open
            # wall reload is pushed (decision 0008).
            for alarm in created:
                events.publish(
                    "vehicle.alarm_raised",
                    {
                        "alarm_id": alarm.pk,
                        "vehicle_id": alarm.vehicle_id,
                        "station_id": alarm.station_id,
                        "kind": alarm.kind,
                    },
                )
            _notify(created)
    return created


def _sms_text(alarm: Alarm, plate: str) -> str:
    when = timezone.localtime(alarm.at).strftime("%m-%d %H:%M")
    text = f"【行车卫士】您的车辆{plate}于{when}{alarm.get_kind_display()}"
    if alarm.kind in (AlarmKind.MOVEMENT_WHILE_ARMED, AlarmKind.FENCE_EXIT, AlarmKind.POWER_CUT):
        text += ",如非本人操作请立即拨打110"
    return text


def _notify(alarms: list[Alarm]) -> None:
    from fengqiao.accounts.models import User
    from fengqiao.notifications.services import notification_send

    vehicles = {
        v.pk: v
        for v in Vehicle.objects.filter(pk__in={a.vehicle_id for a in alarms}).select_related(
            "owner"
        )
    }
    messages = []
    for alarm in alarms:
        vehicle = vehicles[alarm.vehicle_id]
        phone = (vehicle.owner.phone or "").strip()
        messages.append(
            OwnerMessage(
                vehicle=vehicle,
                alarm=alarm,
                phone=phone,
                text=_sms_text(alarm, vehicle.plate),
                status=MessageStatus.PENDING if phone else MessageStatus.SKIPPED,
                last_error="" if phone else "车主没有手机号",
            )
        )
    OwnerMessage.objects.bulk_create(messages)
    pending = [m.pk for m in messages if m.status == MessageStatus.PENDING and m.pk]
    if not pending:
        pending = list(
            OwnerMessage.objects.filter(alarm__in=alarms, status=MessageStatus.PENDING).values_list(
                "pk", flat=True
            )
        )
    if pending:
        transaction.on_commit(lambda: _enqueue_sms(pending), robust=True)
    room = {}
    for alarm in alarms:
        vehicle = vehicles[alarm.vehicle_id]
        if not rules.tell_command_room(
            alarm.kind, armed=vehicle.armed, stolen=vehicle.status == VehicleStatus.STOLEN
        ):
            continue
        if alarm.station_id not in room:
            room[alarm.station_id] = list(
                User.objects.filter(station_id=alarm.station_id, role=Role.COMMAND, is_active=True)
            )
        theft_like = (
            alarm.kind in rules.COMMAND_ROOM_KINDS or vehicle.status == VehicleStatus.STOLEN
        )
        notification_send(
            recipients=room[alarm.station_id],
            kind="vehicle_alarm",
            title=f"车辆告警:{vehicle.plate} {alarm.get_kind_display()}",
            body=f"{timezone.localtime(alarm.at):%Y-%m-%d %H:%M:%S} {vehicle.get_kind_display()} {vehicle.brand} {vehicle.colour}".strip(),
            level="red" if theft_like else "orange",
            urgent=True,
            url=reverse("vehicles:vehicle_detail", args=[vehicle.pk]),
            obj=alarm,
            dedupe_key=f"vehicle-alarm-{alarm.pk}",
        )


def _enqueue_sms(ids: list[int]) -> None:
    """One queue entry per batch of alarms (a queue write per SMS would cost the ingestion path)."""
    from fengqiao.vehicles.tasks import owner_messages_send

    owner_messages_send(ids)


def owner_message_attempt(message_id: int, *, max_attempts: int = 3) -> bool:
    """Send one owner SMS through the SMS gateway channel. Returns True when it should be retried."""
    from types import SimpleNamespace

    from fengqiao.notifications.channels import ChannelError, get

    message = OwnerMessage.objects.filter(pk=message_id, status=MessageStatus.PENDING).first()
    if message is None:
        return False
    channel = get("sms")
    if not channel.enabled():
        OwnerMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.SKIPPED, last_error="未配置短信网关"
        )
        return False
    attempts = message.attempts + 1
    try:
        result = channel.send(SimpleNamespace(title=message.text, body=""), message.phone)
    except ChannelError as exc:
        state = MessageStatus.FAILED if attempts >= max_attempts else MessageStatus.PENDING
        OwnerMessage.objects.filter(pk=message.pk).update(
            attempts=attempts,
            status=state,
            last_error=str(exc)[:300],
            response_code=exc.response_code,
        )
        log.warning("owner sms %s failed (attempt %s): %s", message.pk, attempts, exc)
        return state == MessageStatus.PENDING
    OwnerMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        response_code=result.response_code,
        last_error="",
    )
    return False


OFFLINE_DEAD_AFTER = dt.timedelta(days=30)


def offline_sweep(*, now: dt.datetime | None = None) -> int:
    """离线过久: a vehicle whose tracker has sent nothing for VEHICLES_OFFLINE_HOURS gets one alarm per
    silence (none while an alarm raised since its last message exists). Trackers silent for more than
    30 days are taken as removed or dead and no longer alarmed. Returns the number raised."""
    from django.db.models import Exists, OuterRef

    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=conf.get("VEHICLES_OFFLINE_HOURS"))
    already = Alarm.objects.filter(
        vehicle_id=OuterRef("pk"), kind=AlarmKind.OFFLINE, at__gte=OuterRef("device__last_seen_at")
    )
    rows = list(
        Vehicle.objects.filter(
            device__status="active",
            device__last_seen_at__lt=cutoff,
            device__last_seen_at__gte=now - OFFLINE_DEAD_AFTER,
        )
        .exclude(Exists(already))
        .values_list("pk", "station_id", "community_id", "device__latitude", "device__longitude")[
            :5000
        ]
    )
    drafts = [
        AlarmDraft(
            vehicle_id=pk,
            station_id=s,
            community_id=c,
            kind=AlarmKind.OFFLINE,
            at=now,
            latitude=lat,
            longitude=lon,
        )
        for pk, s, c, lat, lon in rows
    ]
    return len(alarms_raise(drafts))


@transaction.atomic
def alarm_acknowledge(*, actor, alarm: Alarm, note: str = "") -> Alarm:
    _require_editable(actor, alarm)
    _lock(alarm)
    if alarm.status != AlarmStatus.OPEN:
        raise ValidationError(f"告警当前为“{alarm.get_status_display()}”,不能确认")
    alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = (
        AlarmStatus.ACKNOWLEDGED,
        timezone.now(),
        actor,
    )
    if note:
        alarm.note = note.strip()
    alarm.save()
    return alarm


@transaction.atomic
def alarm_close(*, actor, alarm: Alarm, result: str, note: str = "") -> Alarm:
    """Close with a result (an open alarm is acknowledged on the way)."""
    _require_editable(actor, alarm)
    _lock(alarm)
    if alarm.status == AlarmStatus.CLOSED:
        raise ValidationError("告警已关闭")
    if result not in AlarmResult.values:
        raise ValidationError("关闭告警须选择处理结果")
    note = (note or "").strip()
    if result == AlarmResult.OTHER and not note:
        raise ValidationError("处理结果为“其他”时须填写处理说明")
    now = timezone.now()
    if alarm.status == AlarmStatus.OPEN:
        alarm.acknowledged_at, alarm.acknowledged_by = now, actor
    alarm.status, alarm.closed_at, alarm.closed_by, alarm.result = (
        AlarmStatus.CLOSED,
        now,
        actor,
        result,
    )
    alarm.note = "\n".join(x for x in (alarm.note, note) if x)
    alarm.save()
    return alarm
