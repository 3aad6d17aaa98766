"""The incidents demo: three years of closed incidents with callbacks near 96 %, and some work still open."""

import pytest

from fengqiao.core.workflow_models import Clock
from fengqiao.demo import incidents as demo
from fengqiao.incidents.choices import Status
from fengqiao.incidents.models import Callback, Incident
from fengqiao.incidents.rules import satisfaction_rate
from fengqiao.incidents.services import incident_receive
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_demo_writes_history_open_work_and_callbacks(
    station, community_a, community_b, alice, bob, duty, patrol, cat_dispute
):
    PersonFactory(community=community_a, phone="13911112222")
    counts = demo.load(scale=10, seed=7, log=lambda line: None)
    assert counts["incidents"] == 4_800  # 16,000 a year × 3 ÷ 10
    assert Incident.objects.filter(station=station).exclude(status=Status.CLOSED).exists()
    done = Callback.objects.filter(status="done")
    satisfied, basic = done.filter(rating="satisfied").count(), done.filter(rating="basic").count()
    rate = satisfaction_rate(satisfied, basic, done.count())
    assert 94.5 < rate < 98.0
    pending = Callback.objects.filter(status="pending")
    assert pending.exists()
    assert (
        Clock.objects.filter(
            kind__startswith="callback_", object_id__in=pending.values("pk")
        ).count()
        == pending.count()
    )
    # a new call after the demo takes the next free number
    new = incident_receive(actor=duty, station=station, category=cat_dispute, location="西街1号")
    assert Incident.objects.filter(station=station, reference=new.reference).count() == 1
