import datetime as dt
import zoneinfo

import pytest

from fengqiao.accounts.choices import Role
from fengqiao.command.models import Camera, PatrolPoint, Shift
from tests.factories import UserFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def fenggang(station):
    return UserFactory(username="fenggang", full_name="冯刚", role=Role.COMMAND, station=station)


@pytest.fixture
def duty(station):
    return UserFactory(
        username="liuyang", full_name="刘洋", role=Role.DUTY_OFFICER, station=station
    )


@pytest.fixture
def leader2(station):
    return UserFactory(
        username="leader2", full_name="王副所", role=Role.STATION_LEADER, station=station
    )


@pytest.fixture
def day_shift(station):
    return Shift.objects.create(
        station=station, name="白班", starts=dt.time(8, 30), ends=dt.time(20, 30)
    )


@pytest.fixture
def night_shift(station):
    return Shift.objects.create(
        station=station, name="夜班", starts=dt.time(20, 30), ends=dt.time(8, 30), sort=2
    )


@pytest.fixture
def camera(station):
    return Camera.objects.create(
        station=station,
        name="江湾壹号-全景",
        place="江湾壹号反诈广场",
        stream_kind="hls",
        stream_url="http://127.0.0.1:9/live/jw.m3u8",
    )


@pytest.fixture
def point(station, camera, community_a):
    p = PatrolPoint.objects.create(
        station=station, name="江湾壹号", place="反诈广场", community=community_a
    )
    p.cameras.add(camera)
    return p


@pytest.fixture
def cat_dispute(db):
    """The category comes from a data migration, which a transaction=True test's flush erases."""
    import importlib

    from django.apps import apps

    from fengqiao.incidents.models import IncidentCategory

    if not IncidentCategory.objects.filter(code="JF-LL").exists():
        importlib.import_module(
            "fengqiao.incidents.migrations.0002_categories_and_arrival_rules"
        ).load_defaults(apps)
    return IncidentCategory.objects.get(code="JF-LL")
