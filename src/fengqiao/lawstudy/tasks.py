"""Huey jobs of the law study. Thin: they call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.core import context
from fengqiao.lawstudy import services


@db_periodic_task(crontab(minute="*/10"))
def remind():
    """Every ten minutes: remind officers of sessions starting soon; close sessions left open."""
    with context.acting_as(None, source="job"):
        return services.reminders_due()
