"""Huey jobs of the field side. Thin: they call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.field import services, units


@db_periodic_task(crontab(hour="3", minute="41"))
def purge_evidence() -> int:
    """Nightly: delete evidence files whose keeping period (EVIDENCE_KEEP_*_DAYS) has ended."""
    return services.evidence_purge()


@db_periodic_task(crontab(hour="3", minute="47"))
def purge_positions() -> int:
    """Nightly: delete officers' positions older than FIELD_POSITION_KEEP_DAYS."""
    return units.positions_purge()
