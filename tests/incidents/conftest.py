import datetime as dt
import zoneinfo

import pytest
import time_machine

from fengqiao.accounts.choices import Role
from fengqiao.incidents.models import IncidentCategory
from fengqiao.incidents.services import incident_receive
from tests.factories import UserFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def duty(station):
    return UserFactory(username="duty", full_name="值班员", role=Role.DUTY_OFFICER, station=station)


@pytest.fixture
def patrol(station):
    return UserFactory(
        username="patrol", full_name="巡逻员", role=Role.CASE_OFFICER, station=station
    )


@pytest.fixture
def cat_dispute(db):
    return IncidentCategory.objects.get(code="JF-LL")


@pytest.fixture
def cat_theft(db):
    return IncidentCategory.objects.get(code="XS-DQ")


@pytest.fixture
def cat_fight(db):
    return IncidentCategory.objects.get(code="ZA-DO")


@pytest.fixture
def make_incident(station, duty, cat_dispute, community_a):
    def make(**kwargs):
        data = dict(
            actor=duty,
            station=station,
            category=cat_dispute,
            caller_name="张三",
            caller_phone="13812345678",
            location="西街12号",
            community=community_a,
            narrative="邻居吵架",
        )
        data.update(kwargs)
        return incident_receive(**data)

    return make
