"""The indicator registry: what a figure is (Measure), where a model keeps its dimensions (Dims),
what it is measured over (Scope), the records behind it (Drill), and `register`, which every part
calls from its own `<app>/indicators.py` (reports' AppConfig autodiscovers those modules).

It sits in core, below every part, so that a part registers its figures without importing the
reports app above it (pyproject.toml, the layers contract); reports.indicators re-exports every
name and holds the figures of parts 2, 4, 6, 7 and 8. Registering a figure:

    from fengqiao.core.indicators import Dims, Measure, register

    @register("law_study_attendance", name="法规学习出勤率", unit="%", direction="higher", target=95,
              groups=("station", "unit", "officer", "month"))
    def law_study_attendance(scope, group):
        qs = scope.filter(Attendance.objects.all(), DIMS)   # None when a filter does not apply
        ...
        return {key: Measure(value=rate, num=present, den=expected, text="出勤 9/10") ...}

and, for the drill-down list, `@law_study_attendance.records` on a function (scope) -> Drill.
A scheme's indicator then chooses the key as its formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import CharField, F, Func, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

GROUPS = ("total", "station", "unit", "officer", "community", "month")
ALL_GROUPS = frozenset(GROUPS)


@dataclass(frozen=True)
class Measure:
    value: float | None
    num: float = 0
    den: float | None = None
    text: str = ""
    previous: float | None = None
    change: float | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Dims:
    """Where a model keeps each dimension (paths for filter and values), and its period field."""

    date: str
    station: str = "station_id"
    unit: str | None = None
    officer: str | None = None
    community: str | None = None
    is_date: bool = False
    annotate: dict = field(default_factory=dict)

    def path(self, group: str) -> str | None:
        return {
            "station": self.station,
            "unit": self.unit,
            "officer": self.officer,
            "community": self.community,
        }.get(group)


@dataclass
class Scope:
    """What a figure is measured over: the user's visible stations, a period [start, end] (dates,
    Beijing), and optional station / unit / officer / community filters."""

    user: object
    start: dt.date
    end: dt.date
    station_ids: list[int]
    unit_id: int | None = None
    officer_id: int | None = None
    community_id: int | None = None
    today: dt.date | None = None

    def bounds(self, start: dt.date | None = None, end: dt.date | None = None):
        s, e = start or self.start, end or self.end
        return (
            timezone.make_aware(dt.datetime.combine(s, dt.time(0))),
            timezone.make_aware(dt.datetime.combine(e + dt.timedelta(days=1), dt.time(0))),
        )

    def filter(self, qs, dims: Dims, *, start=None, end=None, period: bool = True):
        """The queryset cut to the scope; None when a set filter is a dimension this model lacks."""
        if dims.annotate:
            qs = qs.annotate(**dims.annotate)
        qs = qs.filter(**{f"{dims.station}__in": self.station_ids})
        for value, path in (
            (self.unit_id, dims.unit),
            (self.officer_id, dims.officer),
            (self.community_id, dims.community),
        ):
            if value is None:
                continue
            if path is None:
                return None
            qs = qs.filter(**{path: value})
        if period:
            if dims.is_date:
                qs = qs.filter(
                    **{
                        f"{dims.date}__gte": start or self.start,
                        f"{dims.date}__lte": end or self.end,
                    }
                )
            else:
                lo, hi = self.bounds(start, end)
                qs = qs.filter(**{f"{dims.date}__gte": lo, f"{dims.date}__lt": hi})
        return qs

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        return self.start, self.end

    @property
    def as_of(self) -> dt.date:
        return self.today or timezone.localdate()


@dataclass
class Drill:
    """The records behind a figure: a queryset, columns (label, function of a record) and the URL of a record."""

    queryset: object
    columns: list[tuple[str, Callable]]
    url: Callable


@dataclass
class IndicatorFunction:
    do_not_call_in_templates = True  # a template reads its name, it does not measure

    key: str
    name: str
    unit: str
    direction: str
    target: float | None
    groups: frozenset
    compute: Callable
    part: str = ""
    description: str = ""
    veto: bool = False
    drill: Callable | None = None
    counts: bool = (
        False  # a count: nothing recorded for a station/unit/officer means 0, not "no data"
    )

    def __call__(self, scope: Scope, group: str = "total") -> dict:
        if group not in self.groups:
            return {}
        return self.compute(scope, group)

    def records(self, fn: Callable) -> Callable:
        self.drill = fn
        return fn


REGISTRY: dict[str, IndicatorFunction] = {}


def register(
    key: str,
    *,
    name,
    unit: str = "",
    direction: str = "higher",
    target: float | None = None,
    groups=GROUPS,
    part: str = "",
    description: str = "",
    veto: bool = False,
    counts: bool = False,
):
    """Add an indicator function to the registry (a key registered twice is a programming error)."""

    def wrap(fn):
        if key in REGISTRY and REGISTRY[key].compute is not fn:
            raise ValueError(f"indicator {key!r} registered twice")
        REGISTRY[key] = IndicatorFunction(
            key,
            name,
            unit,
            direction,
            target,
            frozenset(groups) | {"total"},
            fn,
            part,
            description,
            veto,
            None,
            counts,
        )
        return REGISTRY[key]

    return wrap


def choices() -> list[tuple[str, str]]:
    return [(k, f"{f.name}({k})") for k, f in REGISTRY.items()]


# ---------------------------------------------------------------- helpers


def month_key(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return f"{value.year}-{value.month:02d}"


def grouped(
    qs, dims: Dims, group: str, span: tuple[dt.date, dt.date] | None = None, **aggregates
) -> dict:
    """{key: {aggregate: value}} of a scoped queryset by one dimension (None key for the total;
    "YYYY-MM" keys by month, in the station's time zone). `span` is the period measured."""
    if qs is None:
        return {}
    if group == "total":
        return {None: qs.aggregate(**aggregates)}
    if group == "month" and not dims.is_date and connection.vendor == "sqlite":
        # SQLite converts time zones in Python, row by row; the station's zone has no daylight saving
        # (Asia/Shanghai, UTC+8), so the local month is the month of the stored UTC time + offset.
        offset = timezone.localtime(timezone.now()).utcoffset()
        hours = int(offset.total_seconds() // 3600) if offset else 0
        key = Func(
            Value("%Y-%m"),
            F(dims.date),
            Value(f"{hours:+d} hours"),
            function="strftime",
            output_field=CharField(),
        )
        rows = qs.annotate(_k=key).values("_k").annotate(**aggregates).order_by()
        return {row.pop("_k"): row for row in rows}
    if group == "month":
        trunc = (
            TruncMonth(dims.date)
            if dims.is_date
            else TruncMonth(dims.date, tzinfo=timezone.get_current_timezone())
        )
        rows = qs.annotate(_k=trunc).values("_k").annotate(**aggregates).order_by()
        out: dict = {}
        for row in rows:
            k = month_key(row.pop("_k"))
            acc = out.setdefault(k, dict.fromkeys(aggregates, 0))
            for a, v in row.items():
                acc[a] = (acc[a] or 0) + (v or 0)
        return out
    path = dims.path(group)
    if path is None:
        return {}
    return {row.pop(path): row for row in qs.values(path).annotate(**aggregates).order_by()}
