"""Every open wall of the station hears of alerts, repeats and acknowledgements (wall:<station>)."""

import pytest

from fengqiao.command import alerts
from fengqiao.push.models import PushEvent

pytestmark = pytest.mark.django_db


def _raise(station):
    return alerts.alert_raise(
        station_id=station.pk,
        kind="estate_alarm",
        source_kind="estates.gatealarm",
        source_id=1,
        title="江湾壹号 东门离线",
    )


def test_alert_repeat_and_acknowledgement_reach_the_station_wall(
    station, fenggang, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alert = _raise(station)
        _raise(station)
        alerts.alert_acknowledge(actor=fenggang, alert=alert)
    wall = list(
        PushEvent.objects.filter(audience=f"wall:{station.pk}")
        .order_by("id")
        .values_list("kind", "payload")
    )
    assert [kind for kind, _ in wall] == ["wall.alert", "wall.repeat", "wall.ack"]
    assert wall[0][1]["title"] == "江湾壹号 东门离线" and wall[0][1]["id"] == alert.pk
    assert wall[2][1]["by"] == "冯刚"
