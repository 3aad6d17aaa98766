"""Patrol cars on the wall: a car's JT/T 808 tracker reports through the real gateway; its fixes are
stored only while one of its crew is on a shift of the roster, and the car is then a unit (status,
age of the last fix) ranked with the officers' phones; off shift nothing is stored."""

import datetime as dt
import struct

import pytest
from django.utils import timezone

from fengqiao.command.models import DutyAssignment, Shift
from fengqiao.command.rules import TZ
from fengqiao.field import patrol, services, units
from fengqiao.gateway import jt808
from fengqiao.gateway.messages import Fix
from fengqiao.gateway.server import Limits
from fengqiao.tracking.choices import DeviceStatus, Protocol
from fengqiao.tracking.models import Device, Position
from tests.factories import UserFactory, received_incident
from tests.field.conftest import NEAR, SCENE
from tests.tracking.conftest import RunningGateway, wait_for
from tests.tracking.factories import DeviceFactory

TERMINAL = "13800138123"


def _car(station, crew, identifier=TERMINAL, name="巡逻1车"):
    leader = UserFactory(role="command", station=station)
    device = DeviceFactory(
        identifier=identifier,
        protocol=Protocol.JT808,
        station=station,
        status=DeviceStatus.ACTIVE,
        auth_code="C0DE",
    )
    return patrol.car_register(
        actor=leader, device=device, name=name, plate="川L·0110警", crew=crew
    )


def _on_shift_now(station, user):
    """A 24-hour shift from today's midnight (station's clock) with `user` on it."""
    shift = Shift.objects.create(station=station, name="全天", starts=dt.time(0), ends=dt.time(0))
    DutyAssignment.objects.create(
        station=station,
        day=timezone.now().astimezone(TZ).date(),
        shift=shift,
        post="duty",
        user=user,
    )


def _report(gateway, fix_time, *, identifier=TERMINAL):
    """A real JT/T 808 session: authentication (0x0102), then a location report (0x0200); returns
    the platform's general response to the report (acknowledged or not)."""
    phone = jt808.phone_bcd(identifier)
    sock = gateway.connect("jt808")
    try:
        sock.sendall(jt808.encode(jt808.AUTH, b"C0DE", phone=phone, serial=1))
        sock.recv(100)
        fix = Fix(time=fix_time, latitude=NEAR[0], longitude=NEAR[1], speed_kmh=30)
        sock.sendall(jt808.encode(jt808.LOCATION, jt808.location_body(fix), phone=phone, serial=2))
        reply = jt808.unescape(sock.recv(100)[1:-1])
        return struct.unpack_from(">HHB", reply, 12)
    finally:
        sock.close()


@pytest.fixture
def gateway(transactional_db, settings):
    settings.GATEWAY_HOOKS = []
    patrol.forget()
    gw = RunningGateway(Limits(max_errors=5, idle_seconds=600, rate=100, burst=1000)).start()
    yield gw
    gw.stop()
    patrol.forget()


@pytest.fixture
def _fresh_board():
    from django.core.cache import cache

    cache.clear()


def test_a_car_on_shift_is_stored_and_becomes_a_unit(gateway, station, _fresh_board):
    crew = UserFactory(role="case_officer", station=station, full_name="巡逻员甲")
    _on_shift_now(station, crew)
    car = _car(station, [crew])
    at = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=20)
    assert _report(gateway, at) == (2, jt808.LOCATION, 0)
    wait_for(lambda: Position.objects.filter(device=car.device).exists())
    assert wait_for(lambda: Device.objects.get(pk=car.device_id).last_fix_at == at)

    board = units.units(station.pk, timezone.now())
    rows = [u for u in board if u["kind"] == "car"]
    assert len(rows) == 1
    unit = rows[0]
    assert unit["name"] == "巡逻1车" and "川L·0110警" in unit["post"]
    assert unit["status"] == "on_post" and unit["crew_ids"] == [crew.pk]
    assert (unit["latitude"], unit["longitude"]) == pytest.approx(NEAR)
    assert 15 <= unit["fix_age_seconds"] <= 120
    # The officer himself is a unit too (no phone fix: not ranked by distance).
    assert any(u["kind"] == "officer" and u["officer_id"] == crew.pk for u in board)


def test_a_car_off_shift_is_acknowledged_and_nothing_is_stored(gateway, station, _fresh_board):
    crew = UserFactory(role="case_officer", station=station)  # on no shift
    car = _car(station, [crew])
    assert _report(gateway, timezone.now().replace(microsecond=0)) == (2, jt808.LOCATION, 0)
    # The acknowledgement came after the batch's commit: nothing is there, nor on the device row.
    assert not Position.objects.filter(device=car.device).exists()
    assert Device.objects.get(pk=car.device_id).last_fix_at is None
    assert not [u for u in units.units(station.pk, timezone.now()) if u["kind"] == "car"]

    # Another tracker (not a patrol car) is stored as before.
    DeviceFactory(
        identifier="13800138999", protocol=Protocol.JT808, station=station, auth_code="C0DE"
    )
    _report(gateway, timezone.now().replace(microsecond=0), identifier="13800138999")
    assert Position.objects.filter(device__identifier="13800138999").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_fix_taken_before_the_shift_is_not_stored(station):
    """A tracker's buffered fixes from before the crew's shift (补传) are withheld by their own time."""
    from fengqiao.tracking.store import DjangoStore

    crew = UserFactory(role="case_officer", station=station)
    today = timezone.now().astimezone(TZ).date()
    shift = Shift.objects.create(station=station, name="日", starts=dt.time(0), ends=dt.time(0))
    DutyAssignment.objects.create(station=station, day=today, shift=shift, post="duty", user=crew)
    car = _car(station, [crew])
    start = dt.datetime.combine(today, dt.time(0), tzinfo=TZ)

    def rec(at):
        return (car.device_id, TERMINAL, at, at, *NEAR, 0.0, 0.0, True, True, False, {}, (), b"")

    before, during = rec(start - dt.timedelta(minutes=5)), rec(start + dt.timedelta(minutes=5))
    written = DjangoStore().write([before, during], {})
    assert written == [during]
    assert list(Position.objects.values_list("fixed_at", flat=True)) == [during[2]]


def test_cars_are_ranked_with_phones_and_dispatch_sends_the_crew(
    frozen, station, duty, client, community_a, _fresh_board
):
    from tests.field.conftest import FAR, NOW

    shift = Shift.objects.create(station=station, name="白班", starts=dt.time(8), ends=dt.time(20))
    crew = UserFactory(role="case_officer", station=station, full_name="车组甲")
    walker = UserFactory(role="case_officer", station=station, full_name="步巡乙")
    for user in (crew, walker):
        DutyAssignment.objects.create(
            station=station, day=NOW.date(), shift=shift, post="duty", user=user
        )
    car = _car(station, [crew])
    # The tracker's last stored fix, as the gateway leaves it on the device row.
    Device.objects.filter(pk=car.device_id).update(
        last_fix_at=NOW - dt.timedelta(seconds=40), latitude=NEAR[0], longitude=NEAR[1]
    )
    units.position_report(actor=walker, latitude=FAR[0], longitude=FAR[1])
    incident = received_incident(duty, station, community_a)
    services.incident_place_set(
        actor=duty, incident=incident, latitude=SCENE[0], longitude=SCENE[1]
    )
    ranked = units.nearest_units(incident)
    assert [(u["kind"], u["name"]) for u in ranked] == [("car", "巡逻1车"), ("officer", "步巡乙")]
    assert ranked[0]["fix_age_seconds"] == 40 and ranked[0]["distance_m"] < 100

    # One click on the car dispatches its crew on shift.
    commander = UserFactory(role="command", station=station)
    client.force_login(commander)
    page = client.get(f"/field/incidents/{incident.pk}/nearest/")
    assert "巡逻1车" in page.content.decode()
    client.post(f"/field/incidents/{incident.pk}/nearest/", {"officer": [crew.pk]})
    incident.refresh_from_db()
    assert list(incident.officers.all()) == [crew]


def test_car_positions_are_kept_thirty_days(frozen, station):
    from tests.field.conftest import NOW

    crew = UserFactory(role="case_officer", station=station)
    car = _car(station, [crew])
    Position.objects.create(
        device=car.device, fixed_at=NOW, received_at=NOW, latitude=NEAR[0], longitude=NEAR[1]
    )
    Device.objects.filter(pk=car.device_id).update(
        last_fix_at=NOW, latitude=NEAR[0], longitude=NEAR[1]
    )
    other = DeviceFactory(station=station)
    Position.objects.create(
        device=other, fixed_at=NOW, received_at=NOW, latitude=NEAR[0], longitude=NEAR[1]
    )
    frozen.shift(dt.timedelta(days=29))
    assert patrol.positions_purge() == 0
    frozen.shift(dt.timedelta(days=2))
    assert patrol.positions_purge() == 1
    assert Device.objects.get(pk=car.device_id).latitude is None
    assert Position.objects.filter(device=other).count() == 1


def test_the_command_side_registers_a_car_on_its_page(station, other_station, client, patrol):
    commander = UserFactory(role="command", station=station)
    mine = DeviceFactory(
        identifier="13800138555", protocol=Protocol.JT808, station=station,
        status=DeviceStatus.ACTIVE,
    )  # fmt: skip
    theirs = DeviceFactory(
        identifier="13800138666", protocol=Protocol.JT808, station=other_station,
        status=DeviceStatus.ACTIVE,
    )  # fmt: skip
    client.force_login(commander)
    page = client.get("/field/cars/")
    assert page.status_code == 200 and "13800138555" in page.content.decode()
    assert "13800138666" not in page.content.decode()
    answer = client.post(
        "/field/cars/",
        {"device": mine.pk, "name": "巡逻3车", "plate": "川L0330警", "crew": [patrol.pk]},
    )
    assert answer.status_code == 302
    car = mine.patrol_car
    assert car.name == "巡逻3车" and list(car.crew.all()) == [patrol]
    # Another station's tracker cannot be made a car here.
    client.post("/field/cars/", {"device": theirs.pk, "name": "X"})
    assert not hasattr(Device.objects.get(pk=theirs.pk), "patrol_car")
    # An officer who is not of the command side cannot open the page.
    client.force_login(patrol)
    assert client.get("/field/cars/").status_code == 403
