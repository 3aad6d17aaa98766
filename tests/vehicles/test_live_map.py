"""The live map's JSON (live_json / selectors.live_view): points when few vehicles are in view,
server-side grid clusters when many, stolen vehicles always one by one, the bbox checked, GCJ-02
bounds shifted back, and scoping (another station's vehicles are never counted)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fengqiao.tracking.models import Device
from fengqiao.vehicles import rules, selectors, views
from fengqiao.vehicles.choices import VehicleStatus
from fengqiao.vehicles.models import Vehicle
from tests.factories import CommunityFactory, PersonFactory
from tests.vehicles.factories import tracked_vehicle

pytestmark = pytest.mark.django_db

LIVE = reverse("vehicles:live_json")
# two neighbourhoods about 2 km apart, and a vehicle far away (30 km)
WEST = (29.200, 103.900)
EAST = (29.200, 103.920)
FAR = (29.500, 104.200)
STATION_VIEW = {"bbox": "29.15,103.85,29.25,103.97", "zoom": "14"}


def placed(owner, at, *, armed=False, stolen=False, speed=0.0, fix_age=dt.timedelta(minutes=1)):
    vehicle = tracked_vehicle(owner=owner, community=owner.community, station=owner.station)
    Device.objects.filter(pk=vehicle.device_id).update(
        latitude=at[0],
        longitude=at[1],
        speed_kmh=speed,
        last_fix_at=timezone.now() - fix_age,
    )
    Vehicle.objects.filter(pk=vehicle.pk).update(
        armed=armed, status=VehicleStatus.STOLEN if stolen else VehicleStatus.NORMAL
    )
    return vehicle


@pytest.fixture
def fleet(owner):
    """West: 3 (one armed, one moving, one stolen); east: 2 (one armed); far: 1."""
    return {
        "west": [
            placed(owner, (WEST[0] + 0.0001, WEST[1]), armed=True),
            placed(owner, (WEST[0], WEST[1] + 0.0001), speed=30.0),
            placed(owner, (WEST[0] - 0.0001, WEST[1]), stolen=True, fix_age=dt.timedelta(days=5)),
        ],
        "east": [
            placed(owner, EAST, armed=True),
            placed(owner, (EAST[0] + 0.0002, EAST[1])),
        ],
        "far": [placed(owner, FAR)],
    }


@pytest.fixture
def few_points(monkeypatch):
    monkeypatch.setattr(views, "LIVE_POINTS_MAX", 2)


def test_points_when_the_vehicles_in_view_are_under_the_threshold(alice_client, fleet):
    data = alice_client.get(LIVE, STATION_VIEW).json()
    assert data["mode"] == "points"
    assert data["total"] == 5 and data["fleet"] == 6
    assert data["clusters"] == []
    plates = {v["plate"] for v in data["vehicles"]}
    assert plates == {v.plate for v in fleet["west"] + fleet["east"]}
    assert fleet["far"][0].plate not in plates


def test_clusters_above_the_threshold_count_every_vehicle_in_view(alice_client, fleet, few_points):
    data = alice_client.get(LIVE, STATION_VIEW).json()
    assert data["mode"] == "clusters"
    assert data["total"] == 5
    assert sum(c["n"] for c in data["clusters"]) == data["total"]
    by_size = sorted(data["clusters"], key=lambda c: c["n"])
    assert [c["n"] for c in by_size] == [2, 3]
    east, west = by_size
    assert (west["stolen"], west["armed"], west["moving"]) == (1, 1, 1)
    assert (east["stolen"], east["armed"], east["moving"]) == (0, 1, 0)
    # the mean position of the cluster, in the map's coordinates (WGS-84 here)
    assert west["p"] == pytest.approx([WEST[0], WEST[1] + 0.0001 / 3], abs=1e-5)
    # clicking zooms into the cell, which holds the cluster
    (south, west_lon), (north, east_lon) = west["cell"]
    assert south <= west["p"][0] <= north and west_lon <= west["p"][1] <= east_lon


def test_stolen_vehicles_are_always_points(alice_client, fleet, few_points):
    stolen = fleet["west"][2]
    data = alice_client.get(LIVE, STATION_VIEW).json()
    assert data["mode"] == "clusters"
    assert [v["plate"] for v in data["vehicles"]] == [stolen.plate]
    assert data["vehicles"][0]["stolen"] is True and data["stolen"] == 1
    # and those out of view are counted for the patrols
    far_view = {"bbox": "29.45,104.15,29.55,104.25", "zoom": "14"}
    data = alice_client.get(LIVE, far_view).json()
    assert data["total"] == 1 and data["stolen_outside"] == 1


def test_a_deeper_zoom_splits_the_view_into_more_clusters(alice_client, fleet, few_points):
    coarse = alice_client.get(LIVE, {**STATION_VIEW, "zoom": "9"}).json()
    fine = alice_client.get(LIVE, {**STATION_VIEW, "zoom": "14"}).json()
    assert [c["n"] for c in coarse["clusters"]] == [5]
    assert len(fine["clusters"]) == 2
    assert sum(c["n"] for c in fine["clusters"]) == 5


def test_clusters_come_from_one_grouped_query(alice, fleet, django_assert_num_queries):
    queryset = Vehicle.objects.visible_to(alice).filter(device__latitude__isnull=False)
    bounds = selectors.Bounds(29.15, 103.85, 29.25, 103.97)
    # the figures, the grouped cells, the stolen vehicles
    with django_assert_num_queries(3):
        data = selectors.live_view(queryset, bounds=bounds, zoom=14, points_max=2)
    assert data["mode"] == "clusters"
    with django_assert_num_queries(2):
        data = selectors.live_view(queryset, bounds=bounds, zoom=14, points_max=2000)
    assert data["mode"] == "points"


def test_filters_still_apply(alice_client, owner, fleet, few_points):
    stale = placed(owner, WEST, fix_age=dt.timedelta(hours=2))
    data = alice_client.get(LIVE, STATION_VIEW).json()
    assert data["total"] == 5  # the stale one is left out
    data = alice_client.get(LIVE, {**STATION_VIEW, "minutes": "180"}).json()
    assert data["total"] == 6
    data = alice_client.get(LIVE, {**STATION_VIEW, "stolen": "1"}).json()
    assert data["mode"] == "points" and data["total"] == 1
    other = CommunityFactory(station=owner.station, name="南街社区")
    Vehicle.objects.filter(pk=stale.pk).update(community=other)
    data = alice_client.get(
        LIVE, {**STATION_VIEW, "minutes": "180", "community": str(other.pk)}
    ).json()
    assert [v["plate"] for v in data["vehicles"]] == [stale.plate]


@pytest.mark.parametrize(
    "bbox",
    [
        "29.1,103.8,29.3",  # three numbers
        "29.1,103.8,29.3,104,5",
        "a,103.8,29.3,104.0",
        "29.3,103.8,29.1,104.0",  # south above north
        "29.1,103.8,29.1,104.0",  # no height
        "-91,103.8,29.3,104.0",
        "29.1,-181,29.3,104.0",
        "29.1,104.0,29.3,103.8",  # west east of east
        "nan,103.8,29.3,104.0",
        "29.1,103.8,inf,104.0",
    ],
)
def test_a_bad_bbox_is_a_400_with_a_message(alice_client, fleet, bbox):
    response = alice_client.get(LIVE, {"bbox": bbox, "zoom": "12"})
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize("zoom", ["-1", "21", "12.5", "x", "²"])
def test_a_bad_zoom_is_a_400(alice_client, fleet, zoom):
    response = alice_client.get(LIVE, {"bbox": STATION_VIEW["bbox"], "zoom": zoom})
    assert response.status_code == 400 and response.json()["error"]


def test_another_stations_vehicles_are_never_counted(
    alice, charlie, login, fleet, other_station, few_points
):
    community = CommunityFactory(station=other_station, name="清溪社区")
    person = PersonFactory(community=community, station=other_station)
    theirs = [placed(person, WEST) for _ in range(3)] + [placed(person, EAST, stolen=True)]
    alice_data = login(Client(), alice).get(LIVE, STATION_VIEW).json()
    assert alice_data["total"] == 5 and alice_data["fleet"] == 6
    assert sum(c["n"] for c in alice_data["clusters"]) == 5
    assert theirs[-1].plate not in {v["plate"] for v in alice_data["vehicles"]}
    charlie_data = login(Client(), charlie).get(LIVE, STATION_VIEW).json()
    assert charlie_data["total"] == 4 and charlie_data["fleet"] == 4
    assert sum(c["n"] for c in charlie_data["clusters"]) == 4
    assert [v["plate"] for v in charlie_data["vehicles"]] == [theirs[-1].plate]


def test_a_gcj02_view_is_shifted_back_to_wgs84(alice_client, owner, settings):
    settings.MAP_TILE_CRS = "gcj02"
    vehicle = placed(owner, WEST)
    mlat, mlon = rules.wgs84_to_gcj02(*WEST)
    assert abs(mlat - WEST[0]) + abs(mlon - WEST[1]) > 0.002  # a few hundred metres
    around_map = f"{mlat - 0.0005},{mlon - 0.0005},{mlat + 0.0005},{mlon + 0.0005}"
    data = alice_client.get(LIVE, {"bbox": around_map, "zoom": "18"}).json()
    assert [v["plate"] for v in data["vehicles"]] == [vehicle.plate]
    assert data["vehicles"][0]["p"] == pytest.approx([mlat, mlon], abs=1e-5)
    around_raw = f"{WEST[0] - 0.0005},{WEST[1] - 0.0005},{WEST[0] + 0.0005},{WEST[1] + 0.0005}"
    assert alice_client.get(LIVE, {"bbox": around_raw, "zoom": "18"}).json()["total"] == 0


def test_without_a_bbox_the_whole_scope_is_in_view(alice_client, fleet):
    data = alice_client.get(LIVE).json()
    assert data["mode"] == "points" and data["total"] == data["fleet"] == 6


def test_cells_stay_bounded_for_a_huge_view():
    world = selectors.Bounds(-85, -180, 85, 180)
    dlat, dlon = selectors.cell_size(20, world)
    assert (170 / dlat) * (360 / dlon) <= selectors.LIVE_MAX_CELLS * 1.01


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_the_recent_fix_filter_reads_indexes_not_the_whole_fleet(alice_client, fleet):
    """'A fix in the last 15 minutes, or stolen' is read through the device's fix-time index and the
    vehicle's status index: an OR across the two tables scanned every vehicle of the station (90 ms
    at 56,551 vehicles), whatever the map showed."""
    with CaptureQueriesContext(connection) as captured:
        assert alice_client.get(LIVE, STATION_VIEW).status_code == 200
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if "vehicles_vehicle" not in query["sql"]:
                continue
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plans.append(" | ".join(row[-1] for row in cursor.fetchall()))
    assert plans
    for plan in plans:
        assert "tracking_device_last_fix_idx" in plan, plan
        assert "SCAN vehicles_vehicle" not in plan and "SCAN tracking_device" not in plan, plan
