"""command_wall_p95: the command-room wall's data (`command:wall_data`: alerts grouped, open incidents,
red disputes, fraud warnings near their deadline, overdue clocks, vehicle alarms, patrol points due,
who is on duty) at full demo size; p95 < 300 ms.

The 指挥室 officer 冯刚 of 玉津派出所 GETs the JSON repeatedly through Django's test client (the whole
request: middleware, session, scoping, JSON). Loads the full demo into the bench database when it is not
there, and the command room's demo when the database predates it.
"""

from __future__ import annotations

import sys
import time

from common import median, p95, report, setup

NAME = "command_wall_p95"
TARGET_MS = 300.0
REQUESTS = 100
STATION = "511123-YJ"


def ensure_command_demo():
    from django.db import transaction

    from fengqiao.accounts.models import Station
    from fengqiao.command.models import Shift
    from fengqiao.core import context
    from fengqiao.demo import command as demo
    from fengqiao.demo import generator

    station = Station.objects.filter(code=STATION).first()
    if station is None:
        print("loading the full-size demo data into the bench database …", flush=True)
        started = time.perf_counter()
        generator.load(scale=1, seed=20240420, log=lambda line: print(line, flush=True))
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
        station = Station.objects.get(code=STATION)
    if not Shift.objects.filter(station=station).exists():
        with transaction.atomic(), context.acting_as(None, source="command"):
            print(
                demo.load(scale=1, seed=20240420, log=lambda line: print(line, flush=True)),
                flush=True,
            )
    return station


def main() -> None:
    setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from fengqiao.accounts.models import User
    from fengqiao.incidents.models import Incident
    from fengqiao.vehicles.models import Alarm, Vehicle

    setup_test_environment()
    station = ensure_command_demo()
    user = User.objects.filter(station=station, role="command").order_by("pk").first()
    vehicles = Vehicle.objects.filter(station=station).count()
    incidents = Incident.objects.filter(station=station).count()
    alarms = Alarm.objects.filter(station=station).count()
    if vehicles < 50000:
        print(f"the bench database holds a smaller demo ({vehicles} vehicles)", file=sys.stderr)
        sys.exit(2)
    client = Client()
    client.force_login(user)
    url = "/command/wall.json"
    first = client.get(url)
    if first.status_code != 200:
        raise SystemExit(f"wall data answered {first.status_code}")
    body = first.json()
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    print(
        f"{vehicles:,} vehicles, {incidents:,} incidents, {alarms:,} vehicle alarms; wall shows "
        f"{body['alerts']['open']} open alerts in {len(body['alerts']['groups'])} groups, "
        f"{body['incidents']['count']} open incidents, {body['disputes']['count']} red disputes, "
        f"{body['overdue']['count']} overdue clocks, {body['vehicle_alarms']['older_open']} older vehicle alarms counted"
    )
    print(
        f"{REQUESTS} requests: median {median(samples):.1f} ms, p95 {p95(samples):.1f} ms, max {max(samples):.1f} ms"
    )
    sys.exit(0 if report(NAME, p95(samples), "ms", TARGET_MS) else 1)


if __name__ == "__main__":
    main()
