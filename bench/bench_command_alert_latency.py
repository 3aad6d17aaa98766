"""command_alert_latency_p95: from an incident taken at the desk (incidents.services.incident_receive,
committed) to the command-room wall's open push connection receiving its alert; p95 < 500 ms.

Starts the push tier (`fengqiao push serve`, its defaults: the outbox polled every PUSH_POLL_MS on
SQLite, Redis pub/sub when BENCH_PUSH_REDIS=redis://… is given) on a free local port against the bench
database (full demo), opens the wall's stream (`/push/stream?ch=wall`, what wall.js's EventSource
opens) as the 指挥室 officer over real HTTP with a real session cookie, then takes ROUNDS incidents
through the service from this process and times each until its `wall.alert` event with the
incident's reference arrives.
"""

from __future__ import annotations

import http.client
import os
import random
import subprocess
import sys
import threading
import time

from bench_command_wall import ensure_command_demo
from bench_live_push import free_port, session_cookie
from common import median, p95, report, setup, stop_server, wait_for_server

NAME = "command_alert_latency_p95"
ROUNDS = 20
TARGET_MS = 500


class Wall(threading.Thread):
    def __init__(self, port: int, cookie: str):
        super().__init__(daemon=True)
        self.port, self.cookie = port, cookie
        self.lines: list[tuple[float, str]] = []
        self.opened = threading.Event()
        self.stop = False

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request(
            "GET",
            "/push/stream?ch=wall",
            headers={"Cookie": self.cookie, "Accept": "text/event-stream"},
        )
        response = conn.getresponse()
        if response.status != 200:
            raise SystemExit(f"the push stream answered {response.status}")
        response.readline()
        self.opened.set()
        event = ""
        while not self.stop:
            line = response.readline()
            if not line:
                break
            if line.startswith(b"event: "):
                event = line[7:].strip().decode()
            elif line.startswith(b"data: {") and event == "wall.alert":
                self.lines.append((time.perf_counter(), line.decode("utf-8")))
        conn.close()

    def arrived(self, marker: str) -> float | None:
        for at, text in list(self.lines):
            if marker in text:
                return at
        return None


def main() -> None:
    setup()
    from fengqiao.accounts.models import User
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive

    station = ensure_command_demo()
    user = (
        User.objects.filter(station=station, role="command", is_active=True).order_by("pk").first()
    )
    desk = (
        User.objects.filter(station=station, role="duty_officer", is_active=True)
        .order_by("pk")
        .first()
    )
    category = IncidentCategory.objects.get(code="JF-LL")
    cookie = session_cookie(user)
    port = free_port()
    env = dict(os.environ)
    env["PUSH_REDIS_URL"] = os.environ.get("BENCH_PUSH_REDIS", "")
    env["PUSH_CHANNEL"] = f"fengqiao-bench:{os.getpid()}"
    if env["PUSH_REDIS_URL"]:
        from django.conf import settings

        settings.PUSH_REDIS_URL, settings.PUSH_CHANNEL = env["PUSH_REDIS_URL"], env["PUSH_CHANNEL"]
    log_path = os.path.join(os.environ.get("FENGQIAO_VAR", "var"), "bench_command_alert_server.log")
    log_file = open(log_path, "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from fengqiao.cli import main; sys.exit(main())",
            "push",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    ok = False
    try:
        wait_for_server(port, path="/push/healthz")
        wall = Wall(port, cookie)
        wall.start()
        wall.opened.wait(10)
        time.sleep(1.5)
        latencies = []
        for n in range(ROUNDS):
            time.sleep(random.uniform(0, 1))  # events come at any point of the stream's poll cycle
            sent = time.perf_counter()
            incident = incident_receive(
                actor=desk, station=station, category=category, location=f"基准测试地点{n}"
            )
            wait_until = time.monotonic() + 5
            while time.monotonic() < wait_until and wall.arrived(incident.reference) is None:
                time.sleep(0.01)
            got = wall.arrived(incident.reference)
            latencies.append(((got if got is not None else sent + 99) - sent) * 1000)
        wall.stop = True
        print(
            f"{ROUNDS} incidents → wall stream: median {median(latencies):.0f} ms, p95 {p95(latencies):.0f} ms, "
            f"max {max(latencies):.0f} ms (push tier, "
            f"{'Redis pub/sub' if env['PUSH_REDIS_URL'] else 'outbox poll ' + os.environ.get('PUSH_POLL_MS', '200') + ' ms'})"
        )
        ok = report(NAME, p95(latencies), "ms", TARGET_MS)
    finally:
        stop_server(server)
        log_file.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
