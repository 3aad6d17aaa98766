"""The residents' public pages: narrow, rate-limited, nothing of anyone else."""

import re

import pytest
from django.urls import reverse

from fengqiao.desk.models import Appointment, PhoneVerification

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes(monkeypatch):
    """Capture the codes sent (the SMS text is never stored with the code)."""
    from fengqiao.desk import services

    sent = []
    real = services.verification_send

    def spy(**kw):
        v = real(**kw)
        sent.append(v.code)
        return v

    monkeypatch.setattr(services, "verification_send", spy)
    return sent


def start(client, station, service, day, phone="13800138000", name="王芳"):
    return client.post(
        reverse("desk_public:book", args=[station.code]),
        {"service": service.pk, "date": day.isoformat(), "name": name, "phone": phone},
    )


def test_the_booking_page_is_public_no_store_and_under_the_strict_csp(client, station, service_a):
    response = client.get(reverse("desk_public:book", args=[station.code]))
    assert response.status_code == 200 and "户口簿" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert (
        "script-src 'self'" in response["Content-Security-Policy"]
        and "unsafe-inline" not in response["Content-Security-Policy"]
    )
    assert client.get(reverse("desk_public:index")).status_code == 302


def test_booking_end_to_end_code_then_appointment(client, station, service_a, workday, codes):
    response = start(client, station, service_a, workday)
    assert response.status_code == 302 and response["Location"].endswith("/verify/")
    page = client.get(response["Location"]).content.decode()
    assert "138****8000" in page
    done = client.post(response["Location"], {"code": codes[-1]}, follow=True)
    body = done.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.reference in body and re.search(r'id="cancel-code">\d{6}<', body)
    # The cancellation code is shown once: a reload shows nothing.
    assert client.get(reverse("desk_public:done", args=[station.code])).status_code == 302


def test_a_double_booking_shows_the_existing_booking_after_verification(
    client, station, service_a, workday, codes
):
    start(client, station, service_a, workday)
    client.post(reverse("desk_public:verify", args=[station.code]), {"code": codes[-1]})
    start(client, station, service_a, workday)
    response = client.post(reverse("desk_public:verify", args=[station.code]), {"code": codes[-1]})
    assert response.status_code == 409
    body = response.content.decode()
    assert Appointment.objects.get().reference in body and "不能重复预约" in body
    assert Appointment.objects.count() == 1


def test_a_wrong_code_keeps_the_pending_booking(client, station, service_a, workday, codes):
    start(client, station, service_a, workday)
    wrong = "000000" if codes[-1] != "000000" else "111111"
    response = client.post(reverse("desk_public:verify", args=[station.code]), {"code": wrong})
    assert response.status_code == 400 and "验证码不正确" in response.content.decode()
    ok = client.post(reverse("desk_public:verify", args=[station.code]), {"code": codes[-1]})
    assert ok.status_code == 302 and Appointment.objects.count() == 1


def test_a_full_day_suggests_the_next_free_day_before_any_sms(
    client, station, service_a, workday, codes
):
    service_a.daily_capacity = 0
    service_a.save()
    response = start(client, station, service_a, workday)
    assert response.status_code == 400 and "预约已满" in response.content.decode()
    assert not PhoneVerification.objects.exists()


def test_bad_input_keeps_what_was_typed(client, station, service_a, workday):
    response = start(client, station, service_a, workday, phone="1234", name="王芳")
    body = response.content.decode()
    assert response.status_code == 400 and "11位手机号" in body and 'value="王芳"' in body


def test_posts_from_one_address_are_rate_limited_with_a_clear_message(
    client, station, service_a, workday, settings, codes
):
    settings.DESK_PUBLIC_PER_MINUTE = 2
    for i in range(2):
        start(client, station, service_a, workday, phone=f"1380013800{i}")
    response = start(client, station, service_a, workday, phone="13800138009")
    assert response.status_code == 429 and "操作太频繁" in response.content.decode()


def test_csrf_is_enforced_on_the_public_pages(station, service_a, workday):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("desk_public:book", args=[station.code]), {"service": service_a.pk}
    )
    assert response.status_code == 403


def test_an_unknown_station_or_rating_token_is_a_plain_404(client):
    assert client.get(reverse("desk_public:book", args=["nope"])).status_code == 404
    assert client.get(reverse("desk_public:rate", args=["forged"])).status_code == 404


def test_rating_page_once(client, clerk, counter1, service_a):
    from fengqiao.desk import services

    services.ticket_take(actor=clerk, service=service_a, phone="13800138000")
    services.ticket_call_next(actor=clerk, counter=counter1)
    done = services.ticket_finish(actor=clerk, counter=counter1)
    url = reverse("desk_public:rate", args=[done.rating_token])
    page = client.get(url).content.decode()
    assert "A001" in page and "13800138000" not in page and "138" not in page
    assert "感谢您的评价" in client.post(url, {"score": 4, "comment": "好"}).content.decode()
    assert "已评价过" in client.post(url, {"score": 1}).content.decode()
    assert done.__class__.objects.get(pk=done.pk).rating.score == 4
