"""Commands sent to the tracker: arming (any channel) and engine cut-off / restore."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.vehicles import conf, rules
from fengqiao.vehicles.choices import CommandKind, EventKind
from fengqiao.vehicles.models import Vehicle
from fengqiao.vehicles.permissions import can_command
from fengqiao.vehicles.services.common import _event, _lock, _require_editable
from fengqiao.vehicles.services.registration import _last_fix

ARM_CHANNELS = {"web": "网页", "api": "接口", "owner_app": "车主应用"}


def _arm_device(vehicle: Vehicle, armed: bool, actor, channel: str):
    """Queue the tracker's own arm/disarm command when it has one → (command or None, refusal text).

    Only for a tracker whose model's arm and disarm text commands are recorded (GT06, JT/T 808); arming
    follows the engine speed rule (rules.arm_command_refusal), disarming is always sent."""
    from fengqiao.tracking import services as tracking_services
    from fengqiao.tracking.choices import CommandKind as DeviceCommandKind
    from fengqiao.tracking.choices import DeviceStatus
    from fengqiao.tracking.models import Device

    device = Device.objects.filter(pk=vehicle.device_id).first() if vehicle.device_id else None
    if device is None or not device.can_arm_remotely or device.status != DeviceStatus.ACTIVE:
        return None, ""
    if armed:
        refusal = rules.arm_command_refusal(
            device.speed_kmh, conf.get("VEHICLES_COMMAND_MAX_SPEED_KMH")
        )
        if refusal:
            return None, refusal
    who = "车主" if channel == "owner_app" else "民警"
    reason = f"{who}{'设防' if armed else '撤防'}({ARM_CHANNELS.get(channel, channel)})"
    try:
        command = tracking_services.command_queue(
            actor=actor,
            device=device,
            kind=DeviceCommandKind.ARM if armed else DeviceCommandKind.DISARM,
            reason=reason,
        )
    except ValidationError as exc:
        return None, " ".join(exc.messages)
    return command, ""


def _set_armed(vehicle: Vehicle, armed: bool, actor, channel: str) -> Vehicle:
    """The server-side state always changes; the tracker's own command is queued where it has one.
    The outcome for the device is left on the vehicle (`arm_command`, `arm_command_refusal`) and in
    the event."""
    _lock(vehicle)
    if vehicle.armed == bool(armed):
        raise ValidationError("车辆已处于设防状态" if armed else "车辆未设防")
    now = timezone.now()
    vehicle.armed = bool(armed)
    if armed:
        fix = _last_fix(vehicle)
        vehicle.armed_at = now
        vehicle.armed_latitude = fix.latitude if fix else None
        vehicle.armed_longitude = fix.longitude if fix else None
    else:
        vehicle.armed_at = vehicle.armed_latitude = vehicle.armed_longitude = None
    vehicle.save()
    command, refusal = _arm_device(vehicle, armed, actor, channel)
    data = {"channel": channel}
    if command is not None:
        data["command"] = command.pk
    if refusal:
        data["command_refused"] = refusal
    _event(vehicle, EventKind.ARMED if armed else EventKind.DISARMED, actor, now, **data)
    vehicle.arm_command, vehicle.arm_command_refusal = command, refusal
    return vehicle


@transaction.atomic
def vehicle_arm(*, actor, vehicle: Vehicle, armed: bool, channel: str = "web") -> Vehicle:
    """设防/撤防. Arming remembers where the vehicle stands (its last fix): moving away from there, or
    reporting a speed, while armed raises 设防时移动."""
    _require_editable(actor, vehicle)
    return _set_armed(vehicle, armed, actor, channel)


@transaction.atomic
def vehicle_set_arm_commands(*, actor, vehicle: Vehicle, arm_command: str, disarm_command: str):
    """Correct the arm/disarm text commands of the vehicle's tracker (the install desk records them
    at fitting); both empty: the tracker cannot be armed remotely. The change log keeps the history."""
    from fengqiao.tracking import services as tracking_services
    from fengqiao.tracking.models import Device

    _require_editable(actor, vehicle)
    device = Device.objects.filter(pk=vehicle.device_id).first() if vehicle.device_id else None
    if device is None:
        raise ValidationError("该车没有已接入的定位器")
    return tracking_services.device_set_arm_commands(
        actor=actor, device=device, arm_command=arm_command, disarm_command=disarm_command
    )


@transaction.atomic
def engine_command(*, actor, vehicle: Vehicle, kind: str, reason: str):
    """断油断电/恢复: only for the command roles, with a reason, never while the vehicle moves faster than
    VEHICLES_COMMAND_MAX_SPEED_KMH. Queued in tracking until the device is online."""
    if not can_command(actor):
        raise PermissionDenied("只有指挥室、值班民警和所领导可以下发断油断电指令")
    _require_editable(actor, vehicle)
    if kind not in CommandKind.values:
        raise ValidationError("未知的指令类型")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError("请填写下发指令的原因(至少4个字)")
    device = vehicle.device
    if device is None:
        raise ValidationError("该车没有已接入的定位器")
    refusal = rules.command_refusal(device.speed_kmh, conf.get("VEHICLES_COMMAND_MAX_SPEED_KMH"))
    if refusal:
        raise ValidationError(refusal)
    from fengqiao.tracking import services as tracking_services

    command = tracking_services.command_queue(actor=actor, device=device, kind=kind, reason=reason)
    _event(
        vehicle,
        EventKind.COMMAND,
        actor,
        command_kind=kind,
        reason=reason,
        command=getattr(command, "pk", None),
    )
    return command
