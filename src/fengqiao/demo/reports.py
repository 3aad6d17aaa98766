"""Demo data of part 9: the stations in their evaluation categories, and the reports a station would
already have — last month's monthly report and last week's weekly report of the reference station,
generated from the other parts' demo data (Word, Excel with charts, PDF; about 2 s at full size, not
at all for the reduced demos of the tests, scale > 10)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fengqiao.reports.choices import ReportKind, ReportSource


def load(*, scale: int, seed: int, log) -> dict[str, int]:
    from fengqiao.accounts.models import Station
    from fengqiao.core import context
    from fengqiao.reports import services
    from fengqiao.reports.models import StationCategory, StationProfile

    services.scheme_load_default()
    first, _created = StationCategory.objects.get_or_create(
        name="一类所", defaults={"sort": 1, "note": "城区、警情多的派出所"}
    )
    second, _created = StationCategory.objects.get_or_create(
        name="二类所", defaults={"sort": 2, "note": "城郊派出所"}
    )
    stations = list(Station.objects.order_by("pk"))
    profiles = 0
    for i, station in enumerate(stations):
        _p, made = StationProfile.objects.get_or_create(
            station=station, defaults={"category": first if i == 0 else second}
        )
        profiles += made
    reports = 0
    today = timezone.localdate()
    if scale > 10:  # the small demos of the tests: no files written
        return {"station_profiles": profiles, "reports": 0}
    with context.acting_as(None, source="command"):
        for station in stations[:1]:
            for kind, day in (
                (ReportKind.MONTHLY, today.replace(day=1) - dt.timedelta(days=1)),
                (ReportKind.WEEKLY, today - dt.timedelta(days=7)),
            ):
                r = services.report_request(
                    actor=None,
                    station=station,
                    kind=kind,
                    day=day,
                    source=ReportSource.SCHEDULE,
                    run=False,
                )
                services.report_generate(r.pk)
                reports += 1
    return {"station_profiles": profiles, "reports": reports}
