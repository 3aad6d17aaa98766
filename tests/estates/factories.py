import datetime as dt

from django.utils import timezone

from fengqiao.estates.models import AccessDevice, AccessEvent, Credential, Estate
from fengqiao.estates.store import subject_of


def device(gate, *, vendor="hikvision", identifier="44:19:b6:00:00:01", last_seen_at=None):
    return AccessDevice.objects.create(
        vendor=vendor, identifier=identifier, status="active", station_id=gate.estate.station_id, estate=gate.estate,
        gate=gate, name=f"{gate} 门禁", last_seen_at=last_seen_at or timezone.now(),
    )  # fmt: skip


def events(
    dev,
    *,
    subject="900",
    days=(0,),
    at_hour=9,
    now=None,
    granted=True,
    person=None,
    card="",
    credential=None,
):
    """One pass a day on each of `days` days back (Beijing 09:00), bulk-created."""
    now = now or timezone.now()
    bj = dt.timezone(dt.timedelta(hours=8))
    rows = []
    for back in days:
        day = now.astimezone(bj).date() - dt.timedelta(days=back)
        at = dt.datetime.combine(day, dt.time(at_hour), tzinfo=bj).astimezone(dt.UTC)
        if at > now:
            at = now - dt.timedelta(minutes=1)
        rows.append(AccessEvent(
            station_id=dev.station_id, estate_id=dev.estate_id, gate_id=dev.gate_id, device=dev, occurred_at=at,
            day=at.astimezone(bj).date(), received_at=at, direction="in", credential_type="card" if card else "face",
            granted=granted, subject=subject_of(subject if not card else "", card), holder_no=subject if not card else "",
            card_no=card, person=person, credential=credential, key=f"{subject}{card}@{at:%Y%m%d%H%M%S}",
        ))  # fmt: skip
    return AccessEvent.objects.bulk_create(rows)


def credential(estate: Estate, holder_no="001", person=None, card_no=""):
    return Credential.objects.create(
        station=estate.station, estate=estate, holder_no=holder_no, person=person, card_no=card_no
    )
