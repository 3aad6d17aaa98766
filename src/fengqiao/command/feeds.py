"""What feeds the command room's alerts.

- the transitions other parts publish (fengqiao.core.events, decision 0008), delivered after the
  writer's transaction commits, each subscriber in its own transaction:
  `incident.received` (a new 警情), `dispute.level_raised` to red (an open file), `vehicle.alarm_raised`
  (an alarm the command room is told about), `estate.device_offline` (a terminal at a gate gone
  silent; part 7) and `clock.overdue` (a time limit the sweeper breached; overdue 核查登记 tasks are
  clocks too). `subscribe()` is called from CommandConfig.ready();
- a fraud warning nobody has reached within COMMAND_FRAUD_DUE_MINUTES of its contact deadline: found
  by `scan` every minute (due by the clock, not by a write), with one indexed query. The same scan
  re-finds breached clocks without an alert, so an overdue event lost to a crash between commit and
  delivery still reaches the wall within a minute.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from fengqiao.command import rules
from fengqiao.command.alerts import alert_raise
from fengqiao.command.choices import AlertKind, AlertLevel

log = logging.getLogger(__name__)

URGENCY_LEVEL = {"critical": AlertLevel.RED, "urgent": AlertLevel.RED, "normal": AlertLevel.ORANGE}
# Clocks breached longer ago than this are not raised as new alerts (the panels count them).
CLOCK_LOOKBACK = dt.timedelta(days=7)


def _coords(obj):
    address = getattr(obj, "address", None)
    if address is not None and address.latitude is not None:
        return address.latitude, address.longitude
    community = getattr(obj, "community", None)
    if community is not None and community.latitude is not None:
        return community.latitude, community.longitude
    return None, None


def incident_alert(incident) -> None:
    lat, lng = _coords(incident)
    category = incident.category
    alert_raise(
        station_id=incident.station_id,
        kind=AlertKind.INCIDENT,
        source_kind="incidents.incident",
        source_id=incident.pk,
        title=f"{incident.reference} {category}",
        body=f"{incident.location} {incident.narrative}".strip()[:500],
        level=URGENCY_LEVEL.get(incident.urgency, AlertLevel.ORANGE),
        url=incident.get_absolute_url(),
        community_id=incident.community_id,
        latitude=lat,
        longitude=lng,
        subject=str(category.top.code if category else ""),
        at=incident.received_at if incident.received_at else None,
    )


def on_incident_received(event) -> None:
    from fengqiao.incidents.models import Incident  # a guest's model: read only when it publishes

    incident = (
        Incident.objects.select_related("category__parent", "address", "community")
        .filter(pk=event["incident_id"])
        .first()
    )
    if incident is not None:
        incident_alert(incident)


def dispute_alert(dispute) -> None:
    lat, lng = _coords(dispute)
    alert_raise(
        station_id=dispute.station_id,
        kind=AlertKind.DISPUTE_RED,
        source_kind="disputes.dispute",
        source_id=dispute.pk,
        title=f"{dispute.reference} {dispute.dispute_type} 红色预警",
        body=(dispute.narrative or "")[:300],
        level=AlertLevel.RED,
        tell_leader=False,  # disputes tells the station leaders of a red dispute itself
        url=dispute.get_absolute_url(),
        community_id=dispute.community_id,
        latitude=lat,
        longitude=lng,
    )


def on_dispute_level_raised(event) -> None:
    """Only a rise to red, of a file still open now that the write has committed."""
    from fengqiao.disputes.models import Dispute  # a guest's model: read only when it publishes
    from fengqiao.disputes.selectors import OPEN_STATUSES

    if event["after"] != "red":
        return
    dispute = (
        Dispute.objects.select_related("dispute_type", "address", "community")
        .filter(pk=event["dispute_id"])
        .first()
    )
    if dispute is None or dispute.level != "red" or dispute.status not in OPEN_STATUSES:
        return
    dispute_alert(dispute)


def vehicle_alarms(alarms) -> None:
    from django.urls import reverse

    from fengqiao.vehicles import rules as vrules
    from fengqiao.vehicles.models import Vehicle

    vehicles = Vehicle.objects.in_bulk({a.vehicle_id for a in alarms})
    for alarm in alarms:
        vehicle = vehicles.get(alarm.vehicle_id)
        if vehicle is None:
            continue
        stolen = vehicle.status == "stolen"
        if not vrules.tell_command_room(alarm.kind, armed=vehicle.armed, stolen=stolen):
            continue
        theft_like = alarm.kind in vrules.COMMAND_ROOM_KINDS or stolen
        alert_raise(
            station_id=alarm.station_id,
            kind=AlertKind.VEHICLE_ALARM,
            source_kind="vehicles.alarm",
            source_id=alarm.pk,
            title=f"{vehicle.plate} {alarm.get_kind_display()}",
            body=f"{vehicle.get_kind_display()} {vehicle.brand} {vehicle.colour}".strip(),
            level=AlertLevel.RED if theft_like else AlertLevel.YELLOW,
            url=reverse("vehicles:vehicle_detail", args=[vehicle.pk]),
            community_id=alarm.community_id,
            latitude=alarm.latitude,
            longitude=alarm.longitude,
            subject=alarm.kind,
            at=alarm.at,
            announce=False,  # vehicles already tells the command room (a vehicle_alarm notification)
        )


def on_vehicle_alarm_raised(event) -> None:
    from fengqiao.vehicles.models import Alarm  # a guest's model: read only when it publishes

    alarm = Alarm.objects.filter(pk=event["alarm_id"]).first()
    if alarm is not None:
        vehicle_alarms([alarm])


def _alerted(source_kind: str, rows) -> set[int]:
    """Sources of these rows that already have an alert: the minute's scan finds the same overdue
    clock again and again, which is not a repeat of the event (a repeat bumps the count)."""
    from fengqiao.command.models import Alert

    ids = [row.pk for row in rows]
    return set(
        Alert.objects.filter(source_kind=source_kind, source_id__in=ids).values_list(
            "source_id", flat=True
        )
    )


def scan_fraud(now: dt.datetime) -> int:
    from fengqiao.antifraud.choices import OPEN_STATUSES
    from fengqiao.antifraud.models import Warning

    minutes = settings.COMMAND_FRAUD_DUE_MINUTES
    rows = (
        Warning.objects.filter(
            status__in=OPEN_STATUSES,
            first_contact_at__isnull=True,
            contact_due_at__lte=now + dt.timedelta(minutes=minutes),
            contact_due_at__gte=now - dt.timedelta(days=1),
        )
        .select_related("fraud_type", "officer")
        .order_by("contact_due_at")[:500]
    )
    rows = list(rows)
    alerted = _alerted("antifraud.warning", rows)
    made = 0
    for w in rows:
        if w.pk in alerted:
            continue
        if not rules.fraud_near_deadline(w.contact_due_at, w.first_contact_at, now, minutes):
            continue
        late = w.contact_due_at <= now
        alert = alert_raise(
            station_id=w.station_id,
            kind=AlertKind.FRAUD_DUE,
            source_kind="antifraud.warning",
            source_id=w.pk,
            title=f"{w.reference} {w.get_risk_level_display()}风险 {'已超联系期限' if late else '临近联系期限'}",
            body=f"{w.fraud_type} · 责任民警 {w.officer.display_name if w.officer else '未指派'} · 期限 {rules.show_date(w.contact_due_at, now)}",
            level=AlertLevel.RED,
            url=w.get_absolute_url(),
            community_id=w.community_id,
            at=now,
        )
        made += alert is not None
    return made


def clock_alert(clock, now: dt.datetime):
    """Put one breached clock on the wall. Returns the new alert, None for a repeat."""
    try:
        url = clock.get_absolute_url()
    except Exception:  # noqa: BLE001
        url = ""
    return alert_raise(
        station_id=clock.station_id,
        kind=AlertKind.CLOCK_OVERDUE,
        source_kind="core.clock",
        source_id=clock.pk,
        title=f"超期:{clock.title or clock.rule.name}",
        body=f"{clock.rule.name} 到期 {rules.show_date(clock.due_at, now)} · {clock.assignee.display_name if clock.assignee else '未指定'}",
        level=AlertLevel.RED,
        url=url,
        subject=clock.kind,
        at=now,
    )


def on_clock_overdue(event) -> None:
    """The sweeper breached a clock: on the wall at once (the minute's scan is the safety net, and
    an alert it already raised is not counted again)."""
    from fengqiao.core.workflow_models import Clock

    clock = Clock.objects.select_related("rule", "assignee").filter(pk=event["clock_id"]).first()
    if clock is None or clock.stopped_at is not None or _alerted("core.clock", [clock]):
        return
    clock_alert(clock, timezone.now())


def scan_clocks(now: dt.datetime) -> int:
    from fengqiao.core.choices import ClockState
    from fengqiao.core.workflow_models import Clock

    rows = (
        Clock.objects.filter(
            state=ClockState.BREACHED,
            stopped_at__isnull=True,
            breached_at__gte=now - CLOCK_LOOKBACK,
        )
        .select_related("rule", "assignee")
        .order_by("breached_at")[:500]
    )
    rows = list(rows)
    alerted = _alerted("core.clock", rows)
    made = 0
    for clock in rows:
        if clock.pk in alerted:
            continue
        made += clock_alert(clock, now) is not None
    return made


def scan(*, now: dt.datetime | None = None) -> dict:
    """One pass of the clock-driven feeds and the escalation (run every minute)."""
    from fengqiao.command.alerts import alerts_escalate

    now = now or timezone.now()
    return {
        "fraud_due": scan_fraud(now),
        "clock_overdue": scan_clocks(now),
        "escalated": alerts_escalate(now=now),
    }


def estate_alarm(alarm) -> None:
    estate = alarm.estate
    if estate is None:  # a terminal not yet put at a gate: the estates' terminal page shows it
        return
    device = alarm.device
    alert_raise(
        station_id=alarm.station_id,
        kind=AlertKind.ESTATE_ALARM,
        source_kind="estates.devicealarm",
        source_id=alarm.pk,
        title=f"{estate.name} {device.name or device.identifier} 门禁离线",
        body=f"{estate.community.name} · {device.get_vendor_display()}",
        level=AlertLevel.ORANGE,
        url=estate.get_absolute_url(),
        community_id=estate.community_id,
        latitude=estate.latitude,
        longitude=estate.longitude,
        subject="device_offline",
        at=alarm.started_at,
    )


def on_estate_device_offline(event) -> None:
    from fengqiao.estates.models import DeviceAlarm  # a guest's model: read only when it publishes

    alarm = (
        DeviceAlarm.objects.select_related("estate__community", "device")
        .filter(pk=event["alarm_id"])
        .first()
    )
    if alarm is not None:
        estate_alarm(alarm)


def subscribe() -> None:
    """From CommandConfig.ready(): the transitions that put something on the wall."""
    from fengqiao.core import events

    events.subscribe("incident.received", on_incident_received)
    events.subscribe("dispute.level_raised", on_dispute_level_raised)
    events.subscribe("vehicle.alarm_raised", on_vehicle_alarm_raised)
    events.subscribe("estate.device_offline", on_estate_device_offline)
    events.subscribe("clock.overdue", on_clock_overdue)
