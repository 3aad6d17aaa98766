"""The push process's database reads, each run in the process's small thread pool. Every query is
counted (`queries`), so the status page and the benchmark can show that the query rate does not
grow with the number of open tabs."""

from __future__ import annotations

import datetime as dt
import threading

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from fengqiao.push import viewers
from fengqiao.push.models import PushEvent

BATCH = 1000
CATCH_UP = 1000  # a tab that was away longer than this many of its events reloads instead
# PostgreSQL may commit a lower id after a higher one (two concurrent inserts): the process's reads
# also look this far back, and the hub's memory of sent ids drops the repeats. SQLite writes one at a time.
LATE_COMMIT = dt.timedelta(seconds=10)

_lock = threading.Lock()
queries = 0


def _count(execute, sql, params, many, context):
    global queries
    with _lock:
        queries += 1
    return execute(sql, params, many, context)


def _run(fn, *args, **kwargs):
    """Each pool thread keeps its connection open (the web's CONN_MAX_AGE=0 for SQLite would open one
    per call: under a reconnect storm, thousands of opens that wait on each other's locks); a call
    that fails closes it, and the next call opens a new one."""
    connection.close_at = None
    try:
        with connection.execute_wrapper(_count):
            return fn(*args, **kwargs)
    except Exception:
        connection.close()
        raise


def run(fn, *args, **kwargs):
    return _run(fn, *args, **kwargs)


def latest() -> int:
    return PushEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def read_since(cursor: int) -> list[tuple]:
    condition = Q(id__gt=cursor)
    if connection.vendor != "sqlite":
        condition |= Q(created_at__gte=timezone.now() - LATE_COMMIT)
    return list(
        PushEvent.objects.filter(condition)
        .order_by("id")
        .values_list("id", "audience", "kind", "payload")[:BATCH]
    )


def catch_up(audiences, after: int) -> list[tuple]:
    """A resuming tab's events after its Last-Event-ID (one query, on the (audience, id) index);
    the newest CATCH_UP of them when it was away long."""
    rows = list(
        PushEvent.objects.filter(audience__in=list(audiences), id__gt=after)
        .order_by("-id")
        .values_list("id", "audience", "kind", "payload")[:CATCH_UP]
    )
    rows.reverse()
    return rows


def connect(cookie: str, channels: list[str], station: int | None, after: int | None):
    """At connect: who it is (None: no stream) and, when resuming, what it missed."""
    viewer = viewers.viewer(cookie, channels=channels, station=station)
    if viewer is None:
        return None, []
    missed = catch_up(viewer.audiences, after) if after is not None else []
    return viewer, missed
