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
from fengqiao.gateway.simulate import make_route


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
