"""county_ingest: a county's trackers on three gateway hosts behind HAProxy (issue 23), one host killed
halfway. Target: ≥ 20,000 positions a second stored (over the window plus the time its last
acknowledgements took, at most 30 s), with 0 acknowledged positions missing and 0 stored twice; the
figure fails on any missing or duplicate position, and when the generator fell behind its own
schedule (it says so).

Layout (src/fengqiao/gateway/netns.py): each gateway host is a network namespace made by the bench
(`ip netns`, a veth pair 10.231.n.1 root side / 10.231.n.2 host side; needs root) running
`fengqiao gateway serve` on its own address; HAProxy (Debian's, TCP mode, send-proxy-v2) listens on
127.0.0.1 in the root namespace; the gateways reach PostgreSQL through a forwarder on their root-side
veth address (PostgreSQL listens on 127.0.0.1 only). The hard descriptor limit here is 20,000 per
process, so HAProxy runs as several processes on the same address and port (SO_REUSEPORT) and the
devices are simulated by several processes from several 127.0.0.x source addresses.

Devices: real TCP connections, real GT06 frames (login, then one position frame per write at the
device's cadence), every acknowledgement counted. A device whose connection drops keeps its
unacknowledged positions and the ones that fall due while it is offline, reconnects after 1-5 s and
sends them again (as trackers do); a position is acknowledged once, and acknowledgement latency is
measured from its first send (a failed-over device's positions include its reconnect). At half time
the first host is killed: its gateway gets SIGKILL and its link goes down (netns.Host.kill).

Afterwards every acknowledged (device, fix time) is looked up in PostgreSQL: missing = acknowledged and
not stored; duplicates = rows beyond one per (device, fix time). Printed: offered, sent, resent,
acknowledged, stored, missing, duplicates, ack p50/p99 (an unacknowledged sent position counts as
infinitely late).

Environment (defaults: the issue's size):
    BENCH_INGEST_DEVICES   30000   simulated trackers
    BENCH_INGEST_SECONDS   300     load window; the first host is killed at half of it
    BENCH_INGEST_RATE      20000   positions a second offered (each device every DEVICES/RATE s)
    BENCH_INGEST_URL       postgres://postgres@127.0.0.1:5432/fq_bench_county_ingest (created if missing)
    BENCH_INGEST_SIM_PROCESSES, BENCH_INGEST_HAPROXY_PROCESSES   default: one per 7,500 / 6,000 devices
A quick check: `BENCH_INGEST_DEVICES=3000 BENCH_INGEST_SECONDS=60 make bench NAME=county_ingest` (the
rate then scales down with the devices: 2,000/s, which fails the 20,000/s target by design).
"""

from __future__ import annotations

import array
import asyncio
import collections
import datetime as dt
import io
import math
import os
import random
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NAME = "county_ingest"
TARGET = 20_000.0
DEVICES = int(os.environ.get("BENCH_INGEST_DEVICES", "30000"))
SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "300"))
# the rate for the fleet: each device every 1.5 s; a smaller fleet keeps the cadence
RATE = float(os.environ.get("BENCH_INGEST_RATE", str(20_000 * DEVICES / 30_000)))
INTERVAL = DEVICES / RATE
SIM_PROCESSES = int(os.environ.get("BENCH_INGEST_SIM_PROCESSES", str(max(1, -(-DEVICES // 7500)))))
HAPROXY_PROCESSES = int(
    os.environ.get("BENCH_INGEST_HAPROXY_PROCESSES", str(max(1, -(-DEVICES // 6000))))
)
HOSTS = 3
CONNECT_RATE = 1000.0  # devices a second coming online before the window
LATE_AFTER = 1.0
GRACE = 30.0
HIST_MS = 120_000  # acknowledgement latency histogram, 1 ms buckets; slower ones land in the last


# ---- the simulated devices (run in SIM_PROCESSES processes) ----


class Tracker(asyncio.Protocol):
    """One GT06 device behind HAProxy. `due` holds positions not yet sent on the current connection
    (fallen due while offline, or unacknowledged on a connection that dropped), `open` the ones sent
    and awaiting their acknowledgement, oldest first (GT06 acknowledges in order)."""

    def __init__(self, sim, index: int, imei: str):
        self.sim, self.index, self.imei = sim, index, imei
        self.transport = None
        self.logged_in = False
        self.serial = 0
        self.last_epoch = 0
        self.open: dict[int, tuple] = {}  # serial: (epoch, first send time), oldest first
        self.due: collections.deque = collections.deque()  # (epoch, first send time or None)
        self.acked = array.array("I")
        self.buffer = bytearray()

    # -- connection --
    def connection_made(self, transport):
        self.transport = transport
        self.serial = (self.serial + 1) & 0xFFFF
        transport.write(self.sim.gt06.login_frame(self.imei, self.serial))

    def connection_lost(self, exc):
        self.transport = None
        self.logged_in = False
        self.buffer.clear()
        # what was sent and not acknowledged is sent again on the next connection, first
        self.due.extendleft(reversed(list(self.open.values())))
        self.open.clear()
        if not self.sim.stopping:
            self.sim.dropped += 1
            self.sim.reconnect_later(self)

    def data_received(self, data):
        now = time.monotonic()
        self.buffer += data
        sim = self.sim
        # every acknowledgement: 78 78 05 protocol serial(2) crc(2) 0d 0a
        while len(self.buffer) >= 10:
            protocol, serial = self.buffer[3], int.from_bytes(self.buffer[4:6], "big")
            del self.buffer[:10]
            if protocol == 0x01 and not self.logged_in:
                self.logged_in = True
                self.flush()
                continue
            # matched by serial, not by order: a position is acknowledged only by its own reply
            sent = self.open.pop(serial, None)
            if sent is None:
                sim.stray += 1
                continue
            epoch, first = sent
            self.acked.append(epoch)
            sim.acked += 1
            sim.hist[min(HIST_MS, int((now - first) * 1000))] += 1

    # -- positions --
    def position(self, now_epoch: int) -> None:
        """A position falls due: sent at once when online, kept for later otherwise."""
        epoch = max(now_epoch, self.last_epoch + 1)  # GT06 times are whole seconds: never two alike
        self.last_epoch = epoch
        self.sim.offered += 1
        if self.logged_in and self.transport is not None:
            self._send(epoch, None)
        else:
            self.sim.buffered += 1
            self.due.append((epoch, None))

    def flush(self) -> None:
        while self.due and self.transport is not None:
            epoch, first = self.due.popleft()
            self._send(epoch, first)

    def _send(self, epoch: int, first) -> None:
        sim = self.sim
        route = sim.routes[self.index]
        route.step(INTERVAL)
        fix = sim.Fix(
            time=dt.datetime.fromtimestamp(epoch, dt.UTC),
            latitude=route.lat,
            longitude=route.lon,
            speed_kmh=route.speed,
            course=route.heading,
        )
        self.serial = (self.serial + 1) & 0xFFFF
        if first is None:
            first = time.monotonic()
            sim.sent += 1
        else:
            sim.resent += 1
        self.open[self.serial] = (epoch, first)
        self.transport.write(sim.gt06.position_frame(fix, self.serial))


class Simulator:
    def __init__(
        self, *, port: int, first: int, count: int, source: str, start_at: float, seed: int
    ):
        from fengqiao.gateway import gt06
        from fengqiao.gateway.messages import Fix
        from fengqiao.gateway.simulate import identifier, make_route

        self.gt06, self.Fix = gt06, Fix
        self.port, self.source, self.start_at = port, source, start_at
        rng = random.Random(seed)
        self.routes = [make_route(random.Random(rng.random())) for _ in range(count)]
        self.trackers = [Tracker(self, i, identifier("gt06", first + i, 0)) for i in range(count)]
        self.offsets = [rng.uniform(0, INTERVAL) for _ in range(count)]
        self.rng = rng
        self.hist = array.array("Q", [0] * (HIST_MS + 1))
        self.offered = self.sent = self.resent = self.acked = self.buffered = 0
        self.late = self.dropped = self.reconnects = self.connect_failures = self.connected = 0
        self.stray = 0  # acknowledgements of no open position
        self.stopping = False

    async def connect(self, tracker: Tracker) -> bool:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(
                loop.create_connection(
                    lambda: tracker, "127.0.0.1", self.port, local_addr=(self.source, 0)
                ),
                30,
            )
            return True
        except (OSError, TimeoutError):
            self.connect_failures += 1
            return False

    def reconnect_later(self, tracker: Tracker) -> None:
        async def again():
            delay = self.rng.uniform(1, 5)
            while not self.stopping:
                await asyncio.sleep(delay)
                if await self.connect(tracker):
                    self.reconnects += 1
                    return
                delay = min(30, delay * 2)

        asyncio.get_running_loop().create_task(again())

    async def run(self) -> dict:
        loop = asyncio.get_running_loop()
        wall_to_loop = loop.time() - time.time()
        # coming online before the window, at the county's share of CONNECT_RATE
        rate = CONNECT_RATE * len(self.trackers) / DEVICES
        began = loop.time()

        async def first_connect(tracker: Tracker) -> None:
            if await self.connect(tracker):
                self.connected += 1
            else:
                self.reconnect_later(tracker)

        connecting = []
        for i, tracker in enumerate(self.trackers):
            delay = began + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            connecting.append(loop.create_task(first_connect(tracker)))
        await asyncio.gather(*connecting)
        start = self.start_at + wall_to_loop
        if loop.time() < start:
            await asyncio.sleep(start - loop.time())
        # one scheduler: each device has its slot in the interval (its offset), 20 slots a second
        slots = max(1, int(INTERVAL * 20))
        buckets: list[list[Tracker]] = [[] for _ in range(slots)]
        for tracker, offset in zip(self.trackers, self.offsets, strict=True):
            buckets[min(slots - 1, int(offset / INTERVAL * slots))].append(tracker)
        step = INTERVAL / slots
        k = 0
        while k * step < SECONDS:
            due = start + k * step
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            bucket = buckets[k % slots]
            if loop.time() - due > LATE_AFTER:
                self.late += len(bucket)
            now_epoch = int(time.time())
            for tracker in bucket:
                tracker.position(now_epoch)
            k += 1
        # grace: the last acknowledgements, and the reconnected devices' backlog
        deadline = loop.time() + GRACE
        while loop.time() < deadline and any(t.open or t.due for t in self.trackers):
            await asyncio.sleep(0.2)
        drain = loop.time() - (start + SECONDS)
        self.stopping = True
        unacked = sum(len(t.open) + len(t.due) for t in self.trackers)
        for tracker in self.trackers:
            if tracker.transport is not None:
                tracker.transport.close()
        return {
            "offered": self.offered, "sent": self.sent, "resent": self.resent,
            "acked": self.acked, "buffered": self.buffered, "late": self.late,
            "dropped": self.dropped, "reconnects": self.reconnects, "connected": self.connected,
            "connect_failures": self.connect_failures, "unacked": unacked,
            "stray": self.stray, "drain_s": drain,
            "hist": self.hist.tobytes(),
            "pairs": [(t.imei, t.acked.tobytes()) for t in self.trackers],
        }  # fmt: skip


def _simulate(kwargs: dict, out) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    async def main():
        return await Simulator(**kwargs).run()

    out.put(asyncio.run(main()))


# ---- the bench ----


def check(url: str, pairs: list) -> dict:
    """Stored rows, duplicates and the acknowledged positions that are not stored (COPY the
    acknowledged (device, fix time) pairs into a temporary table, then an anti-join)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    params = {
        "host": cfg["HOST"],
        "port": cfg["PORT"],
        "user": cfg["USER"],
        "password": cfg["PASSWORD"],
    }
    with psycopg.connect(dbname=cfg["NAME"], autocommit=True, **{k: v for k, v in params.items() if v}) as conn:  # fmt: skip
        # millions of rows: hash them in memory (the default 4 MB work_mem sorted them on disk for
        # over six minutes in the full-size run)
        conn.execute("SET work_mem = '512MB'")
        conn.execute("ANALYZE tracking_position")  # fresh statistics: the plans below hash
        conn.execute("CREATE TEMP TABLE acked (identifier text, epoch bigint)")
        with conn.cursor().copy("COPY acked (identifier, epoch) FROM STDIN") as copy:
            for imei, blob in pairs:
                epochs = array.array("I")
                epochs.frombytes(blob)
                buf = io.StringIO()
                for epoch in epochs:
                    buf.write(f"{imei}\t{epoch}\n")
                copy.write(buf.getvalue())
        acked_distinct = conn.execute("SELECT count(*) FROM (SELECT DISTINCT * FROM acked) a").fetchone()[0]  # fmt: skip
        stored = conn.execute("SELECT count(*) FROM tracking_position").fetchone()[0]
        distinct = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT device_id, fixed_at FROM tracking_position) p"
        ).fetchone()[0]
        missing = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT * FROM acked) a"
            " LEFT JOIN tracking_device d ON d.identifier = a.identifier"
            " WHERE d.id IS NULL OR NOT EXISTS (SELECT 1 FROM tracking_position p"
            "  WHERE p.device_id = d.id AND p.fixed_at = to_timestamp(a.epoch))"
        ).fetchone()[0]
        # what the missing ones look like (the first few, with the device's stored fixes around them)
        samples = conn.execute(
            "SELECT a.identifier, a.epoch, d.remote_address,"
            " (SELECT array_agg(extract(epoch FROM p.fixed_at)::bigint - a.epoch ORDER BY p.fixed_at)"
            "  FROM tracking_position p WHERE p.device_id = d.id"
            "  AND p.fixed_at BETWEEN to_timestamp(a.epoch - 8) AND to_timestamp(a.epoch + 8))"
            " FROM (SELECT DISTINCT * FROM acked) a JOIN tracking_device d ON d.identifier = a.identifier"
            " WHERE NOT EXISTS (SELECT 1 FROM tracking_position p"
            "  WHERE p.device_id = d.id AND p.fixed_at = to_timestamp(a.epoch))"
            " ORDER BY a.epoch LIMIT 8"
        ).fetchall()
        for sample in samples:
            print(f"missing: {sample[0]} at {sample[1]} (device's last address {sample[2]}; "
                  f"stored fixes at offsets {sample[3]} s)", flush=True)  # fmt: skip
    return {
        "stored": stored,
        "duplicates": stored - distinct,
        "missing": missing,
        "acked_distinct": acked_distinct,
    }


def percentile(hist: array.array, total: int, p: float) -> float:
    """ms at fraction p of `total` sent positions; those beyond the histogram are unacknowledged."""
    rank = math.ceil(p * total)
    seen = 0
    for ms, count in enumerate(hist):
        seen += count
        if seen >= rank:
            return float(ms) if ms < HIST_MS else float("inf")
    return float("inf")


def status(host) -> dict:
    """A host's /status, or {} when its gateway does not answer within 5 s (a busy loop)."""
    from fengqiao.gateway import netns

    try:
        return netns.status(host, timeout=5)
    except (OSError, ValueError):
        return {}


def online(host) -> int | str:
    return status(host).get("devices_online", "no answer")


def main() -> None:
    import multiprocessing

    from bench_gateway_hold_56551 import register_fleet
    from bench_gateway_peak_postgres import prepare
    from common import report

    from fengqiao.gateway import netns

    url = os.environ.get(
        "BENCH_INGEST_URL", "postgres://postgres@127.0.0.1:5432/fq_bench_county_ingest"
    )
    print(
        f"{NAME}: {DEVICES:,} GT06 devices, one position each every {INTERVAL:.2f} s "
        f"({RATE:,.0f}/s offered) for {SECONDS:g} s; {HOSTS} gateway hosts (network namespaces) "
        f"behind HAProxy ({HAPROXY_PROCESSES} process(es), send-proxy-v2); {SIM_PROCESSES} simulator "
        f"processes; host 0 killed at {SECONDS / 2:g} s; database {url.split('@')[-1]}",
        flush=True,
    )
    reason = netns.unavailable()
    if reason:
        raise SystemExit(f"{NAME}: cannot make gateway hosts: {reason}")
    prepare(url, keep_devices=True)
    register_fleet(url, DEVICES)
    import dj_database_url

    cfg = dj_database_url.parse(url)
    pg_port = int(cfg["PORT"] or 5432)
    logs = ROOT / "var" / "bench-county-ingest"
    logs.mkdir(parents=True, exist_ok=True)
    with netns.Hosts(HOSTS) as hosts:
        proxy_from = netns.networks(hosts)
        per_host = {
            "GATEWAY_MAX_CONNECTIONS": "19500",
            "GATEWAY_MAX_CONNECTIONS_GT06": "19500",
            "GATEWAY_MAX_CONNECTIONS_PER_ADDRESS": "100000",
            "GATEWAY_IDLE_SECONDS": "600",
        }
        for host in hosts:
            address = host.forward_postgres(pg_port, (cfg["HOST"] or "127.0.0.1", pg_port))
            user = urllib.parse.quote(cfg["USER"] or "postgres")
            password = f":{urllib.parse.quote(cfg['PASSWORD'])}" if cfg["PASSWORD"] else ""
            host_url = f"postgres://{user}{password}@{address}/{cfg['NAME']}"
            log = (logs / f"host{host.index}.log").open("w")
            netns.start_gateway(
                host, host_url, proxy_from=proxy_from, extra_env=per_host, stdout=log, stderr=log
            )
            print(f"host {host.index}: {host.namespace} {host.address}, gateway up", flush=True)
        balancer = netns.Balancer(
            [(h.address, netns.GT06_PORT) for h in hosts],
            processes=HAPROXY_PROCESSES,
            maxconn=9000,
        )
        try:
            ctx = multiprocessing.get_context("spawn")
            out = ctx.Queue()
            start_at = time.time() + DEVICES / CONNECT_RATE + 10
            share = -(-DEVICES // SIM_PROCESSES)
            workers = []
            for p in range(SIM_PROCESSES):
                count = min(share, DEVICES - p * share)
                if count <= 0:
                    break
                kwargs = dict(port=balancer.port, first=p * share, count=count,
                              source=f"127.0.0.{20 + p}", start_at=start_at, seed=p + 1)  # fmt: skip
                worker = ctx.Process(target=_simulate, args=(kwargs, out), daemon=True)
                worker.start()
                workers.append(worker)
            time.sleep(max(0.0, start_at + SECONDS / 2 - time.time()))
            before = {h.index: online(h) for h in hosts}
            hosts[0].kill()
            print(
                f"t={SECONDS / 2:g} s: host 0 killed (devices online per host before: {before})",
                flush=True,
            )
            killed_at = int(time.time())
            time.sleep(max(0.0, start_at + SECONDS * 0.75 - time.time()))
            after = {h.index: online(h) for h in hosts if h.alive}
            parts = [out.get(timeout=SECONDS + 900) for _ in workers]
            for worker in workers:
                worker.join(10)
            statuses = {h.index: status(h) for h in hosts if h.alive}
        finally:
            balancer.stop()
    totals = collections.Counter()
    hist = array.array("Q", [0] * (HIST_MS + 1))
    pairs = []
    for part in parts:
        for key, value in part.items():
            if isinstance(value, int):
                totals[key] += value
        h = array.array("Q")
        h.frombytes(part["hist"])
        for i, c in enumerate(h):
            if c:
                hist[i] += c
        pairs.extend(part["pairs"])
    sent, acked = totals["sent"], totals["acked"]
    drain = max(part["drain_s"] for part in parts)
    p50, p99 = percentile(hist, sent, 0.50), percentile(hist, sent, 0.99)
    behind = totals["late"] > 0.001 * max(1, totals["offered"])
    print(
        f"devices connected {totals['connected']:,}/{DEVICES:,}; online per host at 3/4 time: {after}; "
        f"connections dropped {totals['dropped']:,}, reconnected {totals['reconnects']:,}, "
        f"failed connects {totals['connect_failures']:,}, acknowledgements of nothing open "
        f"{totals['stray']:,}; host 0 killed at {dt.datetime.fromtimestamp(killed_at, dt.UTC):%H:%M:%S} UTC",
        flush=True,
    )
    print(
        f"offered {totals['offered']:,}, sent {sent:,} (+{totals['resent']:,} resent after a drop, "
        f"{totals['buffered']:,} fell due offline, {totals['late']:,} scheduled > {LATE_AFTER:g} s "
        f"late), acknowledged {acked:,}, unacknowledged at the end {totals['unacked']:,}",
        flush=True,
    )
    print(
        f"ack p50 {p50:.0f} ms, p99 {p99:.0f} ms (from first send; unacknowledged = infinite); "
        f"{drain:.1f} s after the window until the last acknowledgement (at most {GRACE:g} s)",
        flush=True,
    )
    figures = check(url, pairs)
    stored, missing, duplicates = figures["stored"], figures["missing"], figures["duplicates"]
    # stored per second of the window plus the time the last acknowledgements took after it
    rate = stored / (SECONDS + drain)
    print(
        f"sent {sent:,}, acknowledged {acked:,}, stored {stored:,} ({rate:,.0f}/s), missing "
        f"{missing:,}, duplicates {duplicates:,}, ack p99 {p99:.0f} ms",
        flush=True,
    )
    for index, s in statuses.items():
        print(f"host {index}: commits {s.get('commits')}, commit p99 {s.get('commit_ms_p99')} ms, "
              f"server ack p99 {s.get('ack_ms_p99')} ms, loop CPU {s.get('cpu_s_loop')} s", flush=True)  # fmt: skip
    if behind:
        print(
            f"FAIL: the generator fell behind its own schedule ({totals['late']:,} positions sent "
            f"more than {LATE_AFTER:g} s late): the offered load was not applied",
            flush=True,
        )
    if missing or duplicates:
        print(f"FAIL: {missing:,} acknowledged positions missing, {duplicates:,} duplicates")
    report(NAME, rate, "positions/s", TARGET, lower_is_better=False,
           fail=bool(missing or duplicates or behind))  # fmt: skip


if __name__ == "__main__":
    main()
