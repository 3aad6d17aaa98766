import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.core.models import ObjectChange
from fengqiao.desk import services
from fengqiao.desk.choices import AppointmentStatus, SmsState, TicketStatus
from fengqiao.desk.models import Appointment, BookingDay, PhoneVerification, ResidentSms, Ticket
from tests.desk.conftest import verified

pytestmark = pytest.mark.django_db


def book(service, day, phone="13800138000", name="王芳", ip="10.0.0.1"):
    v = verified(phone=phone, ip=ip)
    return services.appointment_book(
        service=service, date=day, name=name, phone=phone, verification=v, ip=ip
    )


# ----------------------------------------------------------------------------- SMS codes


def test_the_sms_code_is_stored_only_as_a_hash_and_never_in_the_sms_log(service_a, sms_on):
    v = services.verification_send(phone="13800138000", ip="10.0.0.1")
    assert v.code not in v.code_hash
    stored = PhoneVerification.objects.get(pk=v.pk)
    assert stored.code_hash and v.code not in stored.code_hash
    sms = ResidentSms.objects.get()
    assert v.code not in sms.text and "******" in sms.text and sms.state == SmsState.PENDING


def test_a_wrong_code_counts_and_the_code_dies_after_the_attempts(settings):
    settings.DESK_SMS_MAX_ATTEMPTS = 3
    v = services.verification_send(phone="13800138000", ip="10.0.0.1")
    wrong = "000000" if v.code != "000000" else "111111"
    for left in (2, 1):
        with pytest.raises(ValidationError, match=f"还可再试 {left} 次"):
            services.verification_check(verification_id=v.pk, phone=v.phone, code=wrong)
    with pytest.raises(ValidationError, match="错误次数过多"):
        services.verification_check(verification_id=v.pk, phone=v.phone, code=wrong)
    with pytest.raises(ValidationError, match="错误次数过多"):
        services.verification_check(verification_id=v.pk, phone=v.phone, code=v.code)


def test_an_expired_code_is_refused():
    v = services.verification_send(phone="13800138000", ip="10.0.0.1")
    later = timezone.now() + dt.timedelta(minutes=6)
    with pytest.raises(ValidationError, match="已过期"):
        services.verification_check(verification_id=v.pk, phone=v.phone, code=v.code, now=later)


def test_codes_are_rate_limited_per_phone_and_per_address(settings):
    settings.DESK_SMS_RESEND_SECONDS = 60
    settings.DESK_SMS_PER_PHONE_HOUR = 2
    settings.DESK_SMS_PER_IP_HOUR = 3
    now = timezone.now()
    services.verification_send(phone="13800138000", ip="10.0.0.1", now=now)
    with pytest.raises(ValidationError, match="秒后再重新获取"):
        services.verification_send(
            phone="13800138000", ip="10.0.0.1", now=now + dt.timedelta(seconds=10)
        )
    services.verification_send(
        phone="13800138000", ip="10.0.0.1", now=now + dt.timedelta(seconds=61)
    )
    with pytest.raises(ValidationError, match="该手机号一小时内"):
        services.verification_send(
            phone="13800138000", ip="10.0.0.1", now=now + dt.timedelta(seconds=200)
        )
    services.verification_send(
        phone="13900139000", ip="10.0.0.1", now=now + dt.timedelta(seconds=300)
    )
    with pytest.raises(ValidationError, match="本网络地址一小时内"):
        services.verification_send(
            phone="13700137000", ip="10.0.0.1", now=now + dt.timedelta(seconds=400)
        )
    assert PhoneVerification.objects.count() == 3


def test_a_bad_phone_number_gets_no_code():
    with pytest.raises(ValidationError, match="11位手机号"):
        services.verification_send(phone="12345", ip="10.0.0.1")
    assert not PhoneVerification.objects.exists()


# ----------------------------------------------------------------------------- booking


def test_a_verified_phone_books_a_place_and_gets_a_cancellation_code(service_a, workday, sms_on):
    appointment, code = book(service_a, workday)
    assert (
        appointment.reference.startswith("YY-") and appointment.status == AppointmentStatus.BOOKED
    )
    assert BookingDay.objects.get(service=service_a, date=workday).booked == 1
    assert code not in appointment.cancel_code_hash
    booked_sms = ResidentSms.objects.get(purpose="booked")
    assert code not in booked_sms.text and appointment.reference in booked_sms.text
    assert ObjectChange.objects.filter(object_repr=appointment.reference, action="create").exists()


def test_a_double_booking_is_refused_with_the_existing_booking(service_a, workday):
    first, _code = book(service_a, workday)
    with pytest.raises(services.AlreadyBooked) as refused:
        book(service_a, workday)
    assert refused.value.appointment == first
    assert first.reference in str(refused.value)
    assert Appointment.objects.count() == 1 and BookingDay.objects.get().booked == 1


def test_a_full_day_is_refused_with_the_next_free_day(service_a, workday):
    book(service_a, workday, phone="13800000001")
    book(service_a, workday, phone="13800000002")
    with pytest.raises(services.DayFull) as full:
        book(service_a, workday, phone="13800000003")
    assert full.value.next_free is not None and full.value.next_free > workday
    assert "最近可预约的日期是" in str(full.value)
    assert Appointment.objects.count() == 2


def test_a_day_off_and_a_day_outside_the_window_are_refused(service_a):
    from fengqiao.core import calendar

    day = timezone.localdate() + dt.timedelta(days=1)
    while calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="不是工作日"):
        book(service_a, day)
    far = timezone.localdate() + dt.timedelta(days=60)
    while not calendar.is_working_day(far):
        far += dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="天内的工作日"):
        book(service_a, far)


def test_the_resident_cancels_with_the_code_and_the_place_comes_back(service_a, workday):
    appointment, code = book(service_a, workday)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError, match="取消码不正确"):
        services.appointment_cancel_by_resident(
            reference=appointment.reference, phone=appointment.phone, code=wrong
        )
    with pytest.raises(ValidationError, match="没有找到"):
        services.appointment_cancel_by_resident(
            reference=appointment.reference, phone="13911112222", code=code
        )
    services.appointment_cancel_by_resident(
        reference=appointment.reference, phone=appointment.phone, code=code
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.cancelled_by_resident
    assert BookingDay.objects.get().booked == 0
    with pytest.raises(ValidationError, match="不能取消"):
        services.appointment_cancel_by_resident(
            reference=appointment.reference, phone=appointment.phone, code=code
        )
    book(service_a, workday)  # the phone may book again


def test_cancellation_attempts_are_limited(service_a, workday, settings):
    settings.DESK_SMS_MAX_ATTEMPTS = 2
    appointment, code = book(service_a, workday)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        with pytest.raises(ValidationError):
            services.appointment_cancel_by_resident(
                reference=appointment.reference, phone=appointment.phone, code=wrong
            )
    with pytest.raises(ValidationError, match="错误次数过多"):
        services.appointment_cancel_by_resident(
            reference=appointment.reference, phone=appointment.phone, code=code
        )


def test_no_shows_are_marked_after_the_day_and_repeated_ones_block_booking(
    service_a, service_b, workday, station
):
    a1, _ = book(service_a, workday)
    a2, _ = book(service_b, workday)
    after = timezone.make_aware(dt.datetime.combine(workday + dt.timedelta(days=1), dt.time(1)))
    assert services.appointments_mark_no_show(now=after) == 2
    a1.refresh_from_db()
    assert a1.status == AppointmentStatus.NO_SHOW and a1.no_show_at == after
    next_day = workday + dt.timedelta(days=7)
    with pytest.raises(ValidationError, match="多次预约未到"):
        services.booking_check(service=service_a, date=next_day, phone=a1.phone, now=after)
    config = services.config_for(station)
    config.noshow_limit = 3  # the limit is the station's rule: raised, the phone may book again
    config.save()
    services.booking_check(service=service_a, date=next_day, phone=a1.phone, now=after)


# ----------------------------------------------------------------------------- numbers and calling


def test_numbers_count_per_service_and_day_from_a_locked_counter(clerk, service_a, service_b):
    numbers = [services.ticket_take(actor=clerk, service=service_a).number for _ in range(3)]
    assert numbers == ["A001", "A002", "A003"]
    assert services.ticket_take(actor=clerk, service=service_b).number == "B001"


def test_two_counters_never_call_the_same_number(clerk, service_a, counter1, counter2):
    t1 = services.ticket_take(actor=clerk, service=service_a)
    t2 = services.ticket_take(actor=clerk, service=service_a)
    first = services.ticket_call_next(actor=clerk, counter=counter1)
    second = services.ticket_call_next(actor=clerk, counter=counter2)
    assert (
        {first.pk, second.pk} == {t1.pk, t2.pk}
        and first.counter == counter1
        and second.counter == counter2
    )
    services.ticket_finish(actor=clerk, counter=counter1)
    assert services.ticket_call_next(actor=clerk, counter=counter1) is None


def test_a_counter_must_finish_its_number_before_calling_the_next(clerk, service_a, counter1):
    services.ticket_take(actor=clerk, service=service_a)
    services.ticket_take(actor=clerk, service=service_a)
    services.ticket_call_next(actor=clerk, counter=counter1)
    with pytest.raises(ValidationError, match="请先办结、过号或转移当前的 A001 号"):
        services.ticket_call_next(actor=clerk, counter=counter1)
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1


def test_the_claim_is_conditional_a_number_taken_meanwhile_is_not_called_twice(
    clerk, service_a, counter1, counter2
):
    t1 = services.ticket_take(actor=clerk, service=service_a)
    # Another counter claimed A001 between this counter's read and its update: the UPDATE's
    # WHERE status='waiting' does not match and the next number is taken instead.
    Ticket.objects.filter(pk=t1.pk).update(status=TicketStatus.CALLED, counter=counter2)
    t2 = services.ticket_take(actor=clerk, service=service_a)
    called = services.ticket_call_next(actor=clerk, counter=counter1)
    assert called.pk == t2.pk


def test_empty_queue_calls_nobody(clerk, counter1):
    assert services.ticket_call_next(actor=clerk, counter=counter1) is None


def test_checked_in_appointments_go_first(clerk, service_a, counter1, station):
    services.ticket_take(actor=clerk, service=service_a)
    today = timezone.localdate()
    appointment = Appointment.objects.create(
        station=station,
        reference="YY-X-1",
        service=service_a,
        date=today,
        name="李四",
        phone="13800138000",
        cancel_code_hash="x",
    )
    ticket = services.appointment_check_in(actor=clerk, appointment=appointment)
    assert ticket.number == "A002" and ticket.priority > 0
    assert services.ticket_call_next(actor=clerk, counter=counter1).pk == ticket.pk
    with pytest.raises(ValidationError, match="已签到"):
        services.appointment_check_in(actor=clerk, appointment=appointment)


def test_an_appointment_checks_in_only_on_its_day(clerk, service_a, station, workday):
    appointment = Appointment.objects.create(
        station=station,
        reference="YY-X-2",
        service=service_a,
        date=workday,
        name="李四",
        phone="13800138000",
        cancel_code_hash="x",
    )
    with pytest.raises(ValidationError, match="只能在当天签到"):
        services.appointment_check_in(actor=clerk, appointment=appointment)
    assert not Ticket.objects.exists()


def test_skip_makes_an_appointment_a_no_show_and_requeue_brings_it_back(
    clerk, service_a, counter1, station
):
    appointment = Appointment.objects.create(
        station=station,
        reference="YY-X-3",
        service=service_a,
        date=timezone.localdate(),
        name="李四",
        phone="13800138000",
        cancel_code_hash="x",
    )
    ticket = services.appointment_check_in(actor=clerk, appointment=appointment)
    services.ticket_call_next(actor=clerk, counter=counter1)
    services.ticket_skip(actor=clerk, counter=counter1)
    appointment.refresh_from_db()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SKIPPED and appointment.status == AppointmentStatus.NO_SHOW
    services.ticket_requeue(actor=clerk, ticket=ticket)
    ticket.refresh_from_db()
    appointment.refresh_from_db()
    assert (
        ticket.status == TicketStatus.WAITING and appointment.status == AppointmentStatus.CHECKED_IN
    )
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "taken",
        "called",
        "skipped",
        "requeued",
    ]


def test_transfer_keeps_the_number_and_puts_it_first_in_the_other_service(
    clerk, service_a, service_b, counter1, counter2
):
    services.ticket_take(actor=clerk, service=service_b)
    t = services.ticket_take(actor=clerk, service=service_a)
    services.ticket_call_next(actor=clerk, counter=counter1)  # B001 (taken first)
    services.ticket_finish(actor=clerk, counter=counter1)
    services.ticket_call_next(actor=clerk, counter=counter1)  # A001
    with pytest.raises(ValidationError, match="请选择另一事项"):
        services.ticket_transfer(actor=clerk, counter=counter1, service=service_a)
    moved = services.ticket_transfer(
        actor=clerk, counter=counter1, service=service_b, note="需先补办身份证"
    )
    assert (
        moved.pk == t.pk
        and moved.number == "A001"
        and moved.service == service_b
        and moved.status == TicketStatus.WAITING
    )
    assert services.ticket_call_next(actor=clerk, counter=counter2).pk == t.pk


def test_finish_gives_a_rating_link_used_once(clerk, service_a, counter1, sms_on):
    services.ticket_take(actor=clerk, service=service_a, phone="13800138000")
    services.ticket_call_next(actor=clerk, counter=counter1)
    done = services.ticket_finish(actor=clerk, counter=counter1)
    assert done.status == TicketStatus.DONE and done.rating_token
    assert ResidentSms.objects.filter(purpose="rate", phone="13800138000").exists()
    with pytest.raises(ValidationError, match="请选择评价等级"):
        services.rating_submit(token=done.rating_token, score=9)
    rating = services.rating_submit(token=done.rating_token, score=5, comment="很快")
    assert rating.score == 5
    with pytest.raises(ValidationError, match="已评价过"):
        services.rating_submit(token=done.rating_token, score=1)
    with pytest.raises(ValidationError, match="无效"):
        services.rating_submit(token="forged-token", score=5)


def test_a_rating_link_expires(clerk, service_a, counter1):
    services.ticket_take(actor=clerk, service=service_a)
    services.ticket_call_next(actor=clerk, counter=counter1)
    done = services.ticket_finish(actor=clerk, counter=counter1)
    with pytest.raises(ValidationError, match="已过期"):
        services.rating_submit(
            token=done.rating_token, score=5, now=timezone.now() + dt.timedelta(hours=73)
        )


def test_residents_get_one_sms_when_their_turn_is_near(clerk, service_a, counter1, station, sms_on):
    config = services.config_for(station)
    config.notify_ahead = 2
    config.save()
    for i in range(5):
        services.ticket_take(actor=clerk, service=service_a, phone=f"1380013800{i}")
    services.ticket_call_next(
        actor=clerk, counter=counter1
    )  # A001 called; A002..A004 have 0..2 ahead
    near = list(
        ResidentSms.objects.filter(purpose="near").order_by("phone").values_list("phone", flat=True)
    )
    assert near == ["13800138001", "13800138002", "13800138003"]
    services.ticket_finish(actor=clerk, counter=counter1)
    services.ticket_call_next(actor=clerk, counter=counter1)  # A005 now has 2 ahead
    assert ResidentSms.objects.filter(purpose="near").count() == 4


def test_the_call_is_in_the_change_log_and_the_timeline(clerk, service_a, counter1):
    services.ticket_take(actor=clerk, service=service_a)
    ticket = services.ticket_call_next(actor=clerk, counter=counter1)
    assert ObjectChange.objects.filter(
        object_id=ticket.pk, action="update", after__status="called"
    ).exists()
    assert ticket.events.filter(kind="called", counter=counter1).exists()


def test_another_station_cannot_work_our_counter(charlie, service_a, counter1, other_service):
    with pytest.raises(PermissionDenied):
        services.ticket_take(actor=charlie, service=service_a)
    with pytest.raises(PermissionDenied):
        services.ticket_call_next(actor=charlie, counter=counter1)


def test_resident_sms_is_retried_with_backoff_then_given_up(settings, station, monkeypatch):
    from fengqiao.notifications import channels

    settings.SMS_GATEWAY_URL = "http://sms.invalid/send"
    settings.NOTIFY_MAX_ATTEMPTS = 2
    sms = services.sms_queue(station_id=station.pk, phone="13800138000", purpose="near", text="hi")
    calls = []

    def fail(self, notification, address):
        calls.append((notification.title, address))
        raise channels.ChannelError("HTTP 500", response_code=500)

    monkeypatch.setattr(channels.SmsGatewayChannel, "send", fail)
    delay = services.sms_attempt(sms.pk, "hi")
    assert delay == settings.NOTIFY_RETRY_BASE_SECONDS
    sms.refresh_from_db()
    assert sms.state == SmsState.PENDING and sms.attempts == 1
    assert (
        services.sms_attempt(sms.pk, "hi", now=timezone.now() + dt.timedelta(seconds=delay + 1))
        is None
    )
    sms.refresh_from_db()
    assert sms.state == SmsState.FAILED and calls == [("hi", "13800138000")] * 2


def test_resident_sms_goes_out_through_the_sms_gateway_channel(settings, station, monkeypatch):
    from fengqiao.notifications import channels

    settings.SMS_GATEWAY_URL = "http://sms.invalid/send"
    sent = []
    monkeypatch.setattr(
        channels,
        "_http",
        lambda method, url, *, data, headers: sent.append(data) or channels.SendResult(200),
    )
    sms = services.sms_queue(
        station_id=station.pk, phone="13800138000", purpose="near", text="您的A003号前面还有1位"
    )
    assert services.sms_attempt(sms.pk, "您的A003号前面还有1位") is None
    sms.refresh_from_db()
    assert sms.state == SmsState.SENT and b"A003" in sent[0]


def test_the_nightly_purge_forgets_rate_limit_rows_codes_and_old_sms(station):
    from fengqiao.desk.models import PublicHit

    old = timezone.now() - dt.timedelta(days=100)
    PublicHit.objects.create(key="ip:book:1.2.3.4", at=old)
    v = services.verification_send(phone="13800138000", ip="10.0.0.1", now=old)
    ResidentSms.objects.filter(pk__gte=0).update(created_at=old, state=SmsState.SKIPPED)
    services.public_hits_purge()
    assert not PublicHit.objects.filter(at=old).exists()
    assert (
        not PhoneVerification.objects.filter(pk=v.pk).exists() and not ResidentSms.objects.exists()
    )


def test_without_a_gateway_a_demo_writes_the_unsent_sms_to_the_log(settings, station, caplog):
    settings.SMS_GATEWAY_URL = ""
    settings.DEBUG = False
    settings.SMS_LOG_UNSENT = False
    with caplog.at_level("WARNING", logger="fengqiao"):
        services.sms_queue(
            station_id=station.pk, phone="13800138000", purpose="code", text="验证码 123456"
        )
    assert "123456" not in caplog.text  # production: the code is never logged
    settings.SMS_LOG_UNSENT = True
    with caplog.at_level("WARNING", logger="fengqiao"):
        sms = services.sms_queue(
            station_id=station.pk, phone="13800138000", purpose="code", text="验证码 654321"
        )
    assert "654321" in caplog.text and sms.state == SmsState.SKIPPED


def test_the_demo_turns_on_the_unsent_sms_log_only_without_a_gateway(monkeypatch):
    from fengqiao.demo.management.commands import rundemo

    captured = {}

    class FakeSupervisor:
        def __init__(self, commands, *, env, log):
            captured.update(env)
            raise SystemExit(0)

    monkeypatch.setattr(rundemo, "Supervisor", FakeSupervisor)
    monkeypatch.delenv("SMS_GATEWAY_URL", raising=False)
    monkeypatch.delenv("SMS_LOG_UNSENT", raising=False)
    with pytest.raises(SystemExit):
        rundemo.Command().handle()
    assert captured["SMS_LOG_UNSENT"] == "1"
    captured.clear()
    monkeypatch.setenv("SMS_GATEWAY_URL", "https://sms.example/send")
    with pytest.raises(SystemExit):
        rundemo.Command().handle()
    assert "SMS_LOG_UNSENT" not in captured
