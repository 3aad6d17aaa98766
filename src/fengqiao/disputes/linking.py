"""Incidents linked to disputes: the source incident, repeat calls by the same parties or at the same
address, and later 刑事/治安 incidents (民转刑).

An incident matches a dispute of its station when its caller's phone or registered person is one of
the dispute's parties, or it happened at the dispute's standard address. Calls up to
`REPEAT_WINDOW_DAYS` before the dispute was registered and any call after it are linked;
`Dispute.repeat_calls` is the most calls within any 30-day window (`rules.max_within_window`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from fengqiao.disputes import rules
from fengqiao.disputes.choices import EventKind, LinkHow, Status
from fengqiao.disputes.models import Dispute, DisputeEvent, DisputeIncident, DisputeParty

REPEAT_WINDOW_DAYS = 30


def _match_how(dispute_phones, dispute_persons, address_id, incident) -> str | None:
    if incident.caller_phone and incident.caller_phone in dispute_phones:
        return LinkHow.PHONE
    if incident.caller_person_id and incident.caller_person_id in dispute_persons:
        return LinkHow.PERSON
    if address_id and incident.address_id == address_id:
        return LinkHow.ADDRESS
    return None


def link_incidents_for(dispute, *, actor=None) -> int:
    """Link every matching incident of the dispute's station; refresh `repeat_calls`. Returns new links."""
    from fengqiao.incidents.models import Incident

    parties = list(dispute.parties.all())
    phones = {p.phone for p in parties if p.phone}
    persons = {p.person_id for p in parties if p.person_id}
    match = Q()
    if phones:
        match |= Q(caller_phone__in=phones)
    if persons:
        match |= Q(caller_person_id__in=persons)
    if dispute.address_id:
        match |= Q(address_id=dispute.address_id)
    created = 0
    if match:
        since = dispute.registered_at - dt.timedelta(days=REPEAT_WINDOW_DAYS)
        have = set(dispute.incident_links.values_list("incident_id", flat=True))
        candidates = (
            Incident.objects.filter(station_id=dispute.station_id, received_at__gte=since)
            .filter(match)
            .exclude(pk__in=have)
            .only(
                "pk", "caller_phone", "caller_person_id", "address_id", "received_at", "reference"
            )
        )
        for incident in candidates:
            how = _match_how(phones, persons, dispute.address_id, incident)
            if how is None:
                continue
            DisputeIncident.objects.get_or_create(
                dispute=dispute, incident=incident, defaults={"how": how}
            )
            DisputeEvent.objects.create(
                dispute=dispute,
                kind=EventKind.INCIDENT_LINKED,
                actor=actor,
                data={"incident": incident.reference, "how": how},
            )
            created += 1
    refresh_repeat_calls(dispute)
    return created


def refresh_repeat_calls(dispute) -> int:
    times = list(dispute.incident_links.values_list("incident__received_at", flat=True))
    count = rules.max_within_window(times, dt.timedelta(days=REPEAT_WINDOW_DAYS))
    if count != dispute.repeat_calls:
        Dispute.objects.filter(pk=dispute.pk).update(repeat_calls=count)
        dispute.repeat_calls = count
    return count


def disputes_matching(incident):
    """The station's disputes an incident belongs to: same party phone/person or address, registered
    no later than 30 days after the call (and not before it by more than that)."""
    match = Q()
    if incident.caller_phone:
        match |= Q(parties__phone=incident.caller_phone)
    if incident.caller_person_id:
        match |= Q(parties__person_id=incident.caller_person_id)
    if incident.address_id:
        match |= Q(address_id=incident.address_id)
    if not match:
        return Dispute.objects.none()
    latest = incident.received_at + dt.timedelta(days=REPEAT_WINDOW_DAYS)
    return (
        Dispute.objects.filter(station_id=incident.station_id, registered_at__lte=latest)
        .filter(match)
        .distinct()
    )


def link_new_incident(incident) -> int:
    """Called when an incident is received: link it to the matching disputes and refresh their counts
    (a new call can raise the suggested level through the repeat-calls trigger)."""
    from fengqiao.disputes.services import refresh_suggestion

    linked = 0
    for dispute in disputes_matching(incident).exclude(incident_links__incident=incident):
        phones = set(
            DisputeParty.objects.filter(dispute=dispute)
            .exclude(phone="")
            .values_list("phone", flat=True)
        )
        persons = set(
            DisputeParty.objects.filter(dispute=dispute, person__isnull=False).values_list(
                "person_id", flat=True
            )
        )
        how = _match_how(phones, persons, dispute.address_id, incident)
        if how is None:
            continue
        DisputeIncident.objects.get_or_create(
            dispute=dispute, incident=incident, defaults={"how": how}
        )
        DisputeEvent.objects.create(
            dispute=dispute,
            kind=EventKind.INCIDENT_LINKED,
            data={"incident": incident.reference, "how": how},
        )
        refresh_repeat_calls(dispute)
        if dispute.status != Status.CLOSED:
            refresh_suggestion(dispute)
        linked += 1
    return linked


def on_incident_received(event) -> None:
    """Subscriber of `incident.received` (fengqiao.core.events): link the new incident to the
    station's matching disputes. Runs after the incident committed, in its own transaction: a failure
    here is logged and never stops the duty desk from receiving a call."""
    from fengqiao.incidents.models import Incident

    incident = Incident.objects.filter(pk=event["incident_id"]).first()
    if incident is not None:
        link_new_incident(incident)
