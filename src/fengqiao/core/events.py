"""Domain events: a service says what changed; the parts that react subscribe. Decision 0008.

The writing service publishes a named *transition* inside its transaction:

    from fengqiao.core import events

    events.publish("dispute.level_raised", {"dispute_id": d.pk, "station_id": d.station_id,
                                            "before": "orange", "after": "red"})

and each reacting part subscribes once, from its AppConfig.ready() (as work-queue providers do):

    events.subscribe("dispute.level_raised", on_level_raised)   # on_level_raised(event)

Delivery:
- after the outermost transaction commits (`transaction.on_commit`), never for a rolled-back write;
  an event published inside a savepoint that is rolled back is dropped with it. Published outside
  any transaction (autocommit), it is delivered at once: the write is already committed.
- synchronously, in the process that committed (web request, Huey job, the gateway's hooks
  thread), subscribers in the order they subscribed, each in its own transaction. A subscriber
  that raises is logged (with the event) and rolled back alone; the other subscribers still run and
  the caller never sees the error: its write has committed already.
- at most once: a process that dies between the commit and the delivery loses the event. Where a
  missed consequence matters, the reacting part also has a sweep that finds what it missed (the
  command room's minute `scan` re-finds overdue clocks without an alert).

An event's payload is a dict of plain JSON values (ids, codes, times as ISO text): a subscriber
reads what it needs from the database, which holds the committed state. Every name and its payload
keys are declared in `EVENTS` below; publishing or subscribing to an unknown name, or a payload with
missing or extra keys, raises ValueError at once, so a typo fails loudly in the tests.

Model signals are kept for the change log only (decision 0004); tests/core/test_events.py fails
if another post_save/post_delete/m2m_changed receiver is connected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventType:
    keys: frozenset[str]
    doc: str


def _event(doc: str, *keys: str) -> EventType:
    return EventType(frozenset(keys), doc)


# Every event the platform publishes: name → payload keys. Names are "<part>.<what happened>", in
# the past tense of a transition, never "saved".
EVENTS: dict[str, EventType] = {
    "incident.received": _event(
        "接警: a new incident was registered (incidents.services.incident_receive).",
        "incident_id",
        "station_id",
    ),
    "incident.dispatched": _event(
        "派警: officers were assigned to an incident (incidents.services.incident_dispatch).",
        "incident_id",
        "station_id",
        "officer_ids",
    ),
    "dispute.level_raised": _event(
        "A dispute's level went up (before → after); a file registered at orange or red counts as "
        "raised from '' (disputes.services: register, set_level, the level adopted from linked calls).",
        "dispute_id",
        "station_id",
        "before",
        "after",
    ),
    "vehicle.alarm_raised": _event(
        "A new vehicle alarm was opened; a repeat that only counts is not one "
        "(vehicles.services.alarms_raise, from the gateway's hooks and the offline sweep).",
        "alarm_id",
        "vehicle_id",
        "station_id",
        "kind",
    ),
    "estate.device_offline": _event(
        "An estate terminal went silent and its offline alarm was opened "
        "(estates.services.devices_health_sweep).",
        "alarm_id",
        "device_id",
        "station_id",
        "estate_id",
    ),
    "estate.task_registered": _event(
        "A 核查登记 task closed as registered: the person was linked, or registered in the registry "
        "through registry.services.person_create in the same flow (`created`) "
        "(estates.services.task_register_person).",
        "task_id",
        "person_id",
        "station_id",
        "created",
    ),
    "clock.overdue": _event(
        "A running time limit passed its due time (the sweeper's last warning breached it).",
        "clock_id",
        "station_id",
        "kind",
    ),
}


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]


Subscriber = Callable[[Event], Any]
_subscribers: dict[str, list[Subscriber]] = {}


def _known(name: str) -> EventType:
    try:
        return EVENTS[name]
    except KeyError:
        raise ValueError(
            f"unknown event {name!r}; declare it in fengqiao.core.events.EVENTS"
        ) from None


def subscribe(name: str, handler: Subscriber) -> None:
    """Call `handler(event)` after each commit that published `name`. Idempotent per handler."""
    _known(name)
    handlers = _subscribers.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(name: str, handler: Subscriber) -> None:
    handlers = _subscribers.get(name, [])
    if handler in handlers:
        handlers.remove(handler)


def subscribers(name: str) -> list[Subscriber]:
    return list(_subscribers.get(name, []))


def publish(name: str, payload: dict[str, Any], *, using: str | None = None) -> Event:
    """Queue `name` for delivery when the current transaction commits. Returns the event."""
    expected = _known(name).keys
    got = set(payload)
    if got != expected:
        missing, extra = sorted(expected - got), sorted(got - expected)
        raise ValueError(f"event {name!r}: missing keys {missing}, unexpected keys {extra}")
    event = Event(name, dict(payload))
    transaction.on_commit(partial(deliver, event), using=using)
    return event


def deliver(event: Event) -> int:
    """Run every subscriber of the event, each in its own transaction. Returns how many failed."""
    failed = 0
    for handler in subscribers(event.name):
        try:
            with transaction.atomic():
                handler(event)
        except Exception:  # noqa: BLE001 — one part's failure must not stop the others
            failed += 1
            log.exception(
                "event %s: subscriber %s failed (payload %s)",
                event.name,
                getattr(handler, "__qualname__", handler),
                event.payload,
            )
    return failed
