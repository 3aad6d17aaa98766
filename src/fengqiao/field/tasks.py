"""Huey jobs of the field side. Thin: they call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.field import services


@db_periodic_task(crontab(hour="3", minute="41"))
def purge_evidence() -> int:
    """Nightly: delete evidence files whose keeping period (EVIDENCE_KEEP_*_DAYS) has ended."""
    return services.evidence_purge()
