"""county_pages_p95: a station user's heaviest pages and the bureau's pages with a whole county loaded.

Needs PostgreSQL with the county loaded (`fengqiao demo --county 20`, 1.6 M residents; loaded here
when missing, which takes about half an hour):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fq_county_big .venv/bin/python bench/run.py county_pages_p95

Each round picks a random station of the county and GETs, as its station leader (in process, with
Django's test client: the view, its queries and the template, not the network), the registry search
by a name prefix, the incident list, the case room and the command wall, and as the county user
(`county_bureau`) the KPI dashboard and the evaluation ranking of the stations. Prints the p95 of the
station pages (target < 200 ms) and of the bureau pages (target < 500 ms), and each page's p50/p95.

Row-level security is not part of this branch: the RLS on/off ratio of the issue is not measured
here (see the county-rls branch).
"""

from __future__ import annotations

import os
import random
import time
from urllib.parse import quote

from common import median, p95, report, setup

NAME = "county_pages_p95"
STATION_TARGET_MS = 200.0
BUREAU_TARGET_MS = 500.0
ROUNDS = int(os.environ.get("BENCH_COUNTY_ROUNDS", "20"))


def main() -> None:
    setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from fengqiao.accounts.models import Station, User
    from fengqiao.core.demo import county
    from fengqiao.registry.models import Person

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        print("county_pages_p95 needs PostgreSQL (BENCH_DATABASE_URL=postgres://…)")
        return
    if not county.county_exists():
        print("loading the county (fengqiao demo --county 20) …", flush=True)
        county.load(stations=20, log=lambda line: print(line, flush=True))
    stations = list(Station.objects.filter(code__startswith=county.CODE_PREFIX).order_by("code"))
    print(
        f"{len(stations)} stations, {Person.objects.count():,} residents; "
        f"{ROUNDS} rounds, a random station each",
        flush=True,
    )
    clients = {}
    for station in stations:
        leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
        client = Client()
        client.force_login(leader)
        names = list(
            Person.objects.filter(station=station)
            .order_by("pk")
            .values_list("name", flat=True)[:2000:50]
        )
        clients[station.pk] = (client, names)
    bureau = Client()
    bureau.force_login(User.objects.get(username="county_bureau"))

    station_pages = {
        "registry_search": lambda names, rng: (
            f"{reverse('registry:person_list')}?q={quote(rng.choice(names)[:2])}"
        ),
        "incident_list": lambda names, rng: reverse("incidents:incident_list"),
        "case_room": lambda names, rng: reverse("cases:room"),
        "wall": lambda names, rng: reverse("command:wall_data"),
    }
    bureau_pages = {
        "bureau_dashboard": reverse("reports:dashboard"),
        "bureau_ranking": reverse("reports:evaluation") + "?level=station",
    }
    rng = random.Random(23)
    times: dict[str, list[float]] = {name: [] for name in [*station_pages, *bureau_pages]}

    def timed(client, path, name):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{name} {path}: HTTP {response.status_code}")
        times[name].append(elapsed)

    # one warm-up round (first-use caches, connections), not counted
    for rounds, record in ((1, False), (ROUNDS, True)):
        for _ in range(rounds):
            station = rng.choice(stations)
            client, names = clients[station.pk]
            for name, path_for in station_pages.items():
                timed(client, path_for(names, rng), name)
            for name, path in bureau_pages.items():
                timed(bureau, path, name)
        if not record:
            for samples in times.values():
                samples.clear()
    for name, samples in times.items():
        print(f"  {name:18} p50 {median(samples):7.1f} ms   p95 {p95(samples):7.1f} ms", flush=True)
    station_samples = [t for name in station_pages for t in times[name]]
    bureau_samples = [t for name in bureau_pages for t in times[name]]
    print("RLS on/off ratio: not measured (row-level security is not on this branch)", flush=True)
    report(NAME, p95(station_samples), "ms", STATION_TARGET_MS)
    report(f"{NAME}_bureau", p95(bureau_samples), "ms", BUREAU_TARGET_MS)


if __name__ == "__main__":
    main()
