"""The estate access-control gateway: one asyncio HTTP server that Hikvision (ISAPI event
notification) and ZKTeco (PUSH /iclock) terminals push to. No Django here.

Same process model as the tracker gateway (server.py): the event loop parses and decodes, one writer
thread (`store.Committer`) owns the database and group-commits every waiting batch; a terminal's
request is answered only after its events are committed (a terminal that gets no 200 sends again, and
a replay is stored once: the device's own event key is unique). Unknown terminals are registered as
pending and their events kept. Bad input gets a 4xx, a log line and a counter; a terminal that floods
is answered 503 with Retry-After (token bucket per terminal) — other terminals are not affected.
Pictures and biometric templates are dropped by the codecs unread; nothing here logs a body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from fengqiao.gateway import hikvision, zkteco
from fengqiao.gateway.access import Decoded, DecodeError, GateEvent
from fengqiao.gateway.guard import ConnectionLimits, LogLimiter, address_of
from fengqiao.gateway.server import GcPauses, Stats
from fengqiao.gateway.store import Committer, utcnow

log = logging.getLogger("fengqiao.gateway.estates")

# A record (a tuple, cheap to build): 0 device_pk, 1 device identity, 2 occurred_at (UTC),
# 3 received_at, 4 event key (never None), 5 credential type, 6 granted, 7 direction, 8 holder_no,
# 9 card_no, 10 vendor event code.
HIKVISION, ZKTECO = "hikvision", "zkteco"
DEVICE_TTL = 60.0  # seconds a device row is reused before it is read again


@dataclass(slots=True)
class GateDevice:
    pk: int
    identifier: str
    vendor: str
    status: str  # pending | active | disabled


@dataclass
class EstateConfig:
    host: str = "0.0.0.0"  # noqa: S104 - terminals push from the estates' networks
    port: int = 8089
    reuse_port: bool = False
    rate: float = 100.0  # events a second per terminal, sustained
    burst: float = 2000.0  # events in a burst (a terminal emptying its offline buffer)
    max_body: int = 4 * 1024 * 1024  # a request body larger than this is refused (413)
    idle_seconds: float = 120.0  # a keep-alive connection silent this long is closed
    login_seconds: float = 30.0  # a connection that has sent no whole request by then is closed
    max_connections: int = 10000  # connections this process accepts
    max_per_address: int = (
        200  # connections from one address (an estate's terminals behind its NAT)
    )
    log_burst: int = 5  # log lines about one address's bad requests in each log window
    log_window: float = 60.0
    commit_interval_ms: int = 5
    gc_full_seconds: float = 6 * 3600
    command_poll_seconds: float = 2.0  # how often queued terminal commands are looked for


class Bucket:
    __slots__ = ("tokens", "last", "logged")

    def __init__(self, burst: float):
        self.tokens, self.last, self.logged = burst, time.monotonic(), 0.0


class EstateGateway:
    def __init__(self, config: EstateConfig, store_factory):
        self.config = config
        self.store_factory = store_factory
        self.loop = None
        self.stats = Stats()
        self.sessions: set = set()
        self.devices: dict[tuple[str, str], tuple[float, GateDevice]] = {}
        self.buckets: dict[str, Bucket] = {}
        self.queued: set[int] = (
            set()
        )  # terminals with a command waiting (refreshed every few seconds)
        self.server = None
        self.tasks: list[asyncio.Task] = []
        self.committer: Committer | None = None
        self.latency: deque[float] = deque(maxlen=100_000)
        self.started = time.time()
        self.gc_pauses = GcPauses(full_every=config.gc_full_seconds)
        self.admission = ConnectionLimits(
            total=config.max_connections, per_address=config.max_per_address
        )
        window = {"burst": config.log_burst, "window": config.log_window}
        self.input_log = LogLimiter(log, "bad requests", **window)
        self.rows_log = LogLimiter(log, "bad ATTLOG rows", **window)
        self.session_log = LogLimiter(log, "refused connections", **window)

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.gc_pauses.install()
        self.committer = Committer(
            self.store_factory,
            self.loop,
            stats=self.stats,
            commit_interval=self.config.commit_interval_ms / 1000,
        )
        await self.loop.run_in_executor(None, self.committer.start)
        self.server = await self.loop.create_server(
            lambda: TerminalSession(self),
            self.config.host,
            self.config.port,
            reuse_port=self.config.reuse_port,
            backlog=2048,
        )
        self.tasks.append(self.loop.create_task(self._sweep()))
        self.tasks.append(self.loop.create_task(self._commands()))

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.server is not None:
            self.server.close()
        for session in list(self.sessions):
            if session.transport is not None:
                session.transport.abort()
        await asyncio.sleep(0)
        if self.committer is not None:
            await self.loop.run_in_executor(None, self.committer.stop)

    def status(self) -> dict:
        lat = sorted(self.latency)

        def pct(p):
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else None

        stats = dict(self.stats)
        stats["events_stored"] = stats.pop("positions_stored", 0)
        stats["events_replayed"] = stats.pop("duplicates_stored_before", 0)
        return {
            "pid": os.getpid(),
            "uptime_s": round(time.time() - self.started),
            "connections_open": len(self.sessions),
            "devices_known": len(self.devices),
            "answer_ms_p50": pct(0.5),
            "answer_ms_p99": pct(0.99),
            **self.gc_pauses.figures(),
            **self.admission.figures(),
            "log_lines_suppressed": sum(
                limiter.suppressed_total
                for limiter in (self.input_log, self.rows_log, self.session_log)
            ),
            **stats,
        }

    def allow(self, identity: str, count: int) -> bool:
        """Token bucket per terminal: False (and a log line at most once a minute) when it floods."""
        cfg = self.config
        bucket = self.buckets.get(identity)
        if bucket is None:
            bucket = self.buckets[identity] = Bucket(cfg.burst)
        now = time.monotonic()
        bucket.tokens = min(cfg.burst, bucket.tokens + (now - bucket.last) * cfg.rate)
        bucket.last = now
        if bucket.tokens < count:
            self.stats.inc("throttled")
            if now - bucket.logged > 60:
                bucket.logged = now
                log.warning(
                    "estate gateway: terminal %s floods (over %g events/s): answered 503, it retries later",
                    identity,
                    cfg.rate,
                )
            return False
        bucket.tokens -= count
        return True

    def device(self, vendor: str, identity: str, remote: str):
        """The device (cached) as a future-like: (cached GateDevice, None) or (None, future)."""
        cached = self.devices.get((vendor, identity))
        if cached is not None and time.monotonic() - cached[0] < DEVICE_TTL:
            return cached[1], None
        return None, self.committer.lookup(vendor, identity, remote)

    async def _commands(self) -> None:
        while True:
            await asyncio.sleep(self.config.command_poll_seconds)
            try:
                queued = await self.committer.call(lambda store: store.queued_devices())
            except Exception:  # noqa: BLE001, S112 - logged by the writer thread; next round
                continue
            self.queued = set(queued or ())

    async def _sweep(self) -> None:
        """Close connections that sent no whole request in time and silent keep-alive ones; sum up
        suppressed log lines; log the counters each minute."""
        last_log = time.monotonic()
        cfg = self.config
        while True:
            await asyncio.sleep(
                min(10.0, cfg.idle_seconds / 2, cfg.login_seconds / 2, cfg.log_window / 2)
            )
            now = time.monotonic()
            for session in list(self.sessions):
                if session.busy:
                    continue
                if not session.requests and now - session.opened > cfg.login_seconds:
                    session.transport.abort()
                    self.stats.inc("closed_login_timeout")
                elif now - session.last_rx > cfg.idle_seconds:
                    session.transport.abort()
                    self.stats.inc("closed_idle")
            for limiter in (self.input_log, self.rows_log, self.session_log):
                limiter.flush()
            self.gc_pauses.settle()
            if now - last_log >= 60:
                last_log = now
                log.info("estate gateway status %s", json.dumps(self.status(), ensure_ascii=False))


REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           413: "Payload Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error",
           503: "Service Unavailable"}  # fmt: skip


@dataclass
class Request:
    method: str
    path: str
    params: dict
    headers: dict
    body: bytes = b""
    received: float = field(default_factory=time.monotonic)


class TerminalSession(asyncio.Protocol):
    """One HTTP connection from a terminal (keep-alive; requests answered in order)."""

    def __init__(self, gateway: EstateGateway):
        self.gateway = gateway
        self.buffer = bytearray()
        self.transport = None
        self.remote = ""
        self.closed = False
        self.busy = False
        self.keep_alive = True
        self.continued = False
        self.last_rx = self.opened = time.monotonic()
        self.address = ""
        self.admitted = False
        self.requests = 0  # whole requests received on this connection

    def connection_made(self, transport):
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.remote = f"{peer[0]}:{peer[1]}" if peer else ""
        self.address = address_of(peer)
        gw = self.gateway
        refused = gw.admission.admit("http", self.address)
        if refused is not None:
            gw.stats.inc("connections_refused")
            gw.stats.inc(f"connections_refused_{refused}")
            gw.session_log.log(
                self.address,
                logging.WARNING,
                "estate gateway: connection from %s refused: the %s limit is reached",
                self.remote,
                "per-address" if refused == "address" else "process",
            )
            self.closed = True
            transport.abort()
            return
        self.admitted = True
        gw.sessions.add(self)
        gw.stats.inc("connections")

    def connection_lost(self, exc):
        self.closed = True
        self.gateway.sessions.discard(self)
        if self.admitted:
            self.admitted = False
            self.gateway.admission.release("http", self.address)

    def data_received(self, data: bytes):
        if self.closed:
            return
        self.last_rx = time.monotonic()
        self.buffer += data
        if len(self.buffer) > self.gateway.config.max_body + 65536:
            self.gateway.stats.inc("too_large")
            self._respond(413, "request too large", close=True)
            return
        self._next()

    # -- request parsing --
    def _next(self) -> None:
        if self.busy or self.closed:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > 65536:
                self._bad("request head too long", close=True)
            return
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            self._bad("bad request line", close=True)
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._bad("chunked bodies are not accepted (send Content-Length)", close=True)
            return
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            self._bad("bad Content-Length", close=True)
            return
        if length < 0 or length > self.gateway.config.max_body:
            self.gateway.stats.inc("too_large")
            self._respond(413, "request too large", close=True)
            return
        if len(self.buffer) < end + 4 + length:
            if headers.get("expect", "").lower() == "100-continue" and not self.continued:
                self.continued = (
                    True  # curl-based terminals wait for this before sending a large body
                )
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return
        self.continued = False
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        self.keep_alive = headers.get("connection", "").lower() != "close"
        url = urlsplit(target)
        request = Request(method.upper(), url.path, dict(parse_qsl(url.query)), headers, body)
        self.requests += 1
        self.busy = True
        self.gateway.stats.inc("requests")
        try:
            self._route(request)
        except DecodeError as exc:
            self._bad(str(exc), who=request.params.get("SN", ""))
        except Exception:  # noqa: BLE001 - a bug must not take the connection's other requests down silently
            self.gateway.stats.inc("internal_errors")
            log.exception(
                "estate gateway: internal error on %s %s from %s",
                request.method,
                request.path,
                self.remote,
            )
            self.busy = False
            self._respond(500, "internal error", close=True)

    def _route(self, request: Request) -> None:
        path = request.path.rstrip("/").lower()
        if path == "/status" and request.method == "GET":
            self._respond(
                200,
                json.dumps(self.gateway.status(), ensure_ascii=False),
                content_type="application/json",
            )
            return
        if path.startswith("/iclock"):
            self._zkteco(path, request)
            return
        if request.method != "POST":
            self._respond(404 if request.method == "GET" else 405, "not found")
            return
        self._hikvision(request)

    # -- Hikvision --
    def _hikvision(self, request: Request) -> None:
        decoded = hikvision.decode(request.headers.get("content-type", ""), request.body)
        identity = decoded.items[0].device if decoded.items else ""
        if not identity:
            raise DecodeError("nothing in the request")
        self._with_device(HIKVISION, identity, request, decoded, answer="OK")

    # -- ZKTeco --
    def _zkteco(self, path: str, request: Request) -> None:
        serial = zkteco.serial_of(request.params)
        if path == "/iclock/cdata" and request.method == "GET":
            self._with_device(ZKTECO, serial, request, Decoded(), answer=zkteco.handshake(serial))
            return
        if path == "/iclock/cdata" and request.method == "POST":
            table = (request.params.get("table") or "").upper()
            if table == "ATTLOG":
                decoded = zkteco.decode_attlog(serial, request.body)
                for error in decoded.errors[:5]:
                    self.gateway.rows_log.log(
                        self.address,
                        logging.INFO,
                        "estate gateway: bad ATTLOG row from zkteco %s (%s): %s",
                        serial,
                        self.remote,
                        error,
                    )
                self.gateway.stats.inc("decode_errors", len(decoded.errors))
                answer = f"OK: {len(decoded.items)}"
            elif table in ("OPERLOG", "BIODATA", "OPTIONS"):
                decoded = zkteco.decode_operlog(request.body)
                answer = f"OK: {decoded.discarded + decoded.ignored}"
            else:  # ATTPHOTO and any other table: pictures and data we do not keep
                decoded = Decoded(discarded=1 if request.body else 0)
                answer = "OK"
            self._with_device(ZKTECO, serial, request, decoded, answer=answer)
            return
        if path in (
            "/iclock/getrequest",
            "/iclock/devicecmd",
            "/iclock/ping",
            "/iclock/registry",
            "/iclock/push",
        ):
            decoded = Decoded()
            if path == "/iclock/getrequest":
                decoded.poll = True
            elif path == "/iclock/devicecmd":
                decoded.results = zkteco.parse_devicecmd(request.body)
                self.gateway.stats.inc("command_results", len(decoded.results))
            self._with_device(ZKTECO, serial, request, decoded, answer="OK")
            return
        self._respond(404, "not found")

    # -- storing --
    def _with_device(
        self, vendor: str, identity: str, request: Request, decoded: Decoded, *, answer: str
    ) -> None:
        gw = self.gateway
        if decoded.discarded:
            gw.stats.inc("biometric_parts_discarded", decoded.discarded)
        if decoded.ignored:
            gw.stats.inc("events_ignored", decoded.ignored)
        device, future = gw.device(vendor, identity, self.remote)
        if device is not None:
            self._store(device, request, decoded, answer)
            return

        def looked_up(f):
            if f.cancelled() or f.exception() is not None:
                self.busy = False
                gw.stats.inc("store_errors")
                self._respond(503, "storage unavailable", close=True)
                return
            found = f.result()
            if found is None:
                self.busy = False
                self._respond(403, "device not accepted")
                return
            gw.devices[(vendor, identity)] = (time.monotonic(), found)
            self._store(found, request, decoded, answer)

        future.add_done_callback(looked_up)

    def _store(self, device: GateDevice, request: Request, decoded: Decoded, answer: str) -> None:
        gw = self.gateway
        if device.status == "disabled":
            gw.stats.inc("refused_disabled")
            self._respond(403, "device disabled")
            return
        events = [item for item in decoded.items if isinstance(item, GateEvent)]
        if events and not gw.allow(device.identifier, len(events)):
            self._respond(503, "too many events, retry later", extra_headers="Retry-After: 10\r\n")
            return
        now = utcnow()
        gw.committer.touch(device.pk, last_seen_at=now, remote_address=self.remote)
        if not events:
            gw.stats.inc("heartbeats")
            if decoded.results:
                results = decoded.results
                gw.committer.call(lambda store: store.command_results(device.pk, results))
            if decoded.poll and device.pk in gw.queued:
                gw.queued.discard(device.pk)
                future = gw.committer.call(lambda store: store.commands_for(device.pk))

                def send(f):
                    commands = (
                        [] if f.cancelled() or f.exception() is not None else (f.result() or [])
                    )
                    gw.stats.inc("commands_sent", len(commands))
                    self._respond(200, zkteco.commands_text(commands))

                future.add_done_callback(send)
                return
            self.busy = False
            # the touch is written with the next commit; a heartbeat's answer does not wait for it
            self._respond(200, answer)
            return
        records = [
            (device.pk, device.identifier, e.occurred_at, now, e.key, e.credential_type, e.granted,
             e.direction, e.holder_no, e.card_no, e.code)
            for e in events
        ]  # fmt: skip
        gw.stats.inc("events_received", len(records))
        received = request.received

        def committed(ok: bool) -> None:
            self.busy = False
            if ok:
                gw.latency.append(time.monotonic() - received)
                self._respond(200, answer)
            else:
                self._respond(503, "storage failed", close=True)

        gw.committer.submit(records, committed)

    # -- answers --
    def _bad(self, reason: str, *, close: bool = False, who: str = "") -> None:
        self.gateway.stats.inc("decode_errors")
        self.gateway.input_log.log(
            self.address,
            logging.INFO,
            "estate gateway: bad request from %s %s: %s",
            who or "?",
            self.remote,
            reason,
        )
        self.busy = False
        self._respond(400, reason, close=close)

    def _respond(self, status: int, text: str, *, close: bool = False, content_type: str = "text/plain",
                 extra_headers: str = "") -> None:  # fmt: skip
        if self.closed:
            return
        body = text.encode("utf-8")
        close = close or not self.keep_alive
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, '')}\r\nContent-Type: {content_type}; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n{extra_headers}Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        self.busy = False
        if close:
            self.closed = True
            self.transport.close()
            return
        if self.buffer:
            self.gateway.loop.call_soon(self._next)
