"""registry_search_p95: resident search through the person list page at full demo size; p95 < 150 ms.

The station leader of 玉津派出所 (153,028 residents) GETs `registry:person_list` with the queries the
duty desk types: a name or name prefix, pinyin initials, a full ID number, a phone tail (尾号), an
address fragment, and a community filter (with and without a name). Loads the demo data into the
bench database first when it is not there.
"""

from __future__ import annotations

import random
import sys
import time

from common import median, p95, report, setup

NAME = "registry_search_p95"
TARGET_MS = 150.0
REQUESTS_PER_KIND = 40
STATION = "511123-YJ"
FULL_SIZE = 150_000


def ensure_demo():
    """The reference station at full size in the bench database (about a minute to generate once)."""
    from fengqiao.accounts.models import Station
    from fengqiao.demo import generator
    from fengqiao.registry.models import Person

    station = Station.objects.filter(code=STATION).first()
    if station is None:
        print("loading the full-size demo data into the bench database …", flush=True)
        started = time.perf_counter()
        generator.load(scale=1, seed=20240420, log=lambda line: print(line, flush=True))
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
        station = Station.objects.get(code=STATION)
    count = Person.objects.filter(station=station).count()
    if count < FULL_SIZE:
        print(
            f"the bench database holds a smaller demo ({count} persons); use an empty BENCH_DATABASE_URL",
            file=sys.stderr,
        )
        sys.exit(2)
    return station


def leader_client(station):
    from django.test import Client

    from fengqiao.accounts.models import User

    leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    client = Client()
    client.force_login(leader)
    return client


def queries(station, rng: random.Random) -> list[tuple[str, dict]]:
    from fengqiao.registry.models import Address, Community, Person

    ids = list(Person.objects.filter(station=station).values_list("pk", flat=True))
    sample = list(
        Person.objects.filter(pk__in=rng.sample(ids, REQUESTS_PER_KIND * 3)).values(
            "name", "name_initials", "id_number", "phone", "id_type"
        )
    )
    sample.sort(key=lambda p: p["id_number"])
    rng.shuffle(sample)
    addresses = list(
        Address.objects.filter(station=station).values_list("road", "building", "doorplate")[::997]
    )
    communities = list(Community.objects.filter(station=station).values_list("pk", flat=True))
    result = []
    for i in range(REQUESTS_PER_KIND):
        p = sample[i]
        result.append(("name", {"q": p["name"] if i % 2 else p["name"][:2]}))
        result.append(("pinyin", {"q": p["name_initials"]}))
        with_id = next(s for s in sample[i:] + sample if s["id_type"] == "id_card")
        result.append(("id_number", {"q": with_id["id_number"]}))
        with_phone = next(s for s in sample[i + 1 :] + sample if s["phone"])
        result.append(("phone_tail", {"q": with_phone["phone"][-4:]}))
        road, building, doorplate = addresses[i % len(addresses)]
        result.append(
            ("address", {"q": f"{road}{building}栋" if building else f"{road}{doorplate}号"})
        )
        community = communities[i % len(communities)]
        result.append(
            (
                "community",
                {"community": community} if i % 2 else {"community": community, "q": p["name"][:2]},
            )
        )
    rng.shuffle(result)
    return result


def main() -> None:
    setup()
    from django.urls import reverse

    station = ensure_demo()
    client = leader_client(station)
    url = reverse("registry:person_list")
    rng = random.Random(2024)
    plan = queries(station, rng)
    for _kind, params in plan[:10]:  # warm up caches and connections
        client.get(url, params)
    samples: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for kind, params in plan:
        started = time.perf_counter()
        response = client.get(url, params)
        ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (kind, params, response.status_code)
        samples.append(ms)
        by_kind.setdefault(kind, []).append(ms)
    print(f"{len(samples)} GETs of {url} as the station leader (page, not selectors)")
    for kind, values in sorted(by_kind.items()):
        print(
            f"  {kind:<11} median {median(values):6.1f} ms  p95 {p95(values):6.1f} ms  max {max(values):6.1f} ms"
        )
    report(NAME, p95(samples), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
