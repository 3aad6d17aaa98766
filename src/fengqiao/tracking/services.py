"""Every write to the tracker data plane that a person makes (the gateway writes through `store.py`).

Roles, scoping and the speed check before an engine cut are the vehicles app's business; these
functions check what the data plane itself knows (states, what a protocol can carry).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.tracking import conf
from fengqiao.tracking.choices import PROTOCOL_COMMANDS, CommandStatus, DeviceStatus
from fengqiao.tracking.models import Device, DeviceCommand, Position


def device_accept(*, actor, device: Device, station) -> Device:
    """An officer accepts a pending (or re-enables a disabled) device into a station."""
    if station is None:
        raise ValidationError(_("请选择派出所。"))
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.status == DeviceStatus.ACTIVE and device.station_id == station.pk:
            return device
        device.status = DeviceStatus.ACTIVE
        device.station = station
        device.accepted_at = timezone.now()
        device.accepted_by = actor if getattr(actor, "is_authenticated", False) else None
        device.save()
    return device


def device_disable(*, actor, device: Device) -> Device:
    """Stop accepting the device's data (its connections are refused; nothing already stored is lost)."""
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        device.status = DeviceStatus.DISABLED
        device.save()
        device.commands.filter(status=CommandStatus.QUEUED).update(status=CommandStatus.CANCELLED)
    return device


def command_queue(*, actor, device: Device, kind: str, reason: str) -> DeviceCommand:
    """Queue a command; the gateway sends it when the device is (or next comes) online."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写下发指令的理由。"))
    if kind not in PROTOCOL_COMMANDS.get(device.protocol, frozenset()):
        raise ValidationError(_("该设备的协议不支持此指令。"))
    if device.status != DeviceStatus.ACTIVE:
        raise ValidationError(_("设备尚未接收或已停用,不能下发指令。"))
    return DeviceCommand.objects.create(
        device=device, kind=kind, requested_by=actor, reason=reason[:200]
    )


def command_cancel(*, actor, command: DeviceCommand) -> DeviceCommand:
    """Cancel a command that has not been sent yet."""
    with transaction.atomic():
        command = DeviceCommand.objects.select_for_update().get(pk=command.pk)
        if command.status != CommandStatus.QUEUED:
            raise ValidationError(_("指令已发送,不能取消。"))
        command.status = CommandStatus.CANCELLED
        command.save()
    return command


def online(device: Device, now: dt.datetime | None = None) -> bool:
    """Online while the last message is younger than the protocol's timeout (GATEWAY_ONLINE_TIMEOUT_*)."""
    if device.last_seen_at is None:
        return False
    now = now or timezone.now()
    return (now - device.last_seen_at).total_seconds() <= conf.online_timeout_seconds(
        device.protocol
    )


def trail(device: Device, start: dt.datetime, end: dt.datetime):
    """The device's valid positions between start and end (inclusive), oldest first.

    Buffered and out-of-order fixes belong to the trail (they are real places at their time);
    only fixes we or the device judged invalid are left out."""
    return Position.objects.filter(
        device=device, fixed_at__gte=start, fixed_at__lte=end, valid=True
    ).order_by("fixed_at", "id")


TRAIL_FIELDS = ("fixed_at", "latitude", "longitude", "speed_kmh", "course")


def trail_points(device: Device, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """The trail as (fixed_at, latitude, longitude, speed_kmh, course) tuples: what a map needs, fast.

    The same rows as `trail`; on PostgreSQL read with binary transfer, which turns a day of fixes
    (8,640 at 10 s) into Python values several times faster than the text protocol Django uses."""
    rows = trail(device, start, end).values_list(*TRAIL_FIELDS)
    if connection.vendor != "postgresql":
        return list(rows)
    import psycopg

    sql, params = rows.query.sql_with_params()
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall()
