"""Part 9 at full demo size (玉津派出所: 48,000 incidents and 40,000 callbacks over three years, the
disputes, cases, anti-fraud and vehicles demos):

- kpi_dashboard_p95: the dashboard's data (GET /api/reports/dashboard/?period=this_year as the
  station leader: every figure over the year and the 12-month trend), p95 of 30 requests; < 300 ms.
- monthly_report: last month's monthly report generated (figures, trend, unit and officer rankings,
  mediation channels, red-line problems; Word through the template, Excel with charts, PDF with the
  embedded font), slowest of 3; < 10 s.
"""

from __future__ import annotations

import datetime as dt
import time

from common import p95, report, setup

NAMES = ["kpi_dashboard_p95", "monthly_report"]
DASHBOARD_TARGET_MS = 300.0
MONTHLY_TARGET_S = 10.0


def main() -> None:
    setup()
    from django.test import Client
    from django.utils import timezone

    from fengqiao.accounts.choices import Role
    from fengqiao.accounts.models import User
    from fengqiao.demo.cases import ensure_bench_demo
    from fengqiao.incidents.models import Callback
    from fengqiao.reports import services

    station = ensure_bench_demo()
    services.scheme_load_default()
    print(f"{Callback.objects.filter(station=station).count():,} callbacks at {station.name}")
    leader, _ = User.objects.get_or_create(
        username="bench_reports_leader",
        defaults={"full_name": "基准所领导", "role": Role.STATION_LEADER, "station": station},
    )
    client = Client()
    client.force_login(leader)
    url = "/api/reports/dashboard/?period=this_year"
    client.get(url)  # warm up
    samples = []
    for _ in range(30):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    figures = {f["key"]: f["value_text"] for f in response.json()["figures"]}
    print("figures:", ", ".join(f"{k}={v}" for k, v in figures.items()))
    print(
        f"dashboard: median {sorted(samples)[len(samples) // 2]:.0f} ms, max {max(samples):.0f} ms"
    )

    day = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    times, sizes = [], ()
    for _ in range(3):
        started = time.perf_counter()
        r = services.report_request(actor=None, station=station, kind="monthly", day=day, run=False)
        r = services.report_generate(r.pk)
        times.append(time.perf_counter() - started)
        assert r.status == "done", r.error
        sizes = (r.docx.size, r.xlsx.size, r.pdf.size)
    print(
        f"monthly report {day:%Y-%m}: docx {sizes[0]:,} B, xlsx {sizes[1]:,} B, pdf {sizes[2]:,} B; runs {', '.join(f'{t:.2f}' for t in times)} s"
    )
    report("kpi_dashboard_p95", p95(samples), "ms", DASHBOARD_TARGET_MS)
    report("monthly_report", max(times), "s", MONTHLY_TARGET_S)


if __name__ == "__main__":
    main()
