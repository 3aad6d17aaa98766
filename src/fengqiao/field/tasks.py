"""Huey jobs of the field side. Thin: they call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fengqiao.field import services, units


@db_periodic_task(crontab(hour="3", minute="41"))
def purge_evidence() -> int:
    """Nightly: delete evidence files whose keeping period (EVIDENCE_KEEP_*_DAYS) has ended."""
    return services.evidence_purge()


@db_periodic_task(crontab(hour="3", minute="47"))
def purge_positions() -> int:
    """Nightly: delete officers' and patrol cars' positions older than FIELD_POSITION_KEEP_DAYS."""
    from fengqiao.field import patrol

    return units.positions_purge() + patrol.positions_purge()


@db_task(retries=2, retry_delay=30)
def send_dispatch_push(incident_id: int, officer_ids: list[int]) -> int:
    """派警 to the dispatched officers' phones (Web Push), off the request that dispatched."""
    from fengqiao.field import webpush
    from fengqiao.incidents.models import Incident

    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return 0
    return webpush.send_to_users(officer_ids, webpush.dispatch_message(incident))


def on_incident_dispatched(event) -> None:
    send_dispatch_push(event["incident_id"], list(event["officer_ids"]))
