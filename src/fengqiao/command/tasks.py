"""Scheduled job of the command room (Huey). Thin: it calls the feeds' scan."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.core import context


@db_periodic_task(crontab(minute="*"))
def command_scan():
    """Every minute: fraud warnings near their contact deadline, overdue clocks, and escalation of
    alerts nobody acknowledged."""
    from fengqiao.command import feeds

    with context.acting_as(None, source="job"):
        return feeds.scan()
