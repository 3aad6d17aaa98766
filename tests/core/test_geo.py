"""One map module (core/geo.py): the GCJ-02 shift, and every map's point for the same stored WGS-84
coordinate agreeing with every other map's under MAP_TILE_CRS=wgs84 and gcj02 (issue 22).

Each map is driven through its own page or JSON endpoint with the test client, as the browser reads it:
the command wall (incidents, red disputes, vehicle alarms, alerts, field units on shift, its vehicles
and communities), the
vehicles' live map, the incident map, the registry map, the anti-fraud publicity map and the estates
map, and the centre every map page opens on (the station's position)."""

import datetime as dt
import math
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.core import geo
from fengqiao.vehicles import rules as vehicle_rules
from fengqiao.vehicles import selectors as vehicle_selectors

P = (29.209312, 103.947125)  # 夹江, as stored (WGS-84)
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))  # a day shift


# ----------------------------------------------------------------------------- the conversion


def _metres(a, b) -> float:
    return vehicle_rules.distance_m(a[0], a[1], b[0], b[1])


china = st.tuples(st.floats(18.2, 53.5), st.floats(73.7, 135.0))
abroad = st.one_of(
    st.tuples(st.floats(-89.9, 3.8), st.floats(-179.9, 179.9)),
    st.tuples(st.floats(53.6, 89.9), st.floats(-179.9, 179.9)),
    st.tuples(st.floats(-89.9, 89.9), st.floats(-179.9, 73.6)),
    st.tuples(st.floats(-89.9, 89.9), st.floats(135.1, 179.9)),
)


@given(china)
def test_the_gcj02_shift_inside_china_is_under_a_kilometre(point):
    shifted = geo.wgs84_to_gcj02(*point)
    assert shifted != point
    assert _metres(point, shifted) < 1000


@given(abroad)
def test_outside_china_every_conversion_is_the_identity(point):
    assert geo.out_of_china(*point)
    assert geo.wgs84_to_gcj02(*point) == point
    assert geo.gcj02_to_wgs84(*point) == point
    assert geo.map_point(*point, "gcj02") == [round(point[0], 6), round(point[1], 6)]


@given(china)
def test_bounds_from_map_undo_the_shift_of_map_point(point):
    mlat, mlon = geo.map_point(*point, "gcj02")
    b = geo.bounds_from_map(mlat - 1e-4, mlon - 1e-4, mlat + 1e-4, mlon + 1e-4, "gcj02")
    assert b.south <= point[0] <= b.north and b.west <= point[1] <= b.east


def test_wgs84_tiles_change_nothing():
    assert geo.map_point(*P, "wgs84") == list(P)
    assert geo.bounds_from_map(29.0, 103.0, 29.5, 104.0, "wgs84") == geo.Bounds(
        29.0, 103.0, 29.5, 104.0
    )
    polygon = {"type": "Polygon", "coordinates": [[[103.9, 29.2], [103.91, 29.2], [103.9, 29.21]]]}
    assert geo.map_geometry(polygon, "wgs84") is polygon


def test_map_point_reads_the_setting_and_skips_missing_coordinates(settings):
    assert geo.map_point(None, 103.9) is None and geo.map_point(29.2, None) is None
    settings.MAP_TILE_CRS = "gcj02"
    assert geo.tile_crs() == "gcj02"
    assert geo.map_point(*P) == [round(v, 6) for v in geo.wgs84_to_gcj02(*P)]
    settings.MAP_TILE_CRS = "wgs84"
    assert geo.map_point(*P) == list(P)


def test_map_geometry_shifts_every_position_of_a_geojson_geometry():
    ring = [[103.9, 29.2], [103.91, 29.2], [103.91, 29.21], [103.9, 29.2]]
    feature = {
        "type": "Feature",
        "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
        "properties": {"name": "西街"},
    }
    shifted = geo.map_geometry({"type": "FeatureCollection", "features": [feature]}, "gcj02")
    out = shifted["features"][0]
    assert out["properties"] == {"name": "西街"}
    for (lon, lat), (mlon, mlat) in zip(ring, out["geometry"]["coordinates"][0][0], strict=True):
        assert (mlat, mlon) == geo.wgs84_to_gcj02(lat, lon)
    assert feature["geometry"]["coordinates"][0][0] == ring  # the stored value is left alone


def test_the_vehicles_app_still_exports_the_moved_names():
    assert vehicle_selectors.map_point is geo.map_point
    assert vehicle_selectors.bounds_from_map is geo.bounds_from_map
    assert vehicle_selectors.Bounds is geo.Bounds
    assert vehicle_rules.wgs84_to_gcj02 is geo.wgs84_to_gcj02
    assert vehicle_rules.gcj02_to_wgs84 is geo.gcj02_to_wgs84
    assert vehicle_rules.to_map is geo.to_map


# ----------------------------------------------------------------------------- every map agrees


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def placed(frozen, station, community_a, alice):
    """One stored WGS-84 point P under every kind of thing a map draws."""
    from fengqiao.accounts.choices import Role
    from fengqiao.antifraud.models import PublicityActivity
    from fengqiao.command import alerts
    from fengqiao.command.models import DutyAssignment, Shift
    from fengqiao.disputes.models import Dispute, DisputeType
    from fengqiao.disputes.services import dispute_register
    from fengqiao.field import units
    from fengqiao.tracking.models import Device
    from fengqiao.vehicles.models import Alarm
    from tests.factories import EstateFactory, PersonFactory, UserFactory, received_incident
    from tests.vehicles.factories import tracked_vehicle

    station.latitude, station.longitude = P
    station.save()
    community_a.latitude, community_a.longitude = P
    community_a.save()
    now = timezone.now()
    received_incident(alice, station, community_a)
    dispute = dispute_register(
        actor=alice,
        narrative="两家因排水沟发生争吵",
        dispute_type=DisputeType.objects.get(code="neighbour"),
        community=community_a,
        parties=[{"name": "张三", "phone": "13812345678"}, {"name": "李四", "role": "respondent"}],
    )
    Dispute.objects.filter(pk=dispute.pk).update(level="red")
    vehicle = tracked_vehicle(owner=PersonFactory(community=community_a, station=station))
    Device.objects.filter(pk=vehicle.device_id).update(
        latitude=P[0], longitude=P[1], last_fix_at=now - dt.timedelta(minutes=1)
    )
    Alarm.objects.create(
        station=station,
        community=community_a,
        vehicle=vehicle,
        kind="movement_while_armed",
        at=now,
        last_at=now,
        latitude=P[0],
        longitude=P[1],
    )
    alerts.alert_raise(
        station_id=station.pk,
        kind="incident",
        source_kind="test.point",
        source_id=1,
        title="测试告警",
        latitude=P[0],
        longitude=P[1],
        announce=False,
    )
    PublicityActivity.objects.create(
        station=station,
        community=community_a,
        date=timezone.localdate(),
        place="江湾壹号反诈广场",
        kind="square",
        audience=120,
        officer=alice,
        latitude=P[0],
        longitude=P[1],
    )
    EstateFactory(community=community_a, name="百草苑小区", latitude=P[0], longitude=P[1])
    officer = UserFactory(full_name="巡逻员", role=Role.CASE_OFFICER, station=station)
    shift = Shift.objects.create(station=station, name="白班", starts=dt.time(8), ends=dt.time(20))
    DutyAssignment.objects.create(
        station=station, day=NOW.date(), shift=shift, post="duty", user=officer
    )
    assert units.position_report(actor=officer, latitude=P[0], longitude=P[1]) is not None


def _lat_lon_of_geojson_point(geometry) -> list[float]:
    assert geometry["type"] == "Point"
    lon, lat = geometry["coordinates"][:2]
    return [lat, lon]


def _centre_attributes(html: str) -> list[float]:
    lat = re.search(r'data-centre-lat="([^"]*)"', html).group(1)
    lng = re.search(r'data-centre-lng="([^"]*)"', html).group(1)
    return [float(lat), float(lng)]


def points_on_every_map(client) -> dict[str, list[float]]:
    """map → the point it draws for P, pulled out of what the browser receives."""
    out: dict[str, list[float]] = {}
    wall = client.get(reverse("command:wall_data")).json()
    out["wall incident"] = wall["incidents"]["items"][0]["p"]
    out["wall red dispute"] = wall["disputes"]["items"][0]["p"]
    out["wall vehicle alarm"] = wall["vehicle_alarms"]["items"][0]["p"]
    out["wall field unit"] = wall["units"]["markers"][0]["p"]
    out["wall alert"] = next(
        a["p"] for g in wall["alerts"]["groups"] for a in g["alerts"] if a["title"] == "测试告警"
    )
    live = client.get(reverse("vehicles:live_json")).json()
    out["live map / wall vehicle"] = live["vehicles"][0]["p"]
    communities = client.get(reverse("vehicles:communities_json")).json()
    out["live map / wall community"] = next(
        _lat_lon_of_geojson_point(f["geometry"])
        for f in communities["features"]
        if f["properties"]["name"] == "西街社区"
    )
    incident_map = client.get(reverse("incidents:incident_map"))
    out["incident map community"] = next(
        _lat_lon_of_geojson_point(f["geometry"])
        for f in incident_map.context["geojson"]["features"]
        if f["properties"]["name"] == "西街社区" and f["properties"]["role"] == "centre"
    )
    out["incident map centre"] = _centre_attributes(incident_map.content.decode())
    registry = client.get(reverse("registry:community_geojson")).json()
    out["registry map community"] = next(
        _lat_lon_of_geojson_point(f["geometry"])
        for f in registry["features"]
        if f["properties"]["name"] == "西街社区" and f["properties"]["role"] == "centre"
    )
    publicity = client.get(reverse("antifraud:publicity"))
    out["anti-fraud publicity"] = _lat_lon_of_geojson_point(
        publicity.context["points"]["features"][0]["geometry"]
    )
    out["anti-fraud map centre"] = _centre_attributes(publicity.content.decode())
    estate = client.get(reverse("estates:estates_json")).json()["estates"][0]
    out["estates map"] = [estate["lat"], estate["lng"]]
    for name, url in (
        ("wall centre", reverse("command:wall")),
        ("registry map centre", reverse("registry:community_map")),
        ("estates map centre", reverse("estates:estate_list")),
        ("live map centre", reverse("vehicles:live_map")),
    ):
        out[name] = _centre_attributes(client.get(url).content.decode())
    return out


@pytest.mark.parametrize("crs", ["wgs84", "gcj02"])
def test_every_map_draws_the_same_stored_point_at_the_same_place(
    placed, alice_client, settings, crs
):
    settings.MAP_TILE_CRS = crs
    points = points_on_every_map(alice_client)
    expected = geo.map_point(*P, crs)
    wrong = {name: p for name, p in points.items() if p != pytest.approx(expected, abs=1e-6)}
    assert not wrong, f"{crs}: these maps disagree with {expected}: {wrong}"
    if crs == "gcj02":
        assert 100 < _metres(P, expected) < 1000 and not math.isclose(expected[0], P[0])
    else:
        assert expected == list(P)
