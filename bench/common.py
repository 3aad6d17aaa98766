"""Helpers shared by the benchmarks: Django setup, demo data at full size, timing, the BENCH line."""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")


def setup():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def report(
    name: str, value: float, unit: str, target: float, *, lower_is_better: bool = True
) -> bool:
    ok = value < target if lower_is_better else value > target
    print(
        f"BENCH {name} {value:.1f} {unit} target {target:g} {'pass' if ok else 'fail'}", flush=True
    )
    return ok


def wait_for_server(port: int, *, path: str = "/healthz", timeout: float = 60) -> None:
    """Wait until a server started for a benchmark answers 200 on loopback, at most `timeout` s."""
    import http.client
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("server did not start")
        time.sleep(0.3)


def stop_server(server) -> None:
    """Stop a server a benchmark started in its own process group (gunicorn's graceful stop would
    wait for open streams): SIGTERM to the group, SIGKILL after 5 s."""
    import os
    import signal
    import subprocess

    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(5)
