"""The demo holds its promises on any day of any year: generated with the clock moved (a year ahead,
at the hour a clean clone once failed, across a new year), the open thefts' cases are still inside
查打不严's 15 days and no station shows a red line.

On 2026-12-07 at 20:00 Beijing time the open thefts, then fixed on 2026-11-20..25, had been idle 16
days: the suite's outcome depended on the day and hour of the run. Every moment below is derived
from the run's own date or fixed, so this test fails if a demo date is pinned again."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from fengqiao.accounts.models import Station
from fengqiao.cases.selectors import detect
from tests.vehicles import test_demo as vehicle_checks

BEIJING = ZoneInfo("Asia/Shanghai")


def _a_year_ahead_at_eight_pm() -> dt.datetime:
    day = dt.date.today() + dt.timedelta(days=365)
    return dt.datetime.combine(day, dt.time(20, 0), tzinfo=BEIJING)


def _new_year_a_year_ahead() -> dt.datetime:
    return dt.datetime(dt.date.today().year + 2, 1, 1, 0, 30, tzinfo=BEIJING)


MOMENTS = {
    "the hour a clean clone failed": lambda: dt.datetime(2026, 12, 7, 20, 0, tzinfo=BEIJING),
    "a year ahead, 20:00": _a_year_ahead_at_eight_pm,
    "new year's night a year ahead": _new_year_a_year_ahead,
}


@pytest.mark.timeout(600)  # the whole demo, three times: slow on a busy machine
@pytest.mark.parametrize("moment", list(MOMENTS), ids=list(MOMENTS))
def test_demo_checks_pass_with_the_clock_moved(db, moment):
    with time_machine.travel(MOMENTS[moment](), tick=True):
        call_command("demo", "--scale", "1000", "--seed", "7", stdout=io.StringIO())
        station = Station.objects.get(code="511123-YJ")
        vehicle_checks.test_demo_open_thefts_have_filed_cases_and_no_red_line(station)
        vehicle_checks.test_demo_every_theft_has_its_theft_incident_and_case(station)
        vehicle_checks.test_demo_recovered_thefts_cases_closed_after_the_recovery(station)
        vehicle_checks.test_demo_unrecovered_thefts_cases_still_investigated_without_red_line(
            station
        )
        now = timezone.now()
        for other in Station.objects.all():
            assert detect(other, now) == [], other.code
