"""Huey jobs of the registration desk. Thin: they call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fengqiao.core import context
from fengqiao.desk import services


@db_task()
def send_sms(sms_id: int, text: str):
    """Send one resident SMS; after a failure, try again with the notifications' backoff."""
    delay = services.sms_attempt(sms_id, text)
    if delay is not None:
        send_sms.schedule((sms_id, text), delay=delay)
    return delay


@db_periodic_task(crontab(minute="5", hour="0"))
def mark_no_shows():
    """Every night: yesterday's appointments never checked in are no-shows; old rate-limit rows go."""
    with context.acting_as(None, source="job"):
        count = services.appointments_mark_no_show()
        services.public_hits_purge()
        return count
