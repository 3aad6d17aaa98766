"""Reads of 行车卫士 that more than one caller needs (pages, API, JSON endpoints), scoped by user."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from fengqiao.vehicles import conf, rules
from fengqiao.vehicles.choices import ClaimStatus, VehicleKind
from fengqiao.vehicles.models import InsuranceClaim, Recovery, Theft, Tracker, Vehicle

MAX_TRAIL_POINTS = 5000
MAX_TRAIL_DAYS = 31


OWNER_MATCH_LIMIT = 2000


def vehicle_search(queryset, text: str):
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
    owners = (
        []
        if plate_like
        else list(
            person_search(Person.objects.all(), text).values_list("pk", flat=True)[
                :OWNER_MATCH_LIMIT
            ]
        )
    )
    if owners:
        q |= Q(owner_id__in=owners)
    return queryset.filter(q)


def map_point(lat, lon) -> list[float] | None:
    """A stored WGS-84 point as [lat, lon] in the tiles' coordinate system (MAP_TILE_CRS)."""
    if lat is None or lon is None:
        return None
    mlat, mlon = rules.to_map(lat, lon, conf.get("MAP_TILE_CRS"))
    return [round(mlat, 6), round(mlon, 6)]


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

    crs = conf.get("MAP_TILE_CRS")
    features = []
    for c in Community.objects.visible_to(user).only(
        "id", "name", "boundary", "latitude", "longitude"
    ):
        geometry = c.boundary
        if geometry and geometry.get("type") == "Polygon":
            rings = []
            for ring in geometry.get("coordinates", []):
                rings.append([list(reversed(rules.to_map(p[1], p[0], crs)))[:2] for p in ring])
            geometry = {"type": "Polygon", "coordinates": rings}
        elif c.latitude is not None and c.longitude is not None:
            lat, lon = rules.to_map(c.latitude, c.longitude, crs)
            geometry = {"type": "Point", "coordinates": [lon, lat]}
        else:
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


def my_open_alarms(user, now: dt.datetime):
    """Work queue (指挥室, 值班民警, 所领导): the station's alarms not yet acknowledged, oldest first, red
    for those that may be a theft in progress. Community officers see them on the alarm page."""
    from django.utils.translation import gettext as _

    from fengqiao.core.workqueue import WorkItem
    from fengqiao.vehicles.choices import AlarmStatus
    from fengqiao.vehicles.models import STATION_ROLES, Alarm

    if not (user.is_authenticated and user.role in STATION_ROLES):
        return []
    alarms = (
        Alarm.objects.visible_to(user)
        .filter(status=AlarmStatus.OPEN)
        .select_related("vehicle")
        .order_by("at")
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
