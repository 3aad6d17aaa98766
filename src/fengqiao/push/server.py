"""The push process: a plain asyncio HTTP server holding one server-sent-events connection per tab
(decision 0008). No thread and no task per connection: each is an asyncio.Protocol the hub writes
to; the database is touched once at connect (sign-in, scope, catch-up) in a small thread pool, and
once per process per poll/sweep by the feed.

    GET /push/stream?ch=wall,map,desk[&station=<id>][&since=<event id>]   (Last-Event-ID on resume)
    GET /push/healthz                   200 "ok"
    GET /push/status                    JSON counters (loopback only)

A connection whose unsent output passes PUSH_MAX_BUFFER_KB (a tab that never reads) is cut; the
browser reconnects and resumes from its Last-Event-ID. Each stream ends after about
PUSH_STREAM_SECONDS (±10 %) so the sign-in is checked again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from fengqiao.push.hub import Feed, Hub, frame

log = logging.getLogger("fengqiao.push")

MAX_HEAD = 8192
SNDBUF = 64 * 1024


@dataclass
class PushConfig:
    host: str = "127.0.0.1"
    port: int = 8001
    reuse_port: bool = False
    redis_url: str = ""
    channel: str = "fengqiao:push"
    poll: float = 0.2
    sweep: float = 5.0
    heartbeat: float = 20.0
    lifetime: float = 900.0
    max_buffer: int = 256 * 1024
    allowed_origins: tuple[str, ...] = ()
    db_threads: int = 4

    @classmethod
    def from_settings(cls, **overrides) -> PushConfig:
        from django.conf import settings

        config = cls(
            host=settings.PUSH_HOST,
            port=settings.PUSH_PORT,
            redis_url=settings.PUSH_REDIS_URL,
            channel=settings.PUSH_CHANNEL,
            poll=settings.PUSH_POLL_MS / 1000,
            sweep=float(settings.PUSH_SWEEP_SECONDS),
            heartbeat=float(settings.PUSH_HEARTBEAT_SECONDS),
            lifetime=float(settings.PUSH_STREAM_SECONDS),
            max_buffer=settings.PUSH_MAX_BUFFER_KB * 1024,
            allowed_origins=tuple(o.rstrip("/") for o in settings.PUSH_ALLOWED_ORIGINS),
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(config, key, value)
        return config


def _response(status: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection(asyncio.Protocol):
    __slots__ = ("server", "transport", "head", "viewer", "skip", "peer", "ends_at", "live")

    def __init__(self, server: PushServer):
        self.server = server
        self.transport = None
        self.head = b""
        self.viewer = None
        self.skip: set[int] = set()
        self.peer = ""
        self.ends_at = 0.0
        self.live = False

    # -- asyncio.Protocol --
    def connection_made(self, transport):
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if peer else ""
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                # A small kernel send buffer: what a tab has not read piles up in our bounded
                # buffer (PUSH_MAX_BUFFER_KB) where it is seen, not megabytes deep in the kernel.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
            except OSError:
                pass

    def connection_lost(self, exc):
        self.server.hub.remove(self)
        self.live = False

    def data_received(self, data: bytes):
        if self.viewer is not None or self.head is None:
            return  # the client has nothing more to say once its stream is open
        self.head += data
        if b"\r\n\r\n" not in self.head:
            if len(self.head) > MAX_HEAD:
                self._refuse("431 Request Header Fields Too Large")
            return
        head, self.head = self.head.split(b"\r\n\r\n", 1)[0], None
        self._request(head)

    # -- the hub writes here --
    def deliver(self, event_id: int, data: bytes) -> None:
        if event_id in self.skip or self.transport is None or self.transport.is_closing():
            return
        self.transport.write(data)
        if self.transport.get_write_buffer_size() > self.server.config.max_buffer:
            self.server.dropped += 1
            log.info(
                "push: dropped a slow connection of user %s (%s bytes unsent)",
                self.viewer.user_id if self.viewer else "?",
                self.transport.get_write_buffer_size(),
            )
            self.server.hub.remove(self)
            self.transport.abort()

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    # -- the request --
    def _refuse(self, status: str, body: str = "", headers: dict | None = None) -> None:
        self.head = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(
                _response(
                    status,
                    body.encode(),
                    {"Content-Type": "text/plain; charset=utf-8", **(headers or {})},
                )
            )
            self.transport.close()

    def _request(self, head: bytes) -> None:
        try:
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            self._refuse("400 Bad Request")
            return
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        url = urlsplit(target)
        path = url.path.rstrip("/")
        cors = self.server.cors_headers(headers.get("origin"))
        if method == "OPTIONS":
            self._refuse(
                "204 No Content",
                headers={
                    **cors,
                    "Access-Control-Allow-Methods": "GET",
                    "Access-Control-Allow-Headers": "Last-Event-ID, Cache-Control",
                    "Access-Control-Max-Age": "600",
                },
            )
            return
        if method != "GET":
            self._refuse("405 Method Not Allowed", headers={"Allow": "GET"})
            return
        if path.endswith("/healthz"):
            self._refuse("200 OK", "ok")
            return
        if path.endswith("/status"):
            if self.peer not in ("127.0.0.1", "::1"):
                self._refuse("403 Forbidden")
                return
            body = json.dumps(self.server.status())
            self._refuse("200 OK", body, {"Content-Type": "application/json"})
            return
        if not path.endswith("/stream"):
            self._refuse("404 Not Found")
            return
        query = parse_qs(url.query)
        channels = [c for part in query.get("ch", []) for c in part.split(",") if c]
        station = _int(query.get("station", [None])[0])
        after = _int(headers.get("last-event-id")) if headers.get("last-event-id") else None
        if after is None:
            after = _int(query.get("since", [None])[0])
        self.server.start_stream(self, headers.get("cookie", ""), channels, station, after, cors)

    # -- after sign-in --
    def open(self, viewer, missed: list[tuple], cors: dict, since_seq: int) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.viewer = viewer
        headers = [
            "HTTP/1.1 200 OK",
            "Content-Type: text/event-stream; charset=utf-8",
            "Cache-Control: no-store",
            "X-Accel-Buffering: no",
            "Connection: close",
            *(f"{k}: {v}" for k, v in cors.items()),
        ]
        self.transport.write(("\r\n".join(headers) + "\r\n\r\n").encode())
        self.transport.write(f"retry: 2000\n: user {viewer.user_id}\n\n".encode())
        lifetime = self.server.config.lifetime
        self.ends_at = time.monotonic() + lifetime * random.uniform(0.9, 1.1)
        for event_id, _audience, kind, payload in missed:
            self.transport.write(frame(event_id, kind, payload))
        self.skip = {row[0] for row in missed}
        self.live = True
        self.server.hub.add(self, since_seq=since_seq)


def _int(value) -> int | None:
    if value is None:
        return None
    value = str(value).strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


class PushServer:
    def __init__(self, config: PushConfig, *, connect=None, read_since=None, latest=None, run=None):
        from fengqiao.push import store

        self.config = config
        self.hub = Hub()
        self.executor = ThreadPoolExecutor(
            max_workers=config.db_threads, thread_name_prefix="push-db"
        )
        self._run = run or store.run
        self._connect = connect or store.connect
        self.feed = Feed(
            self.hub,
            read_since=read_since or store.read_since,
            latest=latest or store.latest,
            run_db=self.run_db,
            redis_url=config.redis_url,
            channel=config.channel,
            poll=config.poll,
            sweep=config.sweep,
        )
        self.server = None
        self.tasks: list[asyncio.Task] = []
        self.connecting: set[asyncio.Task] = set()
        self.dropped = 0
        self.refused = 0
        self.connects = 0
        self.started = time.monotonic()

    async def run_db(self, fn, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._run, fn, *args)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await self.feed.start()
        self.server = await loop.create_server(
            lambda: Connection(self),
            self.config.host,
            self.config.port,
            reuse_port=self.config.reuse_port or None,
            backlog=4096,
        )
        self.tasks.append(loop.create_task(self._beat()))

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.feed.stop()
        if self.server is not None:
            self.server.close()
        for conn in list(self.hub.connections):
            if conn.transport is not None:
                conn.transport.close()
        self.executor.shutdown(wait=False, cancel_futures=True)

    def cors_headers(self, origin: str | None) -> dict:
        if origin and origin.rstrip("/") in self.config.allowed_origins:
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Vary": "Origin",
            }
        return {}

    def start_stream(self, conn: Connection, cookie: str, channels, station, after, cors) -> None:
        since_seq = self.hub.seq
        self.connects += 1

        async def go():
            try:
                viewer, missed = await self.run_db(self._connect, cookie, channels, station, after)
            except Exception as exc:  # noqa: BLE001 - database away: the browser retries
                log.warning("push: sign-in check failed: %s: %s", type(exc).__name__, exc)
                conn._refuse("503 Service Unavailable", "稍后重试", {"Retry-After": "5", **cors})
                return
            if viewer is None:
                self.refused += 1
                conn._refuse("401 Unauthorized", "未登录或会话已过期", cors)
                return
            conn.open(viewer, missed, cors, since_seq)

        task = asyncio.get_running_loop().create_task(go())
        self.connecting.add(task)  # a strong reference until it is done (the loop keeps weak ones)
        task.add_done_callback(self.connecting.discard)

    async def _beat(self) -> None:
        """Every heartbeat: a comment to every connection (proxies keep it open, dead peers are
        noticed) and the end of streams past their lifetime (they reconnect and sign in again)."""
        ping = b": ping\n\n"
        while True:
            await asyncio.sleep(self.config.heartbeat)
            now = time.monotonic()
            for conn in list(self.hub.connections):
                if conn.ends_at and now >= conn.ends_at:
                    self.hub.remove(conn)
                    conn.write(b": bye\n\n")
                    conn.transport.close()
                else:
                    conn.deliver(0, ping)

    def status(self) -> dict:
        from fengqiao.push import store

        return {
            "connections": len(self.hub.connections),
            "audiences": len(self.hub.by_audience),
            "events": self.hub.events,
            "delivered": self.hub.delivered,
            "dropped_slow": self.dropped,
            "refused": self.refused,
            "connects": self.connects,
            "mode": self.feed.mode,
            "cursor": self.feed.cursor,
            "reads": self.feed.reads,
            "queries": store.queries,
            "uptime": round(time.monotonic() - self.started, 1),
        }
