"""The figures page: cases, losses, solved, suspects caught (from `FraudCase`), and warnings handled,
contact time, people dissuaded, money protected (from `Warning`) — by year with year-on-year change,
by month of a year against the same month a year before, and by fraud type, community and officer.

Everything is computed from the records the user may see (`visible_to`). Merged duplicate warnings
are not counted (their primary is). Contact time = first attempt − receipt; "within the deadline" =
first attempt ≤ the contact deadline of the warning's level.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext

from fengqiao.antifraud.choices import Outcome, WarningStatus
from fengqiao.antifraud.models import FraudCase, FraudType, Warning
from fengqiao.antifraud.rules import change_pct, percentile, share

ZERO = Decimal("0")


def _money(value) -> float:
    return float(value or ZERO)


def _contact_stats(rows) -> dict:
    """rows: (time to first contact, 1 if within the deadline else 0)."""
    minutes = [d.total_seconds() / 60 for d, _ok in rows]
    on_time = sum(ok for _d, ok in rows)
    return {
        "contacted": len(rows),
        "median_min": round(percentile(minutes, 0.5), 1) if minutes else None,
        "p90_min": round(percentile(minutes, 0.9), 1) if minutes else None,
        "on_time_pct": share(on_time, len(rows)),
    }


def _empty_row():
    return {
        "cases": 0,
        "loss": 0.0,
        "solved": 0,
        "suspects": 0,
        "warnings": 0,
        "handled": 0,
        "dissuaded": 0,
        "protected": 0.0,
    }


def _with_change(current: dict, previous: dict | None) -> dict:
    row = dict(current)
    for field in (
        "cases",
        "loss",
        "solved",
        "suspects",
        "warnings",
        "handled",
        "dissuaded",
        "protected",
    ):
        row[f"{field}_change"] = change_pct(current.get(field), (previous or {}).get(field))
    return row


def _add_case(target: dict, loss, solved, suspects) -> None:
    target["cases"] += 1
    target["loss"] += float(loss)
    target["solved"] += 1 if solved else 0
    target["suspects"] += suspects


def _add_warning(target: dict, status, outcome, protected) -> None:
    target["warnings"] += 1
    target["handled"] += 1 if status == WarningStatus.CLOSED else 0
    target["dissuaded"] += 1 if outcome == Outcome.DISSUADED else 0
    target["protected"] += float(protected or ZERO)


def _warning_rows(user, tz, year):
    """(local year, local month if in the chosen or the previous year, contact duration, on time, status,
    outcome, protected, type, community, officer) per warning. The local year and month are bucketed by
    the database against Beijing-time boundaries, so no row's time is converted in Python."""
    today = timezone.localdate()
    years = range(2015, max(year, today.year) + 1)
    year_case = Case(
        *[
            When(
                received_at__gte=dt.datetime(y, 1, 1, tzinfo=tz),
                received_at__lt=dt.datetime(y + 1, 1, 1, tzinfo=tz),
                then=Value(y),
            )
            for y in years
        ],
        default=Value(None),
        output_field=IntegerField(),
    )
    month_whens = []
    for y in (year - 1, year):
        for m in range(1, 13):
            start = dt.datetime(y, m, 1, tzinfo=tz)
            end = dt.datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=tz)
            month_whens.append(When(received_at__gte=start, received_at__lt=end, then=Value(m)))
    month_case = Case(*month_whens, default=Value(None), output_field=IntegerField())
    return (
        Warning.objects.visible_to(user)
        .primary()
        .annotate(
            y=year_case,
            m=month_case,
            dur=ExpressionWrapper(
                F("first_contact_at") - F("received_at"), output_field=DurationField()
            ),
            on_time=Case(
                When(first_contact_at__lte=F("contact_due_at"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            protected=Cast("amount_protected", FloatField()),
        )
        .values_list(
            "y",
            "m",
            "dur",
            "on_time",
            "status",
            "outcome",
            "protected",
            "fraud_type_id",
            "community_id",
            "officer_id",
        )
        .iterator(chunk_size=5000)
    )


def figures_for(user, *, year: int | None = None) -> dict:
    """One read of the cases and one of the warnings the user may see, summed up here: a few thousand
    rows a year, far cheaper than a dozen grouped queries with time-zone conversions on SQLite."""
    tz = timezone.get_current_timezone()
    year = year or timezone.localdate().year
    by_year, by_month = defaultdict(_empty_row), defaultdict(_empty_row)
    by_type, by_comm, by_officer = (
        defaultdict(_empty_row),
        defaultdict(_empty_row),
        defaultdict(_empty_row),
    )
    contact_by_year, contact_by_officer = defaultdict(list), defaultdict(list)

    for day, loss, solved, suspects, type_id, community_id in (
        FraudCase.objects.visible_to(user)
        .values_list(
            "occurred_on", "loss", "solved", "suspects_caught", "fraud_type_id", "community_id"
        )
        .iterator(chunk_size=5000)
    ):
        _add_case(by_year[day.year], loss, solved, suspects)
        if day.year in (year, year - 1):
            _add_case(by_month[(day.year, day.month)], loss, solved, suspects)
        if day.year == year:
            _add_case(by_type[type_id], loss, solved, suspects)
            _add_case(by_comm[community_id], loss, solved, suspects)

    for (
        y,
        m,
        dur,
        on_time,
        status,
        outcome,
        protected,
        type_id,
        community_id,
        officer_id,
    ) in _warning_rows(user, tz, year):
        if y is None:
            continue
        _add_warning(by_year[y], status, outcome, protected)
        if dur is not None:
            contact_by_year[y].append((dur, on_time))
        if m is not None:
            _add_warning(by_month[(y, m)], status, outcome, protected)
        if y == year:
            _add_warning(by_type[type_id], status, outcome, protected)
            _add_warning(by_comm[community_id], status, outcome, protected)
            _add_warning(by_officer[officer_id], status, outcome, protected)
            if dur is not None:
                contact_by_officer[officer_id].append((dur, on_time))

    years = sorted(set(by_year) | {year})
    year_rows = []
    for y in years:
        row = _with_change(by_year[y], by_year.get(y - 1))
        row.update(_contact_stats(contact_by_year.get(y, [])))
        row["year"] = y
        year_rows.append(row)
    month_rows = []
    for m in range(1, 13):
        row = _with_change(by_month[(year, m)], by_month.get((year - 1, m)))
        row["month"] = m
        row["previous"] = by_month[(year - 1, m)]
        month_rows.append(row)

    from fengqiao.accounts.models import User
    from fengqiao.registry.models import Community

    type_names = dict(FraudType.objects.values_list("pk", "name"))
    type_rows = sorted(
        ({"name": type_names.get(k, "—"), **v} for k, v in by_type.items()),
        key=lambda r: (-r["cases"], -r["warnings"]),
    )
    names = dict(Community.objects.visible_to(user).values_list("pk", "name"))
    community_rows = sorted(
        (
            {"name": names.get(k, "未匹配社区") if k else "未匹配社区", **v}
            for k, v in by_comm.items()
        ),
        key=lambda r: (-r["warnings"], -r["cases"]),
    )
    officer_names = {
        u.pk: u.display_name for u in User.objects.filter(pk__in=[k for k in by_officer if k])
    }
    officer_rows = sorted(
        (
            {
                "name": officer_names.get(k, "未指派") if k else "未指派",
                **v,
                **_contact_stats(contact_by_officer.get(k, [])),
            }
            for k, v in by_officer.items()
        ),
        key=lambda r: -r["warnings"],
    )
    current = next(r for r in year_rows if r["year"] == year)
    return {
        "year": year,
        "years": years,
        "current": current,
        "year_rows": year_rows,
        "month_rows": month_rows,
        "type_rows": type_rows,
        "community_rows": community_rows,
        "officer_rows": officer_rows,
    }


def chart_data(figures: dict) -> dict:
    """What the ECharts script draws (passed with json_script)."""
    return {
        "years": [r["year"] for r in figures["year_rows"]],
        "cases": [r["cases"] for r in figures["year_rows"]],
        "loss": [round(r["loss"] / 10000, 2) for r in figures["year_rows"]],
        "dissuaded": [r["dissuaded"] for r in figures["year_rows"]],
        "protected": [round(r["protected"] / 10000, 2) for r in figures["year_rows"]],
        "months": [r["month"] for r in figures["month_rows"]],
        "month_cases": [r["cases"] for r in figures["month_rows"]],
        "month_cases_previous": [r["previous"]["cases"] for r in figures["month_rows"]],
        "month_warnings": [r["warnings"] for r in figures["month_rows"]],
        "types": [
            {"name": r["name"], "value": r["cases"]} for r in figures["type_rows"] if r["cases"]
        ],
        "year": figures["year"],
        "labels": {
            "cases": gettext("发案"),
            "loss": gettext("案损(万元)"),
            "warnings": gettext("预警"),
            "unit_cases": gettext("起"),
            "unit_wan": gettext("万元"),
            "months": [gettext("%(m)s月") % {"m": m} for m in range(1, 13)],
        },
    }
