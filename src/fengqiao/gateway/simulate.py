"""Simulated trackers over real TCP: routes inside the station's area, GT06 or JT/T 808. No Django here.

Each device logs in (GT06 0x01 / JT/T 808 0x0100 then 0x0102 with the auth code it was given), then
sends a position every `interval` seconds (first send spread over the interval) and counts the
acknowledgements: sent, acknowledged, and the time from send to acknowledgement. Many devices run in one
process; `run_processes` spreads them over several processes (one process may hold ~20,000 sockets)
and several 127.0.0.x source addresses (each has ~28,000 ephemeral ports).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import math
import multiprocessing
import queue
import random
import struct
import time
from dataclasses import dataclass

from fengqiao.gateway import gt06, jt808
from fengqiao.gateway.messages import Fix

# 玉津 (fengqiao.demo.data: CENTRE_LAT/CENTRE_LON, 69.8 km²): about 4 km either side of the centre.
CENTRE = (29.209, 103.947)
HALF_SIDE_KM = 4.0


@dataclass
class Route:
    """A rider wandering the town's roads: straight runs, turns, stops, bounded by the station's area."""

    lat: float
    lon: float
    heading: float
    speed: float
    centre: tuple[float, float]
    half_km: float
    rng: random.Random

    def step(self, seconds: float) -> None:
        if self.rng.random() < 0.1:
            self.heading = (
                self.heading + self.rng.choice((-90, 90, 180, self.rng.uniform(-30, 30)))
            ) % 360
        if self.rng.random() < 0.05:
            self.speed = 0.0 if self.speed else self.rng.uniform(10, 40)
        km = self.speed * seconds / 3600.0
        self.lat += km / 111.0 * math.cos(math.radians(self.heading))
        self.lon += (
            km / (111.0 * math.cos(math.radians(self.lat))) * math.sin(math.radians(self.heading))
        )
        dlat = self.half_km / 111.0
        dlon = self.half_km / (111.0 * math.cos(math.radians(self.centre[0])))
        if abs(self.lat - self.centre[0]) > dlat or abs(self.lon - self.centre[1]) > dlon:
            self.heading = (self.heading + 180) % 360
            self.lat = min(max(self.lat, self.centre[0] - dlat), self.centre[0] + dlat)
            self.lon = min(max(self.lon, self.centre[1] - dlon), self.centre[1] + dlon)


def make_route(rng: random.Random, centre=CENTRE, half_km=HALF_SIDE_KM) -> Route:
    dlat = half_km / 111.0
    dlon = half_km / (111.0 * math.cos(math.radians(centre[0])))
    return Route(
        lat=centre[0] + rng.uniform(-dlat, dlat),
        lon=centre[1] + rng.uniform(-dlon, dlon),
        heading=rng.uniform(0, 360),
        speed=rng.uniform(0, 40),
        centre=centre,
        half_km=half_km,
        rng=rng,
    )


def identifier(protocol: str, index: int, base: int) -> str:
    if protocol == "gt06":
        return f"86{base:05d}{index:08d}"[:15]
    return f"1{base:02d}{index:08d}"[:11]


class Totals:
    def __init__(self):
        self.sent = 0
        self.acked = 0
        self.connected = 0
        self.failed = 0
        self.offered = 0  # sends the schedule asked for within the duration
        self.late = 0  # sends made more than 1 s after their slot (the simulator fell behind)
        self.skipped = 0  # sends due on a connection that was gone or not logged in
        self.latencies: list[float] = []

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "acked": self.acked,
            "connected": self.connected,
            "failed": self.failed,
            "offered": self.offered,
            "late": self.late,
            "skipped": self.skipped,
            "latencies": self.latencies,
        }


class Device(asyncio.Protocol):
    def __init__(
        self, protocol: str, ident: str, route: Route, totals: Totals, *, keep_latency: bool
    ):
        self.protocol = protocol
        self.ident = ident
        self.route = route
        self.totals = totals
        self.keep_latency = keep_latency
        self.serial = 0
        self.transport = None
        self.inflight: list[float] = []
        self.buffer = bytearray()
        self.ready = asyncio.get_running_loop().create_future()
        self.phone = jt808.phone_bcd(ident)
        self.lost = False

    def connection_made(self, transport):
        self.transport = transport
        self.totals.connected += 1
        if self.protocol == "gt06":
            self.inflight.append(time.monotonic())
            transport.write(gt06.login_frame(self.ident, self._serial()))
        else:
            transport.write(
                jt808.encode(
                    jt808.REGISTER, jt808.register_body(), phone=self.phone, serial=self._serial()
                )
            )

    def connection_lost(self, exc):
        self.lost = True
        if not self.ready.done():
            self.ready.set_result(False)

    def _serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    def data_received(self, data: bytes):
        now = time.monotonic()
        if self.protocol == "gt06":
            self.buffer += data
            count = len(self.buffer) // 10  # every acknowledgement is 10 bytes
            del self.buffer[: count * 10]
        else:
            self.buffer += data
            count = 0
            while True:
                start = self.buffer.find(b"\x7e")
                end = self.buffer.find(b"\x7e", start + 1) if start >= 0 else -1
                if end < 0:
                    break
                frame = bytes(self.buffer[start : end + 1])
                del self.buffer[: end + 1]
                body = jt808.unescape(frame[1:-1])
                message_id = struct.unpack_from(">H", body)[0]
                if message_id == jt808.REGISTER_RESPONSE:
                    code = body[12 + 3 : -1]
                    self.transport.write(
                        jt808.encode(jt808.AUTH, code, phone=self.phone, serial=self._serial())
                    )
                    self.inflight.append(now)
                elif message_id == jt808.PLATFORM_RESPONSE:
                    count += 1
                elif message_id == jt808.TERMINAL_CONTROL:
                    reply_serial = struct.unpack_from(">H", body, 10)[0]
                    self.transport.write(
                        jt808.encode(
                            jt808.TERMINAL_RESPONSE,
                            jt808.terminal_response_body(reply_serial, jt808.TERMINAL_CONTROL),
                            phone=self.phone,
                            serial=self._serial(),
                        )
                    )
        for _ in range(count):
            if not self.inflight:
                break
            sent = self.inflight.pop(0)
            if not self.ready.done():
                self.ready.set_result(True)
                continue
            self.totals.acked += 1
            if self.keep_latency:
                self.totals.latencies.append(now - sent)

    def send_position(
        self, seconds: float, *, per_send: int = 1, now: dt.datetime | None = None
    ) -> bool:
        if self.transport is None or self.lost or self.transport.is_closing():
            return False
        chunks = []
        now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
        for i in range(per_send):
            self.route.step(seconds / per_send)
            fix = Fix(
                time=now - dt.timedelta(seconds=(per_send - 1 - i)),
                latitude=self.route.lat,
                longitude=self.route.lon,
                speed_kmh=self.route.speed,
                course=self.route.heading,
            )
            if self.protocol == "gt06":
                chunks.append(gt06.position_frame(fix, self._serial()))
            else:
                chunks.append(
                    jt808.encode(
                        jt808.LOCATION,
                        jt808.location_body(fix, signal=25),
                        phone=self.phone,
                        serial=self._serial(),
                    )
                )
        stamp = time.monotonic()
        self.inflight.extend([stamp] * per_send)
        self.totals.sent += per_send
        self.transport.write(b"".join(chunks))
        return True


async def run(
    *,
    host: str,
    port: int,
    protocol: str,
    devices: int,
    interval: float,
    duration: float | None,
    seed: int = 7,
    base: int = 0,
    start_index: int = 0,
    source_base: int = 1,
    per_source: int = 20000,
    per_send: int = 1,
    keep_latency: bool = True,
    connect_rate: float = 2000.0,
    identifiers: list[str] | None = None,
    log=print,
) -> Totals:
    """Run `devices` simulated trackers against host:port; returns the totals after `duration` seconds
    (None: until cancelled) plus a grace period for the last acknowledgements."""
    loop = asyncio.get_running_loop()
    rng = random.Random(seed + start_index)
    totals = Totals()
    sims: list[Device] = []

    async def connect(i: int):
        index = start_index + i
        ident = (
            identifiers[i]
            if identifiers and i < len(identifiers)
            else identifier(protocol, index, base)
        )
        source = f"127.0.0.{source_base + index // per_source}" if host.startswith("127.") else None
        route = make_route(random.Random(rng.random()))
        try:
            _, sim = await asyncio.wait_for(
                loop.create_connection(
                    lambda: Device(protocol, ident, route, totals, keep_latency=keep_latency),
                    host,
                    port,
                    local_addr=(source, 0) if source else None,
                ),
                30,
            )
            sims.append(sim)
        except (OSError, TimeoutError) as exc:
            totals.failed += 1
            if totals.failed <= 3:
                log(f"connect failed: {exc!r}")

    # Connect in waves (a real fleet comes online over time, and a full accept queue is not hammered).
    wave = 200
    for first in range(0, devices, wave):
        await asyncio.gather(*(connect(i) for i in range(first, min(devices, first + wave))))
        if connect_rate:
            await asyncio.sleep(wave / connect_rate)
    ready = await asyncio.gather(
        *(asyncio.wait_for(s.ready, 60) for s in sims), return_exceptions=True
    )
    logged_in = sum(1 for r in ready if r is True)
    log(f"{logged_in}/{devices} {protocol} devices connected and logged in")
    # The devices live as long as the run: out of the collector's sight, so a full collection over tens
    # of thousands of them does not stall every device's clock (the gateway does the same).
    gc.collect()
    gc.freeze()
    started = loop.time()
    offsets = [rng.uniform(0, interval) for _ in sims]

    # One scheduler for all devices: each device has a slot in the interval (its offset) and is sent in
    # its slot, so 56,000 devices cost one timer, not 56,000.
    slots = max(1, min(len(sims), int(interval * 20)))
    buckets: list[list[Device]] = [[] for _ in range(slots)]
    for sim, offset in zip(sims, offsets, strict=True):
        buckets[min(slots - 1, int(offset / interval * slots))].append(sim)
    step = interval / slots
    next_at = loop.time()
    k = 0
    if duration is not None:
        # what the schedule offers: slot k of the duration sends its bucket, whether or not the
        # simulator keeps up (a simulator that falls behind shows it as sent < offered and late > 0)
        whole = math.ceil(duration / step)
        totals.offered = sum(len(buckets[k % slots]) for k in range(whole)) * per_send
    while duration is None or loop.time() - started < duration:
        bucket = buckets[k % slots]
        if bucket:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            if loop.time() - next_at > 1.0:
                totals.late += len(bucket) * per_send
            for sim in bucket:
                if not sim.send_position(interval, per_send=per_send, now=now):
                    totals.skipped += per_send
        k += 1
        next_at += step
        await asyncio.sleep(max(0.0, next_at - loop.time()))
    # Grace: wait for outstanding acknowledgements (up to 10 s).
    deadline = loop.time() + 10
    while loop.time() < deadline and totals.acked < totals.sent:
        await asyncio.sleep(0.1)
    for sim in sims:
        if sim.transport is not None:
            sim.transport.close()
    return totals


def _worker(kwargs: dict, out) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    totals = asyncio.run(run(log=lambda *_: None, **kwargs))
    out.put(totals.as_dict())


def run_processes(*, processes: int, devices: int, **kwargs) -> dict:
    """Split the devices over several processes; returns the merged totals."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    share = math.ceil(devices / processes)
    workers = []
    for p in range(processes):
        count = min(share, devices - p * share)
        if count <= 0:
            break
        args = dict(kwargs, devices=count, start_index=p * share)
        worker = ctx.Process(target=_worker, args=(args, out), daemon=True)
        worker.start()
        workers.append(worker)
    merged = {
        "sent": 0, "acked": 0, "connected": 0, "failed": 0, "offered": 0, "late": 0, "skipped": 0,
        "latencies": [],
    }  # fmt: skip
    duration = kwargs.get("duration")
    for _ in workers:
        try:
            part = out.get(timeout=None if duration is None else duration + 900)
        except queue.Empty:
            merged["failed"] += (
                share  # a simulator process that never reported: its devices count as failed
            )
            continue
        for key in ("sent", "acked", "connected", "failed", "offered", "late", "skipped"):
            merged[key] += part[key]
        merged["latencies"].extend(part["latencies"])
    for worker in workers:
        worker.join(10)
    return merged


def summary(totals: dict) -> str:
    lat = sorted(totals["latencies"])

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else None

    return json.dumps(
        {k: totals[k] for k in ("sent", "acked", "connected", "failed")}
        | {"ack_ms_p50": pct(0.5), "ack_ms_p99": pct(0.99)}
    )
