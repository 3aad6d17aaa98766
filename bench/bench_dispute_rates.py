"""dispute_rates: the dispute figures (success rate, fulfilment rate, average days to settle, 民转刑,
by channel, mediator and month) for any period over the full demo history; the slowest < 1 s.

Times `selectors.dispute_figures` for the whole 16 years, each year, the last 90 days and the studio
alone since its founding, as the station leader of 玉津派出所.
"""

from __future__ import annotations

import datetime as dt
import time

from bench_dispute_board import ensure_dispute_demo
from common import median, report, setup

NAME = "dispute_rates"
TARGET_MS = 1000.0


def main() -> None:
    setup()
    from django.utils import timezone

    from fengqiao.accounts.models import User
    from fengqiao.disputes.models import MediationChannel
    from fengqiao.disputes.selectors import dispute_figures

    station = ensure_dispute_demo()
    leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    today = timezone.localdate()
    periods = [
        ("all 17 years", today.replace(year=today.year - 17), today, None),
        (
            "studio since founding",
            today.replace(year=today.year - 17),
            today,
            MediationChannel.objects.get(code="studio"),
        ),
        ("last 90 days", today - dt.timedelta(days=90), today, None),
    ]
    periods += [
        (str(y), dt.date(y, 1, 1), dt.date(y, 12, 31), None)
        for y in range(today.year - 16, today.year + 1)
    ]
    dispute_figures(leader, *periods[0][1:3])  # warm up
    samples = []
    for label, start, end, channel in periods:
        started = time.perf_counter()
        figures = dispute_figures(leader, start, end, channel=channel)
        ms = (time.perf_counter() - started) * 1000
        samples.append(ms)
        if label in ("all 17 years", "studio since founding", "last 90 days"):
            print(
                f"  {label:<22} {ms:7.1f} ms  registered {figures['registered']:>5}  success "
                f"{figures['success_rate']}  fulfilment {figures['fulfilment_rate']}"
            )
    print(f"{len(samples)} periods: median {median(samples):.1f} ms, slowest {max(samples):.1f} ms")
    report(NAME, max(samples), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
