"""Helpers shared by the vehicle services: the vehicle event, edit checks, times, locks."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.vehicles.models import VehicleEvent

FUTURE_TOLERANCE = dt.timedelta(minutes=2)


def _event(vehicle, kind, actor, at=None, **data) -> VehicleEvent:
    return VehicleEvent.objects.create(
        vehicle=vehicle, kind=kind, actor=actor, at=at or timezone.now(), data=data
    )


def _require_editable(actor, obj) -> None:
    if actor is None:
        return
    if not type(obj)._default_manager.editable_by(actor).filter(pk=obj.pk).exists():
        raise PermissionDenied("无权处理该车辆(不在本所或不在您负责的社区)")


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
