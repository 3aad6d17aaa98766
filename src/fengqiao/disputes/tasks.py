"""Huey jobs of disputes. Thin: they call services."""

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.core import context
from fengqiao.disputes import services

END_OF_DAY = dt.time(23, 0)


@db_periodic_task(crontab(minute="55"))
def flag_missed_screening_calls():
    """Hourly: liaison points not called on a finished day are flagged 漏报 (yesterday always — a late
    worker catches up — and today from 23:00 Asia/Shanghai). Idempotent."""
    now = timezone.localtime()
    with context.acting_as(None, source="job"):
        flagged = services.screening_flag_missed(day=now.date() - dt.timedelta(days=1))
        if now.time() >= END_OF_DAY:
            flagged += services.screening_flag_missed(day=now.date())
    return flagged
