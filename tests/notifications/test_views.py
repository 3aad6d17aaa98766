import pytest
from django.urls import reverse

from fengqiao.notifications.models import Notification
from fengqiao.notifications.services import notification_send

pytestmark = pytest.mark.django_db


def _send(user, title="通知", **kw):
    (n,) = notification_send(recipients=[user], kind="test", title=title, **kw)
    return n


def test_header_bell_shows_unread_count(bob_client, bob):
    _send(bob)
    _send(bob)
    html = bob_client.get(reverse("home")).content.decode()
    assert 'id="notify-bell"' in html
    assert 'data-notify-count="2"' in html


def test_bell_partial_refreshes_count(bob_client, bob):
    n = _send(bob)
    _send(bob)
    Notification.objects.filter(pk=n.pk).update(read_at=n.created_at)
    html = bob_client.get(reverse("notifications:bell")).content.decode()
    assert 'data-notify-count="1"' in html


def test_inbox_lists_only_own_notifications(bob_client, bob, alice):
    _send(bob, title="给鲍勃")
    _send(alice, title="给艾丽")
    html = bob_client.get(reverse("notifications:inbox")).content.decode()
    assert "给鲍勃" in html
    assert "给艾丽" not in html


def test_inbox_filters_unread_and_level(bob_client, bob):
    read = _send(bob, title="已读的", level="red")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    _send(bob, title="未读红色", level="red")
    _send(bob, title="未读黄色", level="yellow")
    html = bob_client.get(
        reverse("notifications:inbox"), {"show": "unread", "level": "red"}
    ).content.decode()
    assert "未读红色" in html
    assert "已读的" not in html
    assert "未读黄色" not in html


def test_mark_read(bob_client, bob):
    n = _send(bob)
    response = bob_client.post(reverse("notifications:mark_read", args=[n.pk]))
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_all_read(bob_client, bob, alice):
    _send(bob)
    _send(bob)
    theirs = _send(alice)
    bob_client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_cannot_mark_another_users_notification_read(charlie_client, bob):
    n = _send(bob)
    response = charlie_client.post(reverse("notifications:mark_read", args=[n.pk]))
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_cannot_open_another_users_notification(charlie_client, bob):
    n = _send(bob, url="/registry/")
    assert charlie_client.get(reverse("notifications:open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_open_marks_read_and_follows_the_link(bob_client, bob):
    n = _send(bob, url="/registry/")
    response = bob_client.get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/registry/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_open_refuses_an_offsite_link(bob_client, bob):
    n = _send(bob, url="https://evil.example/")
    response = bob_client.get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_quiet_hours_page_saves(bob_client, bob):
    response = bob_client.post(
        reverse("notifications:settings"), {"quiet_from": "22:00", "quiet_until": "07:00"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert (bob.quiet_from.hour, bob.quiet_until.hour) == (22, 7)


def test_quiet_hours_page_refuses_half_a_period(bob_client, bob):
    response = bob_client.post(
        reverse("notifications:settings"), {"quiet_from": "22:00", "quiet_until": ""}
    )
    assert response.status_code == 200
    assert "同时填写" in response.content.decode()
    bob.refresh_from_db()
    assert bob.quiet_from is None


def test_stream_requires_login(client):
    response = client.get(reverse("notifications:stream"))
    assert response.status_code == 302


def test_stream_is_an_event_stream(bob_client, settings):
    settings.NOTIFY_STREAM_SECONDS = 5
    response = bob_client.get(reverse("notifications:stream"))
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["X-Accel-Buffering"] == "no"
    first = next(iter(response.streaming_content))
    assert b"retry:" in first
    response.close()


def test_stream_over_capacity_tells_the_tab_to_retry_later(bob_client, settings):
    settings.NOTIFY_STREAM_MAX_PER_PROCESS = 0
    response = bob_client.get(reverse("notifications:stream"))
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("retry: 30000")


def test_inbox_shows_how_the_outside_copies_went(bob_client, bob):
    from fengqiao.notifications.models import Delivery

    n = _send(bob, title="红色", level="red")
    Delivery.objects.create(
        notification=n,
        channel="sms",
        address="13800000000",
        state="held",
        next_attempt_at=n.created_at,
    )
    html = bob_client.get(reverse("notifications:inbox")).content.decode()
    assert "短信 免打扰暂缓" in html
