"""The asyncio servers: GT06 and JT/T 808 over TCP, OsmAnd over HTTP. No Django here.

One `Gateway` per process. Each TCP connection is a `TrackerSession`: it decodes the byte stream,
resolves the device (unknown devices are registered as pending by the store), judges every fix
(filters.py), hands the records to the writer thread and writes the acknowledgement only once the
records are committed. Bad input is counted and logged; a session that keeps sending it, floods, or
goes silent (half-open) is closed; nothing it does reaches another session.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import logging
import os
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import parse_qsl, urlsplit

from fengqiao.gateway import filters, gt06, jt808, proxyproto
from fengqiao.gateway.guard import ConnectionLimits, LogLimiter, address_of
from fengqiao.gateway.messages import DecodeError, Fix, Message
from fengqiao.gateway.store import Committer, DeviceState, utcnow

log = logging.getLogger("fengqiao.gateway")


@dataclass
class Limits:
    """Per-session limits (env vars in docs/gateway.md)."""

    max_errors: int = 10  # decode errors before the session is closed
    idle_seconds: float = 600.0  # no byte for this long: half-open, closed
    rate: float = 100.0  # messages a second, sustained
    burst: float = 1000.0  # messages in a burst (a device emptying its buffer)
    max_unacked: int = 5000  # records waiting for commit before reading pauses
    max_connections: int = 20000  # per process, all listeners (the descriptor limit)
    # per listener, so a flood on one port leaves room for the others (GATEWAY_MAX_CONNECTIONS_GT06 …)
    port_connections: dict = field(
        default_factory=lambda: {"gt06": 16000, "jt808": 16000, "osmand": 2000}
    )
    max_per_address: int = 1000  # connections from one client address (carrier NAT: many devices)
    login_seconds: float = 30.0  # a connection that has not logged in by then is closed
    log_burst: int = 5  # log lines about one client address's bad input in each log window
    log_window: float = 60.0  # then one summary line with the number suppressed


@dataclass
class Config:
    host: str = "0.0.0.0"  # noqa: S104 - devices connect from the mobile network
    gt06_port: int | None = 5023
    jt808_port: int | None = 5015
    osmand_port: int | None = 5055
    reuse_port: bool = False
    command_poll_seconds: float = 2.0
    commit_interval_ms: int = 0  # least time between two commits (GATEWAY_COMMIT_INTERVAL_MS)
    hook_interval_ms: int = (
        0  # least time between two calls of the hooks (GATEWAY_HOOK_INTERVAL_MS)
    )
    gc_full_seconds: float = (
        6 * 3600
    )  # a full garbage collection this often (GATEWAY_GC_FULL_SECONDS)
    # JT/T 808: only a session that presented the device's auth code (0x0102) may report
    # (GATEWAY_JT808_REQUIRE_AUTH; off for fleets whose terminals skip authentication)
    jt808_require_auth: bool = True
    # PROXY protocol v2 from these balancers (GATEWAY_PROXY_FROM: HAProxy's addresses): the device's
    # address comes from the header, for the log and the per-address limits; a connection from
    # anywhere else, or without a header, is closed. Empty: devices connect straight to the gateway.
    proxy_from: tuple = ()
    limits: Limits = field(default_factory=Limits)


class Stats(dict):
    def inc(self, key: str, n: int = 1) -> None:
        self[key] = self.get(key, 0) + n


class TrackerSession(asyncio.Protocol):
    """One device connection (GT06 or JT/T 808)."""

    def __init__(self, gateway: Gateway, protocol: str):
        self.gateway = gateway
        self.protocol = protocol
        self.decoder = gt06.Gt06Decoder() if protocol == "gt06" else jt808.Jt808Decoder()
        self.transport: asyncio.Transport | None = None
        self.remote = ""
        self.address = ""
        self.admitted = False
        self.device: DeviceState | None = None
        self.memory: filters.Track | None = None  # the process's committed track of the device
        self.inbox: deque[Message] = deque()
        self.waiting = False
        self.closed = False
        self.errors = 0
        self.unacked = 0
        self.in_flight = 0  # flushes handed to the writer and not yet committed
        self.paused = False
        self.tokens = gateway.config.limits.burst
        self.last_refill = time.monotonic()
        self.last_rx = self.opened = self.last_refill
        self.serial = 0
        self.zone_from_login = False
        # JT/T 808: set by a 0x0102 with the device's auth code (or always, when auth is not required)
        self.authenticated = protocol != "jt808" or not gateway.config.jt808_require_auth
        self.batch_records: list = []
        self.batch_ack = bytearray()
        self.batch_flags: dict = {}
        self.proxy_buffer: bytes | None = None  # set while the PROXY header is awaited

    # -- asyncio callbacks --
    def connection_made(self, transport):
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.remote = f"{peer[0]}:{peer[1]}" if peer else ""
        self.address = address_of(peer)
        gw = self.gateway
        if gw.config.proxy_from:
            # Admitted once the balancer's header has told who the device is (proxied_data).
            self.proxy_buffer = b""
            if not proxyproto.trusted(self.address, gw.config.proxy_from):
                self._refuse_unproxied("not from a configured balancer")
            else:
                gw.loop.call_later(PROXY_HEADER_SECONDS, proxy_timeout, self)
            return
        self._admitted()

    def _admitted(self) -> None:
        gw = self.gateway
        if not gw.admit(self, self.protocol):
            return
        transport = self.transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            except OSError:
                pass
        gw.stats.inc("connections")

    def connection_lost(self, exc):
        self.closed = True
        gw = self.gateway
        gw.sessions.discard(self)
        gw.release(self, self.protocol)
        if self.device is not None and gw.by_device.get(self.device.pk) is self:
            del gw.by_device[self.device.pk]

    @property
    def logged_in(self) -> bool:
        """The device is known (GT06 login, JT/T 808 frame) and, for JT/T 808, authenticated."""
        return self.device is not None and self.authenticated

    def _refuse_unproxied(self, reason: str) -> None:
        self.gateway.stats.inc("closed_proxy")
        self.gateway.session_log.log(
            self.address, logging.WARNING, "gateway: closing %s: %s", self.remote, reason
        )
        self.closed = True
        self.transport.abort()

    def data_received(self, data: bytes):
        if self.closed:
            return
        if self.proxy_buffer is not None:
            data = proxied_data(self, data)
            if not data:
                return
        now = time.monotonic()
        self.last_rx = now
        limits = self.gateway.config.limits
        items = self.decoder.feed(data)
        if not items:
            return
        # Token bucket: a flooding device is paused, then closed if it goes on.
        self.tokens = min(limits.burst, self.tokens + (now - self.last_refill) * limits.rate)
        self.last_refill = now
        self.tokens -= len(items)
        if self.tokens < -limits.burst:
            self.close("flooding", counter="closed_flooding")
            return
        if self.tokens < 0 and not self.paused:
            self.gateway.stats.inc("throttled")
            self.gateway.session_log.log(
                self.address,
                logging.INFO,
                "gateway: throttling %s %s (%s)",
                self.protocol,
                self._who(),
                self.remote,
            )
            self._pause()
            self.gateway.loop.call_later(-self.tokens / limits.rate, self._resume_after_throttle)
        for item in items:
            if isinstance(item, DecodeError):
                self.bad(str(item))
                if self.closed:
                    return
            else:
                self.inbox.append(item)
        self.drain()

    # -- processing --
    def _who(self) -> str:
        return self.device.identifier if self.device else (self.decoder.device_id or "?")

    def bad(self, reason: str) -> None:
        self.errors += 1
        self.gateway.stats.inc("decode_errors")
        self.gateway.input_log.log(
            self.address,
            logging.INFO,
            "gateway: bad input from %s %s (%s): %s",
            self.protocol,
            self._who(),
            self.remote,
            reason,
        )
        if self.errors >= self.gateway.config.limits.max_errors:
            self.close("too many bad frames", counter="closed_bad_input")

    def close(self, reason: str, *, counter: str) -> None:
        if self.closed:
            return
        self.gateway.stats.inc(counter)
        self.gateway.session_log.log(
            self.address,
            logging.WARNING,
            "gateway: closing %s %s (%s): %s",
            self.protocol,
            self._who(),
            self.remote,
            reason,
        )
        self.closed = True
        self.inbox.clear()
        if self.transport is not None:
            self.transport.abort()

    def drain(self) -> None:
        """Handle decoded messages in order; the records and acknowledgements of one read go to the
        writer together (one queue item, one write of all acknowledgements after the commit)."""
        while self.inbox and not self.waiting and not self.closed:
            message = self.inbox[0]
            identifier = message.device_id
            if identifier is None:
                self.inbox.popleft()
                self.bad(f"{message.type} before login")
                continue
            if self.device is None or self.device.identifier != identifier:
                self._flush()
                self._resolve(identifier, message)
                return
            self.inbox.popleft()
            self.handle(message)
        self._flush()

    def _flush(self) -> None:
        records, ack = self.batch_records, self.batch_ack
        if not records and not ack:
            return
        self.batch_records, self.batch_ack = [], bytearray()
        gw = self.gateway
        if self.device is not None and self.authenticated:
            gw.committer.touch(
                self.device.pk,
                last_seen_at=utcnow(),
                remote_address=self.remote,
                **self.batch_flags,
            )
            self.batch_flags = {}
        if not records and not self.in_flight:
            # A login, heartbeat or status with nothing stored and nothing of this connection waiting
            # for a commit: answered at once (only positions wait for their COMMIT); the last message
            # time goes with the next commit, which this asks for.
            gw.submit(records, None)
            if not self.closed:
                self.transport.write(bytes(ack))
                gw.stats.inc("acks")
            return
        self.in_flight += 1
        self.unacked += len(records)
        times = [r[2] for r in records if r[4] is not None]
        gw.stats.inc("received_positions", len(times))
        track = self.device.track if self.device is not None else None
        gw.submit(
            records,
            partial(
                self._committed,
                bytes(ack),
                len(records),
                time.monotonic(),
                self.memory,
                times,
                track.judged() if track is not None else None,
            ),
        )
        if self.unacked > gw.config.limits.max_unacked and not self.paused:
            self._pause()

    def _resolve(self, identifier: str, message: Message) -> None:
        self.waiting = True
        gw = self.gateway
        auth_code = message.attributes.get("auth_code", "") if message.type == "auth" else ""
        future = gw.committer.lookup(self.protocol, identifier, self.remote, auth_code)
        future.add_done_callback(self._lookup_done)

    def _lookup_done(self, future) -> None:
        if future.cancelled() or future.exception() is not None:
            self.waiting = False
            self.close("device look-up failed", counter="closed_store_error")
            return
        device = future.result()
        if device is None:
            self.waiting = False
            self.close("device disabled", counter="closed_disabled")
            return
        # The fix history (last fix, recent fix times) outlives a connection: a resend after a reconnect
        # is still recognised as a duplicate. The connection judges against its own copy; the process's
        # memory takes what a batch changed only after its commit (`_committed`).
        self.memory = _memory(self.gateway, device)
        device.track = self.memory.copy()
        self._resolved(device)

    def _resolved(self, device: DeviceState) -> None:
        self.waiting = False
        if self.closed:
            return
        if device.status == "disabled":
            self.close("device disabled", counter="closed_disabled")
            return
        self.device = device
        if self.authenticated:
            self._claim()
        if self.protocol == "jt808":
            self.decoder.auth_code = device.auth_code
        self.drain()

    def _claim(self) -> None:
        """This connection now speaks for the device: its older connection is closed and commands go
        here. A JT/T 808 session claims only once authenticated, so an impostor that merely names a
        terminal number cannot push the real terminal off."""
        gw = self.gateway
        previous = gw.by_device.get(self.device.pk)
        if previous is not None and previous is not self and not previous.closed:
            previous.close("device reconnected on a new connection", counter="closed_replaced")
        gw.by_device[self.device.pk] = self

    def handle(self, message: Message) -> None:
        gw = self.gateway
        device = self.device
        gw.stats.inc("messages")
        now = utcnow()
        kind = message.type
        ack = message.ack
        if kind == "login":
            self.zone_from_login = "utc_offset_minutes" in message.attributes
            gw.stats.inc("logins")
        elif kind == "register":
            # The code only to the registration that caused it to be issued (a new terminal, or after
            # an officer's 重置注册); naming a registered terminal's number does not hand its code out.
            if device.issued:
                ack = self.decoder.register_reply(message.raw, device.auth_code)
            else:
                gw.stats.inc("register_refused")
                ack = self.decoder.register_reply(message.raw, "", result=jt808.REGISTER_ALREADY)
        elif kind == "auth":
            presented = message.attributes.get("auth_code", "")
            if device.auth_code and presented != device.auth_code:
                gw.stats.inc("auth_failures")
                log.info(
                    "gateway: JT/T 808 %s (%s) presented a wrong auth code",
                    device.identifier,
                    self.remote,
                )
                ack = self.decoder.general_reply_for(message.raw, result=1)
            elif not self.authenticated:
                self.authenticated = True
                self._claim()
        elif message.fixes and not self.authenticated:
            # A report from a JT/T 808 session that never authenticated: refused (result 1), not
            # stored, not even the device's last-seen time; a session that goes on is closed.
            gw.stats.inc("refused_unauthenticated")
            self.batch_ack += self.decoder.general_reply_for(message.raw, result=1)
            self.bad(f"{kind} before authentication (0x0102)")
            return
        elif kind == "response" and self.authenticated:
            gw.committer.call(_command_response, device.pk, message.attributes)
        if kind in ("status", "heartbeat"):
            self.batch_flags.update(_flags(message.attributes))
        records = self.batch_records
        if message.fixes:
            extra = (
                0
                if (self.protocol != "gt06" or self.zone_from_login)
                else device.utc_offset_minutes
            )
            raw = message.raw if (message.alarms or any(f.alarms for f in message.fixes)) else None
            for fix in message.fixes:
                if extra:
                    fix.time -= dt.timedelta(minutes=extra)
                verdict = filters.judge(fix, device.track, now)
                if not verdict.store:
                    gw.stats.inc("duplicates")
                    if fix.alarms:  # an alarm frame repeating a position's time: keep the alarm
                        records.append(
                            (device.pk, device.identifier, fix.time, now, None, None, 0.0, 0.0, False, False,
                             True, {}, fix.alarms, raw)
                        )  # fmt: skip
                    continue
                attributes = fix.attributes
                if verdict.reason:
                    attributes["filtered"] = verdict.reason
                    gw.stats.inc(f"filtered_{verdict.reason}")
                records.append(
                    (
                        device.pk,
                        device.identifier,
                        fix.time,
                        now,
                        fix.latitude,
                        fix.longitude,
                        fix.speed_kmh,
                        fix.course,
                        verdict.valid,
                        fix.buffered,
                        verdict.outdated,
                        attributes,
                        fix.alarms,
                        raw,
                    )
                )
                self.batch_flags.update(_flags(attributes))
        if message.alarms:
            records.append(
                (
                    device.pk,
                    device.identifier,
                    now,
                    now,
                    None,
                    None,
                    0.0,
                    0.0,
                    False,
                    False,
                    True,
                    {},
                    message.alarms,
                    message.raw,
                )
            )
        if ack:
            self.batch_ack += ack

    def _committed(
        self, ack: bytes, count: int, submitted: float, memory, times, judged, ok: bool
    ) -> None:
        self.unacked -= count
        self.in_flight -= 1
        gw = self.gateway
        if ok and memory is not None:
            memory.commit(times, judged)
        if not ok:
            # Not stored: no acknowledgement, the device resends. Close so it reconnects and does so now.
            self.close("storage failed", counter="closed_store_error")
            return
        if ack and not self.closed:
            self.transport.write(ack)
            gw.stats.inc("acks")
            gw.ack_latency.append(time.monotonic() - submitted)
        if self.paused and self.unacked < gw.config.limits.max_unacked // 2 and self.tokens >= 0:
            self._resume()

    def _pause(self) -> None:
        if not self.paused and not self.closed:
            self.paused = True
            self.transport.pause_reading()

    def _resume(self) -> None:
        if self.paused and not self.closed:
            self.paused = False
            self.transport.resume_reading()

    def _resume_after_throttle(self) -> None:
        if self.unacked < self.gateway.config.limits.max_unacked:
            self._resume()

    def next_serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    def prepare_command(self, command_id: int, kind: str, text: str = "") -> tuple[int, bytes]:
        """The frame for a queued command and its serial. Engine cut/restore: GT06 0x80 Relay text,
        JT/T 808 0x8105. A command with its own text (arm/disarm as the device's manual gives it):
        GT06 0x80 with that text, JT/T 808 0x8300 文本信息下发."""
        if self.protocol == "gt06":
            serial = self.next_serial()
            return serial, gt06.command_frame(
                text or gt06.COMMAND_TEXT[kind], serial, server_flag=command_id
            )
        if text:
            return self.decoder.text_command(text)
        return self.decoder.command(jt808.TERMINAL_CONTROL, jt808.terminal_control_body(kind))


def _memory(gateway: Gateway, device: DeviceState) -> filters.Track:
    """The process's committed track of a device, brought up to the latest fix in the table (read at
    login: another gateway process may have stored newer fixes since this one last saw the device)."""
    fresh = device.track
    memory = gateway.tracks.setdefault(device.pk, fresh)
    if memory is not fresh:
        memory.catch_up(fresh.last_time, fresh.last_lat, fresh.last_lon)
    return memory


def _flags(attributes: dict) -> dict:
    out = {}
    if attributes.get("battery_percent") is not None:
        out["battery_percent"] = attributes["battery_percent"]
    if "ignition" in attributes:
        out["ignition"] = attributes["ignition"]
    if "charging" in attributes:
        out["charging"] = attributes["charging"]
    return out


def _command_response(store, device_pk, attributes):
    if "server_flag" in attributes:
        return store.command_response(
            device_pk, command_id=attributes["server_flag"], text=attributes.get("text", "")
        )
    if attributes.get("reply_id") in ("0x8105", "0x8300"):
        return store.command_response(
            device_pk,
            serial=attributes.get("reply_serial"),
            ok=attributes.get("result") == 0,
            text=f"result={attributes.get('result')}",
        )
    return None


# ---- OsmAnd (phones): HTTP GET/POST with id, lat, lon, timestamp, speed (knots), bearing, altitude, batt ----


OSMAND_DEVICE_TTL = 60.0  # seconds a phone's device row is reused before it is read again


PROXY_HEADER_SECONDS = 10  # a balancer sends its header at once; a silent connection is closed


def proxy_timeout(session) -> None:
    if not session.closed and session.proxy_buffer is not None:
        session._refuse_unproxied("no PROXY header")


def proxied_data(session, data: bytes) -> bytes:
    """Read the balancer's PROXY v2 header off the front of a connection: the session takes the
    device's address from it and is admitted (limits per that address); what follows the header is
    returned for the protocol's decoder. A connection without a valid header is closed."""
    buffer = session.proxy_buffer + data
    try:
        parsed = proxyproto.parse(buffer)
    except proxyproto.ProxyError as exc:
        session._refuse_unproxied(f"bad PROXY header: {exc}")
        return b""
    if parsed is None:
        if len(buffer) > proxyproto.HEADER + proxyproto.MAX_LENGTH:
            session._refuse_unproxied("PROXY header too long")
            return b""
        session.proxy_buffer = buffer
        return b""
    origin, used = parsed
    session.proxy_buffer = None
    if not origin.local:
        session.remote = f"{origin.address}:{origin.port} via {session.remote}"
        session.address = origin.address
    session._admitted()
    if session.closed:
        return b""
    return buffer[used:]


class OsmAndSession(asyncio.Protocol):
    MAX_REQUEST = 16384

    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        self.buffer = bytearray()
        self.transport = None
        self.remote = ""
        self.address = ""
        self.admitted = False
        self.closed = False
        self.busy = False
        self.last_rx = self.opened = time.monotonic()
        self.device = None
        self.logged_in = False  # a position of this connection has been stored
        self.proxy_buffer: bytes | None = None  # set while the PROXY header is awaited

    def connection_made(self, transport):
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.remote = f"{peer[0]}:{peer[1]}" if peer else ""
        self.address = address_of(peer)
        if self.gateway.config.proxy_from:
            self.proxy_buffer = b""
            if not proxyproto.trusted(self.address, self.gateway.config.proxy_from):
                self._refuse_unproxied("not from a configured balancer")
            else:
                self.gateway.loop.call_later(PROXY_HEADER_SECONDS, proxy_timeout, self)
            return
        self._admitted()

    def _admitted(self) -> None:
        if self.gateway.admit(self, "osmand"):
            self.gateway.stats.inc("connections")

    def _refuse_unproxied(self, reason: str) -> None:
        self.gateway.stats.inc("closed_proxy")
        self.gateway.session_log.log(
            self.address, logging.WARNING, "gateway: closing %s: %s", self.remote, reason
        )
        self.closed = True
        self.transport.abort()

    def connection_lost(self, exc):
        self.closed = True
        self.gateway.sessions.discard(self)
        self.gateway.release(self, "osmand")

    def close(self, reason: str, *, counter: str) -> None:
        if not self.closed:
            self.gateway.stats.inc(counter)
            self.gateway.session_log.log(
                self.address, logging.WARNING, "gateway: closing osmand %s: %s", self.remote, reason
            )
            self.closed = True
            self.transport.abort()

    def data_received(self, data: bytes):
        if self.closed:
            return
        if self.proxy_buffer is not None:
            data = proxied_data(self, data)
            if not data:
                return
        self.last_rx = time.monotonic()
        self.buffer += data
        if len(self.buffer) > self.MAX_REQUEST:
            self._respond(413, "request too large", close=True)
            return
        self._next()

    def _next(self) -> None:
        if self.busy or self.closed:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1")
        lines = head.split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            self.gateway.stats.inc("decode_errors")
            self._respond(400, "bad request line", close=True)
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            self._respond(400, "bad content-length", close=True)
            return
        if len(self.buffer) < end + 4 + length:
            return
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        self.keep_alive = headers.get("connection", "").lower() != "close"
        url = urlsplit(target)
        if url.path == "/status" and method == "GET":
            self._respond(
                200,
                json.dumps(self.gateway.status(), ensure_ascii=False),
                content_type="application/json",
            )
            return
        params = dict(parse_qsl(url.query))
        if body and "json" not in headers.get("content-type", ""):
            params.update(parse_qsl(body.decode("utf-8", "replace")))
        try:
            identifier, fix = parse_osmand(params, utcnow())
        except DecodeError as exc:
            self.gateway.stats.inc("decode_errors")
            self.gateway.input_log.log(
                self.address,
                logging.INFO,
                "gateway: bad OsmAnd request from %s: %s",
                self.remote,
                exc,
            )
            self._respond(400, str(exc))
            return
        self.busy = True
        cached = self.gateway.osmand_devices.get(identifier)
        if cached is not None and time.monotonic() - cached[0] < OSMAND_DEVICE_TTL:
            self._store(cached[1], fix)
            return
        future = self.gateway.committer.lookup("osmand", identifier, self.remote)
        future.add_done_callback(lambda f: self._looked_up(f, fix))

    def _looked_up(self, future, fix: Fix) -> None:
        if future.exception() is not None or future.result() is None:
            self.busy = False
            self._respond(403, "device not accepted")
            return
        device = future.result()
        gw = self.gateway
        device.track = _memory(gw, device)  # the committed memory: each request judges a copy
        gw.osmand_devices[device.identifier] = (time.monotonic(), device)
        self._store(device, fix)

    def _store(self, cached: DeviceState, fix: Fix) -> None:
        gw = self.gateway
        now = utcnow()
        gw.committer.touch(cached.pk, last_seen_at=now, remote_address=self.remote)
        # Judged against a copy: the memory learns the fix only once it is committed, so a point whose
        # commit failed (503) is stored when the phone sends it again, never answered 200 unstored.
        track = cached.track.copy()
        verdict = filters.judge(fix, track, now)
        records = []
        if verdict.store:
            if verdict.reason:
                fix.attributes["filtered"] = verdict.reason
            records.append(
                (
                    cached.pk,
                    cached.identifier,
                    fix.time,
                    now,
                    fix.latitude,
                    fix.longitude,
                    fix.speed_kmh,
                    fix.course,
                    verdict.valid,
                    fix.buffered,
                    verdict.outdated,
                    fix.attributes,
                    [],
                    None,
                )
            )
        gw.stats.inc("messages")
        gw.stats.inc("received_positions", len(records))
        gw.committer.submit(
            records,
            partial(
                self._committed,
                memory=cached.track,
                times=[fix.time] if records else [],
                judged=track.judged(),
            ),
        )

    def _committed(self, ok: bool, *, memory=None, times=(), judged=None) -> None:
        self.busy = False
        if ok and memory is not None:
            memory.commit(times, judged)
        if ok:
            self.logged_in = True
            self.gateway.stats.inc("acks")
            self._respond(200, "")
        else:
            self._respond(503, "storage failed", close=True)
        self._next()

    def _respond(
        self, status: int, text: str, *, close: bool = False, content_type: str = "text/plain"
    ) -> None:
        if self.closed:
            return
        reason = {
            200: "OK",
            400: "Bad Request",
            403: "Forbidden",
            413: "Payload Too Large",
            503: "Service Unavailable",
        }
        body = text.encode("utf-8")
        close = close or not getattr(self, "keep_alive", True)
        head = (
            f"HTTP/1.1 {status} {reason.get(status, '')}\r\nContent-Type: {content_type}; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        if close:
            self.closed = True
            self.transport.close()


def parse_osmand(params: dict, now: dt.datetime) -> tuple[str, Fix]:
    """The OsmAnd/Traccar-client query: id, lat, lon, timestamp (epoch s/ms or ISO 8601), speed in knots."""
    identifier = (params.get("id") or params.get("deviceid") or "").strip()
    if not identifier or len(identifier) > 20 or not identifier.isascii():
        raise DecodeError("missing or bad id")
    try:
        latitude = float(params["lat"])
        longitude = float(params["lon"])
    except (KeyError, ValueError) as exc:
        raise DecodeError("missing or bad lat/lon") from exc
    stamp = params.get("timestamp", "")
    try:
        if not stamp:
            time_ = now
        elif stamp.replace(".", "", 1).isdigit():
            seconds = float(stamp)
            time_ = dt.datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, dt.UTC)
        else:
            time_ = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            if time_.tzinfo is None:
                time_ = time_.replace(tzinfo=dt.UTC)
            time_ = time_.astimezone(dt.UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise DecodeError("bad timestamp") from exc

    def number(name, default=0.0):
        try:
            return float(params.get(name, default) or default)
        except ValueError:
            return default

    attributes = {}
    if "batt" in params:
        attributes["battery_percent"] = int(number("batt"))
    if "accuracy" in params:
        attributes["accuracy_m"] = number("accuracy")
    valid = params.get("valid", "true").lower() not in ("false", "0")
    return identifier, Fix(
        time=time_,
        latitude=latitude,
        longitude=longitude,
        speed_kmh=number("speed") * 1.852,
        course=number("bearing", number("heading")),
        valid=valid,
        attributes=attributes,
    )


# ---- the process ----


class GcPauses:
    """The garbage collector, kept out of the acknowledgement path, and the pauses it still causes.

    A full collection walks every live object: with 19,000 sessions that stopped a process for about
    300 ms on this machine, a pause of every session's acknowledgements. So objects that have lived
    through one second (sessions, device states, tracks) are frozen (`gc.freeze`, moved out of the
    collector's sight: a constant-time list splice) and collections only walk the young ones; the
    young generation is collected after 10,000 allocations rather than 700 (fewer, still short
    collections). Once every `full_every` seconds everything is thawed and collected once, so no
    reference cycle among the frozen lives for ever.

    Every collection's pause is measured in wall time (`gc_ms_max`, which on a loaded machine includes
    time the process was not scheduled) and in the thread's CPU time (`gc_cpu_ms_max`: the collector's
    own work); `gc_pauses_over_50ms` counts the collections longer than 50 ms of wall time."""

    THRESHOLDS = (10_000, 20, 100)
    SLOW_MS = 50.0

    def __init__(self, full_every: float = 6 * 3600):
        self.full_every = full_every
        self.last_full = time.monotonic()
        self.started = 0.0
        self.started_cpu = 0.0
        self.full = 0
        self.collections = 0
        self.slow = 0
        self.full_ms_max = 0.0
        self.ms_max = 0.0
        self.cpu_ms_max = 0.0

    def install(self) -> None:
        gc.collect()  # start-up's garbage, before any device is connected
        gc.freeze()
        gc.set_threshold(*self.THRESHOLDS)
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)

    def settle(self) -> None:
        """Called every second: freeze what has lived this long; now and then a full collection."""
        now = time.monotonic()
        if self.full_every and now - self.last_full >= self.full_every:
            self.last_full = now
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.perf_counter()
            self.started_cpu = time.thread_time()
            return
        ms = (time.perf_counter() - self.started) * 1000
        cpu_ms = (time.thread_time() - self.started_cpu) * 1000
        self.collections += 1
        self.ms_max = max(self.ms_max, ms)
        self.cpu_ms_max = max(self.cpu_ms_max, cpu_ms)
        if ms > self.SLOW_MS:
            self.slow += 1
        if info.get("generation") == 2:
            self.full += 1
            self.full_ms_max = max(self.full_ms_max, ms)

    def figures(self) -> dict:
        return {
            "gc_frozen_objects": gc.get_freeze_count(),
            "gc_collections": self.collections,
            "gc_full_collections": self.full,
            "gc_full_ms_max": round(self.full_ms_max, 1),
            "gc_ms_max": round(self.ms_max, 1),
            "gc_cpu_ms_max": round(self.cpu_ms_max, 1),
            "gc_pauses_over_50ms": self.slow,
        }


class Gateway:
    def __init__(self, config: Config, store_factory, *, loop=None):
        self.config = config
        self.store_factory = store_factory
        self.loop = loop
        self.stats = Stats()
        self.sessions: set = set()
        self.by_device: dict[int, TrackerSession] = {}
        self.tracks: dict = {}
        self.osmand_devices: dict[str, tuple[float, DeviceState]] = {}
        self.servers: list[asyncio.AbstractServer] = []
        self.tasks: list[asyncio.Task] = []
        self.ack_latency: deque[float] = deque(maxlen=200_000)
        self.committer: Committer | None = None
        self.pending_records: list = []  # of this loop iteration's reads, for the writer (submit)
        self.pending_done: list = []
        self.pending_scheduled = False
        self.started = time.time()
        self.gc_pauses = GcPauses(full_every=self.config.gc_full_seconds)
        limits = config.limits
        self.admission = ConnectionLimits(
            total=limits.max_connections,
            per_port=limits.port_connections,
            per_address=limits.max_per_address,
        )
        window = {"burst": limits.log_burst, "window": limits.log_window}
        self.input_log = LogLimiter(log, "bad frames", **window)
        self.session_log = LogLimiter(log, "connection messages", **window)

    def submit(self, records: list, done) -> None:
        """Records and their acknowledgement callback for the writer, handed over once per loop
        iteration with those of every other read of the iteration (`Committer.submit_many`)."""
        self.pending_records.extend(records)
        if done is not None:
            self.pending_done.append(done)
        if not self.pending_scheduled:
            self.pending_scheduled = True
            self.loop.call_soon(self._submit_pending)

    def _submit_pending(self) -> None:
        records, done = self.pending_records, self.pending_done
        self.pending_records, self.pending_done, self.pending_scheduled = [], [], False
        self.committer.submit_many(records, done)

    def admit(self, session, port: str) -> bool:
        """Count a new connection in, or refuse it (closed at once) when a limit is reached."""
        refused = self.admission.admit(port, session.address)
        if refused is not None:
            self.stats.inc("connections_refused")
            self.stats.inc(f"connections_refused_{refused}")
            self.session_log.log(
                session.address,
                logging.WARNING,
                "gateway: %s connection from %s refused: the %s limit is reached",
                port,
                session.remote,
                {"process": "process", "port": "port", "address": "per-address"}[refused],
            )
            session.closed = True
            session.transport.abort()
            return False
        session.admitted = True
        self.sessions.add(session)
        return True

    def release(self, session, port: str) -> None:
        if session.admitted:
            session.admitted = False
            self.admission.release(port, session.address)

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.gc_pauses.install()
        self.committer = Committer(
            self.store_factory,
            self.loop,
            stats=self.stats,
            commit_interval=self.config.commit_interval_ms / 1000,
            hook_interval=self.config.hook_interval_ms / 1000,
        )
        await self.loop.run_in_executor(None, self.committer.start)
        cfg = self.config
        reuse = cfg.reuse_port and hasattr(socket, "SO_REUSEPORT")
        if cfg.gt06_port is not None:
            self.servers.append(
                await self.loop.create_server(
                    lambda: TrackerSession(self, "gt06"),
                    cfg.host,
                    cfg.gt06_port,
                    reuse_port=reuse,
                    backlog=4096,
                )
            )
        if cfg.jt808_port is not None:
            self.servers.append(
                await self.loop.create_server(
                    lambda: TrackerSession(self, "jt808"),
                    cfg.host,
                    cfg.jt808_port,
                    reuse_port=reuse,
                    backlog=4096,
                )
            )
        if cfg.osmand_port is not None:
            self.servers.append(
                await self.loop.create_server(
                    lambda: OsmAndSession(self),
                    cfg.host,
                    cfg.osmand_port,
                    reuse_port=reuse,
                    backlog=1024,
                )
            )
        self.tasks.append(self.loop.create_task(self._sweep()))
        self.tasks.append(self.loop.create_task(self._settle_gc()))
        self.tasks.append(self.loop.create_task(self._commands()))

    def ports(self) -> dict[str, int]:
        names = [
            n
            for n, p in (
                ("gt06", self.config.gt06_port),
                ("jt808", self.config.jt808_port),
                ("osmand", self.config.osmand_port),
            )
            if p is not None
        ]
        return {
            name: server.sockets[0].getsockname()[1]
            for name, server in zip(names, self.servers, strict=True)
        }

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for server in self.servers:
            server.close()
        for session in list(self.sessions):
            if session.transport is not None:
                session.transport.abort()
        for server in self.servers:
            try:
                await asyncio.wait_for(server.wait_closed(), 5)
            except TimeoutError:
                pass
        await asyncio.sleep(0)
        if self.committer is not None:
            await self.loop.run_in_executor(None, self.committer.stop)

    def status(self) -> dict:
        latencies = sorted(self.ack_latency)

        def pct(p):
            return (
                round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)
                if latencies
                else None
            )

        commits = sorted(self.committer.commit_seconds) if self.committer else []

        def commit_pct(p):
            return (
                round(commits[min(len(commits) - 1, int(p * len(commits)))] * 1000, 1)
                if commits
                else None
            )

        return {
            "pid": os.getpid(),
            "commit_ms_p50": commit_pct(0.5),
            "commit_ms_p99": commit_pct(0.99),
            "uptime_s": round(time.time() - self.started),
            "connections_open": len(self.sessions),
            "devices_online": len(self.by_device),
            "cpu_s_loop": round(time.thread_time(), 2),
            "cpu_s_writer": round(self.committer.cpu["writer"], 2) if self.committer else None,
            "cpu_s_hooks": round(self.committer.cpu["hooks"], 2) if self.committer else None,
            "ack_ms_p50": pct(0.50),
            "ack_ms_p99": pct(0.99),
            **self.gc_pauses.figures(),
            **self.admission.figures(),
            "log_lines_suppressed": self.input_log.suppressed_total
            + self.session_log.suppressed_total,
            **self.stats,
        }

    async def _sweep(self) -> None:
        """Close connections that did not log in in time and half-open ones (silent longer than the
        idle limit); sum up suppressed log lines; log the counters each minute."""
        last_log = time.monotonic()
        limits = self.config.limits
        while True:
            await asyncio.sleep(
                min(10.0, limits.idle_seconds / 2, limits.login_seconds / 2, limits.log_window / 2)
            )
            now = time.monotonic()
            for session in list(self.sessions):
                if not session.logged_in and now - session.opened > limits.login_seconds:
                    session.close("did not log in in time", counter="closed_login_timeout")
                elif now - session.last_rx > limits.idle_seconds:
                    session.close("silent (half-open connection)", counter="closed_idle")
            self.input_log.flush()
            self.session_log.flush()
            if now - last_log >= 60:
                last_log = now
                log.info("gateway status %s", json.dumps(self.status(), ensure_ascii=False))

    async def _settle_gc(self) -> None:
        """Every second: what has lived that long is frozen out of the collector's walks (GcPauses)."""
        while True:
            await asyncio.sleep(1.0)
            self.gc_pauses.settle()

    async def _commands(self) -> None:
        """Send queued commands to devices connected to this process (claimed so only one process sends)."""
        while True:
            await asyncio.sleep(self.config.command_poll_seconds)
            try:
                queued = await self.committer.call(lambda store: store.queued_commands())
            except Exception:  # noqa: BLE001
                log.exception("gateway: reading queued commands failed")
                continue
            for command_id, device_pk, kind, text in queued or []:
                session = self.by_device.get(device_pk)
                if session is None or session.closed:
                    continue
                serial, data = session.prepare_command(command_id, kind, text)
                claimed = await self.committer.call(
                    lambda store, c=command_id, s=serial: store.command_claim(c, s)
                )
                if claimed and not session.closed:
                    session.transport.write(data)
                    self.stats.inc("commands_sent")
                    log.info("gateway: sent %s to %s", kind, session.device.identifier)
