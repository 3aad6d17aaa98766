"""accounts.selectors.station_leaders: the one "所领导 of station X" every notification asks (issue 22)."""

import pytest

from fengqiao.accounts.choices import Role
from fengqiao.accounts.selectors import station_leaders
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_active_station_leaders_of_that_station_only(station, other_station, alice):
    deputy = UserFactory(role=Role.STATION_LEADER, station=station)
    UserFactory(role=Role.STATION_LEADER, station=station, is_active=False)  # left the station
    UserFactory(role=Role.ADMIN, station=station)  # shares the leaders' powers, is no leader
    UserFactory(role=Role.COMMAND, station=station)
    UserFactory(role=Role.STATION_LEADER, station=other_station)
    assert list(station_leaders(station)) == [alice, deputy]
    assert list(station_leaders(station.pk)) == [alice, deputy]
    assert list(station_leaders(None)) == []
