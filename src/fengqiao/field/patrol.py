"""Patrol cars on the wall: a car's JT/T 808 tracker reports through the device gateway like any
tracker, but its positions are stored only while the car is on shift — while one of its crew
(`PatrolCar.crew`) is on a shift of the roster (排班). Off shift the gateway acknowledges the fix and
stores nothing (`before_store`, a gate of the gateway's store). What is stored is kept
FIELD_POSITION_KEEP_DAYS (30) days (`positions_purge`).

The gateway's writer thread asks `before_store` for every batch: the cars' duty windows are read at
most every WINDOWS_SECONDS (and at once after a car or a duty changed in this process), so the hot
path is a set look-up per record.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.conf import settings
from django.utils import timezone

WINDOWS_SECONDS = 30
_lock = threading.Lock()
_state: dict = {"at": 0.0, "windows": None}


def forget(*_args, **_kwargs) -> None:
    """A car, its crew or the roster changed: read the windows again on the next batch."""
    with _lock:
        _state["at"], _state["windows"] = 0.0, None


def _duty_windows(now: dt.datetime) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """{tracker device pk: [(start, end) of its crew's duties from yesterday to tomorrow]} for every
    active patrol car (a car with no duty has an empty list: every fix of it is withheld)."""
    from fengqiao.command.models import DutyAssignment
    from fengqiao.command.rules import TZ, shift_window
    from fengqiao.field.models import PatrolCar

    cars = list(PatrolCar.objects.filter(active=True).values_list("pk", "device_id", "station_id"))
    if not cars:
        return {}
    crews: dict[int, set[int]] = {}
    for car_id, user_id in PatrolCar.crew.through.objects.filter(
        patrolcar_id__in=[c[0] for c in cars]
    ).values_list("patrolcar_id", "user_id"):
        crews.setdefault(car_id, set()).add(user_id)
    today = now.astimezone(TZ).date()
    days = [today - dt.timedelta(days=1), today, today + dt.timedelta(days=1)]
    users = set().union(*crews.values()) if crews else set()
    duties: dict[tuple[int, int], list] = {}
    for user_id, station_id, day, starts, ends in DutyAssignment.objects.filter(
        user_id__in=users, day__in=days, shift__active=True
    ).values_list("user_id", "station_id", "day", "shift__starts", "shift__ends"):
        duties.setdefault((user_id, station_id), []).append(shift_window(day, starts, ends, TZ))
    windows = {}
    for car_id, device_id, station_id in cars:
        found = []
        for user_id in crews.get(car_id, ()):
            found.extend(duties.get((user_id, station_id), ()))
        windows[device_id] = found
    return windows


def windows(now: dt.datetime | None = None) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    clock = time.monotonic()
    with _lock:
        if _state["windows"] is not None and clock - _state["at"] < WINDOWS_SECONDS:
            return _state["windows"]
    found = _duty_windows(now or timezone.now())
    with _lock:
        _state["at"], _state["windows"] = clock, found
    return found


def on_shift_at(spans, at: dt.datetime) -> bool:
    return any(start <= at < end for start, end in spans)


def before_store(records: list) -> list:
    """The gateway's gate: the records to store. A patrol car's fix taken while none of its crew was
    on shift is left out (acknowledged to the tracker, never stored); every other tracker's records,
    and alarms without a position, pass unchanged."""
    cars = windows()
    if not cars:
        return records
    kept = []
    for r in records:
        spans = cars.get(r[0])
        if spans is not None and r[4] is not None and not on_shift_at(spans, r[2]):
            continue
        kept.append(r)
    return kept


def car_units(station_id: int, now: dt.datetime, officers: dict) -> list[dict]:
    """The station's patrol cars on shift now (`officers`: the roster's duties under way, by user id),
    with the tracker's last stored fix and the car's status: the busiest of its crew on shift."""
    from fengqiao.field.models import PatrolCar

    out = []
    cars = (
        PatrolCar.objects.filter(station_id=station_id, active=True)
        .select_related("device")
        .prefetch_related("crew")
    )
    for car in cars:
        crew = sorted((u for u in car.crew.all() if u.pk in officers), key=lambda u: u.display_name)
        if not crew:
            continue
        device = car.device
        fix_at = device.last_fix_at
        fresh = fix_at is not None and now - fix_at < dt.timedelta(hours=24)
        out.append(
            {
                "car": car,
                "crew_ids": [u.pk for u in crew],
                "latitude": device.latitude if fresh else None,
                "longitude": device.longitude if fresh else None,
                "fix_age_seconds": max(0, int((now - fix_at).total_seconds())) if fresh else None,
            }
        )
    return out


def car_register(*, actor, device, name: str, plate: str = "", crew=()):
    """Make an accepted tracker of the station a patrol car (呼号, 车牌, 乘警). The command side of the
    station only; the crew must be of the station."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    from fengqiao.field.models import PatrolCar
    from fengqiao.field.permissions import can_see_units
    from fengqiao.tracking.choices import DeviceStatus

    if not can_see_units(actor) or not actor.station_id:
        raise PermissionDenied(_("您的角色不能登记巡逻车"))
    if device.station_id != actor.station_id or device.status != DeviceStatus.ACTIVE:
        raise ValidationError(_("请选择本所已接收的定位设备"))
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写呼号"))
    crew = list(crew)
    if any(u.station_id != actor.station_id for u in crew):
        raise ValidationError(_("乘警必须是本所人员"))
    with transaction.atomic():
        car, _created = PatrolCar.objects.update_or_create(
            device=device,
            defaults={
                "station_id": actor.station_id,
                "name": name[:40],
                "plate": (plate or "").strip()[:20],
            },
        )
        car.crew.set(crew)
    forget()
    return car


def positions_purge(now: dt.datetime | None = None) -> int:
    """Delete the patrol cars' stored fixes older than FIELD_POSITION_KEEP_DAYS (other trackers keep
    POSITION_RETENTION_DAYS); a car's last fix on the device row goes with them."""
    from fengqiao.field.models import PatrolCar
    from fengqiao.tracking.models import Device, Position

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.FIELD_POSITION_KEEP_DAYS)
    devices = list(PatrolCar.objects.values_list("device_id", flat=True))
    if not devices:
        return 0
    deleted, _detail = Position.objects.filter(device_id__in=devices, fixed_at__lt=cutoff).delete()
    Device.objects.filter(pk__in=devices, last_fix_at__lt=cutoff).update(
        last_fix_at=None, latitude=None, longitude=None, speed_kmh=None, course=None
    )
    return deleted
