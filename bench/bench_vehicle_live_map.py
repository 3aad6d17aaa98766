"""vehicle_live_map_p95: the live map's JSON (/vehicles/live.json) with the whole fleet on the road.

The full demo's fleet at 玉津 (56,551 vehicles) all with a fix just now (their devices' last_fix_at
is set to now in the bench database first), asked for by the station leader as the page asks:
- the whole-station view: the bbox of every position at the zoom that fits it in a 1280×800 map
  (far more than LIVE_POINTS_MAX vehicles: grid clusters, stolen vehicles one by one);
- street views: 1280×800 px at zoom 17 around 30 random vehicles (clusters or points, as it falls).
The figure is the larger of the two p95s; target 300 ms. Loads the demo into the bench database when
the fleet is not there (the registry first if empty), as bench_vehicle_hooks does.
"""

from __future__ import annotations

import math
import random
import time

from bench_vehicle_hooks import ensure_fleet
from common import p95, report, setup

NAME = "vehicle_live_map_p95"
WIDTH, HEIGHT = 1280, 800  # the map in pixels
STREET_ZOOM = 17
WHOLE_REQUESTS, STREETS = 30, 30


def span(zoom: int, lat: float) -> tuple[float, float]:
    """Degrees of latitude and longitude a WIDTH×HEIGHT map shows at this zoom (Web Mercator)."""
    dlon = WIDTH * 360.0 / (256 * 2**zoom)
    return HEIGHT * 360.0 / (256 * 2**zoom) * math.cos(math.radians(lat)), dlon


def bbox(lat: float, lon: float, zoom: int) -> str:
    dlat, dlon = span(zoom, lat)
    return f"{lat - dlat / 2:.6f},{lon - dlon / 2:.6f},{lat + dlat / 2:.6f},{lon + dlon / 2:.6f}"


def timed(client, params: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get("/vehicles/live.json", params)
    ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content[:200]
    return ms, response.json()


def main():
    setup()
    from django.db.models import Max, Min
    from django.test import Client
    from django.utils import timezone

    from fengqiao.accounts.models import User
    from fengqiao.tracking.models import Device
    from fengqiao.vehicles.models import Vehicle

    station = ensure_fleet()
    fresh = Device.objects.filter(vehicle__station=station).update(last_fix_at=timezone.now())
    fleet = Vehicle.objects.filter(station=station, device__latitude__isnull=False)
    placed = fleet.count()
    print(f"  {fresh:,} devices given a fix now, {placed:,} vehicles with a position", flush=True)

    leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    client = Client()
    client.force_login(leader)

    ext = fleet.aggregate(
        s=Min("device__latitude"),
        n=Max("device__latitude"),
        w=Min("device__longitude"),
        e=Max("device__longitude"),
    )
    pad_lat, pad_lon = (ext["n"] - ext["s"]) * 0.05, (ext["e"] - ext["w"]) * 0.05
    centre = (ext["s"] + ext["n"]) / 2
    zoom = 0
    while zoom < 20:
        dlat, dlon = span(zoom + 1, centre)
        if dlat < ext["n"] - ext["s"] + 2 * pad_lat or dlon < ext["e"] - ext["w"] + 2 * pad_lon:
            break
        zoom += 1
    whole = {
        "bbox": f"{ext['s'] - pad_lat:.6f},{ext['w'] - pad_lon:.6f},"
        f"{ext['n'] + pad_lat:.6f},{ext['e'] + pad_lon:.6f}",
        "zoom": str(zoom),
    }
    timed(client, whole)  # warm up (URLconf, templates of nothing, connection)
    samples_whole = []
    for _ in range(WHOLE_REQUESTS):
        ms, data = timed(client, whole)
        samples_whole.append(ms)
    assert data["total"] == placed, (data["total"], placed)
    assert sum(c["n"] for c in data["clusters"]) == data["total"]
    print(
        f"  whole station (zoom {zoom}): {data['mode']}, {data['total']:,} in view, "
        f"{len(data['clusters'])} clusters, {len(data['vehicles'])} stolen points; "
        f"p95 {p95(samples_whole):.1f} ms, median {sorted(samples_whole)[len(samples_whole) // 2]:.1f} ms",
        flush=True,
    )

    rng = random.Random(11)
    spots = list(fleet.order_by("?").values_list("device__latitude", "device__longitude")[:STREETS])
    samples_street, modes = [], {"points": 0, "clusters": 0}
    for lat, lon in spots:
        lat, lon = lat + rng.uniform(-0.002, 0.002), lon + rng.uniform(-0.002, 0.002)
        ms, data = timed(client, {"bbox": bbox(lat, lon, STREET_ZOOM), "zoom": str(STREET_ZOOM)})
        samples_street.append(ms)
        modes[data["mode"]] += 1
        if data["mode"] == "clusters":
            assert sum(c["n"] for c in data["clusters"]) == data["total"]
    print(
        f"  street views (zoom {STREET_ZOOM}): {modes['points']} as points, "
        f"{modes['clusters']} as clusters; p95 {p95(samples_street):.1f} ms",
        flush=True,
    )
    report(NAME, max(p95(samples_whole), p95(samples_street)), "ms", 300)


if __name__ == "__main__":
    main()
