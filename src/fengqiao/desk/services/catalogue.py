"""The desk's catalogue of services, its counters and its settings."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.desk.models import Counter, DeskConfig, Service
from fengqiao.desk.permissions import can_manage
from fengqiao.desk.services.common import _require_operator


def _require_manager(actor, station_id) -> None:
    if actor is not None and not can_manage(actor, station_id):
        raise PermissionDenied(_("只有本所领导或系统管理员可以修改一门通办设置"))


def service_save(*, actor, station, instance: Service | None, data: dict) -> Service:
    _require_manager(actor, station.pk)
    service = instance or Service(station=station)
    for key, value in data.items():
        setattr(service, key, value)
    service.prefix = (service.prefix or "").strip().upper()
    service.full_clean()
    with transaction.atomic():
        service.save()
    return service


def counter_save(*, actor, station, instance: Counter | None, data: dict) -> Counter:
    _require_manager(actor, station.pk)
    services = data.pop("services", None)
    counter = instance or Counter(station=station)
    for key, value in data.items():
        setattr(counter, key, value)
    counter.full_clean()
    if services is not None and any(s.station_id != station.pk for s in services):
        raise ValidationError({"services": _("只能选择本所的办理事项")})
    with transaction.atomic():
        counter.save()
        if services is not None:
            counter.services.set(services)
    return counter


def counter_sit(*, actor, counter: Counter) -> Counter:
    """The officer takes the counter (shown on the display and the figures)."""
    _require_operator(actor, counter.station_id)
    with transaction.atomic():
        counter.officer = actor
        counter.save()
    return counter


def config_save(*, actor, config: DeskConfig, data: dict) -> DeskConfig:
    _require_manager(actor, config.station_id)
    for key, value in data.items():
        setattr(config, key, value)
    config.full_clean()
    with transaction.atomic():
        config.save()
    return config
