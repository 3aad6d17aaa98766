"""The gateway's hooks thread runs outside any request: an alarm it opens still reaches the command
room's wall, through `vehicle.alarm_raised` delivered when that thread's transaction commits."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from fengqiao.command.models import Alert
from fengqiao.vehicles import hooks
from fengqiao.vehicles.models import Alarm

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_alarm_from_the_gateway_hooks_thread_reaches_the_wall(vehicle, commander):
    device_alarm = {
        "device_id": vehicle.device_id,
        "identifier": vehicle.imei,
        "kind": "power_cut",
        "at": NOW,
        "fixed_at": NOW,
        "latitude": 29.2090,
        "longitude": 103.9470,
        "speed_kmh": 0.0,
        "valid": True,
    }
    opened = []

    def gateway_hooks_thread():  # as gateway.store's "gateway-hooks" thread: its own connection
        try:
            opened.append(hooks.after_store([], [device_alarm]))
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=False):
        thread = threading.Thread(target=gateway_hooks_thread, name="gateway-hooks")
        thread.start()
        thread.join(60)
    assert opened == [1]
    alarm = Alarm.objects.get()
    alert = Alert.objects.get(source_kind="vehicles.alarm", source_id=alarm.pk)
    assert alert.kind == "vehicle_alarm" and alert.level == "red" and "川L12345" in alert.title
