"""Reads of 行车卫士 that more than one caller needs (pages, API, JSON endpoints), scoped by user."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict

from django.db.models import Avg, Count, F, Func, IntegerField, Q, Sum
from django.db.models.functions import ExtractYear

from fengqiao.core.geo import (  # noqa: F401 (Bounds, bounds_from_map: kept importable here)
    Bounds,
    bounds_from_map,
    map_feature_point,
    map_geometry,
    map_point,
)
from fengqiao.vehicles import conf, rules
from fengqiao.vehicles.choices import ClaimStatus, VehicleKind, VehicleStatus
from fengqiao.vehicles.models import InsuranceClaim, Recovery, Theft, Tracker, Vehicle

MAX_TRAIL_POINTS = 5000
MAX_TRAIL_DAYS = 31


OWNER_MATCH_LIMIT = 2000


def vehicle_search(queryset, text: str, user=None):
    """Plate (any part), tracker number (whole, or any part of up to 9 digits), frame number, or the
    owner by name, pinyin initials, phone, ID number or their tails (the registry's indexed search).

    Owners are looked up first (a short id list), so the vehicle query never ORs across a join; a name
    (no latin letters or digits) or a whole phone, ID or tracker number reads indexes only, and only a
    plate fragment or a short number scans the station's plates."""
    from fengqiao.registry.models import Person
    from fengqiao.registry.selectors import person_search

    text = (text or "").strip()
    if not text:
        return queryset
    compact = re.sub(r"\s+", "", text).upper()
    has_ascii = bool(re.search(r"[0-9A-Z]", compact))
    q = Q(pk__in=[])
    if compact.isdigit() and len(compact) >= 10:
        q |= Q(imei=compact)
    elif compact.isdigit():
        q |= Q(imei__contains=compact) | Q(plate__contains=compact)
    elif has_ascii:
        q |= Q(plate__contains=compact)
        if len(compact) >= 8 and compact.isalnum():
            q |= Q(frame_number=compact)
    plate_like = (
        has_ascii and not compact.isdigit() and not compact.isalpha()
    )  # no owner has such a name
    if plate_like:
        owners = []
    elif user is not None:
        from fengqiao.registry import number_search

        found = number_search.search(
            user, Person.objects.visible_to(user), text, channel="vehicle-search"
        )
        owners = list(found.values_list("pk", flat=True)[:OWNER_MATCH_LIMIT])
    else:
        owners = list(
            person_search(Person.objects.all(), text).values_list("pk", flat=True)[
                :OWNER_MATCH_LIMIT
            ]
        )
    if owners:
        q |= Q(owner_id__in=owners)
    return queryset.filter(q)


def trail_points(device, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The device's trail between start and end, for the map (thinned evenly to MAX_TRAIL_POINTS)."""
    from fengqiao.tracking.services import trail

    rows = list(
        trail(device, start, end).values_list(
            "fixed_at", "latitude", "longitude", "speed_kmh", "course"
        )[: MAX_TRAIL_POINTS * 20]
    )
    rows = [r for r in rows if rules.usable_fix(r[1], r[2])]
    if len(rows) > MAX_TRAIL_POINTS:
        step = len(rows) / MAX_TRAIL_POINTS
        rows = [rows[int(i * step)] for i in range(MAX_TRAIL_POINTS - 1)] + [rows[-1]]
    return [
        {
            "t": at.isoformat(),
            "p": map_point(lat, lon),
            "v": round(speed or 0, 1),
            "c": round(course or 0),
        }
        for at, lat, lon, speed, course in rows
    ]


def community_features(user) -> dict:
    """The visible communities' boundaries and centres as GeoJSON, in the tiles' coordinate system."""
    from fengqiao.registry.models import Community

    features = []
    for c in Community.objects.visible_to(user).only(
        "id", "name", "boundary", "latitude", "longitude"
    ):
        geometry = c.boundary
        if geometry and geometry.get("type") == "Polygon":
            geometry = map_geometry(
                {
                    "type": "Polygon",
                    "coordinates": [[p[:2] for p in r] for r in geometry.get("coordinates", [])],
                }
            )
        else:
            geometry = map_feature_point(c.latitude, c.longitude)
            if geometry is None:
                continue
        features.append({"type": "Feature", "geometry": geometry, "properties": {"name": c.name}})
    return {"type": "FeatureCollection", "features": features}


def figures_by_year(user) -> list[dict]:
    """Per year: trackers installed by vehicle type, thefts, recoveries by type, insurance paid (yuan)."""
    years: dict[int, dict] = defaultdict(
        lambda: {
            "installed_motorcycle": 0,
            "installed_e_motorcycle": 0,
            "thefts": 0,
            "recovered_motorcycle": 0,
            "recovered_e_motorcycle": 0,
            "claims": 0,
            "paid": 0,
        }
    )
    installed = (
        Tracker.objects.visible_to(user)
        .annotate(year=ExtractYear("installed_at"))
        .values("year", "vehicle__kind")
        .annotate(n=Count("id"))
    )
    for row in installed:
        years[row["year"]][f"installed_{row['vehicle__kind']}"] += row["n"]
    for row in (
        Theft.objects.visible_to(user)
        .annotate(year=ExtractYear("reported_at"))
        .values("year")
        .annotate(n=Count("id"))
    ):
        years[row["year"]]["thefts"] += row["n"]
    recovered = (
        Recovery.objects.visible_to(user)
        .annotate(year=ExtractYear("recovered_at"))
        .values("year", "theft__vehicle__kind")
        .annotate(n=Count("id"))
    )
    for row in recovered:
        years[row["year"]][f"recovered_{row['theft__vehicle__kind']}"] += row["n"]
    paid = (
        InsuranceClaim.objects.visible_to(user)
        .filter(status=ClaimStatus.PAID)
        .annotate(year=ExtractYear("paid_at"))
        .values("year")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    for row in paid:
        years[row["year"]]["claims"] += row["n"]
        years[row["year"]]["paid"] += int(row["total"] or 0)
    out = []
    for year in sorted(years):
        row = {"year": year, **years[year]}
        row["installed"] = row["installed_motorcycle"] + row["installed_e_motorcycle"]
        row["recovered"] = row["recovered_motorcycle"] + row["recovered_e_motorcycle"]
        out.append(row)
    return out


def fleet_counts(user) -> dict[str, int]:
    rows = Vehicle.objects.visible_to(user).values("kind").annotate(n=Count("id"))
    counts = {k: 0 for k in VehicleKind.values}
    for row in rows:
        counts[row["kind"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts


WORK_QUEUE_ALARMS = 30
WORK_QUEUE_ALARM_HOURS = 24


def my_open_alarms(user, now: dt.datetime):
    """Work queue (指挥室, 值班民警, 所领导): the station's alarms of the last day not yet acknowledged, newest first, red
    for those that may be a theft in progress. Community officers see them on the alarm page."""
    from django.utils.translation import gettext as _

    from fengqiao.core.workqueue import WorkItem
    from fengqiao.vehicles.choices import AlarmStatus
    from fengqiao.vehicles.models import STATION_ROLES, Alarm

    if not (user.is_authenticated and user.role in STATION_ROLES):
        return []
    # Only the last day's: a year-old open alarm is not today's work (the alarm page lists them all;
    # the home page counts them).
    alarms = (
        Alarm.objects.visible_to(user)
        .filter(status=AlarmStatus.OPEN, at__gte=now - dt.timedelta(hours=WORK_QUEUE_ALARM_HOURS))
        .select_related("vehicle")
        .order_by("-at")
    )[:WORK_QUEUE_ALARMS]
    return [
        WorkItem(
            title=f"{a.vehicle.plate} {a.get_kind_display()}",
            url=a.get_absolute_url(),
            due_at=a.at,
            level="red" if a.kind in rules.COMMAND_ROOM_KINDS else "orange",
            kind="vehicle_alarm",
            kind_label=_("车辆告警"),
            object=a,
        )
        for a in alarms
    ]


def remote_arming(vehicle: Vehicle) -> dict | None:
    """Whether the vehicle's tracker can be armed remotely (its model's arm/disarm text commands are
    recorded) and its last arm/disarm command; None without a tracker in tracking."""
    from fengqiao.tracking.choices import TEXT_COMMAND_KINDS

    device = vehicle.device if vehicle.device_id else None
    if device is None:
        return None
    return {
        "supported": device.can_arm_remotely,
        "arm_command": device.arm_command,
        "disarm_command": device.disarm_command,
        "last": device.commands.filter(kind__in=TEXT_COMMAND_KINDS).order_by("-pk").first(),
    }


# ----------------------------------------------------------------------------- live map

LIVE_CELL_PX = 60  # a cluster cell is about this many screen pixels wide
LIVE_MAX_CELLS = (
    4096  # a bbox never splits into more cells (a huge bbox at a deep zoom gets bigger cells)
)


class _CellIndex(Func):
    """floor(expression) as an integer, for an expression that is never negative (the grid is anchored
    at -90°/-180°). PostgreSQL: CAST(FLOOR(x) AS integer) (a bare CAST rounds); SQLite: CAST(x AS
    INTEGER), which truncates — the same for x ≥ 0, and native (Django's SQLite FLOOR may be a Python
    function called per row)."""

    output_field = IntegerField()
    template = "CAST(FLOOR(%(expressions)s) AS integer)"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(%(expressions)s AS INTEGER)", **extra
        )


def cell_size(zoom: int, bounds: Bounds | None) -> tuple[float, float]:
    """The grid cell (Δlatitude, Δlongitude in degrees) of about LIVE_CELL_PX pixels at this zoom (Web
    Mercator: 256 × 2^zoom pixels round the world; latitude scaled by cos(latitude) at the view's
    centre), widened if the bbox would hold more than LIVE_MAX_CELLS cells."""
    dlon = LIVE_CELL_PX * 360.0 / (256 * 2**zoom)
    centre = (bounds.south + bounds.north) / 2 if bounds else 30.0
    dlat = dlon * max(0.05, math.cos(math.radians(centre)))
    if bounds is not None:
        cells = ((bounds.north - bounds.south) / dlat) * ((bounds.east - bounds.west) / dlon)
        if cells > LIVE_MAX_CELLS:
            factor = math.sqrt(cells / LIVE_MAX_CELLS)
            dlat, dlon = dlat * factor, dlon * factor
    return dlat, dlon


_URL_MARK = 987654321


def _detail_url_of():
    """A function giving a vehicle's page URL: reverse() once per call site, not once per vehicle."""
    from django.urls import reverse

    template = reverse("vehicles:vehicle_detail", args=[_URL_MARK])
    head, tail = template.split(str(_URL_MARK), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


def live_row(v: Vehicle, device, url_of=None) -> dict:
    """One vehicle on a live map (position in the tiles' system)."""
    url_of = url_of or _detail_url_of()
    return {
        "id": v.pk,
        "plate": v.plate,
        "kind": v.kind,
        "stolen": v.status == VehicleStatus.STOLEN,
        "armed": v.armed,
        "p": map_point(device.latitude, device.longitude),
        "v": device.speed_kmh,
        "seen": device.last_seen_at.isoformat() if device.last_seen_at else None,
        "fix": device.last_fix_at.isoformat() if device.last_fix_at else None,
        "url": url_of(v.pk),
    }


def _points(queryset, limit: int) -> list[dict]:
    rows = (
        queryset.select_related("device")
        .only(
            "id",
            "plate",
            "kind",
            "status",
            "armed",
            "device__latitude",
            "device__longitude",
            "device__speed_kmh",
            "device__last_seen_at",
            "device__last_fix_at",
        )
        .order_by("-device__last_fix_at", "-pk")[:limit]
    )
    url_of = _detail_url_of()
    return [live_row(v, v.device, url_of) for v in rows]


def live_view(queryset, *, bounds: Bounds | None, zoom: int, points_max: int) -> dict:
    """The live map's content for one view. `queryset`: the vehicles the user may see with the page's
    filters (community, stolen, recent fix) and a position. Within `bounds` (None: everywhere):

    - at most `points_max` vehicles → mode "points": each vehicle (newest fix first);
    - more → mode "clusters": one GROUP BY over a grid of cells of about LIVE_CELL_PX pixels at `zoom`
      (anchored at -90°/-180° so cells do not jump when the map pans), each cluster with its count,
      mean position and counts of stolen / armed / moving vehicles; the clusters count every vehicle
      in view, so their counts add up to `total`. Stolen vehicles in view are also listed one by one
      (`vehicles`) in either mode: they are few and they are what patrols look for.

    `fleet`: the vehicles matching the filters anywhere; `stolen_outside`: stolen ones outside the view.
    Positions out are in the tiles' coordinate system (map_point)."""
    stolen_q = Q(status=VehicleStatus.STOLEN)
    view_q = bounds.q() if bounds else Q()
    figures = queryset.aggregate(
        fleet=Count("id"),
        total=Count("id", filter=view_q) if bounds else Count("id"),
        stolen=Count("id", filter=stolen_q & view_q) if bounds else Count("id", filter=stolen_q),
        stolen_all=Count("id", filter=stolen_q),
    )
    in_view = queryset.filter(view_q) if bounds else queryset
    out = {
        "fleet": figures["fleet"],
        "total": figures["total"],
        "stolen": figures["stolen"],
        "stolen_outside": figures["stolen_all"] - figures["stolen"],
        "points_max": points_max,
    }
    if figures["total"] <= points_max:
        vehicles = _points(in_view, points_max)
        return {**out, "mode": "points", "clusters": [], "vehicles": vehicles, "truncated": False}
    dlat, dlon = cell_size(zoom, bounds)
    moving = conf.get("VEHICLES_MOVEMENT_SPEED_KMH")
    groups = (
        in_view.annotate(
            cy=_CellIndex((F("device__latitude") + 90.0) / dlat),
            cx=_CellIndex((F("device__longitude") + 180.0) / dlon),
        )
        .values("cy", "cx")
        .annotate(
            n=Count("id"),
            lat=Avg("device__latitude"),
            lon=Avg("device__longitude"),
            stolen=Count("id", filter=stolen_q),
            armed=Count("id", filter=Q(armed=True)),
            moving=Count("id", filter=Q(device__speed_kmh__gte=moving)),
        )
        .order_by()
    )
    clusters = []
    for g in groups:
        south, west = g["cy"] * dlat - 90.0, g["cx"] * dlon - 180.0
        clusters.append(
            {
                "p": map_point(g["lat"], g["lon"]),
                "n": g["n"],
                "stolen": g["stolen"],
                "armed": g["armed"],
                "moving": g["moving"],
                # the cell, for "click zooms in" (in the tiles' system)
                "cell": [
                    map_point(south, west),
                    map_point(min(90.0, south + dlat), min(180.0, west + dlon)),
                ],
            }
        )
    clusters.sort(key=lambda c: -c["n"])
    vehicles = _points(in_view.filter(stolen_q), points_max)
    return {
        **out,
        "mode": "clusters",
        "clusters": clusters,
        "vehicles": vehicles,
        "truncated": figures["stolen"] > len(vehicles),
        "cell": [dlat, dlon],
    }
