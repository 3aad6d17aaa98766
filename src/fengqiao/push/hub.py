"""One push process's fan-out: which open connection listens to which audience, and the feed that
brings events in (Redis pub/sub, or the outbox table polled once per process).

Plain asyncio; the database is only touched through `reader` callables run in a small thread pool.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable, Iterable

log = logging.getLogger("fengqiao.push")

SEEN = 20000  # ids remembered so an event that comes by Redis and by the sweep is sent once
RECENT = 4096  # events kept in memory for a tab whose sign-in check was under way when they came


def frame(event_id: int, kind: str, payload) -> bytes:
    """One server-sent event, encoded once for every connection that gets it."""
    data = (
        payload
        if isinstance(payload, str)
        else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    )
    data = data.replace("\r", "").replace("\n", "\\n")
    return f"id: {event_id}\nevent: {kind}\ndata: {data}\n\n".encode()


class Hub:
    def __init__(self):
        self.by_audience: dict[str, set] = defaultdict(set)
        self.connections: set = set()
        self.seen: OrderedDict[int, None] = OrderedDict()
        self.recent: deque = deque(maxlen=RECENT)  # (seq, id, audience, kind, payload)
        self.seq = 0
        self.delivered = 0
        self.events = 0

    def add(self, conn, *, since_seq: int) -> None:
        """Start delivering to `conn`, first replaying what came since `since_seq` (while its
        sign-in and catch-up ran in a thread) for its audiences."""
        self.connections.add(conn)
        audiences = conn.viewer.audiences
        for audience in audiences:
            self.by_audience[audience].add(conn)
        for seq, event_id, audience, kind, payload in list(self.recent):
            if seq > since_seq and audience in audiences:
                conn.deliver(event_id, frame(event_id, kind, payload))

    def remove(self, conn) -> None:
        self.connections.discard(conn)
        if conn.viewer is None:
            return
        for audience in conn.viewer.audiences:
            group = self.by_audience.get(audience)
            if group is not None:
                group.discard(conn)
                if not group:
                    del self.by_audience[audience]

    def dispatch(self, rows: Iterable[tuple[int, str, str, object]]) -> int:
        """rows: (id, audience, kind, payload). Each id is sent once; returns how many were new."""
        new = 0
        for event_id, audience, kind, payload in rows:
            if event_id in self.seen:
                continue
            self.seen[event_id] = None
            if len(self.seen) > SEEN:
                self.seen.popitem(last=False)
            new += 1
            self.events += 1
            self.seq += 1
            self.recent.append((self.seq, event_id, audience, kind, payload))
            group = self.by_audience.get(audience)
            if not group:
                continue
            data = frame(event_id, kind, payload)
            for conn in list(group):
                conn.deliver(event_id, data)
                self.delivered += 1
        return new


class Feed:
    """Brings events into the hub.

    With a Redis URL: subscribed to PUSH_CHANNEL (each message carries the rows), plus a sweep of the
    outbox every `sweep` seconds (an event whose PUBLISH failed, or that committed while Redis was
    away, arrives by the sweep). Without Redis, or while Redis is unreachable: the outbox is read
    every `poll` seconds — one query for the whole process, however many tabs are open.
    """

    def __init__(
        self,
        hub: Hub,
        *,
        read_since: Callable[[int], list[tuple]],
        latest: Callable[[], int],
        run_db: Callable,
        redis_url: str,
        channel: str,
        poll: float,
        sweep: float,
    ):
        self.hub = hub
        self.read_since = read_since
        self.latest = latest
        self.run_db = run_db
        self.redis_url = redis_url
        self.channel = channel
        self.poll = poll
        self.sweep = sweep
        self.cursor = 0
        self.redis_up = False
        self.reads = 0
        self.tasks: list[asyncio.Task] = []
        self.wake = asyncio.Event()

    @property
    def mode(self) -> str:
        if not self.redis_url:
            return "poll"
        return "redis" if self.redis_up else "poll (redis unreachable)"

    async def start(self) -> None:
        self.cursor = await self.run_db(self.latest)
        # What the outbox already held when this process started was for the tabs to catch up with
        # (Last-Event-ID), not to be sent again to every open tab by the first read's look-back.
        for row in await self.run_db(self.read_since, self.cursor):
            if row[0] <= self.cursor:
                self.hub.seen[row[0]] = None
        loop = asyncio.get_running_loop()
        self.tasks.append(loop.create_task(self._db_loop()))
        if self.redis_url:
            self.tasks.append(loop.create_task(self._redis_loop()))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def read(self) -> int:
        rows = await self.run_db(self.read_since, self.cursor)
        self.reads += 1
        if rows:
            self.cursor = max(self.cursor, max(r[0] for r in rows))
        return self.hub.dispatch(rows)

    async def _db_loop(self) -> None:
        while True:
            interval = self.sweep if self.redis_up else self.poll
            try:
                await asyncio.wait_for(self.wake.wait(), interval)
            except TimeoutError:
                pass
            self.wake.clear()
            try:
                await self.read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a lost database: try again next round
                log.warning("push: reading the outbox failed: %s: %s", type(exc).__name__, exc)
                await asyncio.sleep(min(5.0, max(interval, 1.0)))

    async def _redis_loop(self) -> None:
        import redis.asyncio as aioredis

        delay = 0.5
        while True:
            client = None
            try:
                client = aioredis.from_url(
                    self.redis_url, socket_connect_timeout=2, health_check_interval=10
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(self.channel)
                if not self.redis_up:
                    log.info("push: subscribed to Redis %s", self.channel)
                self.redis_up = True
                delay = 0.5
                self.wake.set()  # catch up at once with what came while Redis was away
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    try:
                        items = json.loads(message["data"])
                        self.hub.dispatch((i["id"], i["a"], i["k"], i["p"]) for i in items)
                    except (ValueError, KeyError, TypeError):
                        log.warning("push: a malformed message on %s was ignored", self.channel)
                raise ConnectionError("subscription ended")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - broker down: poll the outbox until it is back
                if self.redis_up:
                    log.warning(
                        "push: Redis lost (%s: %s); polling the outbox until it is back",
                        type(exc).__name__,
                        exc,
                    )
                self.redis_up = False
                self.wake.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            finally:
                if client is not None:
                    try:
                        await client.aclose()
                    except Exception:  # noqa: BLE001, S110 - closing a dead client
                        pass
