"""Scheduled jobs of the tracker data plane (Huey): nightly retention purge."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.tracking.retention import purge_positions


@db_periodic_task(crontab(hour="3", minute="40"))
def purge_old_positions():
    return purge_positions()
