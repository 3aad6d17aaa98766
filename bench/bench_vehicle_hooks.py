"""vehicle_hook_throughput and vehicle_search_p95 on the full fleet (56,551 vehicles at 玉津).

- vehicle_hook_throughput: positions per second through `fengqiao.vehicles.hooks.after_store` (the
  gateway calls it after every stored batch): 60 batches of 500 fixes from random vehicles of the
  fleet (20 % armed, 10 % with a home fence); 0.2 % of the fixes move the vehicle 3 km at 30 km/h,
  so alarms, owner SMS rows and command-room notifications are written as in service. Target: at
  least the gateway's peak, 20,000 positions/s, so the hook never limits ingestion.
- vehicle_search_p95: the vehicle search page (plate fragment, owner name, phone, IMEI) as the station
  leader; p95 < 150 ms.

Loads the demo into the bench database when the fleet is not there (the registry first if empty).
"""

from __future__ import annotations

import random
import sys
import time

from common import p95, report, setup

NAMES = ["vehicle_hook_throughput", "vehicle_search_p95"]
STATION = "511123-YJ"
FLEET = 56_551
BATCHES, BATCH = 60, 500
AWAY_SHARE = 0.002  # fixes that move an armed vehicle or leave a fence (if the vehicle has one)


def ensure_fleet():
    from fengqiao.accounts.models import Station
    from fengqiao.demo import generator
    from fengqiao.demo import vehicles as demo
    from fengqiao.vehicles.models import Vehicle

    station = Station.objects.filter(code=STATION).first()
    if station is None:
        print(
            "loading the full-size registry and vehicles demo into the bench database …", flush=True
        )
        generator.PART_DEMOS[:] = [
            "fengqiao.demo.vehicles"
        ]  # this bench needs only the registry and vehicles
        generator.load(scale=1, seed=20240420, log=lambda line: print(line, flush=True))
        station = Station.objects.get(code=STATION)
    elif not Vehicle.objects.filter(station=station).exists():
        from django.db import transaction

        print("loading the vehicles demo into the bench database …", flush=True)
        with transaction.atomic():
            demo.load(scale=1, seed=20240420, log=lambda line: print(line, flush=True))
    count = Vehicle.objects.filter(station=station).count()
    if count < FLEET:
        print(
            f"the bench database holds a smaller fleet ({count}); use an empty BENCH_DATABASE_URL",
            file=sys.stderr,
        )
        sys.exit(2)
    return station


def hook_throughput(station, rng) -> float:
    from django.db.models import Max
    from django.utils import timezone

    from fengqiao.vehicles import hooks
    from fengqiao.vehicles.models import Alarm, OwnerMessage, Vehicle

    fleet = list(
        Vehicle.objects.filter(station=station, device__isnull=False).values_list(
            "device_id", "imei", "device__latitude", "device__longitude", "armed", "home_radius_m"
        )
    )
    fleet = [f for f in fleet if f[2] is not None]
    before = Alarm.objects.aggregate(m=Max("pk"))["m"] or 0
    now = timezone.now()
    batches = []
    for _batch in range(BATCHES):
        rows = []
        for _ in range(BATCH):
            device_id, imei, lat, lon, armed, radius = fleet[rng.randrange(len(fleet))]
            away = rng.random() < AWAY_SHARE
            rows.append(
                {
                    "device_id": device_id,
                    "identifier": imei,
                    "fixed_at": now,
                    "latitude": lat + (0.03 if away else 0.00001),
                    "longitude": lon,
                    "speed_kmh": 30.0 if away else 0.0,
                    "course": 0.0,
                    "valid": True,
                    "outdated": False,
                    "buffered": False,
                    "attributes": {},
                }
            )
        batches.append(rows)
    from django.urls import reverse

    reverse(
        "vehicles:alarm_list"
    )  # warm up: the URLconf is imported once per process, not per batch
    opened = 0
    started = time.perf_counter()
    for rows in batches:
        opened += hooks.after_store(rows, [])
    seconds = time.perf_counter() - started
    rate = BATCHES * BATCH / seconds
    print(f"  {BATCHES * BATCH:,} fixes in {seconds:.2f} s, {opened} alarms opened", flush=True)
    # leave the bench database as it was
    OwnerMessage.objects.filter(alarm__pk__gt=before).delete()
    Alarm.objects.filter(pk__gt=before).delete()
    Vehicle.objects.filter(station=station, outside_fence=True).update(outside_fence=False)
    return rate


def search_p95(station, rng) -> float:
    from django.test import Client

    from fengqiao.accounts.models import User
    from fengqiao.vehicles.models import Vehicle

    leader = User.objects.filter(station=station, role="station_leader").order_by("pk").first()
    client = Client()
    client.force_login(leader)
    sample = list(
        Vehicle.objects.filter(station=station).select_related("owner").order_by("?")[:40]
    )
    queries = []
    for v in sample:
        queries += [v.plate[-5:], v.owner.name, v.owner.phone, v.imei]
    samples = []
    for q in queries:
        started = time.perf_counter()
        response = client.get("/vehicles/", {"q": q})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return p95(samples)


def main():
    setup()
    station = ensure_fleet()
    rng = random.Random(7)
    rate = hook_throughput(station, rng)
    report("vehicle_hook_throughput", rate, "positions/s", 20000, lower_is_better=False)
    report("vehicle_search_p95", search_p95(station, rng), "ms", 150)


if __name__ == "__main__":
    main()
