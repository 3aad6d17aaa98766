"""Outbound channels: routing by level, quiet hours, retries with backoff, every attempt recorded.

The webhook and SMS gateway are a local HTTP server on 127.0.0.1 that can fail its first N requests.
"""

import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from fengqiao.notifications import services, tasks
from fengqiao.notifications.choices import DeliveryState
from fengqiao.notifications.models import Delivery, DeliveryAttempt, Notification
from fengqiao.notifications.services import notification_send

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def webhook(settings, gateway):
    settings.NOTIFY_WEBHOOK_URL = gateway.url + "/hook"
    settings.NOTIFY_WEBHOOK_SECRET = ""
    settings.NOTIFY_RETRY_BASE_SECONDS = 10
    settings.NOTIFY_RETRY_CAP_SECONDS = 3600
    settings.NOTIFY_MAX_ATTEMPTS = 5
    return gateway


@pytest.fixture
def sms(settings, gateway):
    settings.SMS_GATEWAY_URL = gateway.url + "/sms/send"
    settings.SMS_GATEWAY_TOKEN = "tok-123"
    settings.SMS_GATEWAY_METHOD = "POST"
    settings.SMS_GATEWAY_FORMAT = "json"
    settings.SMS_GATEWAY_FIELDS = "phone=mobile,text=content,sign=sign"
    settings.SMS_GATEWAY_SIGN = "玉津派出所"
    return gateway


@pytest.fixture
def quiet_bob(bob):
    bob.quiet_from, bob.quiet_until = dt.time(22, 0), dt.time(7, 0)
    bob.phone = "13812345678"
    bob.save()
    return bob


def _send(django_capture_on_commit_callbacks, user, **kw):
    kw.setdefault("kind", "test")
    kw.setdefault("title", "测试通知")
    with django_capture_on_commit_callbacks(execute=True):
        return notification_send(recipients=[user], **kw)


# ---- routing ---------------------------------------------------------------------------------------


def test_info_and_yellow_stay_in_the_inbox_only(webhook, bob, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks, bob, level="info")
    _send(django_capture_on_commit_callbacks, bob, level="yellow")
    assert Notification.objects.filter(recipient=bob).count() == 2
    assert not Delivery.objects.exists()
    assert webhook.requests == []


def test_orange_goes_to_the_webhook_not_sms(
    webhook, sms, quiet_bob, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH), tick=False):
        _send(django_capture_on_commit_callbacks, quiet_bob, level="orange")
    assert [r["path"] for r in webhook.requests] == ["/hook"]
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["webhook"]


def test_red_goes_by_sms_and_webhook(webhook, sms, quiet_bob, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH), tick=False):
        _send(django_capture_on_commit_callbacks, quiet_bob, level="red")
    assert sorted(r["path"] for r in webhook.requests) == ["/hook", "/sms/send"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_sms_is_skipped_for_a_user_without_a_phone(sms, bob, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks, bob, level="red")
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SKIPPED
    assert sms.requests == []


# ---- channel payloads --------------------------------------------------------------------------------


def test_sms_gateway_gets_mapped_fields_and_token(
    sms, quiet_bob, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH), tick=False):
        _send(
            django_capture_on_commit_callbacks,
            quiet_bob,
            level="red",
            title="红色纠纷",
            body="西街社区",
        )
    (request,) = sms.requests
    assert request["method"] == "POST"
    assert request["headers"]["Authorization"] == "Bearer tok-123"
    assert json.loads(request["body"]) == {
        "mobile": "13812345678",
        "content": "红色纠纷：西街社区",
        "sign": "玉津派出所",
    }


def test_sms_gateway_as_a_get_url_template(
    settings, sms, quiet_bob, django_capture_on_commit_callbacks
):
    settings.SMS_GATEWAY_METHOD = "GET"
    settings.SMS_GATEWAY_URL = sms.url + "/send?to={phone}&msg={text}"
    settings.SMS_GATEWAY_FIELDS = ""
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH), tick=False):
        _send(django_capture_on_commit_callbacks, quiet_bob, level="red", title="红色纠纷")
    (request,) = sms.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    assert query == {"to": ["13812345678"], "msg": ["红色纠纷"]}


def test_webhook_body_is_signed_with_hmac(
    settings, webhook, bob, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEBHOOK_SECRET = "s3cret"
    (n,) = _send(
        django_capture_on_commit_callbacks, bob, level="orange", title="橙色预警", url="/x/"
    )
    (request,) = webhook.requests
    expected = hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Fengqiao-Signature"] == f"sha256={expected}"
    payload = json.loads(request["body"])
    assert (payload["id"], payload["title"], payload["level"]) == (n.pk, "橙色预警", "orange")


def test_email_channel_sends_mail(settings, bob, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFY_EMAIL_ENABLED = True
    bob.email = "bob@station.example"
    bob.save()
    _send(django_capture_on_commit_callbacks, bob, level="orange", title="橙色预警")
    (message,) = mail.outbox
    assert message.to == ["bob@station.example"]
    assert "橙色预警" in message.subject
    assert DeliveryAttempt.objects.get().outcome == "ok"


# ---- retries -------------------------------------------------------------------------------------------


def test_failed_webhook_is_retried_with_exponential_backoff(
    webhook, bob, django_capture_on_commit_callbacks
):
    webhook.fail_first = 2
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False) as traveller:
        _send(django_capture_on_commit_callbacks, bob, level="orange")
        delivery = Delivery.objects.get()
        assert delivery.state == DeliveryState.PENDING
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=10)
        # Not due yet: a second worker does nothing.
        assert services.delivery_attempt(delivery.pk) is None
        traveller.shift(10)
        assert services.delivery_attempt(delivery.pk) == 20
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=30)
        traveller.shift(20)
        assert services.delivery_attempt(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert len(webhook.requests) == 3
    attempts = list(
        DeliveryAttempt.objects.filter(delivery=delivery).values_list(
            "number", "outcome", "response_code"
        )
    )
    assert attempts == [(1, "error", 503), (2, "error", 503), (3, "ok", 200)]
    times = list(DeliveryAttempt.objects.filter(delivery=delivery).values_list("at", flat=True))
    assert [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)] == [10, 20]


def test_failed_delivery_task_schedules_its_own_retry(
    webhook, bob, django_capture_on_commit_callbacks, _huey_immediate
):
    webhook.fail_first = 1
    _send(django_capture_on_commit_callbacks, bob, level="orange")
    scheduled = _huey_immediate.scheduled()
    assert [t.args for t in scheduled] == [(Delivery.objects.get().pk,)]
    assert DeliveryAttempt.objects.get().error.startswith("HTTP 503")


def test_delivery_gives_up_after_max_attempts(
    settings, webhook, bob, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    webhook.fail_first = 99
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH), tick=False) as traveller:
        _send(django_capture_on_commit_callbacks, bob, level="orange")
        delivery = Delivery.objects.get()
        for _ in range(5):
            traveller.shift(3600)
            services.delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 3
    assert len(webhook.requests) == 3


def test_unreachable_gateway_is_recorded_as_an_error(
    settings, bob, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens-here"
    _send(django_capture_on_commit_callbacks, bob, level="orange")
    attempt = DeliveryAttempt.objects.get()
    assert attempt.outcome == "error"
    assert attempt.response_code is None
    assert attempt.error


def test_a_claimed_delivery_is_not_sent_twice(webhook, bob):
    notification_send(
        recipients=[bob], kind="t", title="t", level="orange"
    )  # on_commit not run: still pending
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SENDING)
    from django.utils import timezone

    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now())
    assert services.delivery_attempt(delivery.pk) is None
    assert webhook.requests == []


# ---- quiet hours -----------------------------------------------------------------------------------


def test_quiet_hours_hold_non_urgent_outbound_and_release_after(
    webhook, quiet_bob, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 23, 0, tzinfo=SH), tick=False) as traveller:
        _send(django_capture_on_commit_callbacks, quiet_bob, level="orange", title="夜里的橙色预警")
        delivery = Delivery.objects.get()
        assert delivery.state == DeliveryState.HELD
        assert delivery.next_attempt_at == dt.datetime(2026, 3, 3, 7, 0, tzinfo=SH)
        assert webhook.requests == []
        assert Notification.objects.filter(
            recipient=quiet_bob, title="夜里的橙色预警"
        ).exists()  # inbox at once

        traveller.move_to(dt.datetime(2026, 3, 3, 6, 59, tzinfo=SH))
        assert tasks.deliver_due.call_local() == 0
        assert webhook.requests == []

        traveller.move_to(dt.datetime(2026, 3, 3, 7, 0, 30, tzinfo=SH))
        assert tasks.deliver_due.call_local() == 1
    assert len(webhook.requests) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_red_bypasses_quiet_hours(webhook, quiet_bob, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2026, 3, 2, 23, 0, tzinfo=SH), tick=False):
        _send(django_capture_on_commit_callbacks, quiet_bob, level="red")
    assert len(webhook.requests) == 1
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_urgent_fraud_warning_bypasses_quiet_hours(
    webhook, sms, quiet_bob, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 2, 0, tzinfo=SH), tick=False):
        _send(
            django_capture_on_commit_callbacks,
            quiet_bob,
            kind="antifraud",
            level="yellow",
            urgent=True,
        )
    assert sorted(r["path"] for r in webhook.requests) == ["/hook", "/sms/send"]


def test_outside_quiet_hours_orange_goes_at_once(
    webhook, quiet_bob, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 7, 30, tzinfo=SH), tick=False):
        _send(django_capture_on_commit_callbacks, quiet_bob, level="orange")
    assert len(webhook.requests) == 1


def test_lost_pending_delivery_is_picked_up_by_the_periodic_job(webhook, bob):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH), tick=False) as traveller:
        notification_send(
            recipients=[bob], kind="t", title="t", level="orange"
        )  # task never enqueued
        traveller.shift(120)
        assert tasks.deliver_due.call_local() == 1
    assert len(webhook.requests) == 1


def test_a_queue_that_is_down_does_not_fail_the_sender(webhook, bob, monkeypatch):
    from django.db import transaction

    def queue_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "deliver", queue_down)
    with transaction.atomic():
        sent = notification_send(recipients=[bob], kind="t", title="t", level="orange")
    # (in the test transaction on_commit does not fire by itself: run the registered callbacks)
    for _sid, callback, robust in transaction.get_connection().run_on_commit:
        assert robust
        try:
            callback()
        except ConnectionError:
            pass
    assert len(sent) == 1
    assert Delivery.objects.get().state == DeliveryState.PENDING  # the periodic job will pick it up


def test_held_deliveries_job_runs_every_minute():
    from huey.contrib.djhuey import HUEY

    minute = dt.datetime(2026, 3, 2, 10, 17)
    assert "deliver_due" in [t.name.rsplit(".", 1)[-1] for t in HUEY.read_periodic(minute)]
