"""gateway_faults: no acknowledged position lost or stored twice while the gateway meets real faults.

500 devices (GT06 and JT/T 808, half each) on real TCP connections send one real frame per write at
their cadence (BENCH_FAULTS_INTERVAL, 1 s) to two gateway processes sharing the ports (SO_REUSEPORT),
for BENCH_FAULTS_SECONDS (300) on PostgreSQL, while the benchmark in turn:

- kills one gateway process with kill -9, and restarts it;
- refuses database connections for 5 s, three times (a TCP proxy in front of PostgreSQL that the
  gateways connect through: it cuts every open connection and closes its port);
- holds a reader transaction open on an old day partition while the retention purge runs;
- forces reconnections between the processes: a third of the devices stop reading their
  acknowledgements, drop the connection and send the unacknowledged fixes again on a new one (which
  the kernel may give to the other process).

A device that loses its connection reconnects after 0.3–0.8 s and sends again every fix not yet
acknowledged; fixes made meanwhile wait in its buffer, as a tracker's do. At the end the table is
compared with what the devices saw acknowledged. Prints sent, acknowledged, stored,
acknowledged-but-missing, duplicates and the longest acknowledgement wait (a fix made → its
acknowledgement), then `BENCH gateway_faults <missing> lost target 0 pass|fail`: fail also when a row
is stored twice or a fix waited longer than the outage + 2 s.

Database: BENCH_DATABASE_URL when it is PostgreSQL, else postgres://postgres@127.0.0.1:5432/fq_bench_faults
(created when missing). BENCH_FAULTS_DEVICES changes the fleet (a smoke run: tests/bench).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from fengqiao.gateway import gt06, jt808  # noqa: E402
from fengqiao.gateway.messages import Fix  # noqa: E402

NAME = "gateway_faults"
SECONDS = float(os.environ.get("BENCH_FAULTS_SECONDS", "300"))
DEVICES = int(os.environ.get("BENCH_FAULTS_DEVICES", "500"))
INTERVAL = float(os.environ.get("BENCH_FAULTS_INTERVAL", "1"))
OUTAGE = min(5.0, SECONDS / 8)  # seconds the database refuses connections, each time
GRACE = 2.0  # the longest wait allowed beyond the outage
DRAIN_SECONDS = 30.0
OLD_DAYS = 400  # the old day partition the purge drops (retention is 180 days)


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return "postgres://postgres@127.0.0.1:5432/fq_bench_faults"


def pg_params(url: str) -> dict:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    params = {
        "dbname": cfg["NAME"],
        "host": cfg["HOST"] or "127.0.0.1",
        "port": int(cfg["PORT"] or 5432),
        "user": cfg["USER"] or None,
        "password": cfg["PASSWORD"] or None,
    }
    return {k: v for k, v in params.items() if v is not None}


def with_address(url: str, host: str, port: int) -> str:
    """The same database URL through another host:port (the proxy)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{credentials}{host}:{port}"))


# ---- the database proxy: cut and refuse on command ----


class Proxy:
    """A TCP proxy in front of PostgreSQL, in its own process (the devices' event loop must not hold up
    the gateways' database traffic). `outage(seconds)` cuts every open connection and closes the port
    (connections are refused) for that long."""

    def __init__(self, upstream: tuple[str, int]):
        import multiprocessing

        self.port = _port_below_ephemeral()
        self.control, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_proxy_main, args=(upstream, self.port, child), daemon=True
        )
        self.process.start()
        if self.control.recv() != "ready":
            raise SystemExit("the database proxy did not start")

    async def outage(self, seconds: float) -> None:
        self.control.send(("outage", seconds))
        await asyncio.get_running_loop().run_in_executor(None, self.control.recv)

    def stop(self) -> None:
        self.process.kill()


def _proxy_main(upstream: tuple[str, int], port: int, control) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pipes: set = set()
    state: dict = {}

    async def client(reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(*upstream)
        except OSError:
            writer.transport.abort()
            return
        pipes.update((writer, up_writer))

        async def pump(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, ConnectionError):
                pass
            finally:
                dst.transport.abort()
                pipes.discard(dst)

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def listen():
        state["server"] = await asyncio.start_server(client, "127.0.0.1", port, reuse_address=True)

    async def outage(seconds):
        state["server"].close()  # new connections: refused
        for writer in list(pipes):
            writer.transport.abort()  # open ones: cut
        pipes.clear()
        await asyncio.sleep(seconds)
        await listen()
        control.send("back")

    def commands():
        while True:
            kind, seconds = control.recv()
            if kind == "outage":
                asyncio.run_coroutine_threadsafe(outage(seconds), loop)

    loop.run_until_complete(listen())
    threading.Thread(target=commands, daemon=True).start()
    control.send("ready")
    loop.run_forever()


def _port_below_ephemeral() -> int:
    """A free port below the kernel's ephemeral range: while the proxy's port is closed no outgoing
    connection can take it, so it can listen there again."""
    low = 32768
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, max(20001, low))
        probe = socket.socket()
        try:
            probe.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            probe.close()
    raise SystemExit("no free port for the database proxy")


# ---- the gateway processes ----


class Gateways:
    def __init__(self, database_url: str, processes: int, log_path: Path):
        from fengqiao.gateway.loadgen import free_ports

        self.log = log_path.open("ab")
        self.ports = dict(zip(("gt06", "jt808", "osmand"), free_ports(3), strict=True))
        self.env = dict(os.environ)
        self.env.update(
            DATABASE_URL=database_url,
            GATEWAY_HOST="127.0.0.1",
            GATEWAY_GT06_PORT=str(self.ports["gt06"]),
            GATEWAY_JT808_PORT=str(self.ports["jt808"]),
            GATEWAY_OSMAND_PORT=str(self.ports["osmand"]),
            GATEWAY_HOOKS="",
            PYTHONPATH=str(ROOT / "src"),
            # every simulated device connects from 127.0.0.1: lift the per-address and per-listener
            # caps meant for the field (as gateway.loadgen does)
            GATEWAY_MAX_CONNECTIONS_PER_ADDRESS="100000",
            GATEWAY_MAX_CONNECTIONS_GT06="100000",
            GATEWAY_MAX_CONNECTIONS_JT808="100000",
            GATEWAY_MAX_CONNECTIONS_OSMAND="100000",
        )
        self.argv = [sys.executable, "-m", "fengqiao.cli", "gateway", "serve", "--processes", "1"]
        self.argv.append("--reuse-port")
        self.procs = [self._spawn() for _ in range(processes)]
        self._wait_port()

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 - our own command
            self.argv, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )

    def _wait_port(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.ports["osmand"]), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the gateways did not start")

    def kill_one(self) -> int:
        proc = self.procs[0]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        return proc.pid

    def restart_killed(self) -> int:
        self.procs[0] = self._spawn()
        return self.procs[0].pid

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.log.close()


# ---- the devices ----


class Totals:
    def __init__(self):
        self.frames = 0
        self.acked = 0
        self.reconnects = 0
        self.longest_wait = 0.0
        self.longest_wait_at = 0.0
        self.longest_wait_device = None
        self.longest_wait_events: list = []
        self.last_ack = None
        self.longest_silence = 0.0


class BenchDevice:
    """One tracker: a buffer of fixes not yet acknowledged, sent again on every new connection."""

    def __init__(self, index: int, protocol: str, totals: Totals, ports: dict, started: float):
        self.protocol = protocol
        self.ident = f"86977{index:010d}" if protocol == "gt06" else f"1397{index:07d}"
        self.phone = jt808.phone_bcd(self.ident)
        self.totals = totals
        self.port = ports[protocol]
        self.started = started
        self.rng = random.Random(index)
        self.lat = 29.2 + self.rng.uniform(-0.05, 0.05)
        self.lon = 103.9 + self.rng.uniform(-0.05, 0.05)
        self.pending: dict[int, float] = {}  # fix time (epoch s) → when it was made (monotonic)
        self.made: list[int] = []
        self.acked: set[int] = set()
        self.by_serial: dict[int, int] = {}
        self.serial = 0
        self.writer: asyncio.StreamWriter | None = None
        self.ready = False
        self.deaf = False
        self.last_epoch = 0
        self.events: deque = deque(maxlen=40)  # (seconds, what): the story of the longest wait

    def _next_serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    def _frame(self, epoch: int) -> bytes:
        fix = Fix(
            time=dt.datetime.fromtimestamp(epoch, dt.UTC),
            latitude=self.lat + (epoch % 600) * 1e-5,
            longitude=self.lon,
            speed_kmh=30.0,
            course=90.0,
        )
        serial = self._next_serial()
        self.by_serial[serial] = epoch
        if self.protocol == "gt06":
            return gt06.position_frame(fix, serial)
        return jt808.encode(
            jt808.LOCATION, jt808.location_body(fix, signal=25), phone=self.phone, serial=serial
        )

    def tick(self) -> None:
        """A new fix, sent at once when connected (else it waits in the buffer)."""
        epoch = max(int(time.time()), self.last_epoch + 1)
        self.last_epoch = epoch
        self.pending[epoch] = time.monotonic()
        self.made.append(epoch)
        self._send(epoch)

    def _send(self, epoch: int) -> None:
        if self.writer is not None and self.ready and not self.writer.transport.is_closing():
            self.writer.write(self._frame(epoch))
            self.totals.frames += 1

    def _acked(self, serial: int) -> None:
        epoch = self.by_serial.pop(serial, None)
        if epoch is None or self.deaf or epoch not in self.pending:
            return
        now = time.monotonic()
        wait = now - self.pending.pop(epoch)
        self.acked.add(epoch)
        totals = self.totals
        totals.acked += 1
        if wait > totals.longest_wait:
            totals.longest_wait, totals.longest_wait_at = wait, now - self.started
            totals.longest_wait_device = f"{self.protocol} {self.ident}"
            totals.longest_wait_events = list(self.events)
        if totals.last_ack is not None:
            totals.longest_silence = max(totals.longest_silence, now - totals.last_ack)
        totals.last_ack = now

    async def live(self, stop: asyncio.Event) -> None:
        while not (stop.is_set() and not self.pending):
            self._event("connect")
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port), 5
                )
            except (OSError, TimeoutError) as exc:
                self._event(f"connect failed {exc!r}")
                await asyncio.sleep(self.rng.uniform(0.3, 0.8))
                continue
            try:
                await self._session(reader, writer, stop)
            except (OSError, ConnectionError, TimeoutError, asyncio.IncompleteReadError) as exc:
                self._event(f"session ended {type(exc).__name__}")
            finally:
                self.ready = False
                self.writer = None
                writer.transport.abort()
            self.totals.reconnects += 1
            await asyncio.sleep(self.rng.uniform(0.3, 0.8))

    def _event(self, what: str) -> None:
        self.events.append((round(time.monotonic() - self.started, 2), what))

    async def _read_frame(self, reader) -> tuple[int, int]:
        """(message kind, serial it answers): GT06 acknowledgements are 10 bytes; JT/T 808 frames are
        delimited by 0x7E."""
        if self.protocol == "gt06":
            data = await reader.readexactly(10)
            return data[3], struct.unpack_from(">H", data, 4)[0]
        await reader.readuntil(b"\x7e")
        frame = await reader.readuntil(b"\x7e")
        body = jt808.unescape(frame[:-1])
        kind = struct.unpack_from(">H", body)[0]
        if kind == jt808.REGISTER_RESPONSE:
            self.auth_code = body[12 + 3 : -1]
        serial = struct.unpack_from(">H", body, 12)[0] if len(body) >= 14 else 0
        return kind, serial

    async def _session(self, reader, writer, stop) -> None:
        self.writer = writer
        self.deaf = False
        self.by_serial.clear()
        if self.protocol == "gt06":
            writer.write(gt06.login_frame(self.ident, self._next_serial()))
            await asyncio.wait_for(self._read_frame(reader), 10)
        else:
            writer.write(
                jt808.encode(
                    jt808.REGISTER,
                    jt808.register_body(),
                    phone=self.phone,
                    serial=self._next_serial(),
                )
            )
            await asyncio.wait_for(self._read_frame(reader), 10)
            writer.write(
                jt808.encode(
                    jt808.AUTH, self.auth_code, phone=self.phone, serial=self._next_serial()
                )
            )
            await asyncio.wait_for(self._read_frame(reader), 10)
        self.ready = True
        self._event(f"logged in, resending {len(self.pending)}")
        for epoch in list(self.pending):  # what was never acknowledged, one frame per write
            self._send(epoch)
            await asyncio.sleep(0.005)
        while not (stop.is_set() and not self.pending):
            try:
                kind, serial = await asyncio.wait_for(self._read_frame(reader), 1.0)
            except TimeoutError:
                continue
            if self.protocol == "gt06" or kind == jt808.PLATFORM_RESPONSE:
                self._acked(serial)

    async def reconnect_losing_acks(self, delay: float) -> None:
        """Stop reading acknowledgements, let a fix or two go out, then drop the connection: those
        fixes were stored but the device does not know it, and sends them again."""
        self.deaf = True
        await asyncio.sleep(delay)
        if self.writer is not None:
            self.writer.transport.abort()
        # The device chose not to hear these acknowledgements: their wait counts from the resend.
        now = time.monotonic()
        for epoch in self.pending:
            self.pending[epoch] = now


# ---- the run ----


def prepare(url: str) -> None:
    """Migrate, empty the tracker tables, and put a few positions in an old day partition (for the
    purge to drop)."""
    from run import ensure_postgres_database

    ensure_postgres_database(url)
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="fengqiao.settings")
    env["PYTHONPATH"] = str(ROOT / "src")
    code = f"""
import datetime as dt, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from django.utils import timezone
from fengqiao.tracking import partitions
from fengqiao.tracking.models import Device, DeviceAlarm, DeviceCommand, Position
DeviceAlarm.objects.all().delete(); DeviceCommand.objects.all().delete()
connection.cursor().execute("TRUNCATE tracking_position")
Device.objects.all().delete()
old = (timezone.now() - dt.timedelta(days={OLD_DAYS})).date()
partitions.ensure_days(connection, old, old)
device = Device.objects.create(identifier="bench-old", protocol="gt06")
at = dt.datetime.combine(old, dt.time(6), tzinfo=dt.UTC)
Position.objects.bulk_create([
    Position(device=device, fixed_at=at + dt.timedelta(seconds=i), received_at=at, latitude=29.2,
             longitude=103.9) for i in range(100)])
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)  # noqa: S603


async def purge_behind_reader(url: str, hold: float, log) -> dict:
    """Open a reader transaction on the old day, run the retention purge, end the reader after
    `hold` seconds; returns when the purge ended and whether the old day is gone."""
    import psycopg

    params = pg_params(url)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=OLD_DAYS - 1)
    reader = psycopg.connect(**params)
    reader.execute("SELECT count(*) FROM tracking_position WHERE fixed_at < %s", [old]).fetchone()
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT / "src"))
    started = time.monotonic()
    purge = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "fengqiao.cli", "gateway", "purge"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    await asyncio.sleep(hold)
    waiting = purge.poll() is None
    reader.commit()
    reader.close()
    ended_reader = time.monotonic() - started
    while purge.poll() is None:
        await asyncio.sleep(0.2)
    took = time.monotonic() - started
    with psycopg.connect(**params) as check:
        left = check.execute(
            "SELECT count(*) FROM tracking_position WHERE fixed_at < %s", [old]
        ).fetchone()[0]
    log(
        f"  purge: waited behind the reader: {'yes' if waiting else 'NO'}; reader ended at "
        f"{ended_reader:.1f} s, purge done at {took:.1f} s (exit {purge.returncode}), "
        f"old positions left {left}"
    )
    return {"waited": waiting, "left": left, "code": purge.returncode}


async def stream(gateways: Gateways, proxy: Proxy, url: str, log) -> tuple[list, Totals, dict]:
    loop = asyncio.get_running_loop()
    totals = Totals()
    started = time.monotonic()
    devices = [
        BenchDevice(i, "gt06" if i % 2 == 0 else "jt808", totals, gateways.ports, started)
        for i in range(DEVICES)
    ]
    stop = asyncio.Event()
    lives = [loop.create_task(d.live(stop)) for d in devices]
    events: dict = {"purge": None}

    async def ticker():
        slots = max(1, int(INTERVAL * 20))
        buckets = [devices[k::slots] for k in range(slots)]
        step = INTERVAL / slots
        next_at = loop.time()
        k = 0
        while not stop.is_set():
            for device in buckets[k % slots]:
                device.tick()
            k += 1
            next_at += step
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    def at(fraction: float) -> float:
        return started + fraction * SECONDS

    async def until(fraction: float) -> None:
        await asyncio.sleep(max(0.0, at(fraction) - time.monotonic()))

    def say(text: str) -> None:
        log(f"[{time.monotonic() - started:6.1f} s] {text}")

    async def director():
        await until(0.10)
        pid = gateways.kill_one()
        say(f"kill -9 gateway pid {pid}")
        await asyncio.sleep(2)
        say(f"restarted it as pid {gateways.restart_killed()}")
        for n, fraction in enumerate((0.25, 0.55, 0.85), start=1):
            if n == 2:
                await until(0.40)
                say("reader transaction open on an old day partition; retention purge started")
                events["purge"] = await purge_behind_reader(url, max(3.0, 2 * OUTAGE), say)
                await until(0.48)
                chosen = random.Random(1).sample(devices, len(devices) // 3)
                say(f"{len(chosen)} devices drop their connection, acknowledgements unread")
                await asyncio.gather(*(d.reconnect_losing_acks(1.5 * INTERVAL) for d in chosen))
            if n == 3:
                await until(0.70)
                chosen = random.Random(2).sample(devices, len(devices) // 3)
                say(f"{len(chosen)} devices drop their connection, acknowledgements unread")
                await asyncio.gather(*(d.reconnect_losing_acks(1.5 * INTERVAL) for d in chosen))
            await until(fraction)
            say(f"database refuses connections for {OUTAGE:g} s ({n}/3)")
            await proxy.outage(OUTAGE)
            say("database back")

    tick_task = loop.create_task(ticker())
    director_task = loop.create_task(director())
    await asyncio.sleep(max(0.0, at(1.0) - time.monotonic()))
    await asyncio.wait_for(director_task, OUTAGE + 10)
    stop.set()
    await tick_task
    say("devices stop making fixes; waiting for the last acknowledgements")
    try:
        await asyncio.wait_for(asyncio.gather(*lives), DRAIN_SECONDS)
    except TimeoutError:
        for task in lives:
            task.cancel()
        await asyncio.gather(*lives, return_exceptions=True)
    return devices, totals, events


def stored_rows(url: str) -> tuple[dict[str, list[int]], int]:
    """(identifier → stored fix times in epoch seconds, rows of the bench devices)."""
    import psycopg

    with psycopg.connect(**pg_params(url)) as conn:
        rows = conn.execute(
            "SELECT d.identifier, extract(epoch FROM p.fixed_at)::bigint FROM tracking_position p "
            "JOIN tracking_device d ON d.id = p.device_id WHERE d.identifier <> 'bench-old'"
        ).fetchall()
    found: dict[str, list[int]] = {}
    for identifier, epoch in rows:
        found.setdefault(identifier, []).append(epoch)
    return found, len(rows)


def main() -> None:
    from common import report  # noqa: F401 - the bench conventions; the line is printed below

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    url = database_url()
    params = pg_params(url)
    print(
        f"{NAME}: {DEVICES} devices (GT06 and JT/T 808) every {INTERVAL:g} s for {SECONDS:g} s, "
        f"two gateway processes, PostgreSQL {params['dbname']}; outages of {OUTAGE:g} s",
        flush=True,
    )
    prepare(url)
    proxy = Proxy((params["host"], params["port"]))
    log_path = ROOT / "var" / "bench_gateway_faults.log"
    log_path.parent.mkdir(exist_ok=True)
    log_path.write_bytes(b"")
    gateways = Gateways(with_address(url, "127.0.0.1", proxy.port), 2, log_path)
    print(
        f"gateways on {gateways.ports}, database through the proxy on {proxy.port}; "
        f"gateway log: {log_path.relative_to(ROOT)}",
        flush=True,
    )
    try:
        devices, totals, events = asyncio.run(
            stream(gateways, proxy, url, lambda line: print(line, flush=True))
        )
    finally:
        gateways.stop()
        proxy.stop()
    found, rows = stored_rows(url)
    made = sum(len(d.made) for d in devices)
    acked = sum(len(d.acked) for d in devices)
    missing = 0
    for device in devices:
        have = set(found.get(device.ident, []))
        missing += len(device.acked - have)
    distinct = sum(len(set(v)) for v in found.values())
    duplicates = rows - distinct
    unacked = sum(len(d.pending) for d in devices)
    limit = OUTAGE + GRACE
    print(
        f"sent {made:,} fixes in {totals.frames:,} frames (with resends), "
        f"{totals.reconnects:,} reconnections",
        flush=True,
    )
    print(f"acknowledged {acked:,}; never acknowledged (still in a buffer) {unacked:,}", flush=True)
    print(f"stored {rows:,} rows ({distinct:,} distinct device+time)", flush=True)
    print(f"acknowledged-but-missing {missing:,}", flush=True)
    print(f"duplicates {duplicates:,}", flush=True)
    print(
        f"longest acknowledgement wait {totals.longest_wait:.2f} s (a fix made → its ack, at "
        f"{totals.longest_wait_at:.0f} s; limit outage {OUTAGE:g} s + {GRACE:g} s = {limit:g} s); "
        f"longest time without any ack {totals.longest_silence:.2f} s",
        flush=True,
    )
    if totals.longest_wait > limit:
        print(f"  the device that waited: {totals.longest_wait_device}", flush=True)
        for seconds, what in totals.longest_wait_events[-12:]:
            print(f"    {seconds:8.2f} s {what}", flush=True)
    purge = events.get("purge") or {}
    ok = missing == 0 and duplicates == 0 and totals.longest_wait <= limit
    if duplicates:
        print(f"FAIL: {duplicates} rows stored twice", flush=True)
    if totals.longest_wait > limit:
        print(f"FAIL: a fix waited {totals.longest_wait:.1f} s > {limit:g} s", flush=True)
    if purge and (purge.get("left") or purge.get("code")):
        print("FAIL: the purge did not drop the old day", flush=True)
        ok = False
    print(
        f"BENCH {NAME} {missing} lost target 0 {'pass' if ok else 'fail'}",
        flush=True,
    )


if __name__ == "__main__":
    main()
