"""Heavy reads on a streaming read replica, when there is one and it is fresh enough.

A county runs one primary PostgreSQL and a streaming replica made with `pg_basebackup -R`
(docs/deploy.md). Settings: `REPLICA_DATABASE_URL` adds the database alias `replica`;
`REPLICA_MAX_LAG_SECONDS` (default 30) bounds how stale its data may be; `REPLICA_CHECK_SECONDS`
(default 5) is how long one health check is trusted.

Only code marked with `using_replica()` (a context manager and a view decorator) reads from the
replica: the reports, dashboards, rankings and exports, whose figures may be a few seconds old.
Everything else (forms, detail pages, anything that reads what it has just written, every write)
goes to the primary. Inside a marked block writes still go to the primary.

The replica is skipped, and the read goes to the primary, when
- it is down or refuses the connection (the check has a 2-second connect timeout), or
- its replay lags behind: the last transaction it replayed is older than the bound while WAL it has
  received is still waiting to be replayed (an idle primary sends nothing, and a replica that has
  replayed everything it received is not stale however old its last transaction is).
The answer is cached per process for REPLICA_CHECK_SECONDS, so a busy page pays for the check at
most once every few seconds.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from contextlib import contextmanager

from fengqiao.core import rls

ALIAS = "replica"
log = logging.getLogger("fengqiao.replica")

_heavy: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "fengqiao_replica_reads", default=False
)
_lock = threading.Lock()
_state = {"checked": None, "ok": False, "lag": None, "reason": "not checked"}

LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE
         WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
         ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END
"""


@contextmanager
def using_replica():
    """Reads inside go to the replica when it is healthy (writes never do)."""
    token = _heavy.set(True)
    try:
        yield
    finally:
        _heavy.reset(token)


def replica_reads(view):
    """Decorator for the heavy views: their reads go to the replica when it is healthy."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with using_replica():
            return view(*args, **kwargs)

    wrapped.uses_replica = True  # carried on by functools.wraps of the outer decorators
    return wrapped


def configured() -> bool:
    from django.db import connections

    return ALIAS in connections.settings


def max_lag() -> float:
    from django.conf import settings

    return float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 30))


def check_interval() -> float:
    from django.conf import settings

    return float(getattr(settings, "REPLICA_CHECK_SECONDS", 5))


def forget() -> None:
    """Drop the cached health answer (tests; an operator after a failover)."""
    with _lock:
        _state.update(checked=None, ok=False, lag=None, reason="not checked")


def status() -> dict:
    """The last health answer: ok, lag (seconds), reason, checked (monotonic time)."""
    return dict(_state)


def healthy() -> bool:
    """Whether reads may go to the replica now (cached for REPLICA_CHECK_SECONDS)."""
    if not configured():
        return False
    now = time.monotonic()
    checked = _state["checked"]
    if checked is not None and now - checked < check_interval():
        return _state["ok"]
    with _lock:
        checked = _state["checked"]
        if checked is not None and time.monotonic() - checked < check_interval():
            return _state["ok"]
        ok, lag, reason = _probe()
        if ok != _state["ok"] or reason != _state["reason"]:
            log.info("replica %s: %s", "used" if ok else "skipped", reason)
        _state.update(checked=time.monotonic(), ok=ok, lag=lag, reason=reason)
        return ok


def _probe() -> tuple[bool, float | None, str]:
    from django.db import connections

    connection = connections[ALIAS]
    try:
        # The health query reads no station's rows: with no scope it runs as one autocommit statement,
        # not in a transaction of its own that sets the scope (core/postgresql: two round trips saved,
        # and no BEGIN/COMMIT counted against the page that asked).
        with rls.scoped(""), connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except Exception as error:  # down, refusing, restarting: the primary answers instead
        try:
            connection.close()
        except Exception:  # noqa: S110 - a broken connection may fail to close too
            pass
        return False, None, f"unreachable: {error.__class__.__name__}"
    lag = float(lag or 0)
    if not in_recovery:
        return False, lag, "not in recovery (promoted? then it is a primary, not a replica)"
    if lag > max_lag():
        return False, lag, f"lag {lag:.1f} s > {max_lag():g} s"
    return True, lag, f"lag {lag:.1f} s"


class ReplicaRouter:
    """DATABASE_ROUTERS entry: marked reads to the healthy replica, everything else to the primary."""

    def db_for_read(self, model, **hints):
        if _heavy.get() and healthy():
            return ALIAS
        return None

    def db_for_write(self, model, **hints):
        # explicit: without an answer Django writes an instance back where it was read from
        from django.db import DEFAULT_DB_ALIAS

        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both: a replica row may point to a primary row

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None if db != ALIAS else False
