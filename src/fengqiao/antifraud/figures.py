"""The figures page: cases, losses, solved, suspects caught (from `FraudCase`), and warnings handled,
contact time, people dissuaded, money protected (from `Warning`) — by year with year-on-year change,
by month of a year against the same month a year before, and by fraud type, community and officer.

Everything is computed from the records the user may see (`visible_to`). Merged duplicate warnings
are not counted (their primary is). Contact time = first attempt − receipt; "within the deadline" =
first attempt ≤ the contact deadline of the warning's level.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from fengqiao.antifraud.choices import Outcome, WarningStatus
from fengqiao.antifraud.models import FraudCase, FraudType, Warning
from fengqiao.antifraud.rules import change_pct, percentile, share

ZERO = Decimal("0")


def _money(value) -> float:
    return float(value or ZERO)


def _contact_stats(rows) -> dict:
    minutes = [(c - r).total_seconds() / 60 for r, c, _d in rows]
    on_time = sum(1 for _r, c, d in rows if d is not None and c <= d)
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


def _case_rows(cases, key):
    out = defaultdict(_empty_row)
    for row in cases.values(key).annotate(
        n=Count("pk"),
        loss_sum=Sum("loss"),
        solved_n=Count("pk", filter=Q(solved=True)),
        suspects_sum=Sum("suspects_caught"),
    ):
        target = out[row[key]]
        target.update(
            cases=row["n"],
            loss=_money(row["loss_sum"]),
            solved=row["solved_n"],
            suspects=row["suspects_sum"] or 0,
        )
    return out


def _warning_rows(warnings, key, out):
    for row in warnings.values(key).annotate(
        n=Count("pk"),
        handled_n=Count("pk", filter=Q(status=WarningStatus.CLOSED)),
        dissuaded_n=Count("pk", filter=Q(outcome=Outcome.DISSUADED)),
        protected_sum=Sum("amount_protected"),
    ):
        out[row[key]].update(
            warnings=row["n"],
            handled=row["handled_n"],
            dissuaded=row["dissuaded_n"],
            protected=_money(row["protected_sum"]),
        )
    return out


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


def figures_for(user, *, year: int | None = None) -> dict:
    tz = timezone.get_current_timezone()
    year = year or timezone.localdate().year
    cases = FraudCase.objects.visible_to(user)
    warnings = Warning.objects.visible_to(user).primary()

    # -- by year (every year on record)
    by_year = _case_rows(cases.annotate(y=ExtractYear("occurred_on")), "y")
    _warning_rows(warnings.annotate(y=ExtractYear("received_at", tzinfo=tz)), "y", by_year)
    contact_by_year = defaultdict(list)
    for r, c, d in (
        warnings.filter(first_contact_at__isnull=False)
        .values_list("received_at", "first_contact_at", "contact_due_at")
        .iterator(chunk_size=5000)
    ):
        contact_by_year[timezone.localtime(r, tz).year].append((r, c, d))
    years = sorted(set(by_year) | set(contact_by_year) | {year})
    year_rows = []
    for y in years:
        row = _with_change(by_year.get(y, _empty_row()), by_year.get(y - 1))
        row.update(_contact_stats(contact_by_year.get(y, [])))
        row["year"] = y
        year_rows.append(row)

    # -- by month of the chosen year against the year before
    in_years = cases.filter(occurred_on__year__in=[year - 1, year])
    month_cases = defaultdict(_empty_row)
    for row in (
        in_years.annotate(y=ExtractYear("occurred_on"), m=ExtractMonth("occurred_on"))
        .values("y", "m")
        .annotate(n=Count("pk"), loss_sum=Sum("loss"))
    ):
        month_cases[(row["y"], row["m"])].update(cases=row["n"], loss=_money(row["loss_sum"]))
    w_in_years = warnings.annotate(
        y=ExtractYear("received_at", tzinfo=tz), m=ExtractMonth("received_at", tzinfo=tz)
    )
    for row in (
        w_in_years.filter(y__in=[year - 1, year])
        .values("y", "m")
        .annotate(
            n=Count("pk"),
            dissuaded_n=Count("pk", filter=Q(outcome=Outcome.DISSUADED)),
            protected_sum=Sum("amount_protected"),
            handled_n=Count("pk", filter=Q(status=WarningStatus.CLOSED)),
        )
    ):
        month_cases[(row["y"], row["m"])].update(
            warnings=row["n"],
            dissuaded=row["dissuaded_n"],
            protected=_money(row["protected_sum"]),
            handled=row["handled_n"],
        )
    month_rows = []
    for m in range(1, 13):
        row = _with_change(month_cases.get((year, m), _empty_row()), month_cases.get((year - 1, m)))
        row["month"] = m
        row["previous"] = month_cases.get((year - 1, m), _empty_row())
        month_rows.append(row)

    # -- by fraud type, community, officer in the chosen year
    year_cases = cases.filter(occurred_on__year=year)
    year_warnings = warnings.annotate(y=ExtractYear("received_at", tzinfo=tz)).filter(y=year)
    type_names = dict(FraudType.objects.values_list("pk", "name"))
    by_type = _warning_rows(year_warnings, "fraud_type_id", _case_rows(year_cases, "fraud_type_id"))
    type_rows = sorted(
        ({"name": type_names.get(k, "—"), **v} for k, v in by_type.items()),
        key=lambda r: (-r["cases"], -r["warnings"]),
    )
    from fengqiao.registry.models import Community

    names = dict(Community.objects.visible_to(user).values_list("pk", "name"))
    by_comm = _warning_rows(year_warnings, "community_id", _case_rows(year_cases, "community_id"))
    community_rows = sorted(
        (
            {"name": names.get(k, "未匹配社区") if k else "未匹配社区", **v}
            for k, v in by_comm.items()
        ),
        key=lambda r: (-r["warnings"], -r["cases"]),
    )
    from fengqiao.accounts.models import User

    by_officer = _warning_rows(year_warnings, "officer_id", defaultdict(_empty_row))
    contact_by_officer = defaultdict(list)
    for officer_id, r, c, d in year_warnings.filter(first_contact_at__isnull=False).values_list(
        "officer_id", "received_at", "first_contact_at", "contact_due_at"
    ):
        contact_by_officer[officer_id].append((r, c, d))
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
    }
