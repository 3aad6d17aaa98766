"""case_weekly_report: the case room's weekly summary (figures, Word and xlsx) with years of data; < 5 s.

Generates the summary of the last full week of 玉津派出所 (three years of cases, flags and reviews in
the database) and renders both documents; the figure is the slowest of three runs. Also prints the
time for all 52 weeks of the last year, for information.
"""

from __future__ import annotations

import datetime as dt
import time

from common import report, setup

NAME = "case_weekly_report"
TARGET_S = 5.0


def one(station, monday):
    from fengqiao.cases import documents, services

    summary = services.weekly_generate(station=station, monday=monday)
    docx = documents.summary_docx(summary.data)
    xlsx = documents.summary_xlsx(summary.data)
    return summary, len(docx), len(xlsx)


def main() -> None:
    setup()
    from django.utils import timezone

    from fengqiao.cases.models import Case
    from fengqiao.cases.rules import week_start
    from fengqiao.demo.cases import ensure_bench_demo

    station = ensure_bench_demo()
    monday = week_start(timezone.localdate()) - dt.timedelta(weeks=1)
    print(f"{Case.objects.filter(station=station).count():,} cases; week of {monday}")
    times = []
    for _ in range(3):
        started = time.perf_counter()
        summary, docx, xlsx = one(station, monday)
        times.append(time.perf_counter() - started)
    t = summary.data["totals"]
    print(
        f"received {t['received']}, filed {t['filed']}, closed {t['closed']}; docx {docx:,} B, xlsx {xlsx:,} B; "
        f"runs {', '.join(f'{x:.2f}' for x in times)} s"
    )
    started = time.perf_counter()
    for i in range(52):
        one(station, monday - dt.timedelta(weeks=i))
    print(f"52 weeks of the last year: {time.perf_counter() - started:.1f} s")
    report(NAME, max(times), "s", TARGET_S)


if __name__ == "__main__":
    main()
