"""Every write of 行车卫士. Each service checks the actor's rights and the input, writes inside one
transaction, records a `VehicleEvent`, and refuses bad input with a Chinese message, changing nothing.

Alarms are raised by `alarms_raise` (called by hooks.after_store, the offline sweep, and tests); the
owner hears of them by SMS (`OwnerMessage`, sent by a Huey task through the notifications app's SMS
gateway channel) and the command room live (an urgent notification to every 指挥室 user of the station).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from fengqiao.accounts.choices import Rank, Role
from fengqiao.accounts.roles import has_role
from fengqiao.core import events
from fengqiao.core.refnumbers import next_reference
from fengqiao.registry.rules import InvalidPhone, normalise_phone
from fengqiao.vehicles import conf, rules
from fengqiao.vehicles.choices import (
    AlarmKind,
    AlarmResult,
    AlarmStatus,
    ClaimStatus,
    CommandKind,
    EventKind,
    MessageStatus,
    RecoveryCondition,
    TheftStatus,
    TrackerProtocol,
    VehicleKind,
    VehicleStatus,
)
from fengqiao.vehicles.models import (
    CLAIM_ROLES,
    ENGINE_COMMAND_ROLES,
    THEFT_REPORT_ROLES,
    Alarm,
    InsuranceClaim,
    InsurancePolicy,
    OwnerMessage,
    PayoutRow,
    Recovery,
    Theft,
    Tracker,
    Vehicle,
    VehicleEvent,
    can_act,
)

log = logging.getLogger(__name__)

FUTURE_TOLERANCE = dt.timedelta(minutes=2)
PLATE_RE = re.compile(r"^[\u4e00-\u9fa5]?[A-Z0-9][A-Z0-9·\-]{3,9}$")
IMEI_RE = re.compile(r"^[0-9]{10,20}$")
THEFT_CATEGORY_CODES = ("XS-DQ",)
THEFT_OFFENCE_CODE = "XS-DQ"  # 盗窃罪 (cases' offence table)


def _event(vehicle, kind, actor, at=None, **data) -> VehicleEvent:
    return VehicleEvent.objects.create(
        vehicle=vehicle, kind=kind, actor=actor, at=at or timezone.now(), data=data
    )


def _require_editable(actor, obj) -> None:
    if actor is None:
        return
    if not type(obj)._default_manager.editable_by(actor).filter(pk=obj.pk).exists():
        raise PermissionDenied("无权处理该车辆(不在本所或不在您负责的社区)")


def may_report_theft(actor, vehicle) -> bool:
    """A theft report is taken for any vehicle of the station by THEFT_REPORT_ROLES (not only within
    the reporter's communities); the case and the search are then the station's."""
    return bool(
        actor.is_superuser
        or (
            actor.is_authenticated
            and actor.role in THEFT_REPORT_ROLES
            and Vehicle.objects.visible_to(actor).filter(pk=vehicle.pk).exists()
            and actor.station_id == vehicle.station_id
        )
    )


def _require_may_report_theft(actor, vehicle) -> None:
    if actor is None or may_report_theft(actor, vehicle):
        return
    raise PermissionDenied("无权为该车辆报被盗(不在本所)")


def _when(
    at, label: str, *, not_before: dt.datetime | None = None, not_before_label: str = ""
) -> dt.datetime:
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError(f"{label}不能晚于当前时间")
    if not_before is not None and at < not_before:
        raise ValidationError(f"{label}不能早于{not_before_label}")
    return at


def _lock(obj):
    fresh = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    obj.__dict__.update(
        {f.attname: getattr(fresh, f.attname) for f in type(obj)._meta.concrete_fields}
    )
    return obj


def normalise_plate(value: str) -> str:
    plate = re.sub(r"\s+", "", (value or "")).upper()
    if not PLATE_RE.match(plate):
        raise ValidationError({"plate": ["号牌格式不正确(例:川L12345)"]})
    return plate


def normalise_imei(value: str) -> str:
    imei = re.sub(r"\s+", "", value or "")
    if not IMEI_RE.match(imei):
        raise ValidationError({"imei": ["IMEI/终端号应为10到20位数字"]})
    return imei


# ----------------------------------------------------------------------------- vehicles and trackers


@transaction.atomic
def vehicle_register(
    *,
    actor,
    owner,
    plate: str,
    kind: str,
    brand: str = "",
    colour: str = "",
    frame_number: str = "",
    purchased_on: dt.date | None = None,
    community=None,
) -> Vehicle:
    """Register a vehicle of a registered person (at the install desk)."""
    if owner is None:
        raise ValidationError({"owner": ["请选择车主(实有人口)"]})
    if (
        actor is not None
        and not type(owner)._default_manager.visible_to(actor).filter(pk=owner.pk).exists()
    ):
        raise PermissionDenied("车主不在本所")
    plate = normalise_plate(plate)
    if kind not in VehicleKind.values:
        raise ValidationError({"kind": ["请选择车辆类型"]})
    if purchased_on and purchased_on > timezone.localdate():
        raise ValidationError({"purchased_on": ["购车日期不能晚于今天"]})
    if Vehicle.objects.filter(plate=plate).exists():
        raise ValidationError({"plate": [f"号牌{plate}已登记"]})
    community = community or owner.community
    vehicle = Vehicle(
        station_id=owner.station_id,
        community=community,
        owner=owner,
        plate=plate,
        kind=kind,
        brand=(brand or "").strip()[:50],
        colour=(colour or "").strip()[:20],
        frame_number=(frame_number or "").strip().upper()[:40],
        purchased_on=purchased_on,
    )
    if actor is not None and not can_act(actor, vehicle.station_id, community.pk):
        raise PermissionDenied("无权为该社区登记车辆")
    vehicle.save()
    _event(vehicle, EventKind.REGISTERED, actor)
    return vehicle


def _device_for(imei: str, protocol: str, station_id: int, actor):
    """The tracking.Device of this identifier: registered (or its pending registration accepted) for the station."""
    from fengqiao.accounts.models import Station
    from fengqiao.tracking import services as tracking_services
    from fengqiao.tracking.choices import DeviceStatus
    from fengqiao.tracking.models import Device

    device = Device.objects.filter(identifier=imei).first()
    if device is None:
        device = Device.objects.create(
            identifier=imei, protocol=protocol, status=DeviceStatus.PENDING
        )
    if device.station_id not in (None, station_id) and device.status == DeviceStatus.ACTIVE:
        raise ValidationError({"imei": ["该定位器已在其他派出所使用"]})
    if device.status != DeviceStatus.ACTIVE or device.station_id != station_id:
        device = tracking_services.device_accept(
            actor=actor, device=device, station=Station.objects.get(pk=station_id)
        )
    return device


@transaction.atomic
def tracker_install(
    *,
    actor,
    vehicle: Vehicle,
    imei: str,
    protocol: str,
    sim: str = "",
    installed_at=None,
    install_point: str = "",
    arm_command: str | None = None,
    disarm_command: str | None = None,
) -> Tracker:
    """Install desk: fit a tracker to a vehicle. A previous tracker of the vehicle is marked removed;
    the device is registered (or its pending registration accepted) in tracking and linked.

    `arm_command`/`disarm_command`: the model's arm/disarm text commands from its manual, recorded on
    the device (both empty: it cannot be armed remotely; None: leave what the device has)."""
    from fengqiao.tracking import services as tracking_services

    _require_editable(actor, vehicle)
    _lock(vehicle)
    imei = normalise_imei(imei)
    if protocol not in TrackerProtocol.values:
        raise ValidationError({"protocol": ["请选择定位器协议"]})
    if arm_command is not None or disarm_command is not None:
        tracking_services.clean_arm_commands(protocol, arm_command or "", disarm_command or "")
    sim = re.sub(r"\s+", "", sim or "")
    if sim and not sim.isdigit():
        raise ValidationError({"sim": ["SIM卡号应为数字"]})
    installed_at = _when(installed_at, "安装时间")
    other = Vehicle.objects.filter(imei=imei).exclude(pk=vehicle.pk).first() or next(
        (
            t.vehicle
            for t in Tracker.objects.filter(imei=imei, removed_at__isnull=True)
            .exclude(vehicle=vehicle)
            .select_related("vehicle")[:1]
        ),
        None,
    )
    if other is not None:
        raise ValidationError({"imei": [f"定位器{imei}已安装在{other.plate}上"]})
    Tracker.objects.filter(vehicle=vehicle, removed_at__isnull=True).exclude(imei=imei).update(
        removed_at=installed_at
    )
    tracker = Tracker.objects.filter(vehicle=vehicle, imei=imei, removed_at__isnull=True).first()
    if tracker is None:
        tracker = Tracker.objects.create(
            station_id=vehicle.station_id,
            community_id=vehicle.community_id,
            vehicle=vehicle,
            imei=imei,
            protocol=protocol,
            sim=sim,
            installed_at=installed_at,
            installed_by=actor,
            install_point=(install_point or "").strip()[:100],
        )
    vehicle.imei = imei
    device = _device_for(imei, protocol, vehicle.station_id, actor)
    if device is not None:
        if arm_command is not None or disarm_command is not None:
            device = tracking_services.device_set_arm_commands(
                actor=actor,
                device=device,
                arm_command=arm_command or "",
                disarm_command=disarm_command or "",
            )
        Vehicle.objects.filter(device=device).exclude(pk=vehicle.pk).update(device=None)
        vehicle.device = device
    vehicle.save()
    _event(vehicle, EventKind.TRACKER_INSTALLED, actor, installed_at, imei=imei, protocol=protocol)
    return tracker


def _last_fix(vehicle):
    device = vehicle.device
    if device is None:
        return None
    if device.latitude is None or device.longitude is None:
        return None
    return device


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


def vehicle_reset_registration(*, actor, vehicle: Vehicle):
    """重置注册: the vehicle's JT/T 808 tracker gets a new auth code at its next registration (and
    until then its current code keeps working). Same roles and scope as the vehicle's other tracker
    settings; recorded in the change log."""
    from fengqiao.tracking import services as tracking_services
    from fengqiao.tracking.models import Device

    _require_editable(actor, vehicle)
    device = Device.objects.filter(pk=vehicle.device_id).first() if vehicle.device_id else None
    if device is None:
        raise ValidationError("该车没有已接入的定位器")
    return tracking_services.device_reset_registration(actor=actor, device=device)


@transaction.atomic
def vehicle_set_fence(*, actor, vehicle: Vehicle, latitude, longitude, radius_m) -> Vehicle:
    """The home fence: a circle (centre, radius 50 m–20 km); radius empty removes it."""
    _require_editable(actor, vehicle)
    _lock(vehicle)
    if radius_m in (None, "", 0):
        vehicle.home_latitude = vehicle.home_longitude = vehicle.home_radius_m = None
    else:
        try:
            lat, lon, radius = float(latitude), float(longitude), int(radius_m)
        except (TypeError, ValueError):
            raise ValidationError("围栏中心和半径须为数字") from None
        if not rules.usable_fix(lat, lon):
            raise ValidationError("围栏中心坐标不正确")
        if not 50 <= radius <= 20000:
            raise ValidationError("围栏半径须在50米到20公里之间")
        vehicle.home_latitude, vehicle.home_longitude, vehicle.home_radius_m = lat, lon, radius
    vehicle.outside_fence = False
    vehicle.save()
    _event(
        vehicle,
        EventKind.FENCE_SET,
        actor,
        latitude=vehicle.home_latitude,
        longitude=vehicle.home_longitude,
        radius_m=vehicle.home_radius_m,
    )
    return vehicle


def can_command(user) -> bool:
    return has_role(user, ENGINE_COMMAND_ROLES)


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


# ----------------------------------------------------------------------------- alarms


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


# ----------------------------------------------------------------------------- theft, recovery, claim


def theft_category():
    from fengqiao.incidents.models import IncidentCategory

    category = IncidentCategory.objects.filter(code__in=THEFT_CATEGORY_CODES, active=True).first()
    if category is None:
        category = IncidentCategory.objects.filter(
            parent__code="XS", name__contains="盗", active=True
        ).first()
    if category is None:
        category = IncidentCategory.objects.filter(code="XS", active=True).first()
    if category is None:
        raise ValidationError("警情类别中没有“刑事/盗窃”,请先在警情类别表中启用")
    return category


def theft_offence():
    from fengqiao.cases.choices import CaseKind
    from fengqiao.cases.models import OffenceType

    offence = (
        OffenceType.objects.filter(code=THEFT_OFFENCE_CODE, active=True).first()
        or OffenceType.objects.filter(kind=CaseKind.CRIMINAL, name="盗窃罪", active=True).first()
    )
    if offence is None:
        raise ValidationError("案由表中没有启用的“盗窃罪”(XS-DQ),请先在案由表中启用")
    return offence


def _case_officers(station_id: int, lead, second) -> dict[str, list[str]]:
    """The field errors of the two officers of the theft case (主办/协办): police officers of the
    station, in service, two different people (as cases.services.case_open requires)."""
    errors: dict[str, list[str]] = {}
    for field, user, label in (
        ("lead_officer", lead, "主办民警"),
        ("second_officer", second, "协办民警"),
    ):
        if user is None:
            errors[field] = [f"请选择{label}"]
        elif user.station_id != station_id or not user.is_active:
            errors[field] = [f"{label}须为本所在职民警"]
        elif user.rank != Rank.POLICE:
            errors[field] = [f"{label}须为人民警察(辅警不能主办、协办案件)"]
    if not errors and lead.pk == second.pk:
        errors["second_officer"] = ["协办民警不能与主办民警是同一人"]
    return errors


@transaction.atomic
def theft_report(
    *,
    actor,
    vehicle: Vehicle,
    place: str,
    reporter_name: str,
    lead_officer=None,
    second_officer=None,
    reporter_phone: str = "",
    narrative: str = "",
    reported_at=None,
    stolen_at=None,
    source: str = "walk_in",
) -> Theft:
    """报被盗, in one transaction: the vehicle is flagged stolen, an incident (刑事/盗窃) is received and
    a criminal case (盗窃罪) opened from it with the two officers (主办/协办, both required), which links
    the incident (its 有案不立 clock stops) and starts the case's 立案审查; the command room is told
    with a link to the tracking page. Any bad input refuses the whole report, saving nothing.

    The case is opened by the reporting user when their role may open cases (cases.OPEN_CASE_ROLES),
    otherwise by the system: a theft report is itself a report of a crime the station must take in,
    and the reporter's right to act on this vehicle has been checked here."""
    from fengqiao.cases import services as case_services
    from fengqiao.cases.choices import CaseKind
    from fengqiao.incidents.services import incident_receive

    _require_may_report_theft(actor, vehicle)
    _lock(vehicle)
    if (
        vehicle.status == VehicleStatus.STOLEN
        or Theft.objects.filter(vehicle=vehicle, status=TheftStatus.OPEN).exists()
    ):
        raise ValidationError(f"{vehicle.plate}已登记被盗,正在追查")
    place = (place or "").strip()
    reporter_name = (reporter_name or "").strip()
    if not place:
        raise ValidationError({"place": ["请填写被盗地点"]})
    if not reporter_name:
        raise ValidationError({"reporter_name": ["请填写报案人"]})
    try:
        phone = normalise_phone(reporter_phone)
    except InvalidPhone as exc:
        raise ValidationError({"reporter_phone": [str(exc)]}) from None
    reported_at = _when(reported_at, "报案时间")
    if stolen_at is not None:
        stolen_at = _when(stolen_at, "被盗时间")
        if stolen_at > reported_at:
            raise ValidationError({"stolen_at": ["被盗时间不能晚于报案时间"]})
    officer_errors = _case_officers(vehicle.station_id, lead_officer, second_officer)
    if officer_errors:
        raise ValidationError(officer_errors)
    offence = theft_offence()
    narrative = (narrative or "").strip()
    described = f"{vehicle.get_kind_display()}{vehicle.plate}({vehicle.brand} {vehicle.colour})"
    incident = incident_receive(
        actor=actor,
        station=vehicle.station,
        category=theft_category(),
        received_at=reported_at,
        source=source,
        caller_name=reporter_name,
        caller_phone=phone,
        community=vehicle.community,
        location=place,
        narrative=f"{described}被盗。{narrative}".strip(),
    )
    case = case_services.case_open(
        actor=actor if has_role(actor, case_services.OPEN_CASE_ROLES) else None,
        kind=CaseKind.CRIMINAL,
        offence=offence,
        title=f"{vehicle.plate}被盗案",
        lead_officer=lead_officer,
        second_officer=second_officer,
        summary=f"{described}于{place}被盗。{narrative}".strip(),
        reported_at=reported_at,
        incident=incident,
    )
    theft = Theft.objects.create(
        station_id=vehicle.station_id,
        community_id=vehicle.community_id,
        vehicle=vehicle,
        reference=next_reference(
            "DQ", vehicle.station_id, year=timezone.localtime(reported_at).year
        ),
        reported_at=reported_at,
        stolen_at=stolen_at,
        place=place,
        reporter_name=reporter_name,
        reporter_phone=phone,
        narrative=narrative,
        incident=incident,
        case=case,
        recorded_by=actor,
    )
    vehicle.status = VehicleStatus.STOLEN
    vehicle.save()
    _event(
        vehicle,
        EventKind.THEFT_REPORTED,
        actor,
        reported_at,
        theft=theft.reference,
        incident=incident.reference,
        case=case.reference,
    )
    _tell_patrols(theft, vehicle)
    return theft


def _tell_patrols(theft: Theft, vehicle: Vehicle) -> None:
    from fengqiao.accounts.models import User
    from fengqiao.notifications.services import notification_send

    recipients = User.objects.filter(
        station_id=vehicle.station_id, is_active=True, role__in=[Role.COMMAND, Role.DUTY_OFFICER]
    )
    notification_send(
        recipients=recipients,
        kind="vehicle_theft",
        title=f"被盗车辆追查:{vehicle.plate}",
        body=f"{vehicle.get_kind_display()} {vehicle.brand} {vehicle.colour} 被盗于{theft.place}",
        level="red",
        urgent=True,
        url=theft.get_absolute_url(),
        obj=theft,
        dedupe_key=f"vehicle-theft-{theft.pk}",
    )


@transaction.atomic
def recovery_record(
    *,
    actor,
    theft: Theft,
    place: str,
    condition: str,
    recovered_at=None,
    recovered_by=None,
    note: str = "",
    latitude=None,
    longitude=None,
) -> Recovery:
    """追回: closes the theft and clears the stolen flag; the linked case's file records it (车辆已追回,
    as a piece of work of the recovering officer while the case is open)."""
    _require_editable(actor, theft)
    _lock(theft)
    if theft.status != TheftStatus.OPEN:
        raise ValidationError(f"该被盗登记为“{theft.get_status_display()}”,不能再登记追回")
    place = (place or "").strip()
    if not place:
        raise ValidationError({"place": ["请填写追回地点"]})
    if condition not in RecoveryCondition.values:
        raise ValidationError({"condition": ["请选择车况"]})
    recovered_at = _when(
        recovered_at, "追回时间", not_before=theft.reported_at, not_before_label="报案时间"
    )
    recovered_by = recovered_by or actor
    if recovered_by is None or recovered_by.station_id != theft.station_id:
        raise ValidationError({"recovered_by": ["追回民警须为本所人员"]})
    if (latitude is None) != (longitude is None) or (
        latitude is not None and not rules.usable_fix(latitude, longitude)
    ):
        raise ValidationError("追回位置坐标不正确")
    recovery = Recovery.objects.create(
        station_id=theft.station_id,
        community_id=theft.community_id,
        theft=theft,
        recovered_at=recovered_at,
        place=place,
        latitude=latitude,
        longitude=longitude,
        recovered_by=recovered_by,
        condition=condition,
        note=(note or "").strip(),
    )
    theft.status = TheftStatus.RECOVERED
    theft.save()
    vehicle = _lock(theft.vehicle)
    vehicle.status = VehicleStatus.NORMAL
    vehicle.save()
    _event(
        vehicle,
        EventKind.RECOVERED,
        actor,
        recovered_at,
        theft=theft.reference,
        condition=condition,
    )
    if theft.case_id:
        from fengqiao.cases.services import case_note_linked

        case_note_linked(
            actor=actor,
            case=theft.case,
            text=f"车辆已追回:{vehicle.plate},{timezone.localtime(recovered_at):%Y-%m-%d %H:%M}于{place},"
            f"车况{recovery.get_condition_display()}(被盗登记{theft.reference})",
            at=recovered_at,
            officer=recovered_by,
            theft=theft.reference,
            recovery=recovery.pk,
        )
    return recovery


def policy_for(theft: Theft) -> InsurancePolicy | None:
    day = timezone.localtime(theft.reported_at).date()
    return (
        InsurancePolicy.objects.filter(
            vehicle_id=theft.vehicle_id, starts_on__lte=day, ends_on__gte=day
        )
        .prefetch_related("payouts")
        .order_by("-starts_on")
        .first()
    )


def claim_quote(theft: Theft, *, now: dt.datetime | None = None) -> dict:
    """What a claim would pay now, or why it cannot be made: {'policy', 'age', 'amount', 'refusal', 'due_at'}."""
    now = now or timezone.now()
    policy = policy_for(theft)
    day = timezone.localtime(theft.reported_at).date()
    vehicle = theft.vehicle
    age = rules.vehicle_age_years(vehicle.purchased_on, day) if vehicle.purchased_on else 0
    refusal = rules.claim_refusal(
        reported_at=theft.reported_at,
        recovery_days=policy.recovery_days if policy else 0,
        now=now,
        recovered=theft.status == TheftStatus.RECOVERED,
        policy_starts=policy.starts_on if policy else None,
        policy_ends=policy.ends_on if policy else None,
        theft_date=day,
    )
    if theft.status == TheftStatus.CLAIMED:
        refusal = "已理赔"
    if refusal is None and vehicle.purchased_on is None:
        refusal = "车辆没有购车日期,无法按车龄计算赔付"
    amount = rules.payout(age, policy.table()) if policy else Decimal(0)
    return {
        "policy": policy,
        "age": age,
        "amount": amount,
        "refusal": refusal,
        "due_at": rules.claim_due_at(theft.reported_at, policy.recovery_days) if policy else None,
    }


@transaction.atomic
def claim_approve(*, actor, theft: Theft, now: dt.datetime | None = None) -> InsuranceClaim:
    """Not recovered within the policy's period: the claim, paying by vehicle age from the policy table.
    The linked case's file records it (保险理赔)."""
    if actor is not None and not has_role(actor, CLAIM_ROLES):
        raise PermissionDenied("只有所领导、指挥室和值班民警可以办理理赔")
    _require_editable(actor, theft)
    _lock(theft)
    quote = claim_quote(theft, now=now)
    if quote["refusal"]:
        raise ValidationError(quote["refusal"])
    if quote["amount"] <= 0:
        raise ValidationError("按保单赔付标准,该车龄不予赔付")
    claim = InsuranceClaim.objects.create(
        station_id=theft.station_id,
        community_id=theft.community_id,
        theft=theft,
        policy=quote["policy"],
        vehicle_age_years=quote["age"],
        amount=quote["amount"],
        approved_at=now or timezone.now(),
        approved_by=actor,
    )
    theft.status = TheftStatus.CLAIMED
    theft.save()
    _event(
        theft.vehicle,
        EventKind.CLAIM_APPROVED,
        actor,
        claim.approved_at,
        theft=theft.reference,
        amount=str(claim.amount),
        age=claim.vehicle_age_years,
    )
    if theft.case_id:
        from fengqiao.cases.services import case_note_linked

        case_note_linked(
            actor=actor,
            case=theft.case,
            text=f"保险理赔:{theft.vehicle.plate}追查期满未追回,按车龄{claim.vehicle_age_years}年"
            f"赔付{claim.amount:.0f}元({claim.policy})",
            at=claim.approved_at,
            theft=theft.reference,
            claim=claim.pk,
        )
    return claim


@transaction.atomic
def claim_pay(*, actor, claim: InsuranceClaim, paid_at=None) -> InsuranceClaim:
    if actor is not None and not has_role(actor, CLAIM_ROLES):
        raise PermissionDenied("只有所领导、指挥室和值班民警可以办理理赔")
    _require_editable(actor, claim)
    _lock(claim)
    if claim.status == ClaimStatus.PAID:
        raise ValidationError("该理赔已赔付")
    claim.paid_at = _when(
        paid_at, "赔付时间", not_before=claim.approved_at, not_before_label="理赔时间"
    )
    claim.status = ClaimStatus.PAID
    claim.save()
    _event(
        claim.theft.vehicle, EventKind.CLAIM_PAID, actor, claim.paid_at, amount=str(claim.amount)
    )
    return claim


# ----------------------------------------------------------------------------- insurance policies


@transaction.atomic
def policy_create(
    *,
    actor,
    vehicle: Vehicle,
    insurer: str,
    starts_on: dt.date,
    ends_on: dt.date,
    table,
    number: str = "",
    recovery_days: int = 90,
) -> InsurancePolicy:
    """A policy with its payout table: [(min_age_years, amount), ...]."""
    _require_editable(actor, vehicle)
    insurer = (insurer or "").strip()
    if not insurer:
        raise ValidationError({"insurer": ["请填写保险公司"]})
    if not starts_on or not ends_on or ends_on < starts_on:
        raise ValidationError({"ends_on": ["终保日期不能早于起保日期"]})
    if not 1 <= int(recovery_days) <= 365:
        raise ValidationError({"recovery_days": ["追查期须在1到365天之间"]})
    rows = {}
    for age, amount in table:
        age, amount = int(age), Decimal(amount)
        if age < 0 or amount < 0:
            raise ValidationError({"table": ["车龄和金额不能为负"]})
        if age in rows:
            raise ValidationError({"table": [f"车龄{age}年重复"]})
        rows[age] = amount
    if not rows:
        raise ValidationError({"table": ["请填写赔付标准"]})
    policy = InsurancePolicy.objects.create(
        station_id=vehicle.station_id,
        community_id=vehicle.community_id,
        vehicle=vehicle,
        insurer=insurer,
        number=(number or "").strip()[:40],
        starts_on=starts_on,
        ends_on=ends_on,
        recovery_days=int(recovery_days),
    )
    PayoutRow.objects.bulk_create(
        [PayoutRow(policy=policy, min_age_years=a, amount=m) for a, m in sorted(rows.items())]
    )
    return policy


# ----------------------------------------------------------------------------- the owner app


def _key_hash(raw: str) -> str:
    import hashlib

    return hashlib.sha256((raw or "").encode()).hexdigest()


@transaction.atomic
def owner_key_issue(*, actor, vehicle: Vehicle) -> str:
    """A new key for the owner's app (shown once; the previous key stops working)."""
    import secrets

    from fengqiao.vehicles.models import OwnerKey

    _require_editable(actor, vehicle)
    now = timezone.now()
    OwnerKey.objects.filter(vehicle=vehicle, revoked_at__isnull=True).update(revoked_at=now)
    raw = secrets.token_urlsafe(24)
    OwnerKey.objects.create(
        vehicle=vehicle, key_hash=_key_hash(raw), issued_at=now, issued_by=actor
    )
    _event(vehicle, EventKind.OWNER_KEY, actor, now)
    return raw


def owner_vehicle(raw_key: str) -> Vehicle | None:
    """The vehicle an owner app's key opens (None: unknown or revoked)."""
    from fengqiao.vehicles.models import OwnerKey

    if not raw_key or len(raw_key) > 100:
        return None
    key = (
        OwnerKey.objects.filter(key_hash=_key_hash(raw_key), revoked_at__isnull=True)
        .select_related("vehicle")
        .first()
    )
    if key is None:
        return None
    OwnerKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key.vehicle


@transaction.atomic
def owner_arm(*, vehicle: Vehicle, armed: bool) -> Vehicle:
    """设防/撤防 by the owner's app (no staff actor; the event records the channel)."""
    return _set_armed(vehicle, armed, None, "owner_app")
