"""Period arithmetic for legal time limits: pure functions, no database, `now` always an argument.

Counting follows 刑事诉讼法 第105条 / 行政处罚法 and the usual civil rule:
- hour (and minute) periods run on the clock;
- day and month periods do not count the day the clock starts; the period ends at the END of
  its last day (23:59:59.999 Asia/Shanghai); if that last day is a day off (weekend or 法定节假日,
  with 调休 working days counting as working days) it moves to the next working day — unless the
  rule says the period must not roll (custody periods: 在押期间不因节假日延长);
- working-day periods count working days after the start day;
- month periods end on the same day of the month, or the month's last day when it has none.
Pauses (time in 鉴定) stop the clock and push the due time by the paused duration; an approved
extension is added to the current due time with the same arithmetic.
"""

from __future__ import annotations

import calendar as _pycalendar
import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fengqiao.core import calendar as cn_calendar

TZ = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

MINUTES = "minutes"
HOURS = "hours"
DAYS = "days"
WORKING_DAYS = "working_days"
MONTHS = "months"
UNITS = (MINUTES, HOURS, DAYS, WORKING_DAYS, MONTHS)

DEFAULT_WARNING_FRACTIONS = (0.5, 0.8, 1.0)

LEVEL_YELLOW = "yellow"
LEVEL_ORANGE = "orange"
LEVEL_RED = "red"


def describe(value: int, unit: str) -> str:
    """'30日', '8小时', '3个工作日' ('30 days', '8 hours', '3 working days' in English)."""
    if unit == MINUTES:
        return ngettext("%(n)s分钟", "%(n)s分钟", value) % {"n": value}
    if unit == HOURS:
        return ngettext("%(n)s小时", "%(n)s小时", value) % {"n": value}
    if unit == DAYS:
        return ngettext("%(n)s日", "%(n)s日", value) % {"n": value}
    if unit == WORKING_DAYS:
        return ngettext("%(n)s个工作日", "%(n)s个工作日", value) % {"n": value}
    if unit == MONTHS:
        return ngettext("%(n)s个月", "%(n)s个月", value) % {"n": value}
    return f"{value}{unit}"


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59.999 of `day` in Asia/Shanghai, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(23, 59, 59, 999000), TZ).astimezone(UTC)


def local_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return moment.astimezone(TZ).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month `months` later; the month's last day if it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _pycalendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def add_period(
    start: dt.datetime, value: int, unit: str, *, holiday_rolls: bool = True
) -> dt.datetime:
    """When a period of `value` `unit` that starts at `start` ends (aware UTC datetime)."""
    if start.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError("期限必须是正整数")
    if unit == MINUTES:
        return (start + dt.timedelta(minutes=value)).astimezone(UTC)
    if unit == HOURS:
        return (start + dt.timedelta(hours=value)).astimezone(UTC)
    first = local_date(start)
    if unit == WORKING_DAYS:
        return end_of_day(cn_calendar.add_working_days(first, value))
    if unit == DAYS:
        last = first + dt.timedelta(days=value)
    elif unit == MONTHS:
        last = add_months(first, value)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    if holiday_rolls:
        last = cn_calendar.next_working_day(last)
    return end_of_day(last)


def paused_total(
    pauses: Iterable[tuple[dt.datetime, dt.datetime | None]], now: dt.datetime
) -> dt.timedelta:
    """Total paused time; an open pause counts up to `now`."""
    total = dt.timedelta(0)
    for begun, ended in pauses:
        end = ended if ended is not None else now
        if end > begun:
            total += end - begun
    return total


def due_at(
    started_at: dt.datetime,
    value: int,
    unit: str,
    *,
    holiday_rolls: bool = True,
    extensions: Sequence[tuple[int, str]] = (),
    pauses: Iterable[tuple[dt.datetime, dt.datetime | None]] = (),
    now: dt.datetime | None = None,
) -> dt.datetime:
    """The due time from scratch: the period, each approved extension in order, then closed pauses."""
    due = add_period(started_at, value, unit, holiday_rolls=holiday_rolls)
    for ext_value, ext_unit in extensions:
        due = add_period(due, ext_value, ext_unit, holiday_rolls=holiday_rolls)
    closed = [(b, e) for b, e in pauses if e is not None]
    return due + paused_total(closed, now or started_at)


def nominal_hours(value: int, unit: str) -> float:
    """A rough size for comparing periods of different units (a month as 31 days)."""
    factor = {MINUTES: 1 / 60, HOURS: 1, DAYS: 24, WORKING_DAYS: 24, MONTHS: 31 * 24}[unit]
    return value * factor


def validate_fractions(fractions: Sequence[float]) -> list[float]:
    """Warning fractions: strictly increasing, each in (0, 1], the last one 1 (expiry)."""
    values = [float(f) for f in fractions]
    if not values:
        raise ValueError(_("至少需要一个预警点(到期时 100%)"))
    if any(not 0 < f <= 1 for f in values):
        raise ValueError(_("预警点必须在 0% 与 100% 之间"))
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError(_("预警点必须从小到大排列且不重复"))
    if values[-1] != 1.0:
        raise ValueError(_("最后一个预警点必须是 100%(到期)"))
    return values


def warning_times(
    started_at: dt.datetime, due: dt.datetime, paused: dt.timedelta, fractions: Sequence[float]
) -> list[dt.datetime]:
    """When each warning level falls: at fraction f of the running time, pauses so far included."""
    running = max(due - started_at - paused, dt.timedelta(0))
    return [due - (1 - f) * running for f in fractions]


def level_due(times: Sequence[dt.datetime], from_level: int, now: dt.datetime) -> int | None:
    """The highest level (1-based, >= from_level) whose time has come, or None."""
    found = None
    for level in range(from_level, len(times) + 1):
        if times[level - 1] <= now:
            found = level
    return found


def level_colour(level: int, levels: int) -> str:
    if level >= levels:
        return LEVEL_RED
    return LEVEL_YELLOW if level == 1 else LEVEL_ORANGE


def recipient_depth(level: int, levels: int) -> int:
    """1: assignee; 2: + unit leader; 3: + station leaders (always at expiry)."""
    if level >= levels:
        return 3
    return min(level, 2)


def replay_due_at(
    started_at: dt.datetime,
    value: int,
    unit: str,
    *,
    holiday_rolls: bool = True,
    events: Iterable[tuple[dt.datetime, str, object]] = (),
) -> dt.datetime:
    """The due time rebuilt the way the clock services built it, e.g. after the holiday calendar changed.

    `events` are (when, kind, what): ("pause", timedelta) for a closed pause (clock_resume added its
    length) and ("extension", (value, unit)) for an approved extension (added to the due time of that
    moment). They are applied in time order, as they happened; unlike `due_at`, which adds every
    extension first and the pauses last.
    """
    due = add_period(started_at, value, unit, holiday_rolls=holiday_rolls)
    for _when, kind, what in sorted(events, key=lambda e: e[0]):
        if kind == "pause":
            due += what
        elif kind == "extension":
            ext_value, ext_unit = what
            due = add_period(due, ext_value, ext_unit, holiday_rolls=holiday_rolls)
        else:
            raise ValueError(f"unknown event {kind!r}")
    return due


def calendar_sensitive(unit: str, holiday_rolls: bool) -> bool:
    """A period whose end depends on the holiday calendar: working days, or days/months that roll."""
    return unit == WORKING_DAYS or (holiday_rolls and unit in (DAYS, MONTHS))
