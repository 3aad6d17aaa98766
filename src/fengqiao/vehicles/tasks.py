"""Huey jobs of 行车卫士. Thin: they call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fengqiao.vehicles import services


@db_task(retries=2, retry_delay=60)
def owner_message_send(message_id: int):
    """Send one SMS to a vehicle's owner; retried after a gateway failure."""
    if services.owner_message_attempt(message_id):
        raise RuntimeError(f"owner SMS {message_id} not sent yet")  # Huey retries it


@db_task()
def owner_messages_send(message_ids: list[int]):
    """Send a batch of owner SMS (queued once per batch of alarms); each failure is retried on its own."""
    for message_id in message_ids:
        if services.owner_message_attempt(message_id):
            owner_message_send.schedule((message_id,), delay=60)


@db_periodic_task(crontab(minute="*/10"))
def offline_sweep():
    """Every ten minutes: 离线过久 alarms for trackers silent longer than VEHICLES_OFFLINE_HOURS."""
    return services.offline_sweep()
