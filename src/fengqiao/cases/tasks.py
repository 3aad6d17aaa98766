"""Scheduled jobs of the case room (Huey). Thin: they call the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.core import context


def _stations():
    from fengqiao.accounts.models import Station

    return list(Station.objects.all())


@db_periodic_task(crontab(hour="7", minute="30"))
def detect_red_lines():
    """Every morning: run the red-line detectors (有案不立, 办理超期, 查打不严) for every station."""
    from fengqiao.cases.services import flags_sync

    with context.acting_as(None, source="job"):
        return {s.code: len(flags_sync(station=s)) for s in _stations()}


@db_periodic_task(crontab(day_of_week="5", hour="17", minute="0"))
def weekly_summary():
    """Every Friday 17:00: the week's summary of every station (每周五汇总)."""
    from django.utils import timezone

    from fengqiao.cases.rules import week_start
    from fengqiao.cases.services import weekly_generate

    with context.acting_as(None, source="job"):
        monday = week_start(timezone.localdate())
        return [weekly_generate(station=s, monday=monday).pk for s in _stations()]


@db_periodic_task(crontab(day_of_week="1", hour="8", minute="30"))
def monday_notice():
    """Every Monday 08:30: the notice (每周一通报) of last week's summary to every officer of the station."""
    import datetime as dt

    from django.utils import timezone

    from fengqiao.cases.models import WeeklySummary
    from fengqiao.cases.rules import week_start
    from fengqiao.cases.services import weekly_generate, weekly_notify

    with context.acting_as(None, source="job"):
        monday = week_start(timezone.localdate()) - dt.timedelta(days=7)
        sent = 0
        for station in _stations():
            summary = WeeklySummary.objects.filter(station=station, week_start=monday).first()
            summary = summary or weekly_generate(station=station, monday=monday)
            sent += weekly_notify(summary=summary)
        return sent
