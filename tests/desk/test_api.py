import pytest
from rest_framework.test import APIClient

from fengqiao.desk import services

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_call_next_through_the_api_gives_the_text_and_speech(clerk, counter1, service_a):
    services.ticket_take(actor=clerk, service=service_a, phone="13812345678")
    response = api(clerk).post(f"/api/desk/counters/{counter1.pk}/call-next/")
    assert response.status_code == 200
    assert (
        response.json()["ticket"]["number"] == "A001"
        and response.json()["speech"] == "请A零零一号,到1号窗口办理"
    )
    again = api(clerk).post(f"/api/desk/counters/{counter1.pk}/call-next/")
    assert again.status_code == 400 and "请先办结" in str(again.json())
    tickets = api(clerk).get("/api/desk/tickets/").json()["results"]
    assert tickets[0]["phone"] == "138****5678"


def test_the_api_keeps_to_the_station(charlie, counter1, service_a):
    assert api(charlie).post(f"/api/desk/counters/{counter1.pk}/call-next/").status_code == 404
    assert api(charlie).get("/api/desk/services/").json()["count"] == 0


def test_the_officer_figures_endpoint(alice, bob):
    rows = (
        api(alice)
        .get("/api/lawstudy/officer-figures/", {"from": "2026-01-01", "to": "2026-12-31"})
        .json()
    )
    assert {r["name"] for r in rows} >= {"艾丽", "鲍勃"}
    assert api(alice).get("/api/lawstudy/officer-figures/", {"from": "bad"}).status_code == 400
