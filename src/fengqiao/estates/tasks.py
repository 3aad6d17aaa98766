"""Scheduled jobs of the estates part (Huey), thin: they call services."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.estates import services
from fengqiao.estates.retention import purge_events


@db_periodic_task(crontab(minute="*"))
def estate_devices_health():
    return services.devices_health_sweep()


@db_periodic_task(crontab(minute="*/10"))
def estate_registration_tasks():
    return services.tasks_detect()


@db_periodic_task(crontab(hour="3", minute="50"))
def purge_old_access_events():
    return purge_events()
