import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.desk import services
from fengqiao.desk.models import Appointment, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(client, clerk, login):
    return login(client, clerk)


def test_the_desk_pages_render_for_the_station(clerk_client, counter1, service_a):
    for name in (
        "desk:home",
        "desk:appointment_list",
        "desk:ticket_list",
        "desk:figures",
        "desk:service_list",
        "desk:counter_list",
        "desk:settings",
        "desk:display",
        "desk:display_panel",
    ):
        response = clerk_client.get(reverse(name))
        assert response.status_code == 200, name
    assert clerk_client.get(reverse("desk:counter", args=[counter1.pk])).status_code == 200


def test_take_a_number_shows_the_slip_with_the_documents(clerk_client, service_a):
    response = clerk_client.post(
        reverse("desk:take"), {"service": service_a.pk, "phone": ""}, follow=True
    )
    assert "A001" in response.content.decode() and "户口簿" in response.content.decode()


def test_a_bad_phone_on_the_ticket_desk_is_refused_and_no_number_taken(clerk_client, service_a):
    response = clerk_client.post(
        reverse("desk:take"), {"service": service_a.pk, "phone": "123"}, follow=True
    )
    assert "11位手机号" in response.content.decode() and not Ticket.objects.exists()


def test_the_counter_calls_by_htmx_and_gives_the_speech_text(
    clerk_client, clerk, counter1, service_a
):
    services.ticket_take(actor=clerk, service=service_a)
    response = clerk_client.post(
        reverse("desk:counter_action", args=[counter1.pk, "call"]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="counter-panel"' in body and "<html" not in body
    assert 'data-speak="请A零零一号,到1号窗口办理"' in body
    again = clerk_client.post(
        reverse("desk:counter_action", args=[counter1.pk, "call"]), HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 400 and "请先办结" in again.content.decode()
    recall = clerk_client.post(
        reverse("desk:counter_action", args=[counter1.pk, "recall"]), HTTP_HX_REQUEST="true"
    )
    assert (
        'data-speak-key="' in recall.content.decode() and "已呼叫 2 次" in recall.content.decode()
    )
    finish = clerk_client.post(
        reverse("desk:counter_action", args=[counter1.pk, "finish"]), HTTP_HX_REQUEST="true"
    )
    assert (
        'id="rating-qr"' in finish.content.decode()
        and "data:image/svg+xml" in finish.content.decode()
    )


def test_the_display_panel_shows_the_latest_call(clerk_client, clerk, counter1, service_a):
    services.ticket_take(actor=clerk, service=service_a)
    services.ticket_call_next(actor=clerk, counter=counter1)
    body = clerk_client.get(reverse("desk:display_panel")).content.decode()
    assert (
        "请 A001 号到 1 号窗口办理" in body
        and 'data-latest-speech="请A零零一号,到1号窗口办理"' in body
    )


def test_another_station_sees_nothing_of_ours(charlie_client, counter1, clerk, service_a):
    services.ticket_take(actor=clerk, service=service_a)
    assert charlie_client.get(reverse("desk:counter", args=[counter1.pk])).status_code == 404
    assert (
        charlie_client.post(reverse("desk:counter_action", args=[counter1.pk, "call"])).status_code
        == 404
    )
    assert "A001" not in charlie_client.get(reverse("desk:ticket_list")).content.decode()


def test_a_community_officer_may_work_but_not_change_the_catalogue(bob_client, service_a):
    response = bob_client.post(
        reverse("desk:service_list"),
        {"prefix": "C", "name": "居住证", "minutes": 10, "daily_capacity": 5, "sort": 0},
    )
    assert response.status_code == 403


def test_a_leader_adds_a_service_and_a_duplicate_prefix_is_refused_with_input_kept(
    alice_client, service_a
):
    data = {
        "prefix": "a",
        "name": "居住证",
        "documents": "照片",
        "minutes": 10,
        "daily_capacity": 5,
        "sort": 3,
        "bookable": "on",
        "active": "on",
    }
    response = alice_client.post(reverse("desk:service_list"), data)
    assert response.status_code == 400 and "居住证" in response.content.decode()
    data["prefix"] = "C"
    assert alice_client.post(reverse("desk:service_list"), data).status_code == 302


def test_appointment_list_masks_phones_and_checks_in(clerk_client, station, service_a):
    a = Appointment.objects.create(
        station=station,
        reference="YY-2026-000001",
        service=service_a,
        date=timezone.localdate(),
        name="王芳",
        phone="13812345678",
        cancel_code_hash="x",
    )
    body = clerk_client.get(reverse("desk:appointment_list")).content.decode()
    assert "138****5678" in body and "13812345678" not in body
    response = clerk_client.post(
        reverse("desk:appointment_action", args=[a.pk, "checkin"]), follow=True
    )
    assert "A001" in response.content.decode()


def test_a_skipped_appointment_says_it_is_a_no_show(
    clerk_client, clerk, counter1, service_a, station
):
    a = Appointment.objects.create(
        station=station,
        reference="YY-2026-000009",
        service=service_a,
        date=timezone.localdate(),
        name="王芳",
        phone="13812345678",
        cancel_code_hash="x",
    )
    services.appointment_check_in(actor=clerk, appointment=a)
    clerk_client.post(
        reverse("desk:counter_action", args=[counter1.pk, "call"]), HTTP_HX_REQUEST="true"
    )
    body = clerk_client.post(
        reverse("desk:counter_action", args=[counter1.pk, "skip"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "A001 号已过号" in body and "记为爽约" in body
    requeue = clerk_client.post(
        reverse("desk:counter_action", args=[counter1.pk, "requeue"]),
        {"ticket": a.ticket.pk},
        HTTP_HX_REQUEST="true",
    )
    assert "A001 号已重新排队" in requeue.content.decode()


def test_the_counter_waiting_list_refreshes_on_its_own(clerk_client, clerk, counter1, service_a):
    services.ticket_take(actor=clerk, service=service_a)
    body = clerk_client.get(reverse("desk:counter_waiting", args=[counter1.pk])).content.decode()
    assert 'id="counter-waiting"' in body and "A001" in body and "<html" not in body


def test_staff_cancelling_tells_the_resident(clerk_client, station, service_a, workday, sms_on):
    from fengqiao.desk.models import ResidentSms

    a = Appointment.objects.create(
        station=station,
        reference="YY-2026-000010",
        service=service_a,
        date=workday,
        name="王芳",
        phone="13812345678",
        cancel_code_hash="x",
    )
    clerk_client.post(reverse("desk:appointment_action", args=[a.pk, "cancel"]))
    a.refresh_from_db()
    assert (
        a.status == "cancelled"
        and ResidentSms.objects.filter(purpose="cancelled", phone="13812345678").exists()
    )
