from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.push import services


@db_periodic_task(crontab(minute="23"))
def purge_push_events():
    """Hourly: drop outbox rows older than PUSH_RETENTION_HOURS (tabs resume within minutes)."""
    return services.purge()
