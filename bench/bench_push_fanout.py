"""push_fanout: 2,000 live connections of 200 users on one push process (`fengqiao push serve`),
200 events addressed to users and stations; delivery latency p50/p99 (target p99 < 1 s), the push
process's database queries per second with 200 and with 2,000 connections open (target: the same
within 10 %), and its memory per connection.

Real HTTP connections (asyncio clients in this process) with real session cookies to the real push
process, against the bench database (SQLite by default: the embedded fallback, one outbox poll per
PUSH_POLL_MS for the whole process; with BENCH_PUSH_REDIS=redis://… the Redis pub/sub path).
Events are sent from this process with `fengqiao.push.send`, as the services do, at RATE a second.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
import uuid

from bench_live_push import free_port, session_cookie
from common import median, report, setup, stop_server

NAME = "push_fanout"
USERS = int(os.environ.get("BENCH_PUSH_USERS", "200"))
TABS_PER_USER = int(os.environ.get("BENCH_PUSH_TABS", "10"))
STATIONS = 10
EVENTS = 200
RATE = 20.0  # events a second
TARGET_MS = 1000


def p99(samples):
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.99 * len(ordered))) - 1)]


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def status(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/push/status")
    return json.loads(conn.getresponse().read())


class Tabs:
    """Many EventSource-like connections on one asyncio loop in a thread; records arrival times."""

    def __init__(self, port: int, *, marker: bytes = b'"m":"'):
        self.port = port
        self.marker = marker
        self.loop = asyncio.new_event_loop()
        self.arrivals: dict[str, list[float]] = {}
        self.opened = 0
        self.failed = 0
        self.tasks: set = set()  # the loop keeps only weak references to tasks
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def _tab(self, cookie: str, ready: asyncio.Event):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
            writer.write(
                f"GET /push/stream?ch=desk HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\n"
                f"Accept: text/event-stream\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                self.failed += 1
                ready.set()
                return
            self.opened += 1
            ready.set()
            while True:
                line = await reader.readline()
                if not line:
                    return
                if line.startswith(b"data: ") and self.marker in line:
                    marker = line.split(self.marker, 1)[1].split(b'"', 1)[0].decode()
                    self.arrivals.setdefault(marker, []).append(time.perf_counter())
        except Exception:  # noqa: BLE001 - counted as a failed tab
            self.failed += 1
            ready.set()

    def open(self, cookies: list[str]) -> None:
        async def go():
            events = []
            for i, cookie in enumerate(cookies):
                ready = asyncio.Event()
                events.append(ready)
                self.tasks.add(self.loop.create_task(self._tab(cookie, ready)))
                if i % 50 == 49:
                    await asyncio.sleep(0.05)
            for ready in events:
                await ready.wait()

        asyncio.run_coroutine_threadsafe(go(), self.loop).result(300)


def send_events(n: int, users, stations, sent: dict) -> None:
    from fengqiao import push

    interval = 1.0 / RATE
    start = time.perf_counter()
    for i in range(n):
        marker = uuid.uuid4().hex[:12]
        if i % 4 == 3:
            station = random.choice(stations)
            audience, expected = f"station:{station.pk}", "station"
        else:
            user = random.choice(users)
            audience, expected = f"user:{user.pk}", user.pk
        sent[marker] = (time.perf_counter(), expected)
        push.send(audience, "notification", {"m": marker, "title": f"基准 {i}"})
        delay = start + (i + 1) * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


def latencies(tabs: Tabs, sent: dict) -> tuple[list[float], int]:
    out, missing = [], 0
    for marker, (at, _expected) in sent.items():
        got = tabs.arrivals.get(marker, [])
        out.extend((t - at) * 1000 for t in got)
        if not got:
            missing += 1
    return out, missing


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))
    setup()
    from fengqiao.accounts.models import Bureau, Station, User

    bureau, _ = Bureau.objects.get_or_create(code="BENCH-PF", defaults={"name": "推送基准县局"})
    stations = [
        Station.objects.get_or_create(
            code=f"BENCH-PF-{i}", defaults={"name": f"推送基准所{i}", "bureau": bureau}
        )[0]
        for i in range(STATIONS)
    ]
    users = []
    for i in range(USERS):
        user, _ = User.objects.get_or_create(
            username=f"bench-pf-{i}",
            defaults={
                "full_name": f"推送{i}",
                "station": stations[i % STATIONS],
                "role": "community_officer",
            },
        )
        users.append(user)
    cookies = {u.pk: session_cookie(u) for u in users}

    port = free_port()
    env = dict(os.environ)
    env["PUSH_REDIS_URL"] = os.environ.get("BENCH_PUSH_REDIS", "")
    env["PUSH_CHANNEL"] = f"fengqiao-bench:{uuid.uuid4().hex[:8]}"
    if env["PUSH_REDIS_URL"]:
        os.environ["PUSH_REDIS_URL"], os.environ["PUSH_CHANNEL"] = (
            env["PUSH_REDIS_URL"],
            env["PUSH_CHANNEL"],
        )
        from django.conf import settings

        settings.PUSH_REDIS_URL, settings.PUSH_CHANNEL = env["PUSH_REDIS_URL"], env["PUSH_CHANNEL"]
    log_path = os.path.join(os.environ.get("FENGQIAO_VAR", "var"), "bench_push_fanout_server.log")
    log_file = open(log_path, "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from fengqiao.cli import main; sys.exit(main())",
         "push", "serve", "--port", str(port)],
        env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    ok = False
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                mode = status(port)["mode"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"push server did not start; see {log_path}") from None
                time.sleep(0.3)
        time.sleep(1)
        rss_empty = rss_kb(server.pid)
        tabs = Tabs(port)

        def window(events: int) -> tuple[float, dict]:
            before, t0 = status(port)["queries"], time.perf_counter()
            sent: dict = {}
            send_events(events, users, stations, sent)
            time.sleep(1.0)
            after, t1 = status(port)["queries"], time.perf_counter()
            return (after - before) / (t1 - t0), sent

        # 200 connections: one per user.
        tabs.open([cookies[u.pk] for u in users])
        time.sleep(1)
        rss_200 = rss_kb(server.pid)
        qps_200, _sent = window(EVENTS // 2)
        # 2,000 connections: TABS_PER_USER per user.
        tabs.open([cookies[u.pk] for u in users for _ in range(TABS_PER_USER - 1)])
        time.sleep(1)
        open_now = status(port)["connections"]
        rss_2000 = rss_kb(server.pid)
        tabs.arrivals.clear()
        qps_2000, sent = window(EVENTS)
        time.sleep(1)
        lat, missing = latencies(tabs, sent)
        expected = 0
        for _marker, (_at, who) in sent.items():
            expected += (USERS // STATIONS) * TABS_PER_USER if who == "station" else TABS_PER_USER
        per_conn_kb = (rss_2000 - rss_200) / max(1, open_now - USERS)
        final = status(port)
        print(
            f"push process ({mode}): {tabs.opened} tabs opened ({tabs.failed} failed), {open_now} open; "
            f"{EVENTS} events at {RATE:g}/s to users and stations, {len(lat)} deliveries of {expected} expected "
            f"({missing} events never arrived); slow tabs dropped {final['dropped_slow']}"
        )
        print(
            f"delivery latency with {open_now} connections: p50 {median(lat):.0f} ms, p99 {p99(lat):.0f} ms, "
            f"max {max(lat):.0f} ms"
        )
        print(
            f"push process database queries/s: {qps_200:.2f} with {USERS} connections, {qps_2000:.2f} with {open_now} "
            f"(poll {os.environ.get('PUSH_POLL_MS', '200')} ms; sign-in queries at connect not in the windows)"
        )
        print(
            f"push process memory: {rss_empty / 1024:.0f} MB empty, {rss_200 / 1024:.0f} MB with {USERS}, "
            f"{rss_2000 / 1024:.0f} MB with {open_now}: {per_conn_kb:.1f} kB per connection"
        )
        same = abs(qps_2000 - qps_200) <= 0.10 * max(qps_200, 0.01)
        report(
            "push_fanout_queries_per_second_2000_vs_200",
            abs(qps_2000 - qps_200) / max(qps_200, 0.01) * 100,
            "%",
            10,
        )
        report("push_fanout_memory_per_connection", per_conn_kb, "kB", 64)
        ok = same and len(lat) == expected and p99(lat) < TARGET_MS
        print(
            f"BENCH push_fanout {p99(lat):.1f} ms target {TARGET_MS} {'pass' if ok else 'fail'}",
            flush=True,
        )
    finally:
        stop_server(server)
        log_file.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
