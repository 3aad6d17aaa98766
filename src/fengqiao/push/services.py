"""Writing to the push outbox: `send(audience, kind, payload)`, the one way to tell open tabs.

The row is written after the caller's transaction commits (never for a rolled-back write), in its
own short transaction, then announced on Redis pub/sub when a Redis URL is configured (one PUBLISH
per call, carrying the rows). A failure here never fails the caller: the row is in the table, and
every push process catches up from the table (it polls without Redis, and sweeps it every
PUSH_SWEEP_SECONDS with Redis; after a broker outage it reads what it missed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fengqiao.push.models import PushEvent

log = logging.getLogger(__name__)

AUDIENCE_PREFIXES = ("user", "station", "wall", "desk", "map")


def audience_ok(audience: str) -> bool:
    prefix, _, ident = audience.partition(":")
    return prefix in AUDIENCE_PREFIXES and ident.isdigit()


def _check(audience: str, kind: str, payload: dict | None) -> dict:
    if not audience_ok(audience):
        raise ValueError(f"push.send: bad audience {audience!r}")
    if not kind or len(kind) > 40:
        raise ValueError(f"push.send: bad kind {kind!r}")
    payload = dict(payload or {})
    json.dumps(payload)  # a payload that is not JSON fails the caller now, not after commit
    return payload


def send(audience: str | Iterable[str], kind: str, payload: dict | None = None) -> None:
    """Queue one event for each audience (`user:<id>`, `station:<id>`, `wall:<station id>`,
    `desk:<station id>`, `map:<station id>`); written and published after commit."""
    audiences = [audience] if isinstance(audience, str) else list(dict.fromkeys(audience))
    send_many([(a, kind, payload) for a in audiences])


def send_many(events: Iterable[tuple[str, str, dict | None]]) -> None:
    """Several (audience, kind, payload) at once: one INSERT and one PUBLISH after commit."""
    items = [(a, k, _check(a, k, p)) for a, k, p in events]
    if items:
        transaction.on_commit(lambda: write(items), robust=True)


def write(items: list[tuple[str, str, dict]]) -> list[PushEvent]:
    now = timezone.now()
    with transaction.atomic():
        rows = PushEvent.objects.bulk_create(
            [PushEvent(audience=a, kind=k, payload=p, created_at=now) for a, k, p in items]
        )
    publish(rows)
    return rows


def as_message(rows: Iterable[PushEvent]) -> str:
    return json.dumps(
        [{"id": r.pk, "a": r.audience, "k": r.kind, "p": r.payload} for r in rows],
        ensure_ascii=False,
        separators=(",", ":"),
    )


class _Publisher:
    """A Redis client for PUBLISH, with a short timeout and a 5 s pause after a failure (a broker
    that is down must not slow every writer down)."""

    PAUSE = 5.0

    def __init__(self):
        self.lock = threading.Lock()
        self.client = None
        self.url = None
        self.down_until = 0.0

    def publish(self, channel: str, message: str) -> bool:
        url = settings.PUSH_REDIS_URL
        if not url or time.monotonic() < self.down_until:
            return False
        try:
            with self.lock:
                if self.client is None or self.url != url:
                    import redis

                    self.client = redis.Redis.from_url(
                        url, socket_timeout=0.5, socket_connect_timeout=0.5
                    )
                    self.url = url
                client = self.client
            client.publish(channel, message)
            return True
        except Exception as exc:  # noqa: BLE001 - any broker error: the outbox holds the row
            self.down_until = time.monotonic() + self.PAUSE
            log.warning(
                "push: publish to Redis failed (%s: %s); tabs catch up from the outbox",
                type(exc).__name__,
                exc,
            )
            return False


publisher = _Publisher()


def publish(rows: list[PushEvent]) -> bool:
    if not rows:
        return False
    return publisher.publish(settings.PUSH_CHANNEL, as_message(rows))


def purge(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Delete events older than PUSH_RETENTION_HOURS, in batches; returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.PUSH_RETENTION_HOURS)
    total = 0
    while True:
        ids = list(
            PushEvent.objects.filter(created_at__lt=cutoff)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return total
        total += PushEvent.objects.filter(id__in=ids).delete()[0]
