import datetime as dt
import importlib
import zoneinfo

import pytest
import time_machine
from django.apps import apps

from fengqiao.accounts.choices import Role
from fengqiao.antifraud.models import FraudType
from tests.factories import AddressFactory, PersonFactory, UserFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def load_defaults():
    importlib.import_module(
        "fengqiao.antifraud.migrations.0002_fraud_types_and_contact_rules"
    ).load_defaults(apps)
    importlib.import_module(
        "fengqiao.incidents.migrations.0002_categories_and_arrival_rules"
    ).load_defaults(apps)


@pytest.fixture(autouse=True)
def _antifraud_defaults(request):
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        request.getfixturevalue(
            "transactional_db" if "transactional_db" in request.fixturenames else "db"
        )
        load_defaults()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shua_dan(db):
    return FraudType.objects.get(name="刷单返利")


@pytest.fixture
def command(station):
    return UserFactory(username="command", full_name="指挥员", role=Role.COMMAND, station=station)


@pytest.fixture
def resident(community_a):
    address = AddressFactory(
        station=community_a.station,
        community=community_a,
        town="玉津镇",
        road="西街",
        doorplate="12",
    )
    return PersonFactory(
        station=community_a.station,
        community=community_a,
        name="王芳",
        phone="13900001111",
        address=address,
    )


@pytest.fixture
def resident_b(community_b):
    return PersonFactory(
        station=community_b.station, community=community_b, name="李强", phone="13900002222"
    )
