import pytest

from fengqiao.disputes.models import Dispute

pytestmark = pytest.mark.django_db
URL = "/api/disputes/"


def _body(neighbour_type, community_a, **extra):
    body = {
        "dispute_type": neighbour_type.pk,
        "narrative": "两家因排水沟争吵",
        "community": community_a.pk,
        "parties": [{"name": "张三", "phone": "13812345678"}],
    }
    body.update(extra)
    return body


def test_api_register_suggests_red_with_reason(bob_client, bob, neighbour_type, community_a):
    r = bob_client.post(
        URL,
        _body(neighbour_type, community_a, narrative="扬言同归于尽", owner=bob.pk),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["level"] == "red" and "当事人扬言'同归于尽'" in r.json()["suggested_reasons"]
    assert r.json()["parties"][0]["phone"] == "138****5678"


def test_api_list_is_station_scoped(bob_client, bob, charlie, login, register):
    from django.test import Client

    charlie_client = login(Client(), charlie)
    d = register(bob)
    assert [x["reference"] for x in bob_client.get(URL).json()["results"]] == [d.reference]
    assert charlie_client.get(URL).json()["results"] == []
    assert charlie_client.get(f"{URL}{d.pk}/").status_code == 404


def test_api_level_change_requires_reason(bob_client, bob, register):
    d = register(bob, owner=bob)
    r = bob_client.post(
        f"{URL}{d.pk}/level/", {"level": "orange", "reason": ""}, content_type="application/json"
    )
    assert r.status_code == 400
    r = bob_client.post(
        f"{URL}{d.pk}/level/",
        {"level": "orange", "reason": "多次争吵"},
        content_type="application/json",
    )
    assert r.status_code == 200 and Dispute.objects.get(pk=d.pk).level == "orange"


def test_api_level_change_outside_scope_is_403(bob_client, alice, register, community_b):
    d = register(alice, community=community_b)
    r = bob_client.post(
        f"{URL}{d.pk}/level/", {"level": "orange", "reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 403 and Dispute.objects.get(pk=d.pk).level == "yellow"


def test_api_files_plan_for_red_dispute(bob_client, bob, register):
    d = register(bob, narrative="扬言拼命", owner=bob)
    assert bob_client.get(f"{URL}{d.pk}/").json()["needs_plan"] is True
    r = bob_client.post(
        f"{URL}{d.pk}/plan/",
        {
            "summary": "专人稳控",
            "measures": [{"what": "每日走访", "responsible": bob.pk, "due_date": "2026-12-01"}],
        },
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["needs_plan"] is False


def test_api_plan_refuses_responsible_from_other_station(bob_client, bob, charlie, register):
    d = register(bob, narrative="扬言拼命", owner=bob)
    r = bob_client.post(
        f"{URL}{d.pk}/plan/",
        {
            "summary": "s",
            "measures": [{"what": "a", "responsible": charlie.pk, "due_date": "2026-12-01"}],
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and Dispute.objects.get(pk=d.pk).needs_plan


def test_api_mediation_to_performed_agreement(bob_client, bob, register):
    import datetime as dt

    from fengqiao.disputes.models import MediationChannel

    d = register(bob, owner=bob)
    studio = MediationChannel.objects.get(code="studio")
    r = bob_client.post(
        f"{URL}{d.pk}/accept/", {"channel": studio.pk}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "mediating"
    r = bob_client.post(
        f"{URL}{d.pk}/session/",
        {
            "held_at": "2026-03-02T10:00:00+08:00",
            "outcome": "agreed",
            "mediators": [bob.pk],
            "law_notes": "讲解相邻关系",
        },
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "agreed"
    parties = [p["id"] for p in r.json()["parties"]]
    due = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    bad = bob_client.post(
        f"{URL}{d.pk}/agreement/",
        {
            "form": "written",
            "reached_on": dt.date.today().isoformat(),
            "signed_parties": parties,
            "terms": [{"what": "赔偿500元"}],
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "没有履行期限" in bad.content.decode()
    unsigned = bob_client.post(
        f"{URL}{d.pk}/agreement/",
        {
            "form": "written",
            "reached_on": dt.date.today().isoformat(),
            "signed_parties": parties[:1],
            "terms": [{"what": "赔偿500元", "due_date": due}],
        },
        content_type="application/json",
    )
    assert unsigned.status_code == 400 and "未签字" in unsigned.content.decode()
    r = bob_client.post(
        f"{URL}{d.pk}/agreement/",
        {
            "form": "written",
            "reached_on": dt.date.today().isoformat(),
            "signed_parties": parties,
            "terms": [{"what": "赔偿500元", "due_date": due, "obligor": parties[1]}],
        },
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    term = r.json()["agreement"]["terms"][0]
    assert (
        bob_client.post(f"{URL}{d.pk}/close/", {}, content_type="application/json").status_code
        == 400
    )
    r = bob_client.post(
        f"{URL}{d.pk}/check-term/",
        {"term": term["id"], "result": "performed"},
        content_type="application/json",
    )
    assert r.json()["agreement"]["terms"][0]["status"] == "performed"
    r = bob_client.post(f"{URL}{d.pk}/close/", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_api_from_incident_is_idempotent_and_scoped(
    bob_client, bob, charlie, login, station, community_a
):
    from django.test import Client

    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive

    incident = incident_receive(
        actor=bob,
        station=station,
        category=IncidentCategory.objects.get(code="JF-LL"),
        caller_name="张三",
        caller_phone="13812345678",
        location="西街",
        community=community_a,
        narrative="邻居吵架",
    )
    first = bob_client.post(
        f"{URL}from-incident/", {"incident": incident.pk}, content_type="application/json"
    )
    again = bob_client.post(
        f"{URL}from-incident/", {"incident": incident.pk}, content_type="application/json"
    )
    assert (
        first.status_code == 201
        and again.status_code == 200
        and first.json()["id"] == again.json()["id"]
    )
    assert first.json()["source_incident"] == incident.pk
    other = login(Client(), charlie).post(
        f"{URL}from-incident/", {"incident": incident.pk}, content_type="application/json"
    )
    assert other.status_code == 404


def test_api_charlie_cannot_accept(bob, charlie, login, register):
    from django.test import Client

    from fengqiao.disputes.models import MediationChannel

    d = register(bob)
    r = login(Client(), charlie).post(
        f"{URL}{d.pk}/accept/",
        {"channel": MediationChannel.objects.first().pk},
        content_type="application/json",
    )
    assert r.status_code == 404
