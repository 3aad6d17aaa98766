"""Working days and public holidays of mainland China, from `chinesecalendar`.

`is_holiday(day)` is True on weekends and on 法定节假日, and False on a 调休 working day
(a Saturday or Sunday worked in exchange for a holiday). For a year the library has no data
for (it ships one release per year, after the State Council publishes the next year's
arrangement), it falls back to weekends only and logs a warning once per year.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar

logger = logging.getLogger(__name__)

_warned_years: set[int] = set()


@lru_cache(maxsize=4096)
def _known(day: dt.date) -> bool | None:
    try:
        return chinese_calendar.is_holiday(day)
    except NotImplementedError:
        return None


def knows_year(year: int) -> bool:
    return _known(dt.date(year, 6, 1)) is not None


def is_holiday(day: dt.date) -> bool:
    """A day off: weekend or public holiday, unless it is a 调休 working day."""
    known = _known(day)
    if known is not None:
        return known
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "chinesecalendar has no holiday data for %s: counting weekends only. "
            "Upgrade the chinesecalendar package when the State Council publishes the year's arrangement.",
            day.year,
        )
    return day.weekday() >= 5


def is_working_day(day: dt.date) -> bool:
    return not is_holiday(day)


def next_working_day(day: dt.date) -> dt.date:
    """The first working day on or after `day`."""
    while is_holiday(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (day itself not counted)."""
    if n < 0:
        raise ValueError("n must not be negative")
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if not is_holiday(day):
            count += 1
    return day
