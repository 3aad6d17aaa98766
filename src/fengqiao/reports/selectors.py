"""Reads of part 9: the scope of a figure, the dashboard's figures, the evaluation and its ranking."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.roles import BUREAU_ROLES
from fengqiao.reports import rules
from fengqiao.reports.indicators import REGISTRY, Measure, Scope

DASHBOARD_KEYS = (
    "callback_satisfaction",
    "mediation_success",
    "mediation_fulfilment",
    "later_offence",
    "redline_unfiled",
    "redline_overdue",
    "redline_lax",
    "vehicles_recovered",
    "insurance_paid",
    "fraud_cases",
    "fraud_loss",
)


def visible_station_ids(user) -> list[int]:
    """The stations whose figures the user may see: the same rule as ScopedQuerySet.visible_to."""
    return _station_ids(user)


def _station_ids(user) -> list[int]:
    from fengqiao.accounts.models import Station

    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Station.objects.values_list("pk", flat=True))
    if user.role in BUREAU_ROLES and user.bureau_id:
        return list(Station.objects.filter(bureau_id=user.bureau_id).values_list("pk", flat=True))
    return [user.station_id] if user.station_id else []


def station_viewer(station):
    """A stand-in user who sees exactly one station, for the scheduled jobs that have no user (the
    parts' selectors take a user and scope by `visible_to`)."""
    from fengqiao.accounts.choices import Role

    return SimpleNamespace(
        pk=None,
        id=None,
        is_authenticated=True,
        is_superuser=False,
        is_active=True,
        role=Role.STATION_LEADER,
        station_id=station.pk,
        bureau_id=station.bureau_id,
        station=station,
        display_name=_("系统"),
        full_name=_("系统"),
        username="system",
    )


def station_scope(station, start: dt.date, end: dt.date) -> Scope:
    return Scope(user=station_viewer(station), start=start, end=end, station_ids=[station.pk])


def measure_of(key: str, scope: Scope, group: str = "total") -> dict:
    fn = REGISTRY[key]
    return fn(scope, group)


def figure_row(key: str, scope: Scope, measure: Measure | None) -> dict:
    fn = REGISTRY[key]
    value = measure.value if measure else None
    met = None
    if fn.target is not None and value is not None:
        met = value >= fn.target if fn.direction == rules.HIGHER else value <= fn.target
    return {
        "key": key,
        "name": str(fn.name),
        "unit": fn.unit,
        "part": fn.part,
        "description": str(fn.description),
        "value": value,
        "value_text": rules.fmt_value(value, fn.unit),
        "target": fn.target,
        "target_text": rules.fmt_value(fn.target, fn.unit) if fn.target is not None else "",
        "direction": fn.direction,
        "met": met,
        "veto": fn.veto,
        "detail": measure.text if measure else "",
        "previous": measure.previous if measure else None,
        "change": measure.change if measure else None,
        "applicable": measure is not None or not _filtered_out(fn, scope),
    }


def _filtered_out(fn, scope: Scope) -> bool:
    return any(
        value is not None and group not in fn.groups
        for value, group in (
            (scope.unit_id, "unit"),
            (scope.officer_id, "officer"),
            (scope.community_id, "community"),
        )
    )


def figures(scope: Scope, keys=DASHBOARD_KEYS) -> list[dict]:
    """Every figure's total over the scope (one or two grouped queries each)."""
    rows = []
    for key in keys:
        data = REGISTRY[key](scope, "total")
        rows.append(figure_row(key, scope, data.get(None)))
    return rows


def trend_scope(scope: Scope, months: int = 12) -> Scope:
    """The `months` months ending with the scope's last month, for the charts."""
    first = scope.end.replace(day=1)
    for _i in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return Scope(
        scope.user,
        first,
        scope.end,
        scope.station_ids,
        scope.unit_id,
        scope.officer_id,
        scope.community_id,
        scope.today,
    )


def series(scope: Scope, keys=DASHBOARD_KEYS) -> dict:
    """{"months": [...], key: [value per month]} for the trend charts."""
    months = rules.months_between(scope.start, scope.end)
    out: dict = {"months": months}
    for key in keys:
        data = REGISTRY[key](scope, "month")
        out[key] = [(data.get(m).value if data.get(m) else None) for m in months]
        if key in ("fraud_cases", "fraud_loss"):
            out[key + "_previous"] = [
                (data.get(m).previous if data.get(m) else None) for m in months
            ]
    return out


def group_labels(group: str, keys, station_ids) -> dict:
    from fengqiao.accounts.models import Station, Unit, User
    from fengqiao.registry.models import Community

    ids = [k for k in keys if k is not None]
    if group == "station":
        return dict(Station.objects.filter(pk__in=ids).values_list("pk", "name"))
    if group == "unit":
        return dict(
            Unit.objects.filter(pk__in=ids, station_id__in=station_ids).values_list("pk", "name")
        )
    if group == "officer":
        return {
            u.pk: u.display_name
            for u in User.objects.filter(pk__in=ids, station_id__in=station_ids)
        }
    if group == "community":
        return dict(
            Community.objects.filter(pk__in=ids, station_id__in=station_ids).values_list(
                "pk", "name"
            )
        )
    return {k: k for k in ids}


def breakdown(key: str, scope: Scope, group: str) -> list[dict]:
    """One figure by station, unit, officer, community or month: rows with the label and the measure."""
    fn = REGISTRY[key]
    data = fn(scope, group)
    labels = group_labels(group, data.keys(), scope.station_ids)
    rows = []
    for k, m in data.items():
        if (
            group in ("unit", "officer", "community", "station")
            and k is not None
            and k not in labels
        ):
            continue  # another station's unit or officer seen through a shared record: not shown
        label = labels.get(k) if k is not None else _("(未指定)")
        rows.append({**figure_row(key, scope, m), "indicator": key, "key": k, "label": str(label)})
    if group == "month":
        rows.sort(key=lambda r: r["key"] or "")
    else:
        rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["label"]))
    return rows


def dashboard(scope: Scope, *, months: int = 12) -> dict:
    """The dashboard's data: each figure over the period and the 12-month trend (what the API serves
    and the page draws)."""
    return {
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "figures": figures(scope),
        "series": series(trend_scope(scope, months)),
    }


# ---------------------------------------------------------------- the evaluation


def scheme_in_force(day: dt.date | None = None):
    from fengqiao.reports.models import Scheme

    day = day or timezone.localdate()
    return Scheme.objects.effective_on(day).order_by("-effective_from").first()


def scheme_nodes(scheme) -> list[rules.Node]:
    rows = list(scheme.indicators.select_related("parent").order_by("sort", "pk"))
    return [
        rules.Node(
            code=i.code,
            name=i.name,
            weight=float(i.weight),
            target=None if i.target is None else float(i.target),
            direction=i.direction,
            penalty=None if i.penalty is None else float(i.penalty),
            veto=i.veto,
            formula=i.formula,
            parent=i.parent.code if i.parent_id else None,
            unit=REGISTRY[i.formula].unit if i.formula in REGISTRY else "",
        )
        for i in rows
    ]


def _entities(level: str, scope: Scope) -> list[dict]:
    from fengqiao.accounts.choices import Rank
    from fengqiao.accounts.models import Station, Unit, User
    from fengqiao.reports.models import StationProfile

    if level == "station":
        categories = {
            p.station_id: p.category
            for p in StationProfile.objects.filter(station_id__in=scope.station_ids).select_related(
                "category"
            )
        }
        return [
            {
                "key": s.pk,
                "name": s.name,
                "group": categories[s.pk].name if s.pk in categories else _("未分类"),
                "group_sort": (categories[s.pk].sort, categories[s.pk].name)
                if s.pk in categories
                else (10**6, ""),
            }
            for s in Station.objects.filter(pk__in=scope.station_ids).order_by("name")
        ]
    if level == "unit":
        units = Unit.objects.filter(station_id__in=scope.station_ids).select_related("station")
        if scope.unit_id:
            units = units.filter(pk=scope.unit_id)
        return [
            {
                "key": u.pk,
                "name": u.name,
                "group": u.station.name,
                "group_sort": (0, u.station.name),
            }
            for u in units
        ]
    users = User.objects.filter(station_id__in=scope.station_ids, is_active=True).exclude(
        rank=Rank.CIVILIAN
    )
    users = users.select_related("station", "unit")
    if scope.unit_id:
        users = users.filter(unit_id=scope.unit_id)
    if scope.officer_id:
        users = users.filter(pk=scope.officer_id)
    return [
        {
            "key": u.pk,
            "name": u.display_name,
            "unit": u.unit.name if u.unit_id else "",
            "group": u.station.name,
            "group_sort": (0, u.station.name),
        }
        for u in users
    ]


def evaluation(scope: Scope, level: str = "station", scheme=None) -> dict:
    """The ranking of stations (within their category), units or officers (within their station)
    under the scheme in force at the period's end, with each point's reason."""
    scheme = scheme or scheme_in_force(scope.end)
    if scheme is None:
        return {"scheme": None, "level": level, "groups": []}
    nodes = scheme_nodes(scheme)
    formulas = sorted({n.formula for n in nodes if n.formula and n.formula in REGISTRY})
    if level == "station":
        scope = Scope(scope.user, scope.start, scope.end, scope.station_ids, today=scope.today)
    values: dict[str, dict] = {f: REGISTRY[f](scope, level) for f in formulas}
    groups: dict[str, dict] = {}

    entities = _entities(level, scope)
    keys = {e["key"] for e in entities}
    # Rates (a % with a denominator): the pooled rate of everyone compared, toward which a small
    # sample is shrunk (rules.shrink, docs/reports.md "Small samples").
    pooled: dict[str, float | None] = {}
    for f in formulas:
        if REGISTRY[f].unit != "%":
            continue
        ms = [m for k, m in values[f].items() if k in keys and m is not None and m.den]
        num, den = sum(m.num for m in ms), sum(m.den for m in ms)
        pooled[f] = 100.0 * num / den if den else None

    def value(f, key):
        m = values[f].get(key)
        if m is not None:
            if f in pooled and m.den:
                return rules.shrink(m.num, m.den, pooled[f])
            return m.value
        fn = REGISTRY[f]
        return 0.0 if fn.counts and level in fn.groups else None

    def notes(key):
        out = {}
        for f in pooled:
            m = values[f].get(key)
            if m is not None and m.den:
                out[f] = rules.sample_note(
                    str(REGISTRY[f].name), m.num, m.den, pooled[f], value(f, key)
                )
        return out

    for entity in entities:
        vals = {f: value(f, entity["key"]) for f in formulas}
        s = rules.score(nodes, vals, notes(entity["key"]))
        bucket = groups.setdefault(
            entity["group"], {"name": entity["group"], "sort": entity["group_sort"], "rows": []}
        )
        bucket["rows"].append({**entity, "score": s})
    out = []
    for g in sorted(groups.values(), key=lambda g: g["sort"]):
        rows = rules.rank(g["rows"])
        places = [r["rank"] for r in rows if r["rank"] is not None]
        out.append(
            {
                "name": g["name"],
                "note": rules.tie_note(rows, lambda r: r["score"].points),
                "min_sample": rules.MIN_SAMPLE,
                "rows": [
                    {
                        "key": r["key"],
                        "name": r["name"],
                        "unit": r.get("unit", ""),
                        "rank": r["rank"],
                        "tied": r["rank"] is not None and places.count(r["rank"]) > 1,
                        **r["score"].as_dict(),
                    }
                    for r in rows
                ],
            }
        )
    return {
        "scheme": {
            "id": scheme.pk,
            "name": scheme.name,
            "effective_from": scheme.effective_from.isoformat(),
        },
        "level": level,
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "groups": out,
    }
