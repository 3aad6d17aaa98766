"""callback_rate_month: the monthly satisfaction computation (the figures page's query) < 1 s.

Computes the satisfaction rate by month over the whole three years of callbacks of 玉津派出所 (as the
station leader sees it: `selectors.satisfaction_rows(group="month")` and the total), ten times, and
reports the slowest run. Also prints the figures page itself and the by-unit and by-officer groupings.
"""

from __future__ import annotations

import datetime as dt
import time

from bench_incident_intake import client_for, ensure_incidents
from common import median, report, setup

NAME = "callback_rate_month"
TARGET_MS = 1000.0
RUNS = 10


def main() -> None:
    setup()
    from django.urls import reverse
    from django.utils import timezone

    from fengqiao.accounts.models import User
    from fengqiao.incidents import conf, selectors

    station = ensure_incidents()
    leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    end = timezone.now() + dt.timedelta(days=1)
    start = end - dt.timedelta(days=3 * 366)
    weight = conf.basic_weight()
    timings = {}
    for group in ("month", "unit", "officer", "day"):
        samples = []
        for _ in range(RUNS):
            started = time.perf_counter()
            rows = selectors.satisfaction_rows(
                leader, group=group, start=start, end=end, weight=weight
            )
            total = selectors.satisfaction_total(rows, weight)
            samples.append((time.perf_counter() - started) * 1000)
        timings[group] = samples
        print(
            f"  by {group:<8} {len(rows):4d} rows  median {median(samples):6.1f} ms  max {max(samples):6.1f} ms"
            f"  rate {total['rate']}% of {total['valid']} valid callbacks"
        )
    client = client_for(station, "station_leader")
    url = reverse("incidents:callback_figures")
    client.get(url, {"group": "month"})
    started = time.perf_counter()
    assert client.get(url, {"group": "month", "from": str(start.date())}).status_code == 200
    print(
        f"  figures page (by month, three years): {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    report(NAME, max(timings["month"]), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
