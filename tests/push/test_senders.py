"""push.send: written after commit only, one row per audience; the notification service sends
through it; the live maps' news is coalesced; the page's CSP allows the push URL."""

from __future__ import annotations

import pytest
from django.db import transaction

from fengqiao import push
from fengqiao.push.models import PushEvent
from fengqiao.push.services import purge

pytestmark = pytest.mark.django_db


def test_rows_are_written_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        push.send(["user:1", "station:2"], "desk.ticket", {"n": 1})
        assert not PushEvent.objects.exists()
    assert len(callbacks) == 1
    assert sorted(PushEvent.objects.values_list("audience", flat=True)) == ["station:2", "user:1"]


def test_a_rolled_back_write_pushes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                push.send("user:1", "notification", {})
                raise RuntimeError("the service failed")
    assert not PushEvent.objects.exists()


@pytest.mark.parametrize("audience", ["everyone", "user:", "user:abc", "county:1", "wall:1;drop"])
def test_a_bad_audience_is_refused_at_once(audience):
    with pytest.raises(ValueError):
        push.send(audience, "notification", {})


def test_a_payload_that_is_not_json_is_refused_at_once():
    with pytest.raises(TypeError):
        push.send("user:1", "notification", {"at": object()})


def test_a_notification_reaches_its_recipient_audience(bob, django_capture_on_commit_callbacks):
    from fengqiao.notifications.services import notification_mark_read, notification_send

    with django_capture_on_commit_callbacks(execute=True):
        (note,) = notification_send(
            recipients=[bob], kind="test", title="新的红色纠纷", level="red"
        )
    event = PushEvent.objects.get()
    assert event.audience == f"user:{bob.pk}" and event.kind == "notification"
    assert event.payload["title"] == "新的红色纠纷" and event.payload["id"] == note.pk
    with django_capture_on_commit_callbacks(execute=True):
        notification_mark_read(actor=bob, notification_id=note.pk)
    assert PushEvent.objects.filter(audience=f"user:{bob.pk}", kind="notify.read").exists()


def test_retention_purges_old_rows(settings):
    from django.utils import timezone

    settings.PUSH_RETENTION_HOURS = 24
    old = PushEvent.objects.create(
        audience="user:1", kind="x", created_at=timezone.now() - timezone.timedelta(hours=25)
    )
    new = PushEvent.objects.create(audience="user:1", kind="x")
    assert purge() == 1
    assert list(PushEvent.objects.values_list("pk", flat=True)) == [new.pk]
    assert old.pk != new.pk


def test_live_maps_hear_of_moving_vehicles_at_most_once_per_interval(
    settings, django_capture_on_commit_callbacks
):
    from fengqiao.vehicles.hooks import MapNews
    from tests.vehicles.factories import VehicleFactory

    settings.PUSH_MAP_SECONDS = 5
    first = VehicleFactory(imei="860000000000000")
    for n in (1, 2):
        VehicleFactory(imei=f"86000000000000{n}", owner=first.owner)
    station = first.station
    now = [100.0]
    timers = []
    news = MapNews(clock=lambda: now[0], later=lambda delay, fn: timers.append(delay))
    with django_capture_on_commit_callbacks(execute=True):
        news.seen({"860000000000000"})
        assert timers == [0.0]
        news.flush()  # what the timer thread does
        now[0] += 1
        news.seen({"860000000000001", "860000000000002"})  # 1 s later: waits the other 4 s
        news.seen({"860000000000001"})  # already waiting: no second timer
        assert timers == [0.0, 4.0]
        news.flush()
    events = list(PushEvent.objects.order_by("id").values_list("audience", "kind", "payload"))
    assert events == [
        (f"map:{station.pk}", "map.moved", {"vehicles": 1, "alarm": False}),
        (f"map:{station.pk}", "map.moved", {"vehicles": 2, "alarm": False}),
    ]


def test_the_csp_lets_pages_reach_the_push_url():
    from fengqiao.core.middleware import push_sources

    assert push_sources("/push/") == []
    assert push_sources(":8001/push/") == ["http://*:8001", "https://*:8001"]
    assert push_sources("https://push.example.gov.cn/push/") == ["https://push.example.gov.cn"]
