"""The live push: a server-sent-events generator for one user's open tab.

It polls the database once a second with one indexed query (`recipient = me AND id > last`), so
it works the same on SQLite and PostgreSQL with no broker. It sends a heartbeat comment every
15 s (which also notices a closed tab) and ends after NOTIFY_STREAM_SECONDS, so the web thread it
holds is recycled; the browser's EventSource reconnects by itself with `Last-Event-ID`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator

from django.urls import reverse
from django.utils import timezone

from fengqiao.notifications.models import Notification

BATCH = 20
BUSY = "retry: 30000\n: busy, try again later\n\n"
log = logging.getLogger(__name__)

_open_lock = threading.Lock()
_open = 0


def open_streams() -> int:
    """How many streams this process is serving now (for tests and diagnostics)."""
    return _open


def _count(delta: int) -> None:
    global _open
    with _open_lock:
        _open += delta


def parse_last_id(header: str | None, since: str | None) -> int | None:
    """Resume point: the browser's Last-Event-ID on a reconnect, else the page's ?since=, else None."""
    for value in (header, since):
        if value is not None and value.strip().isdigit():
            return int(value.strip())
    return None


def latest_id(user_id: int) -> int:
    row = (
        Notification.objects.filter(recipient_id=user_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return row or 0


def format_event(row: dict, unread: int) -> str:
    data = {
        "id": row["id"],
        "kind": row["kind"],
        "level": row["level"],
        "urgent": row["urgent"],
        "title": row["title"],
        "body": row["body"][:500],
        "url": reverse("notifications:open", args=[row["id"]]),
        "created_at": row["created_at"].isoformat(),
        "unread": unread,
    }
    payload = json.dumps(data, ensure_ascii=False)
    return f"id: {row['id']}\nevent: notification\ndata: {payload}\n\n"


def events(
    user_id: int,
    last_id: int,
    *,
    duration: float,
    poll: float,
    heartbeat: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    _count(+1)
    try:
        yield f"retry: 2000\n: stream for user {user_id} from {last_id}\n\n"
        yield from _poll(user_id, last_id, duration, poll, heartbeat, clock, sleep)
        yield ": bye\n\n"
    except Exception as exc:  # a lost database ends this stream; the browser reconnects in 2 s
        log.warning(
            "notification stream for user %s ended: %s: %s", user_id, type(exc).__name__, exc
        )
    finally:
        _count(-1)


def _unread(user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def unread_event(count: int) -> str:
    return f"event: unread\ndata: {count}\n\n"


def _poll(user_id, last_id, duration, poll, heartbeat, clock, sleep) -> Iterator[str]:
    """New rows once per `poll`; the unread count at the start and, when it changed (read in another
    tab), with each heartbeat, so every tab's bell stays right without a request of its own."""
    deadline = clock() + duration
    next_beat = clock() + heartbeat
    unread = _unread(user_id)
    yield unread_event(unread)
    while clock() < deadline:
        rows = list(
            Notification.objects.filter(recipient_id=user_id, id__gt=last_id)
            .order_by("id")
            .values("id", "kind", "level", "urgent", "title", "body", "created_at")[:BATCH]
        )
        if rows:
            ids = [r["id"] for r in rows]
            Notification.objects.filter(pk__in=ids, delivered_live_at__isnull=True).update(
                delivered_live_at=timezone.now()
            )
            unread = _unread(user_id)
            for row in rows:
                yield format_event(row, unread)
            last_id = ids[-1]
            next_beat = clock() + heartbeat
            if len(rows) == BATCH:
                continue
        elif clock() >= next_beat:
            now_unread = _unread(user_id)
            if now_unread != unread:
                unread = now_unread
                yield unread_event(unread)
            else:
                yield ": ping\n\n"
            next_beat = clock() + heartbeat
        sleep(poll)
