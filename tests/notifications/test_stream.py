"""The live-push generator, driven directly with a fake clock (no sleeping)."""

import json

import pytest

from fengqiao.notifications import stream
from fengqiao.notifications.models import Notification
from fengqiao.notifications.services import notification_send

pytestmark = pytest.mark.django_db


class FakeClock:
    def __init__(self):
        self.t = 0.0
        self.on_sleep = []

    def __call__(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds
        while self.on_sleep:
            self.on_sleep.pop(0)()


def _events(user, last_id, clock, duration=5, heartbeat=15):
    return stream.events(
        user.pk,
        last_id,
        duration=duration,
        poll=1,
        heartbeat=heartbeat,
        clock=clock,
        sleep=clock.sleep,
    )


def _payloads(chunks):
    return [json.loads(c.split("data: ", 1)[1]) for c in chunks if "event: notification" in c]


def test_stream_yields_an_event_for_a_new_notification(bob):
    clock = FakeClock()
    clock.on_sleep.append(
        lambda: notification_send(recipients=[bob], kind="test", title="新的红色纠纷", level="red")
    )
    chunks = list(_events(bob, stream.latest_id(bob.pk), clock))
    (payload,) = _payloads(chunks)
    assert payload["title"] == "新的红色纠纷"
    assert payload["level"] == "red"
    assert payload["unread"] == 1
    assert any(c.startswith(f"id: {payload['id']}\n") for c in chunks)


def test_stream_marks_pushed_rows_delivered_live(bob):
    (n,) = notification_send(recipients=[bob], kind="test", title="t")
    list(_events(bob, 0, FakeClock(), duration=2))
    n.refresh_from_db()
    assert n.delivered_live_at is not None


def test_stream_resumes_after_last_event_id(bob):
    first, second = (
        notification_send(recipients=[bob], kind="t", title=t)[0] for t in ("一", "二")
    )
    payloads = _payloads(list(_events(bob, first.pk, FakeClock(), duration=2)))
    assert [p["id"] for p in payloads] == [second.pk]


def test_stream_carries_only_the_users_own_notifications(bob, alice):
    clock = FakeClock()
    clock.on_sleep.append(lambda: notification_send(recipients=[alice], kind="t", title="给艾丽"))
    assert _payloads(list(_events(bob, 0, clock))) == []


def test_stream_sends_heartbeats_and_ends_after_its_duration(bob):
    clock = FakeClock()
    chunks = list(_events(bob, 0, clock, duration=40, heartbeat=15))
    assert chunks[0].startswith("retry: ")
    assert sum(1 for c in chunks if c == ": ping\n\n") == 2  # nothing changed: plain heartbeats
    assert chunks[-1] == ": bye\n\n"
    assert clock.t == pytest.approx(40, abs=1)


def test_stream_polls_with_one_query_per_idle_second(bob, django_assert_max_num_queries):
    clock = FakeClock()
    with django_assert_max_num_queries(
        11
    ):  # the unread count at the start, then one query a second
        list(_events(bob, 0, clock, duration=10))


def test_resume_point_prefers_last_event_id_header():
    assert stream.parse_last_id("42", "7") == 42
    assert stream.parse_last_id(None, "7") == 7
    assert stream.parse_last_id("junk", None) is None


def test_stream_view_resumes_from_last_event_id(bob_client, bob, settings):
    settings.NOTIFY_STREAM_SECONDS = 5
    old, new = (notification_send(recipients=[bob], kind="t", title=t)[0] for t in ("旧", "新"))
    response = bob_client.get("/notifications/stream/", HTTP_LAST_EVENT_ID=str(old.pk))
    chunks = iter(response.streaming_content)
    next(chunks)  # retry line
    next(chunks)  # unread count
    body = next(chunks).decode()
    assert f"id: {new.pk}" in body
    assert Notification.objects.get(pk=new.pk).delivered_live_at is not None


def test_a_database_error_ends_the_stream_quietly(bob, monkeypatch):
    from django.db import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(Notification.objects, "filter", broken)
    chunks = list(_events(bob, 0, FakeClock()))
    assert len(chunks) == 1 and chunks[0].startswith("retry: ")


def test_stream_starts_with_the_unread_count(bob):
    notification_send(recipients=[bob], kind="t", title="t")
    chunks = list(_events(bob, stream.latest_id(bob.pk), FakeClock(), duration=2))
    assert chunks[1] == "event: unread\ndata: 1\n\n"


def test_stream_tells_the_tab_when_the_count_drops_after_reading_elsewhere(bob):
    (n,) = notification_send(recipients=[bob], kind="t", title="t")
    clock = FakeClock()
    clock.on_sleep.append(lambda: Notification.objects.filter(pk=n.pk).update(read_at=n.created_at))
    chunks = list(_events(bob, n.pk, clock, duration=20, heartbeat=15))
    assert [c for c in chunks if c.startswith("event: unread")] == [
        "event: unread\ndata: 1\n\n",
        "event: unread\ndata: 0\n\n",
    ]
