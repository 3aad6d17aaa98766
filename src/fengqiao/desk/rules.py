"""Pure rules of the registration desk: which days can be booked, the queue order, no-show limits,
the number format, the call text. No database; "now" and the calendar are arguments."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable

APPOINTMENT_PRIORITY = 10
TRANSFER_PRIORITY = 20
REQUEUE_PRIORITY = -10


def format_number(prefix: str, seq: int) -> str:
    """A001 … A999, then A1000: the prefix and the day's sequence of the service."""
    return f"{prefix}{seq:03d}"


def bookable_days(
    today: dt.date,
    now_hour: int,
    *,
    days_ahead: int,
    cutoff_hour: int,
    is_working_day: Callable[[dt.date], bool],
) -> list[dt.date]:
    """The working days a resident may book: today until the cutoff hour, then the next `days_ahead` days."""
    days = []
    if cutoff_hour and now_hour < cutoff_hour and is_working_day(today):
        days.append(today)
    for n in range(1, days_ahead + 1):
        day = today + dt.timedelta(days=n)
        if is_working_day(day):
            days.append(day)
    return days


def next_free_day(
    after: dt.date,
    days: list[dt.date],
    booked: dict[dt.date, int],
    capacity: dict[dt.date, int] | int,
) -> dt.date | None:
    """The first bookable day after `after` with a place left (None: every day in the window is full)."""
    for day in days:
        if day <= after:
            continue
        cap = capacity if isinstance(capacity, int) else capacity.get(day, 0)
        if booked.get(day, 0) < cap:
            return day
    return None


def noshow_blocked_until(
    no_shows: list[dt.datetime], now: dt.datetime, *, limit: int, window_days: int, block_days: int
) -> dt.datetime | None:
    """When `limit` no-shows fall within the window, booking is refused until `block_days` after the
    latest of them; None when the phone may book."""
    recent = sorted(t for t in no_shows if t >= now - dt.timedelta(days=window_days))
    if len(recent) < limit:
        return None
    until = recent[-1] + dt.timedelta(days=block_days)
    return until if until > now else None


def queue_key(priority: int, taken_order) -> tuple:
    """Order of the waiting numbers: higher priority first (transferred, then checked-in appointments
    when the station gives them priority), then the order they were taken (time, then id) across
    every service the counter serves."""
    return (-priority, taken_order)


def ticket_priority(*, appointment: bool, appointment_first: bool) -> int:
    return APPOINTMENT_PRIORITY if appointment and appointment_first else 0


def near_positions(ahead: int, notify_ahead: int) -> bool:
    """A waiting resident is told when this many or fewer are ahead of them."""
    return notify_ahead > 0 and ahead <= notify_ahead


def call_text(number: str, counter_number: int) -> str:
    """What the screens show: 请 A012 号到 3 号窗口办理."""
    return f"请 {number} 号到 {counter_number} 号窗口办理"


_DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))


def speech_text(number: str, counter_number: int) -> str:
    """What the waiting room hears (zh-CN speech): the number digit by digit, so "A012" is read
    "A零一二", not "A十二": 请A零一二号到3号窗口办理."""
    spoken = "".join(_DIGITS.get(ch, ch) for ch in number)
    return f"请{spoken}号,到{counter_number}号窗口办理"


def code_hash(code: str, *, key: str, salt: str) -> str:
    """A salted HMAC of a short code (SMS or cancellation): the code itself is never stored."""
    return hmac.new(key.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(code: str, stored: str, *, key: str, salt: str) -> bool:
    return bool(stored) and hmac.compare_digest(
        code_hash((code or "").strip(), key=key, salt=salt), stored
    )


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered))) - 1))
    return ordered[index]


def rating_rate(scores: list[int]) -> float | None:
    """好评率: share of 满意 and 非常满意 (4 and 5) among the ratings, in per cent."""
    if not scores:
        return None
    return round(100 * sum(1 for s in scores if s >= 4) / len(scores), 1)
