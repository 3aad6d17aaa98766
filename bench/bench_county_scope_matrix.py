"""county_scope_matrix: random users of random stations and roles over the API's list and detail
endpoints; no row of another station may come back — through the ORM's scoping and, with the ORM
filter removed, through PostgreSQL's row-level security alone (issue 23).

Needs PostgreSQL with a county loaded (loaded here when missing). The full county (20 stations at
scale 1) takes about half an hour to load; a smaller one is chosen with

    BENCH_COUNTY_STATIONS=3 BENCH_COUNTY_SCALE=1 \
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fq_county_scope \
    .venv/bin/python bench/run.py county_scope_matrix

(`BENCH_SCOPE_REQUESTS`, default 10000, the requests of each pass). The size it ran on (stations,
residents, incidents) is printed; an existing county is used as it is, whatever its size.

Requests are made in process with Django's test client (the whole middleware stack — session,
`StationScopeMiddleware`, DRF — and the database; not the network). Each request is by a random
user of the county: a random station, a random role of the station's staff (station leader, duty,
community and case officer, auxiliary), a random user of that role. It GETs either
- a list endpoint: every GET route under /api/ without a path parameter (walked from the URL conf:
  DRF viewsets' `list` and the plain API views), `?page_size=100`. Each row of the answer (`results`,
  or the lists of dicts of an answer) is checked: its `station` / `station_id` / `station_code`, or
  else its `id` looked up in the endpoint's model (`ScopedQuerySet.station_path`). A row of a station
  not the user's is a leak; rows with neither are counted as unchecked;
- or a detail endpoint (`retrieve` of the viewsets whose model has a station path): the id of a
  record of the user's own station (half the time) or of another station, picked from the database.
  A 200 on another station's record is a leak (404 is the answer expected); own records should be 200.

Passes (the same request sequence, seed 23):
1. `orm+rls`: as the app runs (the bench connection is the superuser, so RLS is bypassed: this pass
   tests the ORM's scoping).
2. `rls only`: in this process only, `ScopedQuerySet.visible_to` (and `editable_by`, through it) is
   monkeypatched to return every row, and the connection runs as a non-owner application role
   (`BENCH_APP_ROLE`, default `fengqiao_app_bench`: NOSUPERUSER NOBYPASSRLS, the row grants of
   `rls.grant_sql`, `SET ROLE` on each new connection), so row-level security alone stands between
   users and other stations' rows. Views that filter by station themselves are not patched.
Control (not counted): the ORM filter removed *and* RLS bypassed (superuser), a few hundred requests:
leaks must show up there, or the detector is blind.

Last line: `BENCH county_scope_matrix <other-station rows of passes 1 and 2> rows target 0 pass|fail`.
"""

from __future__ import annotations

import json
import os
import random
import re
import time

from common import APP_ROLE, ensure_app_role, median, p95, setup, use_role, whoami

NAME = "county_scope_matrix"
STATIONS = int(os.environ.get("BENCH_COUNTY_STATIONS", "20"))
SCALE = int(os.environ.get("BENCH_COUNTY_SCALE", "1"))
REQUESTS = int(os.environ.get("BENCH_SCOPE_REQUESTS", "10000"))
CONTROL_REQUESTS = int(os.environ.get("BENCH_SCOPE_CONTROL", str(min(400, REQUESTS))))
STATION_ROLES = ["station_leader", "duty_officer", "community_officer", "case_officer", "auxiliary"]
# GET routes under /api/ that are not station data read by staff (the schema, the vehicle owner's
# app with its own key), or need a body or parameters a bare GET does not have.
SKIP_ROUTES = ("api/schema/", "api/docs/", "api/vehicles/owner/")
IDS_PER_STATION = 200
# Plain API views whose model the bench cannot read off the view (rows then looked up by id).
KNOWN_MODELS = {
    "/api/estates/": "estates.Estate",
    "/api/estates/{pk}/": "estates.Estate",
    "/api/estates/devices/": "estates.AccessDevice",
    "/api/estates/tasks/": "estates.RegistrationTask",
    "/api/estates/tasks/{pk}/": "estates.RegistrationTask",
}


def _walk(patterns, prefix=""):
    from django.urls import URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _route_path(route: str) -> str | None:
    """A route's path when it has no parameter ('^' and '$' of DRF's routers dropped)."""
    path = route.replace("^", "").replace("$", "")
    if "(?P<" in path or "<" in path or "\\." in path:
        return None
    return "/" + path


def _model_of(cls, user, path=None):
    """The model a view reads: `model`, `queryset`, or the view's own `get_queryset()` for a user."""
    if path in KNOWN_MODELS:
        from django.apps import apps

        return apps.get_model(KNOWN_MODELS[path])
    model = getattr(cls, "model", None)
    if model is None and getattr(cls, "queryset", None) is not None:
        model = cls.queryset.model
    if model is None and hasattr(cls, "get_queryset"):
        from django.test import RequestFactory
        from rest_framework.request import Request

        try:
            request = RequestFactory().get("/")
            request.user = user
            view = cls()
            view.request = Request(request)
            view.request.user = user
            view.kwargs, view.args, view.format_kwarg, view.action = {}, (), None, "list"
            model = view.get_queryset().model
        except Exception:  # noqa: BLE001 - best effort: rows are then checked by their own fields
            model = None
    return model


def _station_path(model) -> str | None:
    if model is None:
        return None
    path = getattr(model._default_manager.get_queryset(), "station_path", None)
    if path:
        return path
    try:
        field = model._meta.get_field("station")
    except Exception:  # noqa: BLE001
        return None
    return "station" if field.is_relation else None


def _detail_path(route: str) -> str | None:
    """A route's path with `{pk}` for its one parameter `pk`, or None."""
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<pk>[^)]*\)|<int:pk>|<pk>", "{pk}", path)
    if "(?P<" in path or "<" in path or "\\." in path or "{pk}" not in path:
        return None
    return "/" + path


def discover(sample_user):
    """(lists, details): lists [(path, model, station_path)], details [(path, model, station_path)]
    with `{pk}` in a detail's path."""
    from django.urls import get_resolver

    lists, details = set(), set()
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/") or route.startswith(SKIP_ROUTES) or "format" in route:
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        path = _route_path(route)
        detail = _detail_path(route)
        if actions is not None:
            if actions.get("get") == "list" and path:
                model = _model_of(cls, sample_user)
                lists.add((path, model, _station_path(model)))
            elif actions.get("get") == "retrieve" and detail:
                model = _model_of(cls, sample_user)
                station_path = _station_path(model)
                if station_path:
                    details.add((detail, model, station_path))
        elif cls is not None and not hasattr(cls, "get"):
            continue
        elif path:
            model = _model_of(cls, sample_user, path) if cls is not None else None
            lists.add((path, model, _station_path(model)))
        elif detail and detail.endswith("/{pk}/") and cls is not None:
            model = _model_of(cls, sample_user, detail)
            station_path = _station_path(model)
            if station_path:
                details.add((detail, model, station_path))
    return sorted(lists, key=lambda x: x[0]), sorted(details, key=lambda x: x[0])


def _rows(data):
    if isinstance(data, dict):
        if isinstance(data.get("results"), list):
            return [r for r in data["results"] if isinstance(r, dict)]
        rows = []
        for value in data.values():
            if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
                rows.extend(value)
        return rows
    if isinstance(data, list):
        return [r for r in data if isinstance(r, dict)]
    return []


class Checker:
    def __init__(self, stations):
        self.by_code = {s.code: s.pk for s in stations}
        self.by_name = {s.name: s.pk for s in stations}
        self.ids = {s.pk for s in stations}

    def station_of_value(self, value):
        if isinstance(value, dict):
            for key in ("id", "pk", "code", "name"):
                found = self.station_of_value(value.get(key)) if key in value else None
                if found is not None:
                    return found
            return None
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            if value.isdigit():
                return int(value)
            return self.by_code.get(value) or self.by_name.get(value)
        return None

    def station_of_row(self, row):
        for key in ("station", "station_id", "station_code"):
            if key in row and row[key] is not None:
                found = self.station_of_value(row[key])
                if found is not None:
                    return found
        return None


def lookup_stations(model, station_path, ids) -> dict:
    from fengqiao.core import rls

    with rls.system():
        return dict(
            model._default_manager.filter(pk__in=ids).values_list("pk", station_path).iterator()
        )


def plan(rng, n, stations, staff, lists, details, samples):
    """The request sequence: (client key, station pk, kind, path, model, station_path, target)."""
    out = []
    while len(out) < n:
        station = rng.choice(stations)
        roles = [r for r in STATION_ROLES if staff.get((station.pk, r))]
        role = rng.choice(roles)
        username = rng.choice(staff[(station.pk, role)])
        if details and rng.random() < 0.5:
            name, model, station_path = rng.choice(details)
            own = rng.random() < 0.5
            choices = [s for s in stations if (s.pk == station.pk) == own]
            target = rng.choice(choices)
            ids = samples[(name, target.pk)]
            if not ids:
                continue  # no such record at that station: draw again
            out.append(
                (
                    username,
                    station.pk,
                    "detail",
                    name,
                    model,
                    station_path,
                    target.pk,
                    rng.choice(ids),
                )
            )
        else:
            path, model, station_path = rng.choice(lists)
            out.append((username, station.pk, "list", path, model, station_path, None, None))
    return out


def run_pass(label, requests, clients, checker):
    stats = {
        "requests": 0,
        "lists": 0,
        "details": 0,
        "rows": 0,
        "unchecked": 0,
        "leaks": 0,
        "leak_rows": 0,
        "detail_leaks": 0,
        "own_200": 0,
        "own": 0,
        "other_404": 0,
        "other": 0,
        "status": {},
        "times": [],
        "where": {},
    }
    unchecked_paths = set()
    for username, station_pk, kind, what, model, station_path, target, pk in requests:
        client = clients[username]
        path = what.format(pk=pk) if kind == "detail" else f"{what}?page_size=100"
        started = time.perf_counter()
        response = client.get(path, HTTP_ACCEPT="application/json")
        stats["times"].append((time.perf_counter() - started) * 1000)
        stats["requests"] += 1
        stats["status"][response.status_code] = stats["status"].get(response.status_code, 0) + 1
        if kind == "detail":
            stats["details"] += 1
            if target == station_pk:
                stats["own"] += 1
                stats["own_200"] += response.status_code == 200
            else:
                stats["other"] += 1
                stats["other_404"] += response.status_code == 404
                if response.status_code == 200:
                    stats["detail_leaks"] += 1
                    stats["leaks"] += 1
                    stats["where"][what] = stats["where"].get(what, 0) + 1
            continue
        stats["lists"] += 1
        if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
            continue
        rows = _rows(json.loads(response.content))
        stats["rows"] += len(rows)
        by_row = [checker.station_of_row(row) for row in rows]
        missing = [row.get("id") for row, st in zip(rows, by_row, strict=True) if st is None]
        if missing and model is not None and station_path:
            found = lookup_stations(model, station_path, [i for i in missing if i is not None])
            by_row = [
                st if st is not None else found.get(row.get("id"))
                for row, st in zip(rows, by_row, strict=True)
            ]
        for st in by_row:
            if st is None:
                stats["unchecked"] += 1
                unchecked_paths.add(what)
            elif st != station_pk:
                stats["leak_rows"] += 1
                stats["leaks"] += 1
                stats["where"][what] = stats["where"].get(what, 0) + 1
    times = stats["times"]
    print(
        f"  {label}: {stats['requests']:,} requests ({stats['lists']:,} lists, "
        f"{stats['details']:,} details); p50 {median(times):.1f} ms, p95 {p95(times):.1f} ms",
        flush=True,
    )
    print(
        f"    lists: {stats['rows']:,} rows checked, {stats['leak_rows']} of another station, "
        f"{stats['unchecked']:,} rows without a station to check",
        flush=True,
    )
    print(
        f"    details: own station {stats['own_200']:,}/{stats['own']:,} answered 200; other "
        f"stations {stats['other_404']:,}/{stats['other']:,} answered 404, "
        f"{stats['detail_leaks']} answered 200 (leaks)",
        flush=True,
    )
    print(f"    statuses: {dict(sorted(stats['status'].items()))}", flush=True)
    if stats["where"]:
        print(f"    leaks by endpoint: {stats['where']}", flush=True)
    if unchecked_paths:
        print(f"    unchecked rows from: {', '.join(sorted(unchecked_paths))}", flush=True)
    return stats


def main() -> None:
    import logging

    setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the expected 403/404s
    from django.conf import settings
    from django.test import Client

    from fengqiao.accounts.models import Station, User
    from fengqiao.core import rls
    from fengqiao.core.scoping import ScopedQuerySet
    from fengqiao.demo import county
    from fengqiao.incidents.models import Incident
    from fengqiao.registry.models import Person

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        print(f"{NAME} needs PostgreSQL (BENCH_DATABASE_URL=postgres://…)")
        return
    with rls.system():
        if not county.county_exists():
            print(
                f"loading the county (fengqiao demo --county {STATIONS} --scale {SCALE}) …",
                flush=True,
            )
            county.load(stations=STATIONS, scale=SCALE, log=lambda line: print(line, flush=True))
        stations = list(
            Station.objects.filter(code__startswith=county.CODE_PREFIX).order_by("code")
        )
        all_stations = list(Station.objects.all())
        residents = Person.objects.filter(station__in=stations).count()
        incidents = Incident.objects.filter(station__in=stations).count()
    full = len(stations) >= 20 and residents >= 1_500_000
    print(
        f"county: {len(stations)} stations, {residents:,} residents, {incidents:,} incidents"
        f"{'' if full else ' (a SMALL county, not the full 20-station one)'}; "
        f"requested BENCH_COUNTY_STATIONS={STATIONS} BENCH_COUNTY_SCALE={SCALE}",
        flush=True,
    )
    print("in process, Django's test client (no network)", flush=True)

    staff: dict[tuple[int, str], list[str]] = {}
    clients = {}
    for user in User.objects.filter(station__in=stations, role__in=STATION_ROLES, is_active=True):
        staff.setdefault((user.station_id, user.role), []).append(user.username)
        client = Client()
        client.force_login(user)
        clients[user.username] = client
    sample_user = User.objects.filter(station=stations[0], role="station_leader").first()
    lists, details = discover(sample_user)
    print(f"{len(lists)} list endpoints: {', '.join(path for path, _, _ in lists)}", flush=True)
    samples = {}
    with rls.system():
        for name, model, station_path in details:
            for station in stations:
                samples[(name, station.pk)] = list(
                    model._default_manager.filter(**{station_path: station.pk})
                    .order_by("?")
                    .values_list("pk", flat=True)[:IDS_PER_STATION]
                )
    # endpoints with records at no station of the county are not asked for details
    details = [d for d in details if any(samples[(d[0], s.pk)] for s in stations)]
    print(
        f"{len(details)} detail endpoints (with records): {', '.join(d[0] for d in details)}",
        flush=True,
    )
    checker = Checker(all_stations)
    requests = plan(random.Random(23), REQUESTS, stations, staff, lists, details, samples)
    # warm-up (first-use caches), not counted
    run_pass("warm-up", requests[: min(50, len(requests))], clients, checker)

    print(f"pass 1, ORM scoping + RLS, as {whoami()}:", flush=True)
    first = run_pass("orm+rls", requests, clients, checker)

    original = ScopedQuerySet.visible_to

    def everything(self, user):
        return self.all()

    ScopedQuerySet.visible_to = everything
    try:
        ensure_app_role()
        use_role(APP_ROLE)
        print(
            f"pass 2, ORM filter removed (ScopedQuerySet.visible_to returns every row), as {whoami()}:",
            flush=True,
        )
        second = run_pass("rls only", requests, clients, checker)
        use_role(None)
        print(
            f"control (not counted), ORM filter removed and RLS bypassed, as {whoami()}:",
            flush=True,
        )
        control = run_pass("control", requests[:CONTROL_REQUESTS], clients, checker)
        if control["leaks"] == 0:
            print("    WARNING: the control found no leak: the detector may be blind", flush=True)
    finally:
        ScopedQuerySet.visible_to = original
        use_role(None)

    total = first["leaks"] + second["leaks"]
    print(
        f"other-station rows: pass 1 {first['leaks']}, pass 2 {second['leaks']} "
        f"(control, not counted: {control['leaks']})",
        flush=True,
    )
    print(f"BENCH {NAME} {total} rows target 0 {'pass' if total == 0 else 'fail'}", flush=True)


if __name__ == "__main__":
    main()
