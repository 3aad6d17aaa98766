"""Part 7 on the command room's wall: a terminal gone offline raises one alert (after the health
sweep commits), and the wall's 小区告警 panel lists offline terminals, scoped to the station."""

import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.command import selectors
from fengqiao.command.models import Alert
from fengqiao.estates import services as estate_services
from fengqiao.estates.models import AccessDevice
from tests.estates import factories


@pytest.fixture
def estate(community_a):
    from fengqiao.estates.models import Estate

    return Estate.objects.create(
        station=community_a.station,
        community=community_a,
        name="百草苑小区",
        households=320,
        latitude=29.21,
        longitude=103.95,
    )


@pytest.fixture
def silent_terminal(estate):
    from fengqiao.estates.models import Gate

    dev = factories.device(Gate.objects.create(estate=estate, name="东门", direction=""))
    AccessDevice.objects.filter(pk=dev.pk).update(
        last_seen_at=timezone.now() - dt.timedelta(minutes=30)
    )
    return dev


def test_an_offline_terminal_raises_one_wall_alert(
    silent_terminal, estate, fenggang, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert estate_services.devices_health_sweep()["offline"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        estate_services.devices_health_sweep()
    alert = Alert.objects.get()
    assert alert.kind == "estate_alarm" and alert.station_id == estate.station_id
    assert "百草苑小区" in alert.title and alert.url == estate.get_absolute_url()
    assert (alert.latitude, alert.longitude) == (29.21, 103.95)


def test_the_wall_lists_offline_terminals_for_its_station_only(
    silent_terminal, fenggang, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        estate_services.devices_health_sweep()
    now = timezone.now()
    panel = selectors.wall_data(fenggang, now)["estates"]
    assert panel["count"] == 1 and "百草苑小区" in panel["items"][0]["title"]
    assert selectors.wall_data(charlie, now)["estates"]["count"] == 0
