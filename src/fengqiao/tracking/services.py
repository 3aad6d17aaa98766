"""Every write to the tracker data plane that a person makes (the gateway writes through `store.py`).

Roles, scoping and the speed check before an engine cut are the vehicles app's business; these
functions check what the data plane itself knows (states, what a protocol can carry).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core.audit import _entry
from fengqiao.core.models import ChangeAction
from fengqiao.tracking import conf
from fengqiao.tracking.choices import (
    PROTOCOL_COMMANDS,
    PROTOCOL_TEXT_COMMANDS,
    TEXT_COMMAND_KINDS,
    CommandKind,
    CommandStatus,
    DeviceStatus,
)
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


def device_reset_registration(*, actor, device: Device) -> Device:
    """JT/T 808: forget the terminal's registration, so that its next 0x0100 registration is given a
    new auth code (a terminal replaced, re-flashed, or whose code was lost). Until then a registration
    of an already registered terminal is refused (0x8100 result 3) and only its current code
    authenticates (0x0102): naming a terminal number is not enough to be handed its code.

    The change log records the reset (not the code: a secret)."""
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.protocol != "jt808":
            raise ValidationError(_("只有JT/T 808定位器需要注册,无需重置。"))
        registered = bool(device.auth_code)
        Device.objects.filter(pk=device.pk).update(auth_code="")
        device.auth_code = ""
        _entry(
            device,
            ChangeAction.UPDATE,
            {"registration": "已注册" if registered else "未注册"},
            {"registration": "已重置(下次注册时签发新鉴权码)"},
            actor=actor,
        ).save()
    return device


# A device text command: printable ASCII (space to ~), as tracker manuals give them; sent as is.
TEXT_COMMAND_RE = re.compile(r"[\x20-\x7e]+")
TEXT_COMMAND_MAX = 60


def clean_arm_commands(protocol: str, arm_command: str, disarm_command: str) -> tuple[str, str]:
    """The arm/disarm text commands as they will be stored: both or neither, printable ASCII only.

    Raises ValidationError keyed by field, so a form shows the message at the right input."""
    arm_command = (arm_command or "").strip()
    disarm_command = (disarm_command or "").strip()
    errors: dict[str, list[str]] = {}
    for field, value in (("arm_command", arm_command), ("disarm_command", disarm_command)):
        if not value:
            continue
        if len(value) > TEXT_COMMAND_MAX:
            errors[field] = [_("指令不能超过%(n)d个字符。") % {"n": TEXT_COMMAND_MAX}]
        elif not TEXT_COMMAND_RE.fullmatch(value):
            errors[field] = [_("指令只能包含可打印的英文字符(ASCII),不能有汉字或控制字符。")]
    if errors:
        raise ValidationError(errors)
    if bool(arm_command) != bool(disarm_command):
        missing = "disarm_command" if arm_command else "arm_command"
        raise ValidationError({missing: [_("设防指令和撤防指令须同时填写(或都留空)。")]})
    if arm_command and protocol not in PROTOCOL_TEXT_COMMANDS:
        raise ValidationError({"arm_command": [_("该协议的设备不能接收设防/撤防指令。")]})
    return arm_command, disarm_command


def device_set_arm_commands(
    *, actor, device: Device, arm_command: str, disarm_command: str
) -> Device:
    """Record the model's arm/disarm text commands (empty: the device cannot be armed remotely).
    Commands already queued keep the text they were queued with."""
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        arm_command, disarm_command = clean_arm_commands(
            device.protocol, arm_command, disarm_command
        )
        if (device.arm_command, device.disarm_command) != (arm_command, disarm_command):
            device.arm_command, device.disarm_command = arm_command, disarm_command
            device.save()
    return device


def command_queue(*, actor, device: Device, kind: str, reason: str) -> DeviceCommand:
    """Queue a command; the gateway sends it when the device is (or next comes) online.

    Arm/disarm only for a GT06 or JT/T 808 device with both text commands recorded; the command row
    keeps the text it will send. `actor` None: the owner's app (arm/disarm only)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写下发指令的理由。"))
    text = ""
    if kind in TEXT_COMMAND_KINDS:
        if device.protocol not in PROTOCOL_TEXT_COMMANDS:
            raise ValidationError(_("该设备的协议不支持此指令。"))
        text = device.arm_command if kind == CommandKind.ARM else device.disarm_command
        if not (device.arm_command and device.disarm_command):
            raise ValidationError(_("该设备未登记设防/撤防指令,不支持远程设防。"))
        clean_arm_commands(device.protocol, device.arm_command, device.disarm_command)
    elif kind not in PROTOCOL_COMMANDS.get(device.protocol, frozenset()):
        raise ValidationError(_("该设备的协议不支持此指令。"))
    elif actor is None:
        raise ValidationError(_("请登录后下发指令。"))
    if device.status != DeviceStatus.ACTIVE:
        raise ValidationError(_("设备尚未接收或已停用,不能下发指令。"))
    return DeviceCommand.objects.create(
        device=device, kind=kind, requested_by=actor, reason=reason[:200], text=text
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
