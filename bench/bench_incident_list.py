"""incident_list_p95: the incident list page with filters over three years of data; p95 < 200 ms.

The station leader of 玉津派出所 GETs `incidents:incident_list` with the filters the duty desk uses:
none, a date range (a week, a month, a year), a category, a status, a community, an officer, 有案不立,
a phone-number search, and combinations. Loads the demo (with the incidents part) first when needed.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from bench_incident_intake import client_for, ensure_incidents
from common import median, p95, report, setup

NAME = "incident_list_p95"
TARGET_MS = 200.0
REQUESTS_PER_KIND = 20


def plan(station, rng: random.Random) -> list[tuple[str, dict]]:
    from django.utils import timezone

    from fengqiao.accounts.models import User
    from fengqiao.incidents.models import Incident, IncidentCategory
    from fengqiao.registry.models import Community

    today = timezone.localdate()
    tops = list(IncidentCategory.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    communities = list(Community.objects.filter(station=station).values_list("pk", flat=True))
    officers = list(
        User.objects.filter(station=station, incident_assignments__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )
    phones = list(
        Incident.objects.filter(station=station)
        .exclude(caller_phone="")
        .values_list("caller_phone", flat=True)[:500]
    )
    result = []
    for _i in range(REQUESTS_PER_KIND):
        day = today - dt.timedelta(days=rng.randint(0, 3 * 365 - 40))
        result += [
            ("none", {}),
            ("week", {"from": str(day), "to": str(day + dt.timedelta(days=7))}),
            (
                "month+category",
                {
                    "from": str(day),
                    "to": str(day + dt.timedelta(days=31)),
                    "category": rng.choice(tops),
                },
            ),
            (
                "year+status",
                {
                    "from": str(today - dt.timedelta(days=365)),
                    "status": rng.choice(["closed", "received"]),
                },
            ),
            ("community", {"community": rng.choice(communities)}),
            ("officer", {"officer": rng.choice(officers)}),
            (
                "officer+month",
                {
                    "officer": rng.choice(officers),
                    "from": str(day),
                    "to": str(day + dt.timedelta(days=31)),
                },
            ),
            ("unfiled", {"unfiled": "1"}),
            ("phone", {"q": rng.choice(phones)}),
            ("page", {"page": rng.randint(2, 50)}),
        ]
    rng.shuffle(result)
    return result


def main() -> None:
    setup()
    from django.urls import reverse

    station = ensure_incidents()
    client = client_for(station, "station_leader")
    url = reverse("incidents:incident_list")
    requests = plan(station, random.Random(2026))
    for _kind, params in requests[:10]:
        client.get(url, params)
    samples, by_kind = [], {}
    for kind, params in requests:
        started = time.perf_counter()
        response = client.get(url, params)
        ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (kind, params, response.status_code)
        samples.append(ms)
        by_kind.setdefault(kind, []).append(ms)
    print(f"{len(samples)} GETs of {url} as the station leader")
    for kind, values in sorted(by_kind.items()):
        print(
            f"  {kind:<15} median {median(values):6.1f} ms  p95 {p95(values):6.1f} ms  max {max(values):6.1f} ms"
        )
    report(NAME, p95(samples), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
