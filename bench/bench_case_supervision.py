"""case_supervision_p95: the case room's daily supervision page over all open cases; p95 < 200 ms.

A case manager of 玉津派出所 GETs `cases:room` (the red-line detectors run on every load, then every
open case with its clocks, warnings and open flags). Loads the demo data into the bench database
first when it is not there.
"""

from __future__ import annotations

import time

from common import median, p95, report, setup

NAME = "case_supervision_p95"
TARGET_MS = 200.0
REQUESTS = 40


def main() -> None:
    setup()
    from django.test import Client
    from django.urls import reverse

    from fengqiao.accounts.models import User
    from fengqiao.cases.models import Case
    from fengqiao.demo.cases import ensure_bench_demo

    station = ensure_bench_demo()
    user = (
        User.objects.filter(station=station, role="case_manager").order_by("pk").first()
        or User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    )
    client = Client()
    client.force_login(user)
    url = reverse("cases:room")
    open_cases = Case.objects.filter(station=station).open().count()
    print(
        f"{Case.objects.filter(station=station).count():,} cases, {open_cases} open; GET {url} as {user} × {REQUESTS}"
    )
    response = client.get(url)  # warm-up (first detection run raises any flags)
    assert response.status_code == 200, response.status_code
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    print(f"median {median(samples):.1f} ms, p95 {p95(samples):.1f} ms")
    report(NAME, p95(samples), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
