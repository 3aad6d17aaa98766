"""Vehicles and their trackers: register, install a tracker, reset, set the fence."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.vehicles import rules
from fengqiao.vehicles.choices import EventKind, TrackerProtocol, VehicleKind
from fengqiao.vehicles.models import Tracker, Vehicle, can_act
from fengqiao.vehicles.services.common import _event, _lock, _require_editable, _when

PLATE_RE = re.compile(r"^[\u4e00-\u9fa5]?[A-Z0-9][A-Z0-9·\-]{3,9}$")
IMEI_RE = re.compile(r"^[0-9]{10,20}$")


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
