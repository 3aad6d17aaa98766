import datetime as dt
import importlib
import zoneinfo

import pytest
import time_machine
from django.apps import apps

from fengqiao.accounts.choices import Rank, Role, UnitKind
from fengqiao.cases import services as s
from fengqiao.cases.models import OffenceType
from tests.factories import UnitFactory, UserFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture(autouse=True)
def case_defaults(request):
    """Offence types and the two supervision rules (a transaction=True flush erases them)."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    request.getfixturevalue(
        "transactional_db" if "transactional_db" in request.fixturenames else "db"
    )
    importlib.import_module("fengqiao.cases.migrations.0002_offence_types_and_rules").load_defaults(
        apps
    )
    importlib.import_module(
        "fengqiao.incidents.migrations.0002_categories_and_arrival_rules"
    ).load_defaults(apps)


@pytest.fixture(autouse=True)
def _chinese():
    """A page test in English leaves its language active in the thread; every test starts in Chinese."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture
def travel():
    """travel(moment): freeze the clock there (and move it on later in the same test)."""
    traveller = None

    def go(moment):
        nonlocal traveller
        if traveller is not None:
            traveller.stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()

    yield go
    if traveller is not None:
        traveller.stop()


@pytest.fixture
def case_team(station):
    return UnitFactory(station=station, name="案件办理队", kind=UnitKind.CASE_TEAM)


@pytest.fixture
def officer(station, case_team):
    user = UserFactory(
        username="guo", full_name="郭鹏", role=Role.CASE_OFFICER, station=station, unit=case_team
    )
    case_team.leader = user
    case_team.save()
    return user


@pytest.fixture
def officer2(station, case_team):
    return UserFactory(
        username="hu", full_name="胡斌", role=Role.CASE_OFFICER, station=station, unit=case_team
    )


@pytest.fixture
def manager(station):
    return UserFactory(username="gao", full_name="高敏", role=Role.CASE_MANAGER, station=station)


@pytest.fixture
def leader2(station):
    return UserFactory(
        username="wang", full_name="王建国", role=Role.STATION_LEADER, station=station
    )


@pytest.fixture
def bureau_user(station):
    return UserFactory(
        username="lijun", full_name="李军", role=Role.BUREAU, station=None, bureau=station.bureau
    )


@pytest.fixture
def auxiliary(station, case_team):
    return UserFactory(
        username="fu",
        full_name="辅警甲",
        role=Role.AUXILIARY,
        rank=Rank.AUXILIARY,
        station=station,
        unit=case_team,
    )


@pytest.fixture
def offence_admin(db):
    return OffenceType.objects.get(code="ZA-OD")


@pytest.fixture
def offence_criminal(db):
    return OffenceType.objects.get(code="XS-DQ")


@pytest.fixture
def open_case(alice, officer, officer2, offence_admin, offence_criminal):
    def make(kind="administrative", reported_at=None, actor=None, **kwargs):
        data = dict(
            actor=actor or alice,
            kind=kind,
            offence=offence_admin if kind == "administrative" else offence_criminal,
            title="张某被打案" if kind == "administrative" else "李某电瓶车被盗案",
            lead_officer=officer,
            second_officer=officer2,
            reported_at=reported_at,
            summary="简要案情",
        )
        data.update(kwargs)
        return s.case_open(**data)

    return make
