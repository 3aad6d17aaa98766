"""Huey jobs of notifications. Thin: they call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fengqiao.notifications import services


@db_task()
def deliver(delivery_id: int):
    """Send one delivery; after a failure, schedule the next try with exponential backoff."""
    delay = services.delivery_attempt(delivery_id)
    if delay is not None:
        deliver.schedule((delivery_id,), delay=delay)
    return delay


@db_periodic_task(crontab(minute="*"))
def deliver_due():
    """Every minute: release deliveries held through quiet hours, and pick up lost or crashed ones."""
    ids = services.deliveries_due()
    for delivery_id in ids:
        deliver(delivery_id)
    return len(ids)
