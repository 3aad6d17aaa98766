"""Opening a dispute file from a 纠纷 incident in one step (idempotent), and incident linking."""

import datetime as dt

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from fengqiao.accounts.choices import Role
from fengqiao.disputes import services
from fengqiao.disputes.choices import LinkHow, Source
from fengqiao.disputes.models import Dispute, DisputeIncident
from fengqiao.incidents.models import IncidentCategory
from fengqiao.incidents.services import incident_receive
from tests.factories import UserFactory


@pytest.fixture
def duty(station):
    return UserFactory(username="duty", full_name="值班员", role=Role.DUTY_OFFICER, station=station)


@pytest.fixture
def make_incident(station, duty, community_a):
    def make(code="JF-LL", **kwargs):
        data = dict(
            actor=duty,
            station=station,
            category=IncidentCategory.objects.get(code=code),
            caller_name="张三",
            caller_phone="13812345678",
            location="西街12号",
            community=community_a,
            narrative="邻居因漏水吵架",
        )
        data.update(kwargs)
        with TestCase.captureOnCommitCallbacks(execute=True):  # the linking subscribes after commit
            return incident_receive(**data)

    return make


def test_get_shows_prefilled_confirmation(bob_client, make_incident):
    incident = make_incident()
    response = bob_client.get(reverse("disputes:dispute_from_incident", args=[incident.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # the caller's phone is shown masked, never pre-filled whole (no reveal is recorded here)
    assert 'value="张三"' in html and 'placeholder="138****5678"' in html
    assert "13812345678" not in html
    assert "邻居因漏水吵架" in html and 'value="西街12号"' in html
    assert not Dispute.objects.exists()


def test_post_creates_file_linked_and_is_idempotent(bob_client, bob, make_incident, community_a):
    incident = make_incident()
    url = reverse("disputes:dispute_from_incident", args=[incident.pk])
    get = bob_client.get(url)
    post = {
        k: v
        for k, v in [
            ("dispute_type", get.context["initial"]["dispute_type"]),
            ("narrative", "邻居因漏水吵架"),
            ("location", "西街12号"),
            ("community", community_a.pk),
            ("owner", bob.pk),
            ("party-0-name", "张三"),
            ("party-0-phone", "13812345678"),
            ("party-0-role", "applicant"),
            ("party-1-name", "李四"),
            ("party-1-role", "respondent"),
        ]
    }
    response = bob_client.post(url, post)
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response.url == dispute.get_absolute_url()
    assert dispute.source == Source.INCIDENT and dispute.source_incident == incident
    assert dispute.community == community_a and dispute.dispute_type.code == "neighbour"
    assert [p.name for p in dispute.parties.all()] == ["张三", "李四"]
    assert DisputeIncident.objects.get(dispute=dispute).how == LinkHow.SOURCE
    again = bob_client.post(url, post)
    assert again.status_code == 302 and again.url == dispute.get_absolute_url()
    assert Dispute.objects.count() == 1
    assert bob_client.get(url).url == dispute.get_absolute_url()


def test_service_is_idempotent(bob, make_incident):
    incident = make_incident()
    first, created = services.dispute_from_incident(actor=bob, incident=incident)
    second, created_again = services.dispute_from_incident(actor=bob, incident=incident)
    assert created and not created_again and first == second


def test_bad_input_keeps_what_was_typed(bob_client, make_incident):
    incident = make_incident()
    url = reverse("disputes:dispute_from_incident", args=[incident.pk])
    dispute_type = bob_client.get(url).context["initial"]["dispute_type"]
    response = bob_client.post(
        url,
        {
            "dispute_type": dispute_type,
            "narrative": "   ",
            "location": "西街12号",
            "party-0-name": "张三",
            "party-0-phone": "13812345678",
        },
    )
    assert response.status_code == 400
    assert (
        "请填写纠纷情况" in response.content.decode()
        and 'value="张三"' in response.content.decode()
    )
    assert not Dispute.objects.exists()


def test_other_station_gets_404(charlie_client, make_incident):
    incident = make_incident()
    url = reverse("disputes:dispute_from_incident", args=[incident.pk])
    assert charlie_client.get(url).status_code == 404
    assert charlie_client.post(url, {"narrative": "x"}).status_code == 404
    assert not Dispute.objects.exists()


def test_earlier_and_later_calls_are_linked_and_counted(bob, make_incident):
    now = timezone.now()
    make_incident(received_at=now - dt.timedelta(days=20))
    make_incident(received_at=now - dt.timedelta(days=40))  # outside the 30-day look-back
    incident = make_incident(received_at=now - dt.timedelta(days=1))
    dispute, _ = services.dispute_from_incident(actor=bob, incident=incident)
    assert dispute.incident_links.count() == 2
    dispute.refresh_from_db()
    assert dispute.repeat_calls == 2
    make_incident(caller_name="王五", caller_phone="13900000000", narrative="另一起")  # not a party
    make_incident()  # the same caller calls again
    dispute.refresh_from_db()
    assert dispute.incident_links.count() == 3 and dispute.repeat_calls == 3
    assert dispute.suggested_level == "orange"
    assert any("3次" in r for r in dispute.suggested_reasons)


def test_third_call_within_30_days_opens_an_orange_file(bob, make_incident):
    now = timezone.now()
    make_incident(received_at=now - dt.timedelta(days=20))
    make_incident(received_at=now - dt.timedelta(days=10))
    incident = make_incident(received_at=now - dt.timedelta(hours=1))
    dispute, _ = services.dispute_from_incident(actor=bob, incident=incident, owner=bob)
    dispute.refresh_from_db()
    assert dispute.repeat_calls == 3 and dispute.level == "orange"
    assert any("3次" in r for r in dispute.level_reasons)
    assert dispute.events.filter(kind="level_changed").exists()
