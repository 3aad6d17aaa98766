"""Pure rules of the case room: warning levels, the red-line tests, review scores, the ranking.

No database and no "now" of their own: every function takes the facts and `now` as arguments,
so a test needs neither. The limits themselves (the days of 查打不严, every legal period) are
data in `TimeLimitRule`; the services read them and pass them in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fengqiao.core.rules import DEFAULT_WARNING_FRACTIONS, TZ

# The clocks that are supervision thresholds rather than deadlines of the case itself: when they
# run out the red line is 查打不严 (an unexecuted penalty), not 办理超期.
LAX_CLOCK_KINDS = frozenset({"penalty_execution"})
# Likewise a refusal to file whose notice is late is 有案不立 (DOMAIN.md §1), not 办理超期.
UNFILED_CLOCK_KINDS = frozenset({"non_filing_notice"})
INACTIVITY_RULE_KIND = "case_inactivity"
DEFAULT_INACTIVITY_DAYS = 15


def elapsed_fraction(
    started_at: dt.datetime,
    due_at: dt.datetime,
    paused_seconds: int,
    now: dt.datetime,
    paused_at: dt.datetime | None = None,
) -> float:
    """Share of the running time used (1.0 = at the limit). A paused clock counts until its pause."""
    until = paused_at or now
    total = (due_at - started_at).total_seconds() - paused_seconds
    if total <= 0:
        return 1.0
    used = (until - started_at).total_seconds() - paused_seconds
    return max(0.0, used / total)


def warning_level(fraction: float, fractions: Sequence[float] = DEFAULT_WARNING_FRACTIONS) -> str:
    """'' below the first point, 'yellow' from 50 %, 'orange' from 80 %, 'red' at or past 100 %."""
    points = list(fractions)
    if fraction >= points[-1]:
        return "red"
    reached = [f for f in points[:-1] if fraction >= f]
    if not reached:
        return ""
    return "yellow" if len(reached) == 1 else "orange"


def idle_days(last_activity: dt.datetime, now: dt.datetime) -> int:
    """Whole Beijing calendar days since the last investigative action."""
    return (now.astimezone(TZ).date() - last_activity.astimezone(TZ).date()).days


def is_idle(last_activity: dt.datetime | None, now: dt.datetime, limit_days: int) -> bool:
    """查打不严: a filed case with no investigative action for more than `limit_days` days."""
    return last_activity is not None and idle_days(last_activity, now) > limit_days


def review_total(legality: int, timeliness: int, evidence: int, procedure: int) -> int:
    for value in (legality, timeliness, evidence, procedure):
        if not isinstance(value, int) or not 0 <= value <= 25:
            raise ValueError("每项评分必须是0至25的整数")
    return legality + timeliness + evidence + procedure


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def week_bounds(monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[Monday 00:00, next Monday 00:00) Beijing time."""
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=TZ)
    return start, start + dt.timedelta(days=7)


@dataclass
class OfficerFigures:
    name: str
    unit: str
    received: int = 0
    filed: int = 0
    closed: int = 0
    overdue: int = 0
    flags: int = 0
    review_scores: tuple[int, ...] = ()

    @property
    def review_average(self) -> float | None:
        return (
            round(sum(self.review_scores) / len(self.review_scores), 1)
            if self.review_scores
            else None
        )

    @property
    def score(self) -> float:
        """The ranking score (数据上榜): closed cases count, reviews count, every red line costs."""
        review = self.review_average if self.review_average is not None else 0.0
        return round(self.closed * 2 + self.filed + review / 10 - self.flags * 5, 1)


def ranking(officers: Iterable[OfficerFigures]) -> list[OfficerFigures]:
    """Best first: score, then fewer red lines, then name (stable for equal scores)."""
    return sorted(officers, key=lambda o: (-o.score, o.flags, o.name))
