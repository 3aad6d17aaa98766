"""Pure rules of the command room: shift windows on the station's clock, who is on duty at a time,
when a patrol point is due, when a fraud warning counts as near its deadline, when an alert escalates,
how alerts group. No database here; every rule that depends on "now" takes it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def shift_window(
    day: dt.date, starts: dt.time, ends: dt.time, tz=TZ
) -> tuple[dt.datetime, dt.datetime]:
    """The aware start and end of a shift that starts on `day`; it runs past midnight when it ends
    at or before its start (08:30–08:30 is a 24-hour shift)."""
    start = dt.datetime.combine(day, starts, tzinfo=tz)
    end_day = day if ends > starts else day + dt.timedelta(days=1)
    return start, dt.datetime.combine(end_day, ends, tzinfo=tz)


def covers(day: dt.date, starts: dt.time, ends: dt.time, at: dt.datetime, tz=TZ) -> bool:
    start, end = shift_window(day, starts, ends, tz)
    return start <= at < end


def candidate_days(at: dt.datetime, tz=TZ) -> tuple[dt.date, dt.date]:
    """A shift covering `at` started today or yesterday (station's calendar)."""
    local = at.astimezone(tz).date()
    return local - dt.timedelta(days=1), local


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def patrol_due_at(last_checked_at: dt.datetime | None, interval_minutes: int) -> dt.datetime | None:
    """When a point must be looked at next; None: never looked at, so due now."""
    if last_checked_at is None:
        return None
    return last_checked_at + dt.timedelta(minutes=interval_minutes)


def patrol_overdue(last_checked_at, interval_minutes: int, now: dt.datetime) -> bool:
    due = patrol_due_at(last_checked_at, interval_minutes)
    return due is None or due <= now


def fraud_near_deadline(contact_due_at, first_contact_at, now: dt.datetime, minutes: int) -> bool:
    """A warning nobody has reached yet whose contact deadline is within `minutes` (or past)."""
    if contact_due_at is None or first_contact_at is not None:
        return False
    return contact_due_at - now <= dt.timedelta(minutes=minutes)


def escalation_due(first_seen_at: dt.datetime, now: dt.datetime, minutes: int) -> bool:
    return now - first_seen_at >= dt.timedelta(minutes=minutes)


def group_key(kind: str, *, community_id: int | None = None, subject: str = "") -> str:
    """Alerts shown together: same kind, same community (or subject, e.g. a vehicle alarm's kind)."""
    parts = [kind, subject or "-", str(community_id) if community_id else "-"]
    return ":".join(parts)[:120]


def show_date(
    value: dt.datetime | dt.date | None, now: dt.datetime, tz=TZ, *, with_time=True
) -> str:
    """m-d H:i this year, Y-m-d H:i another year (the year is shown whenever it is not this year)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz)
        this_year = local.year == now.astimezone(tz).year
        if with_time:
            return local.strftime("%m-%d %H:%M" if this_year else "%Y-%m-%d %H:%M")
        return local.strftime("%m-%d" if this_year else "%Y-%m-%d")
    this_year = value.year == now.astimezone(tz).year
    return value.strftime("%m-%d" if this_year else "%Y-%m-%d")
