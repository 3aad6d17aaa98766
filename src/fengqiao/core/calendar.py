"""Working days and public holidays of mainland China: `chinesecalendar`, then the station's own entries.

`is_holiday(day)` is True on weekends and on 法定节假日, and False on a 调休 working day
(a Saturday or Sunday worked in exchange for a holiday).

- A year the library knows: the library is the authority. No database access at all, so the
  pure tests of `core.rules` never need a database.
- A year it does not know yet (it ships one release per year, after the State Council publishes
  the next year's arrangement): weekends, corrected by the `CalendarDay` rows the station entered
  for that year (节假日安排, /core/calendar/). The rows are loaded once per year and kept for
  `CALENDAR_CACHE_SECONDS`; saving or deleting a row clears this process's copy at once.
- No rows for the year, or the database cannot be read (not migrated, down, not allowed in a
  test): weekends only, with a warning in the log once per year. A sweep never crashes on it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FIRST_YEAR, LAST_YEAR = 2000, 2100
DEFAULT_CACHE_SECONDS = 60

_warned_years: set[int] = set()
# year -> (monotonic time loaded, {date: day_off}) of the station's entries.
_entries_cache: dict[int, tuple[float, dict[dt.date, bool]]] = {}


@lru_cache(maxsize=4096)
def _known(day: dt.date) -> bool | None:
    try:
        return chinese_calendar.is_holiday(day)
    except NotImplementedError:
        return None


def library_knows_year(year: int) -> bool:
    """The installed `chinesecalendar` has the year's arrangement."""
    return _known(dt.date(year, 6, 1)) is not None


def library_holiday_name(day: dt.date) -> str | None:
    """The library's name of the holiday on `day` (English, e.g. 'Spring Festival'), or None."""
    if not library_knows_year(day.year):
        return None
    try:
        return chinese_calendar.get_holiday_detail(day)[1]
    except NotImplementedError:
        return None


def _cache_seconds() -> float:
    try:
        from django.conf import settings

        return float(getattr(settings, "CALENDAR_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))
    except Exception:  # noqa: BLE001 - settings not configured: a plain script
        return DEFAULT_CACHE_SECONDS


def _load_entries(year: int) -> dict[dt.date, bool]:
    from django.db import transaction

    from fengqiao.core.models import CalendarDay

    # A savepoint, so a failed read (table not migrated yet) cannot break the caller's transaction.
    with transaction.atomic():
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "day_off")
        return dict(rows)


def entries(year: int) -> dict[dt.date, bool] | None:
    """The station's entries of `year` ({date: day_off}), cached; None if the database cannot be read."""
    hit = _entries_cache.get(year)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _cache_seconds():
        return hit[1]
    try:
        loaded = _load_entries(year)
    except Exception as exc:  # noqa: BLE001 - no database (down, not migrated, not allowed): weekends only
        logger.debug("holiday entries of %s not readable: %s", year, exc)
        return None
    _entries_cache[year] = (now, loaded)
    return loaded


def clear_cache(year: int | None = None) -> None:
    """Forget the cached entries (of one year, or all): called when an entry is saved or deleted."""
    if year is None:
        _entries_cache.clear()
    else:
        _entries_cache.pop(year, None)
    if year is None:
        _warned_years.clear()
    else:
        _warned_years.discard(year)


def knows_year(year: int) -> bool:
    """We have the year's arrangement: the library knows it, or the station entered at least one day."""
    return library_knows_year(year) or bool(entries(year))


def is_holiday(day: dt.date) -> bool:
    """A day off: weekend or public holiday, unless it is a 调休 working day."""
    known = _known(day)
    if known is not None:
        return known
    year_entries = entries(day.year)
    if year_entries:
        return year_entries.get(day, day.weekday() >= 5)
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "No holiday data for %s (neither chinesecalendar nor the station's entries): counting weekends only. "
            "Enter the State Council's arrangement at /core/calendar/ or upgrade the chinesecalendar package.",
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


def entry_problem(day: dt.date, day_off: bool) -> str | None:
    """Why an entry (放假 or 调休上班 on `day`) makes no sense, or None when it is fine."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return _("日期必须在 %(first)s 年至 %(last)s 年之间") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    weekend = day.weekday() >= 5
    if day_off and weekend:
        return _("%(day)s 是周末,本来就休息,不必录入“休”") % {"day": f"{day:%Y-%m-%d}"}
    if not day_off and not weekend:
        return _("%(day)s 是工作日,本来就上班,“班”只用于调休上班的周六、周日") % {
            "day": f"{day:%Y-%m-%d}"
        }
    return None
