"""Helpers shared by the desk services: role checks, the station's desk settings, local time."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.desk.models import DeskConfig
from fengqiao.desk.permissions import can_operate


def _require_operator(actor, station_id) -> None:
    if actor is not None and not can_operate(actor, station_id):
        raise PermissionDenied(_("只有本所户籍室和值班人员可以操作叫号"))


def config_for(station) -> DeskConfig:
    station_id = getattr(station, "pk", station)
    config = DeskConfig.objects.filter(station_id=station_id).first()
    if config is None:
        try:
            with transaction.atomic():
                config = DeskConfig.objects.create(station_id=station_id)
        except IntegrityError:
            config = DeskConfig.objects.get(station_id=station_id)
    return config


def _local_now(now=None) -> dt.datetime:
    return timezone.localtime(now or timezone.now())
