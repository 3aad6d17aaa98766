"""live_push: notifications reach open tabs within 2 s under the real server, and open tabs do not
starve ordinary pages.

Starts `fengqiao serve` (gunicorn gthread, its defaults: 2 workers x 24 threads) on a free local
port, opens TABS server-sent-event streams for one user (each like one browser tab), then creates
ROUNDS notifications from this process and times how long each takes to arrive on every stream.
While the streams are open it also times ordinary page loads (the home page, signed in).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time

from common import median, p95, report, setup, stop_server, wait_for_server

NAMES = ["live_push_p95_latency", "live_push_page_p95_with_tabs_open"]
TABS = int(os.environ.get("BENCH_TABS", "20"))
ROUNDS = 5
PUSH_TARGET_MS = 2000
PAGE_TARGET_MS = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["last_seen"] = int(time.time())
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


class Tab(threading.Thread):
    def __init__(self, port: int, cookie: str):
        super().__init__(daemon=True)
        self.port, self.cookie = port, cookie
        self.arrivals: dict[str, float] = {}
        self.opened = threading.Event()
        self.busy = False
        self.stop = False

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(
            "GET",
            "/notifications/stream/",
            headers={"Cookie": self.cookie, "Accept": "text/event-stream"},
        )
        response = conn.getresponse()
        first = response.readline()  # "retry: ..." line
        self.busy = first.startswith(b"retry: 30000")
        self.opened.set()
        while not self.stop:
            line = response.readline()
            if not line:
                break
            # A notification's data is a JSON object; the unread-count event's is a bare number.
            if line.startswith(b"data: {"):
                text = line.decode("utf-8")
                marker = text.split('"title": "', 1)[1].split('"', 1)[0]
                self.arrivals[marker] = time.perf_counter()
        conn.close()


def main() -> None:
    setup()
    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.notifications.services import notification_send

    bureau, _ = Bureau.objects.get_or_create(code="BENCH", defaults={"name": "基准测试县局"})
    station, _ = Station.objects.get_or_create(
        code="BENCH-PUSH", defaults={"name": "推送测试所", "bureau": bureau}
    )
    user, _ = User.objects.get_or_create(
        username="bench-live-push", defaults={"full_name": "推送测试", "station": station}
    )
    if user.station_id is None:
        user.station = station
        user.save()
    cookie = session_cookie(user)
    port = free_port()
    env = dict(os.environ)
    log_path = os.path.join(os.environ.get("FENGQIAO_VAR", "var"), "bench_live_push_server.log")
    log_file = open(log_path, "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from fengqiao.cli import main; sys.exit(main())",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_server(port)

        tabs = [Tab(port, cookie) for _ in range(TABS)]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.opened.wait(10)
        live = [t for t in tabs if not t.busy]
        print(
            f"{TABS} tabs opened: {len(live)} streaming, {TABS - len(live)} told to retry later (per-process cap)"
        )
        time.sleep(1.5)

        page_ms = []
        for _ in range(40):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            start = time.perf_counter()
            c.request("GET", "/", headers={"Cookie": cookie})
            r = c.getresponse()
            r.read()
            page_ms.append((time.perf_counter() - start) * 1000)
            if r.status != 200:
                raise SystemExit(f"home page answered {r.status}; see {log_path}")
            c.close()

        latencies = []
        for n in range(ROUNDS):
            marker = f"bench-{time.time_ns()}-{n}"
            sent = time.perf_counter()
            notification_send(recipients=[user], kind="bench", title=marker)
            wait_until = time.monotonic() + 5
            while time.monotonic() < wait_until and not all(marker in t.arrivals for t in live):
                time.sleep(0.02)
            for t in live:
                latencies.append((t.arrivals.get(marker, sent + 99) - sent) * 1000)
        for t in tabs:
            t.stop = True
        print(
            f"push latency over {len(live)} streams x {ROUNDS} notifications: "
            f"median {median(latencies):.0f} ms, p95 {p95(latencies):.0f} ms, max {max(latencies):.0f} ms"
        )
        print(
            f"home page with {len(live)} streams open: median {median(page_ms):.0f} ms, p95 {p95(page_ms):.0f} ms"
        )
        ok = report("live_push_p95_latency", p95(latencies), "ms", PUSH_TARGET_MS)
        ok = report("live_push_page_p95_with_tabs_open", p95(page_ms), "ms", PAGE_TARGET_MS) and ok
    finally:
        stop_server(server)
        log_file.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
