"""live_push: notifications reach open tabs through the push tier, and thousands of open tabs do not
slow ordinary pages.

Starts the web app (`fengqiao serve`, gunicorn gthread, its defaults: 2 workers x 24 threads) and the
push tier (`fengqiao push serve`, one process) on free local ports, opens TABS (default 2,000)
server-sent-event connections to the push process for USERS users (real session cookies, each like
one browser tab: /push/stream), then creates ROUNDS notifications from this process (one to each of a
few users, the way services notify) and times how long each takes to arrive on every tab of its
user. While the tabs are open it times ordinary page loads on the web app (the home page, signed in).
"""

from __future__ import annotations

import http.client
import os
import resource
import socket
import subprocess
import sys
import time

from common import median, p95, report, setup, stop_server, wait_for_server

NAMES = ["live_push_p95_latency", "live_push_page_p95_with_tabs_open"]
TABS = int(os.environ.get("BENCH_TABS", "2000"))
USERS = 200
ROUNDS = 5
PUSH_TARGET_MS = 1000
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


def start(argv: list[str], log_name: str, env: dict):
    log_path = os.path.join(os.environ.get("FENGQIAO_VAR", "var"), log_name)
    log_file = open(log_path, "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from fengqiao.cli import main; sys.exit(main())",
            *argv,
        ],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log_file, log_path


def main() -> None:
    from bench_push_fanout import Tabs

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))
    setup()
    from fengqiao.accounts.models import Bureau, Station, User
    from fengqiao.notifications.services import notification_send

    bureau, _ = Bureau.objects.get_or_create(code="BENCH", defaults={"name": "基准测试县局"})
    station, _ = Station.objects.get_or_create(
        code="BENCH-PUSH", defaults={"name": "推送测试所", "bureau": bureau}
    )
    users = []
    for i in range(USERS):
        user, _ = User.objects.get_or_create(
            username=f"bench-live-push-{i}",
            defaults={"full_name": f"推送测试{i}", "station": station},
        )
        users.append(user)
    cookies = [session_cookie(u) for u in users]
    web_port, push_port = free_port(), free_port()
    env = dict(os.environ)
    env["PUSH_REDIS_URL"] = os.environ.get("BENCH_PUSH_REDIS", "")
    env["PUSH_CHANNEL"] = f"fengqiao-bench:{os.getpid()}"
    if env["PUSH_REDIS_URL"]:
        from django.conf import settings

        settings.PUSH_REDIS_URL, settings.PUSH_CHANNEL = env["PUSH_REDIS_URL"], env["PUSH_CHANNEL"]
    web, web_log, web_log_path = start(
        ["serve", "--port", str(web_port)], "bench_live_push_server.log", env
    )
    push, push_log, _ = start(
        ["push", "serve", "--port", str(push_port)], "bench_live_push_push.log", env
    )
    ok = False
    try:
        wait_for_server(web_port)
        wait_for_server(push_port, path="/push/healthz")
        tabs = Tabs(push_port, marker=b'"title":"')
        tabs.open([cookies[i % USERS] for i in range(TABS)])
        print(
            f"{TABS} tabs of {USERS} users opened on the push process: {tabs.opened} streaming, {tabs.failed} failed"
        )
        time.sleep(1.5)

        page_ms = []
        for n in range(40):
            c = http.client.HTTPConnection("127.0.0.1", web_port, timeout=10)
            start_at = time.perf_counter()
            c.request("GET", "/", headers={"Cookie": cookies[n % USERS]})
            r = c.getresponse()
            r.read()
            page_ms.append((time.perf_counter() - start_at) * 1000)
            if r.status != 200:
                raise SystemExit(f"home page answered {r.status}; see {web_log_path}")
            c.close()

        latencies = []
        tabs_of = TABS // USERS
        for n in range(ROUNDS):
            targets = users[n * 7 % USERS : n * 7 % USERS + 5]
            marker = f"bench-{time.time_ns()}-{n}"
            sent = time.perf_counter()
            notification_send(recipients=targets, kind="bench", title=marker)
            expected = len(targets) * tabs_of
            wait_until = time.monotonic() + 5
            while time.monotonic() < wait_until and len(tabs.arrivals.get(marker, [])) < expected:
                time.sleep(0.02)
            got = tabs.arrivals.get(marker, [])
            latencies.extend((t - sent) * 1000 for t in got)
            latencies.extend([99_000.0] * (expected - len(got)))  # a tab that never got it
        print(
            f"push latency over {len(latencies)} deliveries ({ROUNDS} notifications x 5 users x {tabs_of} tabs): "
            f"median {median(latencies):.0f} ms, p95 {p95(latencies):.0f} ms, max {max(latencies):.0f} ms"
        )
        print(
            f"home page with {tabs.opened} tabs open: median {median(page_ms):.0f} ms, p95 {p95(page_ms):.0f} ms"
        )
        ok = report("live_push_p95_latency", p95(latencies), "ms", PUSH_TARGET_MS)
        ok = report("live_push_page_p95_with_tabs_open", p95(page_ms), "ms", PAGE_TARGET_MS) and ok
    finally:
        stop_server(push)
        stop_server(web)
        push_log.close()
        web_log.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
