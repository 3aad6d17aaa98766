import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from PIL import Image

from fengqiao.accounts.choices import Role
from fengqiao.incidents.services import incident_dispatch
from tests.factories import UserFactory, received_incident

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
# 玉津派出所's square (犍为县): the scene, and points ~60 m and ~1 km from it.
SCENE = (29.2090, 103.9440)
NEAR = (29.2095, 103.9442)
FAR = (29.2180, 103.9440)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _chinese():
    """Messages are asserted in Chinese, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _fresh_unit_board():
    """The live unit board is shared for a few seconds through the cache (field/units.py)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def duty(station):
    return UserFactory(username="duty", full_name="值班员", role=Role.DUTY_OFFICER, station=station)


@pytest.fixture
def patrol(station):
    return UserFactory(
        username="patrol", full_name="巡逻员", role=Role.CASE_OFFICER, station=station
    )


@pytest.fixture
def auditor(station):
    return UserFactory(username="auditor", full_name="审计", role=Role.AUDITOR, station=station)


@pytest.fixture
def dispatched(frozen, station, duty, patrol, community_a):
    incident = received_incident(duty, station, community_a)
    frozen.shift(dt.timedelta(minutes=1))
    incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    frozen.shift(dt.timedelta(minutes=1))
    return incident


@pytest.fixture
def accepted(bob, community_a):
    """A dispute file bob owns, accepted into the studio's channel (sessions may be recorded)."""
    from fengqiao.disputes import services as disputes
    from fengqiao.disputes.defaults import load_defaults
    from fengqiao.disputes.models import DisputeType, MediationChannel

    load_defaults()
    dispute = disputes.dispute_register(
        actor=bob,
        narrative="两家因排水沟发生争吵",
        parties=[{"name": "张三", "phone": "13812345678"}, {"name": "李四", "role": "respondent"}],
        dispute_type=DisputeType.objects.get(code="neighbour"),
        community=community_a,
        owner=bob,
    )
    disputes.dispute_accept(
        actor=bob, dispute=dispute, channel=MediationChannel.objects.get(code="studio")
    )
    return dispute


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(1)</script>"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 60
