import datetime as dt
import uuid

import pytest
from django.urls import reverse

from fengqiao.incidents import services as s
from fengqiao.incidents.choices import Status
from fengqiao.incidents.models import HandoverRecord, Incident
from tests.factories import AddressFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


@pytest.fixture
def incident(frozen, make_incident):
    return make_incident(received_at=NOW - 30 * M)


def _intake(client, cat, **extra):
    data = {
        "submission_id": str(uuid.uuid4()),
        "caller_phone": "13812345678",
        "caller_name": "张三",
        "category": cat.pk,
        "urgency": "normal",
        "source": "110",
        "area_type": "urban",
        "location": "西街12号",
        "narrative": "吵架",
    }
    data.update(extra)
    return client.post(reverse("incidents:incident_create"), data)


def test_intake_creates_and_redirects_to_detail(frozen, alice_client, cat_dispute):
    response = _intake(alice_client, cat_dispute)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == incident.get_absolute_url()


def test_intake_posted_twice_creates_one_incident(frozen, alice_client, cat_dispute):
    token = str(uuid.uuid4())
    _intake(alice_client, cat_dispute, submission_id=token)
    response = _intake(alice_client, cat_dispute, submission_id=token)
    assert Incident.objects.count() == 1
    assert response.url == Incident.objects.get().get_absolute_url()


def test_intake_with_bad_phone_shows_chinese_error(frozen, alice_client, cat_dispute):
    response = _intake(alice_client, cat_dispute, caller_phone="999")
    assert response.status_code == 200
    assert "电话号码格式不正确" in response.content.decode()
    assert not Incident.objects.exists()


def test_intake_form_has_autofocus_and_one_time_token(alice_client):
    html = alice_client.get(reverse("incidents:incident_create")).content.decode()
    assert "autofocus" in html and 'name="submission_id"' in html


def test_phone_lookup_shows_earlier_incidents(incident, alice_client):
    html = alice_client.get(
        reverse("incidents:lookup_phone"), {"caller_phone": "13812345678"}
    ).content.decode()
    assert incident.reference in html


def test_address_lookup_shows_repeat_incidents(
    frozen, make_incident, alice_client, station, community_a
):
    address = AddressFactory(station=station, community=community_a, road="西街")
    earlier = make_incident(address=address)
    html = alice_client.get(
        reverse("incidents:lookup_address"), {"address_q": "西街"}
    ).content.decode()
    assert f'data-pick-address="{address.pk}"' in html and earlier.reference in html


def test_list_masks_phones(incident, alice_client):
    html = alice_client.get(reverse("incidents:incident_list")).content.decode()
    assert incident.reference in html and "138****5678" in html and "13812345678" not in html


def test_list_filters_by_status(incident, make_incident, alice_client, duty, patrol):
    other = make_incident()
    s.incident_dispatch(actor=duty, incident=other, officers=[patrol])
    html = alice_client.get(
        reverse("incidents:incident_list"), {"status": "dispatched"}
    ).content.decode()
    assert other.reference in html and incident.reference not in html


def test_list_unfiled_filter_shows_red_badge(
    frozen, make_incident, alice, client, login, cat_fight
):
    fight = make_incident(category=cat_fight)
    plain = make_incident()
    frozen.shift(dt.timedelta(hours=25))
    html = (
        login(client, alice)
        .get(reverse("incidents:incident_list"), {"unfiled": "1"})
        .content.decode()
    )
    assert fight.reference in html and plain.reference not in html and "badge-red" in html


def test_list_search_by_reference(incident, make_incident, alice_client):
    other = make_incident()
    html = alice_client.get(
        reverse("incidents:incident_list"), {"q": incident.reference}
    ).content.decode()
    assert incident.reference in html and other.reference not in html


def test_export_is_masked_for_officers(incident, bob_client):
    from io import BytesIO

    from openpyxl import load_workbook

    from fengqiao.core.models import PersonalDataAccess
    from fengqiao.exchange.models import ExportRecord

    response = bob_client.get(reverse("incidents:incident_list"), {"export": "xlsx"})
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[1][0] == incident.reference and rows[1][6] == "138****5678"
    record = ExportRecord.objects.get()
    assert (record.kind, record.masked, record.row_count) == ("incidents", True, 1)
    assert not PersonalDataAccess.objects.exists()


def test_export_is_unmasked_for_leaders(incident, alice_client):
    from io import BytesIO

    from openpyxl import load_workbook

    from fengqiao.core.models import PersonalDataAccess
    from fengqiao.exchange.models import ExportRecord

    response = alice_client.get(reverse("incidents:incident_list"), {"export": "xlsx"})
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[1][6] == "13812345678"
    # the unmasked export is recorded, and each caller's data leaving the system too
    record = ExportRecord.objects.get()
    assert (record.kind, record.masked, record.row_count) == ("incidents", False, 1)
    access = PersonalDataAccess.objects.get(channel="export")
    assert access.object_id == incident.pk and access.fields == ["caller_name", "caller_phone"]
    assert f"导出记录#{record.pk}" in access.purpose


# ---- scoping matrix: alice (leader), bob (community A officer), charlie (other station)


def test_matrix_list(incident, alice_client, bob, charlie, login, client):
    assert (
        incident.reference in alice_client.get(reverse("incidents:incident_list")).content.decode()
    )
    client.logout()
    assert (
        incident.reference
        in login(client, bob).get(reverse("incidents:incident_list")).content.decode()
    )
    client.logout()
    assert (
        incident.reference
        not in login(client, charlie).get(reverse("incidents:incident_list")).content.decode()
    )


def test_matrix_detail(incident, alice_client, bob, charlie, login, client):
    url = incident.get_absolute_url()
    assert alice_client.get(url).status_code == 200
    client.logout()
    assert login(client, bob).get(url).status_code == 200
    client.logout()
    assert login(client, charlie).get(url).status_code == 404


def test_matrix_actions(frozen, make_incident, community_b, alice, bob, charlie, login, client):
    in_b = make_incident(community=community_b)
    url = reverse("incidents:incident_action", args=[in_b.pk, "dispatch"])
    login(client, charlie)
    assert client.post(url, {"officers": [charlie.pk]}).status_code == 404
    client.logout()
    login(client, bob)
    assert client.post(url, {"officers": [bob.pk]}).status_code == 403
    client.logout()
    login(client, alice)
    assert client.post(url, {"officers": [bob.pk]}).status_code == 302
    in_b.refresh_from_db()
    assert in_b.status == Status.DISPATCHED


def test_detail_action_error_is_shown_and_nothing_changes(incident, alice_client, duty, patrol):
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    s.incident_arrive(actor=duty, incident=incident)
    s.incident_handle(actor=duty, incident=incident)
    s.incident_report(actor=duty, incident=incident)
    response = alice_client.post(
        reverse("incidents:incident_action", args=[incident.pk, "close"]), {"outcome": "mediated"}
    )
    assert response.status_code == 400 and "处置情况" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.REPORTED


def test_detail_shows_arrival_overdue(incident, frozen, alice_client, duty, patrol):
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    frozen.shift(dt.timedelta(minutes=6))
    assert "到场超时" in alice_client.get(incident.get_absolute_url()).content.decode()


def test_handover_refused_with_unassigned_incident(incident, alice_client, duty):
    response = alice_client.post(reverse("incidents:handover"), {"shift_to": duty.pk})
    assert response.status_code == 400 and "未指派民警" in response.content.decode()
    assert not HandoverRecord.objects.exists()


def test_handover_recorded_when_all_assigned(incident, alice_client, duty, patrol):
    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    response = alice_client.post(reverse("incidents:handover"), {"shift_to": duty.pk})
    assert response.status_code == 302
    assert HandoverRecord.objects.get().open_count == 1


def test_workqueue_lists_my_open_incidents(incident, duty, patrol):
    from fengqiao.core import workqueue

    s.incident_dispatch(actor=duty, incident=incident, officers=[patrol])
    items = [i for i in workqueue.items_for(patrol, NOW) if i.kind == "incident"]
    assert [i.object.pk for i in items] == [incident.pk]
    assert items[0].due_at == NOW + 5 * M
    assert not [i for i in workqueue.items_for(duty, NOW) if i.kind == "incident"]


def test_intake_with_an_impossible_phone_keeps_everything_typed(frozen, alice_client, cat_dispute):
    response = _intake(
        alice_client,
        cat_dispute,
        caller_phone="12345678901",
        caller_name="王五",
        narrative="楼上漏水争执",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "电话号码格式不正确" in body
    assert 'value="12345678901"' in body and 'value="王五"' in body and "楼上漏水争执" in body
    assert 'value="西街12号"' in body
    assert not Incident.objects.exists()
