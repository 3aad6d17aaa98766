"""The push process end to end over real sockets: sign-in, scope, resume, slow consumers, the
SQLite fallback's one query per process, and the Redis path."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.test import Client as DjangoClient

from fengqiao import push
from fengqiao.accounts.choices import Role
from fengqiao.push import store
from fengqiao.push.models import PushEvent
from tests.factories import UserFactory
from tests.push.conftest import Client, cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {"poll": 0.05, "heartbeat": 30}


def test_forged_session_gets_401_and_no_stream(start_push, bob):
    server = start_push(**FAST)
    tab = Client(server.port, "sessionid=forged0123456789abcdefghijklmnopqrstuv")
    assert tab.head() == 401
    push.send(f"user:{bob.pk}", "notification", {"title": "x"})
    assert tab.wait_for(1, timeout=0.5) == []
    assert server.status()["connections"] == 0


def test_expired_session_gets_401(start_push, bob):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    cookie = cookie_for(DjangoClient(), bob)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    server = start_push(**FAST)
    assert Client(server.port, cookie).head() == 401


def test_signed_in_tab_gets_its_own_events(start_push, bob):
    server = start_push(**FAST)
    tab = Client(server.port, cookie_for(DjangoClient(), bob))
    assert tab.head() == 200
    _wait_connected(server, 1)
    push.send(f"user:{bob.pk}", "notification", {"title": "新的红色纠纷"})
    (event,) = tab.wait_for(1)
    assert event["event"] == "notification"
    assert json.loads(event["data"])["title"] == "新的红色纠纷"
    assert int(event["id"]) == PushEvent.objects.get().pk


def test_other_station_events_are_never_delivered(start_push, bob, station, other_station):
    """bob (玉津) asks for every screen; 清溪's events and other users' never reach him."""
    other = UserFactory(username="charlie2", role=Role.COMMAND, station=other_station)
    server = start_push(**FAST)
    tab = Client(server.port, cookie_for(DjangoClient(), bob), channels="wall,desk,map")
    assert tab.head() == 200
    _wait_connected(server, 1)
    for audience in (
        f"wall:{other_station.pk}",
        f"desk:{other_station.pk}",
        f"map:{other_station.pk}",
        f"station:{other_station.pk}",
        f"user:{other.pk}",
    ):
        push.send(audience, "desk.ticket", {"who": audience})
    push.send(f"desk:{station.pk}", "desk.ticket", {"who": "mine"})
    events = tab.wait_for(2, timeout=1.5)
    assert [json.loads(e["data"])["who"] for e in events] == ["mine"]


def test_county_user_gets_every_station_of_the_county(start_push, station, other_station):
    from fengqiao.accounts.models import Station

    assert station.bureau_id == other_station.bureau_id or Station.objects.filter(
        pk=other_station.pk
    ).update(bureau_id=station.bureau_id)
    county = UserFactory(
        username="county", role=Role.BUREAU, station=None, bureau_id=station.bureau_id
    )
    server = start_push(**FAST)
    tab = Client(server.port, cookie_for(DjangoClient(), county), channels="desk")
    assert tab.head() == 200
    _wait_connected(server, 1)
    push.send([f"desk:{station.pk}", f"desk:{other_station.pk}"], "desk.ticket", {})
    assert len(tab.wait_for(2)) == 2


def test_resume_with_last_event_id_after_a_push_process_restart_loses_nothing(start_push, bob):
    cookie = cookie_for(DjangoClient(), bob)
    first = start_push(**FAST)
    tab = Client(first.port, cookie)
    assert tab.head() == 200
    _wait_connected(first, 1)
    push.send(f"user:{bob.pk}", "notification", {"n": 1})
    (seen,) = tab.wait_for(1)
    first.stop()
    tab.close()
    for n in (2, 3, 4):  # sent while no push process runs
        push.send(f"user:{bob.pk}", "notification", {"n": n})
    second = start_push(**FAST)
    again = Client(second.port, cookie, last_event_id=seen["id"])
    assert again.head() == 200
    _wait_connected(second, 1)
    push.send(f"user:{bob.pk}", "notification", {"n": 5})
    events = again.wait_for(4)
    assert [json.loads(e["data"])["n"] for e in events] == [2, 3, 4, 5]


def test_a_client_that_never_reads_is_dropped_and_others_get_everything(start_push, bob):
    cookie = cookie_for(DjangoClient(), bob)
    server = start_push(poll=0.05, heartbeat=30, max_buffer=16 * 1024)
    slow = Client(server.port, cookie, rcvbuf=4096)
    assert slow.head() == 200
    good = Client(server.port, cookie)
    assert good.head() == 200
    _wait_connected(server, 2)
    big = "x" * 4000
    for n in range(100):  # 400 kB: far beyond what the slow tab's socket and buffer hold
        push.send(f"user:{bob.pk}", "notification", {"n": n, "pad": big})
        good.wait_for(n + 1, timeout=2)
    assert len(good.events) == 100
    status = server.status()
    assert status["dropped_slow"] == 1
    assert status["connections"] == 1


def test_the_sqlite_fallback_polls_once_per_process_whatever_the_number_of_tabs(start_push, bob):
    """Without Redis the process reads the outbox once per poll; 1 tab or 30, the same queries."""
    cookie = cookie_for(DjangoClient(), bob)
    server = start_push(poll=0.1, heartbeat=30)

    def idle_queries(seconds=1.0):
        before_q, before_r = store.queries, server.status()["reads"]
        time.sleep(seconds)
        return store.queries - before_q, server.status()["reads"] - before_r

    tabs = [Client(server.port, cookie)]
    assert tabs[0].head() == 200
    _wait_connected(server, 1)
    one_q, one_reads = idle_queries()
    tabs += [Client(server.port, cookie) for _ in range(29)]
    for tab in tabs[1:]:
        assert tab.head() == 200
    _wait_connected(server, 30)
    many_q, many_reads = idle_queries()
    # every query is the process's one poll (plus, at most, a pool thread opening its connection)
    assert one_q - one_reads <= 3 and many_q - many_reads <= 3
    assert abs(many_q - one_q) <= 2
    assert 5 <= many_q <= 12  # ~10 polls a second at 100 ms
    push.send(f"user:{bob.pk}", "notification", {})
    assert all(len(tab.wait_for(1)) == 1 for tab in tabs)


def test_redis_path_delivers_without_polling(start_push, bob, settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.PUSH_REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.PUSH_CHANNEL = f"fengqiao-test:push:{uuid.uuid4().hex}"
    server = start_push(
        redis_url=settings.PUSH_REDIS_URL,
        channel=settings.PUSH_CHANNEL,
        poll=30,
        sweep=30,
        heartbeat=30,
    )
    _wait_for(lambda: server.status()["mode"] == "redis")
    tab = Client(server.port, cookie_for(DjangoClient(), bob))
    assert tab.head() == 200
    _wait_connected(server, 1)
    reads = server.status()["reads"]
    sent = time.monotonic()
    push.send(f"user:{bob.pk}", "notification", {"via": "redis"})
    (event,) = tab.wait_for(1, timeout=3)
    assert time.monotonic() - sent < 1.0
    assert json.loads(event["data"])["via"] == "redis"
    assert server.status()["reads"] == reads  # it came by pub/sub, not by reading the table


def test_unreachable_broker_falls_back_to_the_outbox(start_push, bob, settings):
    """Redis configured but down (nothing listens on the port): pushes still arrive, from the table."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    settings.PUSH_REDIS_URL = f"redis://127.0.0.1:{dead}/0"
    server = start_push(
        redis_url=settings.PUSH_REDIS_URL,
        channel="fengqiao-test:dead",
        poll=0.05,
        sweep=30,
        heartbeat=30,
    )
    tab = Client(server.port, cookie_for(DjangoClient(), bob))
    assert tab.head() == 200
    _wait_connected(server, 1)
    push.send(f"user:{bob.pk}", "notification", {"via": "outbox"})
    (event,) = tab.wait_for(1, timeout=3)
    assert json.loads(event["data"])["via"] == "outbox"
    assert server.status()["mode"] == "poll (redis unreachable)"


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _wait_connected(server, n):
    _wait_for(lambda: server.status()["connections"] >= n)
