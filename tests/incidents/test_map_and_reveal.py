"""The incident map by community, the caller-phone reveal (recorded), and bad step times on the pages."""

import datetime as dt

import pytest
from django.urls import reverse

from fengqiao.core.models import PersonalDataAccess
from fengqiao.incidents import services as s
from fengqiao.incidents.models import Incident
from tests.factories import UserFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


@pytest.fixture
def incident(frozen, make_incident):
    return make_incident(received_at=NOW - 30 * M)


def test_map_counts_incidents_by_community(
    incident, make_incident, community_a, community_b, alice_client
):
    community_a.latitude, community_a.longitude = 29.2, 103.9
    community_a.boundary = {
        "type": "Polygon",
        "coordinates": [[[103.9, 29.2], [103.91, 29.2], [103.91, 29.21], [103.9, 29.2]]],
    }
    community_a.save()
    make_incident(community=community_b)
    page = alice_client.get(reverse("incidents:incident_map"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="incident-map-data"' in body and "incident-map.js" in body and "leaflet.js" in body
    geo = page.context["geojson"]
    assert {f["properties"]["role"] for f in geo["features"]} == {"boundary", "centre"}
    assert dict((c.name, n) for c, n in page.context["rows"]) == {"西街社区": 1, "东街社区": 1}


def test_map_is_scoped(incident, client, login, charlie):
    login(client, charlie)
    page = client.get(reverse("incidents:incident_map"))
    assert all(n == 0 for _c, n in page.context["rows"]) and "西街社区" not in page.content.decode()


def test_map_tolerates_a_bad_days_value(incident, alice_client):
    assert alice_client.get(reverse("incidents:incident_map"), {"days": "abc"}).status_code == 200


def test_reveal_shows_the_whole_phone_and_records_the_view(incident, alice_client, alice):
    detail = alice_client.get(
        reverse("incidents:incident_detail", args=[incident.pk])
    ).content.decode()
    assert "138****5678" in detail and "13812345678" not in detail and "显示完整号码" in detail
    response = alice_client.post(
        reverse("incidents:caller_phone_reveal", args=[incident.pk]),
        {"purpose": "回访核实"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (
        access.user == alice
        and access.fields == ["caller_phone"]
        and access.object_id == incident.pk
    )
    assert access.purpose == "回访核实"


def test_reveal_refused_for_roles_without_the_right(incident, station, client, login):
    aux = UserFactory(username="aux2", role="auxiliary", station=station)
    login(client, aux)
    assert (
        client.post(reverse("incidents:caller_phone_reveal", args=[incident.pk])).status_code == 403
    )
    assert not PersonalDataAccess.objects.exists()


def test_reveal_of_another_station_is_404(incident, client, login, charlie):
    login(client, charlie)
    assert (
        client.post(reverse("incidents:caller_phone_reveal", args=[incident.pk])).status_code == 404
    )
    assert not PersonalDataAccess.objects.exists()


def test_reveal_needs_post(incident, alice_client):
    assert (
        alice_client.get(reverse("incidents:caller_phone_reveal", args=[incident.pk])).status_code
        == 405
    )


# ------------------------------------------------------------------ bad input on the detail page


def test_arrival_before_the_call_is_refused_with_the_time_kept(
    incident, alice_client, duty, patrol
):
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol], at=NOW - 20 * M)
    url = reverse("incidents:incident_action", args=[incident.pk, "arrive"])
    response = alice_client.post(url, {"at": "2026-03-02T09:00"})  # the call came in at 09:30
    assert response.status_code == 400
    body = response.content.decode()
    assert "到场时间不能早于派警时间" in body and 'value="2026-03-02T09:00"' in body
    incident.refresh_from_db()
    assert incident.status == "dispatched" and incident.arrived_at is None


def test_arrival_time_can_be_given(incident, alice_client, duty, patrol):
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol], at=NOW - 20 * M)
    url = reverse("incidents:incident_action", args=[incident.pk, "arrive"])
    assert alice_client.post(url, {"at": "2026-03-02T09:45"}).status_code == 302
    incident.refresh_from_db()
    assert incident.arrived_at == NOW - 15 * M


def test_a_garbled_step_time_is_refused(incident, alice_client, duty, patrol):
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol], at=NOW - 20 * M)
    url = reverse("incidents:incident_action", args=[incident.pk, "arrive"])
    response = alice_client.post(url, {"at": "yesterday"})
    assert response.status_code == 400 and "时间格式不正确" in response.content.decode()


def test_closing_without_a_disposition_keeps_what_was_chosen(incident, alice_client, duty, patrol):
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol], at=NOW - 20 * M)
    s.incident_arrive(actor=duty, incident=incident, at=NOW - 15 * M)
    s.incident_handle(actor=duty, incident=incident, at=NOW - 10 * M)
    s.incident_report(actor=duty, incident=incident, at=NOW - 5 * M)
    url = reverse("incidents:incident_action", args=[incident.pk, "close"])
    response = alice_client.post(url, {"outcome": "mediated", "disposition": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "结警须填写处置情况" in body and 'value="mediated" selected' in body
    assert Incident.objects.get().status == "reported"
    assert not Incident.objects.get().callbacks.exists()


def test_detail_lists_the_callbacks(incident, alice_client, duty, patrol):
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol], at=NOW - 20 * M)
    s.incident_arrive(actor=duty, incident=incident, at=NOW - 15 * M)
    s.incident_handle(actor=duty, incident=incident, at=NOW - 10 * M)
    s.incident_report(actor=duty, incident=incident, at=NOW - 5 * M)
    s.incident_close(actor=duty, incident=incident, outcome="mediated", disposition="好")
    body = alice_client.get(
        reverse("incidents:incident_detail", args=[incident.pk])
    ).content.decode()
    assert 'id="callbacks"' in body and "待回访" in body


# ------------------------------------------------------------------ 纠纷 → dispute file


def test_dispute_incident_offers_to_open_a_dispute_file(incident, alice_client):
    body = alice_client.get(
        reverse("incidents:incident_detail", args=[incident.pk])
    ).content.decode()
    assert reverse("disputes:dispute_from_incident", args=[incident.pk]) in body


def test_other_categories_do_not_offer_a_dispute_file(
    frozen, make_incident, cat_theft, alice_client
):
    incident = make_incident(category=cat_theft)
    body = alice_client.get(
        reverse("incidents:incident_detail", args=[incident.pk])
    ).content.decode()
    assert "dispute_from_incident" not in body and 'id="open-dispute"' not in body


def test_an_existing_dispute_file_is_linked_instead(incident, alice, alice_client):
    from fengqiao.disputes.services import dispute_from_incident

    dispute, created = dispute_from_incident(actor=alice, incident=incident)
    assert created
    body = alice_client.get(
        reverse("incidents:incident_detail", args=[incident.pk])
    ).content.decode()
    assert dispute.reference in body and 'id="open-dispute"' not in body


def test_reveal_without_htmx_shows_the_whole_page(incident, alice_client):
    """issue 19: the reveal posted by a plain form (no HX-Request header) answered 500."""
    response = alice_client.post(
        reverse("incidents:caller_phone_reveal", args=[incident.pk]), {"purpose": "回访核实"}
    )
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
