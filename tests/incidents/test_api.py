import datetime as dt
import uuid

import pytest
from rest_framework.test import APIClient

from fengqiao.incidents.models import Incident

from .conftest import NOW

pytestmark = pytest.mark.django_db
BASE = "/api/incidents/"
M = dt.timedelta(minutes=1)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def incident(frozen, make_incident):
    return make_incident(received_at=NOW - 30 * M)


def test_list_is_scoped_and_masks_phones(incident, alice, bob, charlie):
    rows = api(alice).get(BASE).json()["results"]
    assert [r["reference"] for r in rows] == [incident.reference]
    assert rows[0]["caller_phone"] == "138****5678"
    assert api(bob).get(BASE).json()["count"] == 1
    assert api(charlie).get(BASE).json()["count"] == 0


def test_retrieve_of_another_station_is_404(incident, charlie):
    assert api(charlie).get(f"{BASE}{incident.pk}/").status_code == 404


def test_filter_by_status_and_search(incident, make_incident, alice):
    other = make_incident(caller_phone="13900001111")
    assert api(alice).get(BASE, {"q": "13900001111"}).json()["results"][0]["id"] == other.pk
    assert api(alice).get(BASE, {"status": "closed"}).json()["count"] == 0


def test_intake_creates_and_is_idempotent(frozen, alice, cat_dispute):
    body = {
        "submission_id": str(uuid.uuid4()),
        "category": cat_dispute.pk,
        "caller_phone": "13812345678",
        "location": "西街1号",
    }
    first = api(alice).post(BASE, body, format="json")
    second = api(alice).post(BASE, body, format="json")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Incident.objects.count() == 1


def test_intake_with_bad_phone_is_400(frozen, alice, cat_dispute):
    response = api(alice).post(
        BASE, {"category": cat_dispute.pk, "caller_phone": "1", "location": "x"}, format="json"
    )
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_intake_rejects_unknown_fields(frozen, alice, cat_dispute):
    response = api(alice).post(
        BASE, {"category": cat_dispute.pk, "location": "x", "status": "closed"}, format="json"
    )
    assert response.status_code == 400


def test_full_walk_through_the_actions(incident, alice, patrol):
    client = api(alice)
    url = f"{BASE}{incident.pk}/"
    assert (
        client.post(url + "dispatch/", {"officers": [patrol.pk]}, format="json").status_code == 200
    )
    assert client.post(url + "arrive/", {}, format="json").status_code == 200
    assert client.post(url + "handle/", {"note": "劝解"}, format="json").status_code == 200
    assert client.post(url + "report/", {}, format="json").status_code == 200
    refused = client.post(url + "close/", {"outcome": "mediated"}, format="json")
    assert refused.status_code == 400 and "处置情况" in str(refused.json())
    closed = client.post(
        url + "close/", {"outcome": "mediated", "disposition": "调解成功"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_action_in_wrong_state_is_400(incident, alice):
    response = api(alice).post(f"{BASE}{incident.pk}/arrive/", {}, format="json")
    assert response.status_code == 400 and "不能登记到场" in str(response.json())


def test_action_matrix(frozen, make_incident, community_b, alice, bob, charlie, patrol):
    in_b = make_incident(community=community_b)
    url = f"{BASE}{in_b.pk}/dispatch/"
    assert api(charlie).post(url, {"officers": [charlie.pk]}, format="json").status_code == 404
    assert api(bob).post(url, {"officers": [bob.pk]}, format="json").status_code == 403
    assert api(alice).post(url, {"officers": [patrol.pk]}, format="json").status_code == 200


def test_dispatch_refuses_officer_of_another_station(incident, alice, charlie):
    response = api(alice).post(
        f"{BASE}{incident.pk}/dispatch/", {"officers": [charlie.pk]}, format="json"
    )
    assert response.status_code == 400


def test_updates_and_deletes_are_not_allowed(incident, alice):
    assert (
        api(alice).patch(f"{BASE}{incident.pk}/", {"narrative": "x"}, format="json").status_code
        == 405
    )
    assert api(alice).delete(f"{BASE}{incident.pk}/").status_code == 405


# ------------------------------------------------------------------ callbacks


@pytest.fixture
def closed_incident(incident, alice, patrol):
    from fengqiao.incidents import services as s

    s.incident_dispatch(actor=alice, incident=incident, officers=[patrol])
    s.incident_arrive(actor=alice, incident=incident)
    s.incident_handle(actor=alice, incident=incident)
    s.incident_report(actor=alice, incident=incident)
    s.incident_close(actor=alice, incident=incident, outcome="mediated", disposition="好")
    return incident


def test_callbacks_are_listed_masked_and_scoped(closed_incident, alice, charlie):
    rows = api(alice).get("/api/incidents/callbacks/").json()["results"]
    assert [r["phone"] for r in rows] == ["138****5678"]
    assert api(charlie).get("/api/incidents/callbacks/").json()["results"] == []
    assert api(charlie).get(f"/api/incidents/callbacks/{rows[0]['id']}/").status_code == 404


def test_callback_record_through_the_api(closed_incident, alice, bob):
    pk = closed_incident.callbacks.get().pk
    url = f"/api/incidents/callbacks/{pk}/record/"
    assert api(bob).post(url, {"reached": False}, format="json").status_code == 403
    response = api(alice).post(url, {"reached": True, "rating": "unsatisfied"}, format="json")
    assert response.status_code == 400 and "不满意须填写原因" in str(response.json())
    response = api(alice).post(url, {"reached": True, "rating": "satisfied"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert api(alice).post("/api/incidents/callbacks/", {}, format="json").status_code == 405


def test_victims_through_the_api(frozen, make_incident, cat_theft, alice):
    incident = make_incident(category=cat_theft)
    url = f"/api/incidents/{incident.pk}/victims/"
    assert api(alice).post(url, {"name": "李四", "phone": "123"}, format="json").status_code == 400
    assert (
        api(alice).post(url, {"name": "李四", "phone": "13700001111"}, format="json").status_code
        == 200
    )
    assert incident.victims.count() == 1
