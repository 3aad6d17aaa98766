"""dispute_board_p95: the dispute board page (open disputes by level, red first, and community) over
the full demo history (the studio's 3,267 files and the recent ones); p95 < 200 ms.

The station leader of 玉津派出所 GETs `disputes:board` repeatedly. Loads the demo into the bench
database first when it is not there, and the disputes demo when the database predates it.
"""

from __future__ import annotations

import sys
import time

from common import median, p95, report, setup

NAME = "dispute_board_p95"
TARGET_MS = 200.0
REQUESTS = 100
STATION = "511123-YJ"
STUDIO_FULL = 3000


def ensure_dispute_demo():
    """The full-size demo in the bench database, with the disputes part."""
    from fengqiao.accounts.models import Station
    from fengqiao.core import context
    from fengqiao.demo import disputes as demo
    from fengqiao.demo import generator
    from fengqiao.disputes.models import Dispute

    station = Station.objects.filter(code=STATION).first()
    if station is None:
        print("loading the full-size demo data into the bench database …", flush=True)
        started = time.perf_counter()
        generator.load(scale=1, seed=20240420, log=lambda line: print(line, flush=True))
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
        station = Station.objects.get(code=STATION)
    if Dispute.objects.filter(station=station, channel__code="studio").count() < STUDIO_FULL:
        from django.db import transaction

        print("loading the disputes demo at full size …", flush=True)
        with transaction.atomic(), context.acting_as(None, source="command"):
            print(
                demo.load(scale=1, seed=20240420, log=lambda line: print(line, flush=True)),
                flush=True,
            )
    total = Dispute.objects.filter(station=station).count()
    if total < STUDIO_FULL:
        print(f"the bench database holds a smaller demo ({total} disputes)", file=sys.stderr)
        sys.exit(2)
    return station


def leader_client(station):
    from django.test import Client

    from fengqiao.accounts.models import User

    leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    client = Client()
    client.force_login(leader)
    return client


def main() -> None:
    setup()
    from django.urls import reverse

    from fengqiao.disputes.models import Dispute

    station = ensure_dispute_demo()
    client = leader_client(station)
    url = reverse("disputes:board")
    for _ in range(5):
        client.get(url)
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    print(
        f"{REQUESTS} GETs of {url} as the station leader over {Dispute.objects.filter(station=station).count():,} "
        f"disputes: median {median(samples):.1f} ms, max {max(samples):.1f} ms"
    )
    report(NAME, p95(samples), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
