"""county_pages_p95: a station user's heaviest pages and the bureau's pages with a whole county loaded.

Needs PostgreSQL with the county loaded (`fengqiao demo --county 20`, 1.6 M residents; loaded here
when missing). A smaller county: `BENCH_COUNTY_STATIONS=3` (and `BENCH_COUNTY_SCALE=10` for a tenth
of the rows per station); an existing county is used as it is, and its size is printed:

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fq_county_big .venv/bin/python bench/run.py county_pages_p95
    BENCH_COUNTY_STATIONS=3 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fq_county_scope \
        .venv/bin/python bench/run.py county_pages_p95

Each round picks a random station of the county and GETs, as its station leader (in process, with
Django's test client: the view, its queries and the template, not the network), the registry search
by a name prefix, the incident list, the case room and the command wall, and as the county user
(`county_bureau`) the KPI dashboard and the evaluation ranking of the stations. Prints the p95 of the
station pages (target < 200 ms) and of the bureau pages (target < 500 ms), and each page's p50/p95.

Then the RLS on/off ratio of the issue (`county_rls_ratio`, target < 1.15): the same pages, each
GET twice in a row — once as the application role (`BENCH_APP_ROLE`, default `fengqiao_app_bench`:
NOSUPERUSER NOBYPASSRLS, taken with SET ROLE, so the policies of core/rls.py hold) and once as the
superuser the bench connects as (RLS bypassed), the order alternating — over `BENCH_RLS_ROUNDS`
rounds (default: the rounds above). Per page the ratio of the medians (RLS on / off); the figure is
their geometric mean over the pages (each page weighs the same, not the slowest one most). Both sides
run the same middleware (one transaction, `set_config` of the scope); only the policies differ.
"""

from __future__ import annotations

import os
import random
import time
from urllib.parse import quote

from common import APP_ROLE, ensure_app_role, median, p95, report, setup, use_role, whoami

NAME = "county_pages_p95"
STATION_TARGET_MS = 200.0
BUREAU_TARGET_MS = 500.0
ROUNDS = int(os.environ.get("BENCH_COUNTY_ROUNDS", "20"))
RLS_ROUNDS = int(os.environ.get("BENCH_RLS_ROUNDS", str(ROUNDS)))
STATIONS = int(os.environ.get("BENCH_COUNTY_STATIONS", "20"))
SCALE = int(os.environ.get("BENCH_COUNTY_SCALE", "1"))
RATIO_TARGET = 1.15


def main() -> None:
    setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from fengqiao.accounts.models import Station, User
    from fengqiao.demo import county
    from fengqiao.registry.models import Person

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        print("county_pages_p95 needs PostgreSQL (BENCH_DATABASE_URL=postgres://…)")
        return
    from fengqiao.core import rls

    with rls.system():
        if not county.county_exists():
            print(
                f"loading the county (fengqiao demo --county {STATIONS} --scale {SCALE}) …",
                flush=True,
            )
            county.load(stations=STATIONS, scale=SCALE, log=lambda line: print(line, flush=True))
        residents = Person.objects.count()
    stations = list(Station.objects.filter(code__startswith=county.CODE_PREFIX).order_by("code"))
    small = len(stations) < 20 or residents < 1_500_000
    print(
        f"{len(stations)} stations, {residents:,} residents"
        f"{' (a SMALL county, not the full 20-station one)' if small else ''}; "
        f"{ROUNDS} rounds, a random station each",
        flush=True,
    )
    clients = {}
    for station in stations:
        leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
        client = Client()
        client.force_login(leader)
        with rls.system():
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
    report(NAME, p95(station_samples), "ms", STATION_TARGET_MS)
    report(f"{NAME}_bureau", p95(bureau_samples), "ms", BUREAU_TARGET_MS)
    rls_ratio(stations, clients, bureau, station_pages, bureau_pages, rng)


def rls_ratio(stations, clients, bureau, station_pages, bureau_pages, rng) -> None:
    """The same pages with RLS on (the application role) and off (the superuser), interleaved."""
    import math

    ensure_app_role()
    use_role(APP_ROLE)
    on_role = whoami()
    use_role(None)
    print(
        f"RLS on/off: {RLS_ROUNDS} rounds, each page as {on_role} and as {whoami()}, interleaved",
        flush=True,
    )
    sides = {"on": APP_ROLE, "off": None}
    times = {side: {} for side in sides}

    def one(client, path, name, side):
        use_role(sides[side])
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{name} {path} (RLS {side}): HTTP {response.status_code}")
        times[side].setdefault(name, []).append(elapsed)

    try:
        for n in range(RLS_ROUNDS + 1):  # round 0 warms up, not counted
            station = rng.choice(stations)
            client, names = clients[station.pk]
            pages = [
                (client, path_for(names, rng), name) for name, path_for in station_pages.items()
            ]
            pages += [(bureau, path, name) for name, path in bureau_pages.items()]
            order = ("on", "off") if n % 2 else ("off", "on")
            for client_, path, name in pages:
                for side in order:
                    one(client_, path, name, side)
            if n == 0:
                for side in sides:
                    times[side].clear()
    finally:
        use_role(None)
    ratios = []
    for name in times["on"]:
        on, off = median(times["on"][name]), median(times["off"][name])
        ratios.append(on / off)
        print(
            f"  {name:18} RLS on p50 {on:7.1f} ms   off p50 {off:7.1f} ms   ratio {on / off:.2f}",
            flush=True,
        )
    ratio = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    ok = ratio < RATIO_TARGET
    print(
        f"BENCH county_rls_ratio {ratio:.2f} ratio target {RATIO_TARGET:g} {'pass' if ok else 'fail'}",
        flush=True,
    )


if __name__ == "__main__":
    main()
