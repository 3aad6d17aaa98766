"""fraud_figures_p95: the anti-fraud figures page (反诈 案损统计) for the reference station's leader at
full demo size (five years of fraud cases and warnings, the page's year tables, months, fraud types,
communities and officers, contact-time median/p90); p95 < 300 ms over the last three years.

Loads the registry demo into the bench database when it is missing, and the anti-fraud part's demo
(`antifraud.demo.load(scale=1)`) when the bench database has none.
"""

from __future__ import annotations

import time

from common import median, p95, report, setup

NAME = "fraud_figures_p95"
TARGET_MS = 300.0
ROUNDS = 20


def ensure_demo():
    import bench_registry_search

    from fengqiao.antifraud.models import Warning

    station = bench_registry_search.ensure_demo()
    if not Warning.objects.filter(station=station).exists():
        from django.db import transaction

        from fengqiao.demo import antifraud as demo

        print("loading the anti-fraud demo into the bench database …", flush=True)
        started = time.perf_counter()
        with transaction.atomic():
            counts = demo.load(scale=1, seed=20240420, log=lambda line: print(line, flush=True))
        print(f"loaded {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    return station


def main():
    setup()
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from fengqiao.accounts.models import User
    from fengqiao.antifraud.models import Warning

    station = ensure_demo()
    leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    client = Client()
    client.force_login(leader)
    this_year = timezone.localdate().year
    years = [this_year - 2, this_year - 1, this_year]
    print(
        f"{Warning.objects.filter(station=station).count():,} warnings of {station.name}",
        flush=True,
    )
    url = reverse("antifraud:figures")
    client.get(url, {"year": this_year})  # warm-up
    samples = []
    for _ in range(ROUNDS):
        for year in years:
            started = time.perf_counter()
            response = client.get(url, {"year": year})
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    print(f"{len(samples)} requests, median {median(samples):.0f} ms", flush=True)
    report(NAME, p95(samples), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
