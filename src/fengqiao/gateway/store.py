"""The interface between the asyncio server and the database, and the thread that owns the database.

The server never touches the database from the event loop. A single writer thread (`Committer`) owns
the store and performs, in order: device look-ups and other calls, and group commits — every record
waiting when the thread comes round is written in one transaction, and only after COMMIT returns are
the waiting acknowledgements released to the event loop (so an acknowledged position is on disk).
The store itself (fengqiao.tracking.store) is Django code; this module imports nothing from Django.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from fengqiao.gateway.filters import Track

log = logging.getLogger("fengqiao.gateway")

WRITE_RETRY_SECONDS = 1.0  # how long one batch is retried before it fails (see Committer._write)

# A record is a tuple (cheap to build at 20,000 a second):
# 0 device_pk, 1 identifier, 2 fixed_at, 3 received_at, 4 latitude (None: alarm without a fix), 5 longitude,
# 6 speed_kmh, 7 course, 8 valid, 9 buffered, 10 outdated, 11 attributes (dict), 12 alarms (list), 13 raw (bytes)
Record = tuple


@dataclass(slots=True)
class DeviceState:
    pk: int
    identifier: str
    protocol: str
    status: str
    utc_offset_minutes: int = 0
    auth_code: str = ""
    track: Track = field(default_factory=Track)
    # JT/T 808: the auth code was issued by this look-up (a new terminal, or one whose registration an
    # officer reset): only then does a 0x0100 registration answer it; else result 3 (already registered).
    issued: bool = False


class Store(Protocol):
    def lookup_many(self, requests: list[tuple[str, str, str, str]]) -> list[DeviceState | None]:
        """(protocol, identifier, remote address, auth code) → the device, registering unknown ones as
        pending; None for a disabled device."""

    def maintain(self) -> None: ...

    def write(self, records: list[Record], touches: dict[int, dict]) -> list[Record] | None:
        """One transaction; returns the records actually written (None: all of them)."""

    def after_store(self, records: list[Record]) -> None: ...

    def queued_commands(self) -> list[tuple[int, int, str, str]]:
        """(command id, device pk, kind, text to send) of the commands waiting for an online device."""

    def command_claim(self, command_id: int, serial: int) -> bool: ...

    def command_response(
        self, device_pk: int, *, command_id=None, serial=None, text: str = "", ok: bool = True
    ): ...

    def close(self) -> None: ...


class _Lookup:
    __slots__ = ("request", "done")

    def __init__(self, request, done):
        self.request, self.done = request, done


class _Call:
    __slots__ = ("fn", "args", "kwargs", "done")

    def __init__(self, fn, args, kwargs, done):
        self.fn, self.args, self.kwargs, self.done = fn, args, kwargs, done


class Committer:
    """The writer thread. `submit` and `call` are for the event-loop thread; results come back on it."""

    def __init__(
        self,
        store_factory: Callable[[], Store],
        loop,
        *,
        max_batch: int = 20000,
        stats=None,
        commit_interval: float = 0.0,
        retry_seconds: float = WRITE_RETRY_SECONDS,
        hook_interval: float = 0.0,
    ):
        # least time between two hook calls: the batches committed meanwhile go in one call (one
        # query of the hooks per interval instead of one per commit)
        self.hook_interval = hook_interval
        self.commit_interval = commit_interval
        self.retry_seconds = retry_seconds
        self.failing_since: float | None = None  # the first failed batch of an outage
        self.store_factory = store_factory
        self.loop = loop
        self.max_batch = max_batch
        self.stats = stats if stats is not None else {}
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.hooks: queue.Queue = queue.Queue(maxsize=1000)
        self.touches: dict[int, dict] = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="gateway-writer", daemon=True)
        self.hook_thread = threading.Thread(
            target=self._run_hooks, name="gateway-hooks", daemon=True
        )
        self.store: Store | None = None
        self.ready = threading.Event()
        self.failed: BaseException | None = None
        self.commit_seconds: list[float] = []
        # CPU seconds used by the writer and hooks threads (the loop's own: /status, time.thread_time)
        self.cpu: dict[str, float] = {"writer": 0.0, "hooks": 0.0}

    def start(self) -> None:
        self.thread.start()
        self.hook_thread.start()
        self.ready.wait(30)
        if self.failed:
            raise self.failed

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join(30)
        self.hooks.put(None)
        self.hook_thread.join(10)

    # -- event-loop side --
    def submit(self, records: list[Record], done: Callable[[bool], None]) -> None:
        """Write the records in the next group commit; `done(ok)` runs on the loop after COMMIT."""
        self.queue.put((records, (done,)))

    def submit_many(self, records: list[Record], done: list[Callable[[bool], None]]) -> None:
        """`submit` for the records of several reads at once (one queue item, one wake-up of the
        writer per loop iteration instead of one per read); each `done(ok)` runs after COMMIT."""
        self.queue.put((records, done))

    def touch(self, device_pk: int, **values) -> None:
        """Last message time and device flags, written with the next batch (latest value wins)."""
        with self.lock:
            current = self.touches.get(device_pk)
            if current is None:
                self.touches[device_pk] = values
            else:
                current.update(values)

    def lookup(self, protocol: str, identifier: str, remote: str, auth_code: str = ""):
        """The device for a login (batched with the other look-ups waiting); an asyncio future."""
        future = self.loop.create_future()
        self.queue.put(_Lookup((protocol, identifier, remote, auth_code), future))
        return future

    def call(self, fn: Callable, *args, **kwargs):
        """Run fn(store, *args) in the writer thread; returns an asyncio future for the result."""
        future = self.loop.create_future()
        self.queue.put(_Call(fn, args, kwargs, future))
        return future

    # -- writer thread --
    def _resolve(self, future, result=None, error=None):
        if future.cancelled():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def _run(self) -> None:
        try:
            self.store = self.store_factory()
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self.failed = exc
            self.ready.set()
            return
        self.ready.set()
        stop = False
        last_commit = 0.0
        while not stop:
            job = self.queue.get()
            # Commits at most every `commit_interval` seconds: under load each commit carries more
            # records (the cost of a commit is mostly fixed), at the price of a few ms of latency.
            wait = self.commit_interval - (time.monotonic() - last_commit)
            if wait > 0 and job is not None:
                time.sleep(wait)
            jobs = [job]
            # Collect whatever else is already waiting (that is the group in group commit).
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            batch: list[Record] = []
            callbacks = []
            lookups = [item for item in jobs if isinstance(item, _Lookup)]
            if lookups:
                self._lookups(lookups)
            for item in jobs:
                if item is None:
                    stop = True
                elif isinstance(item, _Lookup):
                    continue
                elif isinstance(item, _Call):
                    try:
                        result = _retry_when_locked(item.fn, self.store, *item.args, **item.kwargs)
                        self.loop.call_soon_threadsafe(self._resolve, item.done, result)
                    except Exception as exc:  # noqa: BLE001 - handed to the caller
                        log.exception(
                            "gateway store call %s failed", getattr(item.fn, "__name__", item.fn)
                        )
                        self.loop.call_soon_threadsafe(self._resolve, item.done, None, exc)
                else:
                    batch.extend(item[0])
                    callbacks.extend(item[1])
            with self.lock:
                touches, self.touches = self.touches, {}
            if not callbacks and not touches:
                continue
            last_commit = time.monotonic()
            ok, written = self._write(batch, touches)
            if callbacks:
                self.loop.call_soon_threadsafe(_run_callbacks, callbacks, ok)
            self.cpu["writer"] = time.thread_time()
            if ok and written:
                try:
                    self.hooks.put_nowait(written)
                except queue.Full:
                    self.stats["hook_batches_dropped"] = (
                        self.stats.get("hook_batches_dropped", 0) + 1
                    )
        try:
            self.store.close()
        except Exception:  # noqa: BLE001
            log.exception("closing the gateway store failed")

    def _lookups(self, lookups: list[_Lookup]) -> None:
        try:
            results = self.store.lookup_many([item.request for item in lookups])
        except Exception as exc:  # noqa: BLE001 - every waiting session is told
            self._failed(exc, "device look-up of %d devices failed", len(lookups))
            self._reset()
            for item in lookups:
                self.loop.call_soon_threadsafe(self._resolve, item.done, None, exc)
            return
        for item, result in zip(lookups, results, strict=True):
            self.loop.call_soon_threadsafe(self._resolve, item.done, result)

    def _reset(self) -> None:
        """After a failure: drop the database connection so the next attempt opens a fresh one."""
        reset = getattr(self.store, "reset", None)
        if reset is not None:
            try:
                reset()
            except Exception:  # noqa: BLE001
                log.exception("resetting the gateway store failed")

    def _write(self, batch: list[Record], touches: dict) -> tuple[bool, list[Record]]:
        """(committed, the records written: a resend found already stored is acknowledged, not
        written again).

        A failed batch is tried again only within `retry_seconds` (at most three attempts): while the
        database is away every device of the process waits on this thread, so a batch that cannot be
        stored soon fails — its connections are closed unacknowledged, the devices reconnect and send
        again — and the thread goes on to the next, which finds the database back as soon as it is."""
        started = time.perf_counter()
        attempt = 0
        # During an outage (the last batch failed) one attempt: the writer must not keep every device
        # waiting on a database that is known to be away; the first batch after it finds it back.
        attempts = 1 if self.failing_since is not None else 3
        while True:
            attempt += 1
            try:
                written = self.store.write(batch, touches)
                if written is None:
                    written = batch
                break
            except Exception as exc:  # noqa: BLE001 - the devices will resend; never crash ingestion
                self.stats["write_errors"] = self.stats.get("write_errors", 0) + 1
                self._failed(exc, "batch of %d records failed (attempt %d)", len(batch), attempt)
                self._reset()
                pause = 0.1 * attempt
                if (
                    attempt >= attempts
                    or time.perf_counter() - started + pause > self.retry_seconds
                ):
                    self._keep_touches(touches)
                    self.stats["batches_failed"] = self.stats.get("batches_failed", 0) + 1
                    return False, []
                time.sleep(pause)
        if self.failing_since is not None:
            log.warning(
                "gateway: the database takes writes again after %.1f s",
                time.monotonic() - self.failing_since,
            )
            self.failing_since = None
        elapsed = time.perf_counter() - started
        self.commit_seconds.append(elapsed)
        if len(self.commit_seconds) > 1000:
            del self.commit_seconds[:500]
        self.stats["commits"] = self.stats.get("commits", 0) + 1
        stored = sum(1 for r in written if r[4] is not None)
        self.stats["positions_stored"] = self.stats.get("positions_stored", 0) + stored
        resent = sum(1 for r in batch if r[4] is not None) - stored
        if resent:
            self.stats["duplicates_stored_before"] = (
                self.stats.get("duplicates_stored_before", 0) + resent
            )
        return True, written

    def _failed(self, exc: Exception, message: str, *args) -> None:
        """The first failure of an outage is logged with its traceback, the others in one line each."""
        if self.failing_since is None:
            self.failing_since = time.monotonic()
            log.exception("gateway " + message, *args)
        else:
            text = str(exc).strip()
            log.warning(
                "gateway " + message + ": %s",
                *args,
                text.splitlines()[0] if text else type(exc).__name__,
            )

    def _keep_touches(self, touches: dict) -> None:
        """A failed batch's last-message times go with the next one (newer values win)."""
        with self.lock:
            for pk, values in touches.items():
                current = self.touches.get(pk)
                self.touches[pk] = values if current is None else {**values, **current}

    def _run_hooks(self) -> None:
        """The hooks of committed batches, in order. Whatever batches wait when the thread comes round
        go to the hooks together: under load one hook call (and its queries) covers many small
        commits instead of falling behind them one by one."""
        stop = False
        last_call = 0.0
        while not stop:
            batch = self.hooks.get()
            if batch is None:
                return
            wait = self.hook_interval - (time.monotonic() - last_call)
            if wait > 0:
                time.sleep(wait)
            last_call = time.monotonic()
            merged = list(batch)
            while True:
                try:
                    more = self.hooks.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                merged.extend(more)
            try:
                self.store.after_store(merged)
            except Exception:  # noqa: BLE001
                log.exception("gateway hooks failed")
            self.cpu["hooks"] = time.thread_time()


LOCK_RETRIES = 5
LOCK_PAUSE_SECONDS = 0.05


def _retry_when_locked(fn, *args, **kwargs):
    """A store call retried a few times when SQLite answers "database (table) is locked": another
    connection (the web app, a job) holds the write lock for a moment. Any other error is raised."""
    for attempt in range(1, LOCK_RETRIES + 1):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if attempt == LOCK_RETRIES or "is locked" not in str(exc):
                raise
            time.sleep(LOCK_PAUSE_SECONDS * attempt)
    return None  # not reached


def _run_callbacks(callbacks, ok: bool) -> None:
    for callback in callbacks:
        try:
            callback(ok)
        except Exception:  # noqa: BLE001
            log.exception("acknowledgement callback failed")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
