import pytest
from rest_framework.test import APIClient

from fengqiao.accounts.choices import Role
from fengqiao.accounts.services import token_issue
from fengqiao.antifraud import services
from fengqiao.antifraud.models import Warning
from tests.antifraud.conftest import NOW
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("frozen")
URL = "/api/antifraud/warnings/"


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(actor=user)[1]}")
    return client


@pytest.fixture
def centre(station):
    """The county anti-fraud centre's account (a bureau user)."""
    return UserFactory(username="centre", role=Role.BUREAU, station=None, bureau=station.bureau)


def payload(**kw):
    data = {
        "external_id": "ZX-100",
        "name": "王芳",
        "phone": "13900001111",
        "risk_level": "high",
        "fraud_type": "刷单返利",
        "received_at": NOW.isoformat(),
    }
    data.update(kw)
    return data


def test_centre_posts_a_warning_with_a_token(centre, station, bob, resident):
    client = token_client(centre)
    response = client.post(URL, payload(station=station.code), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"] == "api" and body["officer"] == bob.pk and body["phone"] == "139****1111"
    again = client.post(URL, payload(station=station.code), format="json")
    assert (
        again.status_code == 200
        and again.json()["id"] == body["id"]
        and Warning.objects.count() == 1
    )


def test_centre_must_name_a_station_of_its_bureau(centre, other_station):
    client = token_client(centre)
    assert client.post(URL, payload(), format="json").status_code == 400


def test_bad_input_is_refused_with_the_reason(alice):
    client = token_client(alice)
    response = client.post(URL, payload(phone="", external_id=""), format="json")
    assert response.status_code == 400 and "手机号或身份证号" in str(response.json())
    response = client.post(URL, payload(received_at="2030-01-01T00:00:00+08:00"), format="json")
    assert response.status_code == 400 and "晚于当前时间" in str(response.json())
    response = client.post(URL, payload(fraud_type="算命"), format="json")
    assert response.status_code == 400
    response = client.post(URL, payload(unknown="x"), format="json")
    assert response.status_code == 400
    assert Warning.objects.count() == 0


def test_without_token_is_refused(db):
    # db: on PostgreSQL every request runs in a transaction that sets its station scope (core/rls.py)
    assert APIClient().post(URL, payload(), format="json").status_code in (401, 403)


def test_feedback_listing_and_scoping(alice, bob, charlie, station, shua_dan, resident, resident_b):
    mine = services.warning_receive(
        actor=None,
        station=station,
        fraud_type=shua_dan,
        name="王芳",
        phone=resident.phone,
        risk_level="high",
        received_at=NOW,
    )
    other = services.warning_receive(
        actor=None,
        station=station,
        fraud_type=shua_dan,
        name="李强",
        phone=resident_b.phone,
        risk_level="low",
        received_at=NOW,
    )
    services.attempt_record(actor=bob, warning=mine, method="phone", result="劝阻", reached=True)
    services.warning_close(actor=bob, warning=mine, outcome="dissuaded", amount_protected="1000")

    rows = token_client(alice).get(URL).json()["results"]
    row = next(r for r in rows if r["id"] == mine.pk)
    assert (
        row["outcome"] == "dissuaded"
        and row["contacted_on_time"] is True
        and row["attempts"][0]["method"] == "phone"
    )
    assert row["amount_protected"] == "1000.00"
    assert token_client(alice).get(URL, {"status": "open"}).json()["count"] == 1

    assert token_client(charlie).get(URL).json()["count"] == 0
    assert token_client(charlie).get(f"{URL}{mine.pk}/").status_code == 404
    assert (
        token_client(charlie)
        .post(f"{URL}{mine.pk}/attempt/", {"method": "phone", "result": "x"})
        .status_code
        == 404
    )

    bob_api = token_client(bob)
    assert (
        bob_api.post(
            f"{URL}{other.pk}/attempt/", {"method": "phone", "result": "x"}, format="json"
        ).status_code
        == 403
    )


def test_close_by_api_needs_loss_for_defrauded(bob, station, shua_dan, resident):
    w = services.warning_receive(
        actor=None,
        station=station,
        fraud_type=shua_dan,
        name="王芳",
        phone=resident.phone,
        risk_level="high",
        received_at=NOW,
    )
    client = token_client(bob)
    assert (
        client.post(
            f"{URL}{w.pk}/attempt/", {"method": "phone", "result": "已转账"}, format="json"
        ).status_code
        == 200
    )
    response = client.post(f"{URL}{w.pk}/close/", {"outcome": "defrauded"}, format="json")
    assert response.status_code == 400 and "损失金额" in str(response.json())
    response = client.post(
        f"{URL}{w.pk}/close/", {"outcome": "defrauded", "loss": "2000"}, format="json"
    )
    assert response.status_code == 200 and response.json()["loss"] == "2000.00"


def test_history_endpoint(alice, station, shua_dan, resident, bob):
    w = services.warning_receive(
        actor=None,
        station=station,
        fraud_type=shua_dan,
        name="王芳",
        phone=resident.phone,
        risk_level="high",
        received_at=NOW,
    )
    assert token_client(alice).get(f"{URL}{w.pk}/history/").status_code == 200
