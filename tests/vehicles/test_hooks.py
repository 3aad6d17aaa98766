"""The gateway's after-store hook: movement while armed, leaving the home fence, device alarms."""

import datetime as dt

import pytest
import time_machine

from fengqiao.notifications.models import Notification
from fengqiao.vehicles import hooks, services
from fengqiao.vehicles.choices import AlarmKind
from fengqiao.vehicles.models import Alarm, OwnerMessage, Vehicle

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
HOME = (29.2090, 103.9470)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def pos(vehicle, lat=HOME[0], lon=HOME[1], speed=0.0, at=NOW, **kw):
    return {
        "device_id": vehicle.device_id,
        "identifier": vehicle.imei,
        "fixed_at": at,
        "latitude": lat,
        "longitude": lon,
        "speed_kmh": speed,
        "course": 0,
        "valid": True,
        "outdated": False,
        "buffered": False,
        **kw,
    }


def arm(vehicle, actor):
    vehicle.device.latitude, vehicle.device.longitude = HOME
    vehicle.device.save()
    services.vehicle_arm(actor=actor, vehicle=vehicle, armed=True)
    vehicle.refresh_from_db()


def test_armed_vehicle_moving_raises_one_alarm_and_tells_owner_and_command_room(
    alice, vehicle, commander
):
    arm(vehicle, alice)
    assert hooks.after_store([pos(vehicle, speed=1)], []) == 0
    opened = hooks.after_store(
        [
            pos(vehicle, speed=18, at=NOW + dt.timedelta(seconds=10)),
            pos(vehicle, lat=HOME[0] + 0.003, at=NOW + dt.timedelta(seconds=20)),
        ],
        [],
    )
    assert opened == 1
    alarm = Alarm.objects.get()
    assert alarm.kind == AlarmKind.MOVEMENT_WHILE_ARMED and alarm.latitude == pytest.approx(
        HOME[0] + 0.003
    )
    assert OwnerMessage.objects.get(alarm=alarm).phone == "13900001111"
    note = Notification.objects.get(recipient=commander)
    assert note.urgent and "川L12345" in note.title
    # the next batch only counts the repeat
    assert hooks.after_store([pos(vehicle, speed=30, at=NOW + dt.timedelta(seconds=30))], []) == 0
    assert Alarm.objects.get().repeats == 1


def test_unarmed_vehicle_moving_raises_nothing(vehicle):
    assert hooks.after_store([pos(vehicle, speed=40, lat=HOME[0] + 0.01)], []) == 0
    assert not Alarm.objects.exists()


def test_buffered_outdated_invalid_and_zero_fixes_are_not_judged(alice, vehicle):
    arm(vehicle, alice)
    batch = [
        pos(vehicle, speed=50, buffered=True),
        pos(vehicle, speed=50, outdated=True),
        pos(vehicle, speed=50, valid=False),
        pos(vehicle, lat=0.0, lon=0.0, speed=50),
    ]
    assert hooks.after_store(batch, []) == 0


def test_leaving_the_home_fence_alarms_once_and_coming_back_resets(alice, vehicle):
    services.vehicle_set_fence(
        actor=alice, vehicle=vehicle, latitude=HOME[0], longitude=HOME[1], radius_m=500
    )
    assert hooks.after_store([pos(vehicle, lat=HOME[0] + 0.002)], []) == 0  # ~220 m: inside
    assert (
        hooks.after_store([pos(vehicle, lat=HOME[0] + 0.01, at=NOW + dt.timedelta(minutes=1))], [])
        == 1
    )
    vehicle.refresh_from_db()
    assert vehicle.outside_fence
    assert (
        hooks.after_store([pos(vehicle, lat=HOME[0] + 0.011, at=NOW + dt.timedelta(minutes=2))], [])
        == 0
    )
    hooks.after_store([pos(vehicle, at=NOW + dt.timedelta(minutes=3))], [])
    vehicle.refresh_from_db()
    assert not vehicle.outside_fence
    assert Alarm.objects.filter(kind=AlarmKind.FENCE_EXIT).count() == 1


def test_device_alarms_map_to_business_alarms(vehicle, vehicle_b):
    alarms = [
        {**pos(vehicle), "kind": "power_cut", "at": NOW},
        {**pos(vehicle_b), "kind": "vibration", "at": NOW},
        {**pos(vehicle_b), "kind": "low_battery", "at": NOW},
        {**pos(vehicle), "kind": "sos", "at": NOW},  # not a vehicle alarm
    ]
    assert hooks.after_store([], alarms) == 3
    assert set(Alarm.objects.values_list("vehicle__plate", "kind")) == {
        ("川L12345", "power_cut"),
        ("川L54321", "vibration"),
        ("川L54321", "low_battery"),
    }


def test_every_device_alarm_kind_passes_the_hook(vehicle):
    """The decoders name many more device alarms than the vehicle alarms (issue 20, defect 9): those
    the vehicles app has no business alarm for are stored as device alarms and left alone here."""
    from fengqiao.tracking.choices import AlarmKind as DeviceAlarmKind

    alarms = [{**pos(vehicle), "kind": kind, "at": NOW} for kind in DeviceAlarmKind.values]
    assert hooks.after_store([], alarms) == len(hooks.DEVICE_ALARMS)
    assert set(Alarm.objects.values_list("kind", flat=True)) == set(hooks.DEVICE_ALARMS.values())


def test_unknown_devices_and_garbage_never_raise(vehicle):
    assert (
        hooks.after_store(
            [{"identifier": "999", "fixed_at": NOW, "latitude": 1, "longitude": 2, "valid": True}],
            [],
        )
        == 0
    )
    assert (
        hooks.after_store([{"identifier": vehicle.imei, "fixed_at": NOW}], [{"kind": "vibration"}])
        == 0
    )
    assert hooks.after_store([], []) == 0


def test_one_batch_of_many_vehicles_uses_few_queries(alice, vehicle, django_assert_max_num_queries):
    from tests.vehicles.factories import tracked_vehicle

    others = [tracked_vehicle(owner=vehicle.owner) for _ in range(30)]
    Vehicle.objects.filter(pk__in=[v.pk for v in others]).update(
        home_latitude=HOME[0], home_longitude=HOME[1], home_radius_m=1000
    )
    batch = [pos(v, speed=10) for v in others for _ in range(3)]
    with django_assert_max_num_queries(3):
        assert hooks.after_store(batch, []) == 0
