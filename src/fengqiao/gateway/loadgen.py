"""Benchmark harness for the gateway (used by bench/bench_gateway_*.py). No Django here.

`start_gateways` runs `fengqiao gateway serve` processes (SO_REUSEPORT when more than one) against a
database URL; `blast` is a closed-loop peak load: every device logs in, then sends windows of packed
GT06 position frames and waits for their acknowledgements before the next window, so the figure is
positions decoded, stored, committed and acknowledged per second.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from fengqiao.gateway import gt06
from fengqiao.gateway.messages import Fix
from fengqiao.gateway.simulate import identifier, make_route


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports: every probe socket stays open until all are chosen (closing one before
    asking for the next can hand the same port out twice)."""
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            probes.append(probe)
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


class Gateways:
    def __init__(self, procs: list[subprocess.Popen], ports: dict[str, int]):
        self.procs = procs
        self.ports = ports

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.procs:
            try:
                with open(f"/proc/{proc.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:
                pass
        return total

    def rss_mb(self) -> float:
        total = 0
        for proc in self.procs:
            try:
                with open(f"/proc/{proc.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def status(self) -> list[dict]:
        """/status of each process (SO_REUSEPORT spreads the requests, so ask until every pid answered)."""
        seen: dict[int, dict] = {}
        for _ in range(len(self.procs) * 20):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.ports['osmand']}/status", timeout=5
                ) as r:  # noqa: S310
                    data = json.loads(r.read())
                seen[data["pid"]] = data
            except OSError:
                pass
            if len(seen) >= len(self.procs):
                break
        return list(seen.values())

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def start_gateways(
    database_url: str, *, processes: int = 1, extra_env: dict | None = None, log=print
) -> Gateways:
    ports = dict(zip(("gt06", "jt808", "osmand"), free_ports(3), strict=True))
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        GATEWAY_GT06_PORT=str(ports["gt06"]),
        GATEWAY_JT808_PORT=str(ports["jt808"]),
        GATEWAY_OSMAND_PORT=str(ports["osmand"]),
        GATEWAY_HOST="127.0.0.1",
        # the simulated devices connect from a few loopback addresses: lift the per-address and
        # per-listener caps meant for the field (docs/gateway.md, "Limits at the door")
        GATEWAY_MAX_CONNECTIONS_PER_ADDRESS="100000",
        GATEWAY_MAX_CONNECTIONS_GT06="100000",
        GATEWAY_MAX_CONNECTIONS_JT808="100000",
        GATEWAY_MAX_CONNECTIONS_OSMAND="100000",
    )
    env.update(extra_env or {})
    argv = [sys.executable, "-m", "fengqiao.cli", "gateway", "serve", "--processes", "1"]
    if processes > 1:
        argv.append("--reuse-port")
    procs = [subprocess.Popen(argv, env=env) for _ in range(processes)]  # noqa: S603 - our own command
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", ports["osmand"]), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    time.sleep(0.5 * processes)
    log(f"{processes} gateway process(es) up on {ports}")
    return Gateways(procs, ports)


def frames_for(imei_index: int, count: int, start: dt.datetime, seed: int) -> list[bytes]:
    rng = random.Random(seed + imei_index)
    route = make_route(rng)
    frames = []
    for i in range(count):
        route.step(1.0)
        fix = Fix(
            time=start + dt.timedelta(seconds=i),
            latitude=route.lat,
            longitude=route.lon,
            speed_kmh=route.speed,
            course=route.heading,
        )
        frames.append(gt06.position_frame(fix, (i + 2) & 0xFFFF))
    return frames


class _Blaster(asyncio.Protocol):
    def __init__(self, frames: list[bytes], window: int, done: asyncio.Future, totals: dict):
        self.frames = frames
        self.window = window
        self.done = done
        self.totals = totals
        self.pending = 0
        self.index = 0
        self.leftover = 0
        self.logged_in = False
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def start(self, imei: str):
        self.pending = 1
        self.transport.write(gt06.login_frame(imei, 1))

    def _send_window(self):
        chunk = self.frames[self.index : self.index + self.window]
        if not chunk:
            if not self.done.done():
                self.done.set_result(True)
            return
        self.index += len(chunk)
        self.pending = len(chunk)
        self.totals["sent"] += len(chunk)
        self.transport.write(b"".join(chunk))

    def data_received(self, data):
        n = (len(data) + self.leftover) // 10
        self.leftover = (len(data) + self.leftover) % 10
        self.pending -= n
        if self.logged_in:
            self.totals["acked"] += n
        if self.pending <= 0:
            if not self.logged_in:
                self.logged_in = True
                self.totals["ready"] += 1
                return
            self._send_window()

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(False)


async def blast(
    *, port: int, devices: int, frames_per_device: int, window: int, seed: int = 1, log=print
) -> dict:
    """Returns sent, acked, seconds (first window to last acknowledgement)."""
    loop = asyncio.get_running_loop()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    totals = {"sent": 0, "acked": 0, "ready": 0}
    log(f"preparing {devices * frames_per_device:,} frames …")
    per_device = [frames_for(i, frames_per_device, start, seed) for i in range(devices)]
    blasters = []
    for i in range(devices):
        done = loop.create_future()
        _, proto = await loop.create_connection(
            lambda frames=per_device[i], done=done: _Blaster(frames, window, done, totals),
            "127.0.0.1",
            port,
        )
        proto.start(f"8699{seed:03d}{i:08d}"[:15])
        blasters.append(proto)
    deadline = loop.time() + 60
    while totals["ready"] < devices and loop.time() < deadline:
        await asyncio.sleep(0.05)
    log(f"{totals['ready']}/{devices} devices logged in; sending")
    started = time.perf_counter()
    for proto in blasters:
        proto._send_window()
    await asyncio.wait([p.done for p in blasters], timeout=600)
    seconds = time.perf_counter() - started
    for proto in blasters:
        proto.transport.close()
    return {"sent": totals["sent"], "acked": totals["acked"], "seconds": seconds}


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- the honest open-loop load: devices at their cadence, one frame per write ----


class _Tracker(asyncio.Protocol):
    """One simulated device of `cadence`: logs in, then sends one position frame per write when the
    scheduler says so; every 10-byte acknowledgement closes the oldest open send (GT06 acknowledges
    in order)."""

    def __init__(self, imei: str, route, totals: dict):
        self.imei = imei
        self.route = route
        self.totals = totals
        self.transport = None
        self.logged_in = False
        self.login_sent = 0.0
        self.serial = 1
        self.open: list[float] = []  # send times of unacknowledged positions, oldest first
        self.leftover = 0
        self.lost = False
        self.fix_time: dt.datetime | None = None

    def connection_made(self, transport):
        self.transport = transport
        self.login_sent = time.monotonic()
        transport.write(gt06.login_frame(self.imei, 1))

    def connection_lost(self, exc):
        self.lost = True

    def send(self, now_utc: dt.datetime) -> bool:
        if not self.logged_in or self.lost or self.transport.is_closing():
            return False
        self.route.step(1.0)
        self.serial = (self.serial + 1) & 0xFFFF
        # GT06 times have whole seconds: a device never sends two fixes of the same second (faster
        # than 1 Hz, as in the peak load, its clock runs ahead of the wall's by a few seconds)
        if self.fix_time is not None and now_utc <= self.fix_time:
            now_utc = self.fix_time + dt.timedelta(seconds=1)
        self.fix_time = now_utc
        fix = Fix(
            time=now_utc,
            latitude=self.route.lat,
            longitude=self.route.lon,
            speed_kmh=self.route.speed,
            course=self.route.heading,
        )
        self.open.append(time.monotonic())
        self.transport.write(gt06.position_frame(fix, self.serial))
        return True

    def data_received(self, data):
        now = time.monotonic()
        n, self.leftover = divmod(len(data) + self.leftover, 10)
        if n and not self.logged_in:
            self.logged_in = True
            self.totals["logged_in"] += 1
            self.totals["login_latencies"].append(now - self.login_sent)
            n -= 1
        latencies = self.totals["latencies"]
        for _ in range(min(n, len(self.open))):
            latencies.append(now - self.open.pop(0))


async def cadence(
    *,
    port: int,
    devices: int,
    interval: float,
    seconds: float,
    connect_rate: float = 1000.0,
    late_after: float = 1.0,
    grace: float = 10.0,
    seed: int = 1,
    first: int = 0,
    log=print,
) -> dict:
    """Open-loop load as devices make it: `devices` real TCP connections opened at `connect_rate` a
    second inside the measured window, each logging in and then sending ONE position frame per write
    every `interval` seconds (first at a random offset) until `seconds` after the start. Nothing is
    packed and nothing waits for an acknowledgement before the next send.

    Returns offered (sends the schedule asked for), sent, the acknowledgement latency of every sent
    position (unacknowledged ones are absent: the caller counts them as failures), the sends made more
    than `late_after` s behind their time (`late`; the generator could not keep up), connection and
    login counts, and the window's length. The window runs from the first connect to the end of the
    grace period that waits (at most `grace` s) for the last acknowledgements. Device i is the IMEI
    `simulate.identifier("gt06", first + i, 0)`."""
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    totals = {"logged_in": 0, "latencies": [], "login_latencies": []}
    started = loop.time()
    end = started + seconds
    # The schedule, fixed before the first connect: device i connects at i / connect_rate and sends at
    # its connect time + 1 s (room to log in) + a random offset + k × interval.
    schedule = []
    for i in range(devices):
        t = started + i / connect_rate + 1.0 + rng.uniform(0, interval)
        while t < end:
            schedule.append((t, i))
            t += interval
    schedule.sort()
    offered = len(schedule)
    trackers: list[_Tracker | None] = [None] * devices
    failed = 0

    async def connect(i: int) -> None:
        nonlocal failed
        route = make_route(random.Random(seed * 1_000_003 + i))
        try:
            _, trackers[i] = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Tracker(identifier("gt06", first + i, 0), route, totals),
                    "127.0.0.1",
                    port,
                ),
                30,
            )
        except (OSError, TimeoutError) as exc:
            failed += 1
            if failed <= 3:
                log(f"connect failed: {exc!r}")

    async def connector() -> None:
        pending = []
        for i in range(devices):
            delay = started + i / connect_rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(loop.create_task(connect(i)))
        await asyncio.gather(*pending)

    connecting = loop.create_task(connector())
    sent = late = skipped = 0
    worst_lag = 0.0
    index = 0
    while index < offered:
        now = loop.time()
        due, i = schedule[index]
        if due > now:
            await asyncio.sleep(due - now)
            continue
        now_utc = dt.datetime.now(dt.UTC).replace(microsecond=0)
        # everything due by now goes out, one write per frame
        while index < offered and schedule[index][0] <= now:
            due, i = schedule[index]
            index += 1
            lag = now - due
            worst_lag = max(worst_lag, lag)
            if lag > late_after:
                late += 1
            tracker = trackers[i]
            if tracker is not None and tracker.send(now_utc):
                sent += 1
            else:
                skipped += 1
    await connecting
    deadline = loop.time() + grace
    while loop.time() < deadline and len(totals["latencies"]) < sent:
        await asyncio.sleep(0.05)
    window = loop.time() - started
    connected = sum(1 for t in trackers if t is not None)
    dropped = sum(1 for t in trackers if t is not None and t.lost)
    for tracker in trackers:
        if tracker is not None:
            tracker.transport.close()
    return {
        "offered": offered,
        "sent": sent,
        "skipped": skipped,
        "late": late,
        "worst_lag_s": worst_lag,
        "connected": connected,
        "failed": failed,
        "dropped": dropped,
        "logged_in": totals["logged_in"],
        "latencies": totals["latencies"],
        "login_latencies": totals["login_latencies"],
        "seconds": window,
    }


def verdict(result: dict, stored: int, *, deadline: float) -> dict:
    """The honest figures of a `cadence` run: acknowledged in time (≤ `deadline` s), p50/p99 over ALL
    sent positions (an unacknowledged one counts as infinitely late), lost = every sent position not
    both acknowledged and stored (stored-but-unacknowledged included: the device will send it again,
    the promise failed), and whether the generator kept its own schedule."""
    lat = sorted(result["latencies"])
    sent = result["sent"]
    acked = len(lat)
    everything = lat + [float("inf")] * max(0, sent - acked)

    def pct(p):
        return (
            everything[min(len(everything) - 1, int(p * len(everything)))]
            if everything
            else float("inf")
        )

    lost = (sent - acked) + max(0, acked - stored)
    behind = result["late"] > 0.001 * max(1, result["offered"]) or result["skipped"] > 0
    return {
        "acked": acked,
        "in_time": sum(1 for x in lat if x <= deadline),
        "p50_ms": pct(0.50) * 1000,
        "p99_ms": pct(0.99) * 1000,
        "lost": lost,
        "behind": behind,
    }


def _cadence_worker(kwargs: dict, out) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    out.put(asyncio.run(cadence(log=lambda *_: None, **kwargs)))


def cadence_processes(
    *, processes: int, devices: int, connect_rate: float = 1000.0, **kwargs
) -> dict:
    """`cadence` spread over several generator processes (one Python process cannot make tens of
    thousands of writes a second); the results merged (counts summed, latencies joined)."""
    if processes <= 1:
        return asyncio.run(cadence(devices=devices, connect_rate=connect_rate, **kwargs))
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    share = -(-devices // processes)
    workers = []
    for p in range(processes):
        count = min(share, devices - p * share)
        if count <= 0:
            break
        args = dict(
            kwargs, devices=count, first=p * share, seed=p + 1,
            connect_rate=connect_rate * count / devices,
        )  # fmt: skip
        worker = ctx.Process(target=_cadence_worker, args=(args, out), daemon=True)
        worker.start()
        workers.append(worker)
    parts = [out.get(timeout=kwargs.get("seconds", 60) + 600) for _ in workers]
    for worker in workers:
        worker.join(10)
    merged = {"latencies": [], "login_latencies": [], "worst_lag_s": 0.0, "seconds": 0.0}
    for part in parts:
        for key, value in part.items():
            if key in ("latencies", "login_latencies"):
                merged[key].extend(value)
            elif key in ("worst_lag_s", "seconds"):
                merged[key] = max(merged[key], value)
            else:
                merged[key] = merged.get(key, 0) + value
    return merged
