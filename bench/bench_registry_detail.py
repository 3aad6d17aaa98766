"""registry_detail_p95: person detail pages at full demo size; p95 < 100 ms.

The station leader of 玉津派出所 GETs `registry:person_detail` for 240 random residents (household,
owned houses, timeline and access records included, as the page shows them).
"""

from __future__ import annotations

import random
import time

from bench_registry_search import ensure_demo, leader_client
from common import median, p95, report, setup

NAME = "registry_detail_p95"
TARGET_MS = 100.0
REQUESTS = 240


def main() -> None:
    setup()
    from django.urls import reverse

    from fengqiao.registry.models import Person

    station = ensure_demo()
    client = leader_client(station)
    ids = list(Person.objects.filter(station=station).values_list("pk", flat=True))
    rng = random.Random(2024)
    chosen = rng.sample(ids, REQUESTS + 10)
    for pk in chosen[:10]:
        client.get(reverse("registry:person_detail", args=[pk]))
    samples = []
    for pk in chosen[10:]:
        url = reverse("registry:person_detail", args=[pk])
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    print(
        f"{len(samples)} GETs of person detail pages as the station leader: median {median(samples):.1f} ms, max {max(samples):.1f} ms"
    )
    report(NAME, p95(samples), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
