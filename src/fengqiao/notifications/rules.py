"""Pure rules of notification delivery: quiet hours, channel routing, retry backoff. No database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from fengqiao.notifications.choices import LEVEL_RANK, Level


def quiet_period_end(
    now: dt.datetime, quiet_from: dt.time | None, quiet_until: dt.time | None, tz: ZoneInfo
) -> dt.datetime | None:
    """When `now` falls inside the user's quiet hours, the (aware) moment they end; else None.

    Quiet hours are local wall-clock times and may wrap midnight (22:00–07:00). Equal start and end
    means no quiet hours.
    """
    if quiet_from is None or quiet_until is None or quiet_from == quiet_until:
        return None
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    if quiet_from < quiet_until:  # e.g. 12:00–14:00, same day
        if quiet_from <= t < quiet_until:
            return _at(local.date(), quiet_until, tz)
        return None
    # Wraps midnight, e.g. 22:00–07:00
    if t >= quiet_from:
        return _at(local.date() + dt.timedelta(days=1), quiet_until, tz)
    if t < quiet_until:
        return _at(local.date(), quiet_until, tz)
    return None


def _at(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=tz)


def bypasses_quiet_hours(level: str, urgent: bool) -> bool:
    """Red-level and urgent (fraud) notifications go out at once, quiet hours or not."""
    return urgent or level == Level.RED


def channels_for(
    level: str, urgent: bool, min_levels: Mapping[str, str | None], urgent_channels: Iterable[str]
) -> list[str]:
    """The outside channels a notification goes out on.

    `min_levels` maps each enabled channel to the lowest level it carries (None: only urgent ones);
    urgent notifications also go out on every enabled channel in `urgent_channels`.
    """
    rank = LEVEL_RANK[Level(level)]
    urgent_set = set(urgent_channels)
    chosen = []
    for channel, minimum in min_levels.items():
        if (minimum is not None and rank >= LEVEL_RANK[Level(minimum)]) or (
            urgent and channel in urgent_set
        ):
            chosen.append(channel)
    return chosen


def retry_delay(attempt: int, *, base_seconds: int, cap_seconds: int) -> int:
    """Exponential backoff after the `attempt`-th failure (1-based): base, 2×base, 4×base, … up to the cap."""
    return min(cap_seconds, base_seconds * 2 ** (attempt - 1))
