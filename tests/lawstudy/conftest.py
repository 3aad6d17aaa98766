import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.accounts.choices import Rank, Role
from fengqiao.lawstudy.models import StudySession
from tests.factories import UserFactory


@pytest.fixture
def officers(station, alice, bob):
    """Two more of the station: a police officer and an auxiliary officer."""
    police = UserFactory(
        username="p1", full_name="民警甲", role=Role.CASE_OFFICER, rank=Rank.POLICE, station=station
    )
    aux = UserFactory(
        username="a1", full_name="辅警乙", role=Role.AUXILIARY, rank=Rank.AUXILIARY, station=station
    )
    return police, aux


@pytest.fixture
def session(station, alice):
    return StudySession.objects.create(
        station=station,
        topic="治安管理处罚法(2025修订)要点",
        starts_at=timezone.now() + dt.timedelta(minutes=30),
        minutes=60,
        place="三楼会议室",
        host=alice,
        articles="治安管理处罚法 第九十九条",
    )
