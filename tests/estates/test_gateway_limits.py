"""The estate gateway's door (issue 20, defects 4 and 8): a cap per client address and per process, a
short time to send the first request, bounded logging of bad requests. Over real sockets; other
loopback addresses (127.0.0.x) stand for other estates' networks."""

import logging
import socket
import time

import pytest

from fengqiao.estates.models import AccessEvent
from tests.estates import samples
from tests.estates.conftest import RunningEstateGateway, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
ALERT = "/ISAPI/Event/notification/alert"


@pytest.fixture
def start_gateway(transactional_db):
    running = []

    def start(**overrides):
        gw = RunningEstateGateway(**overrides).start()
        running.append(gw)
        return gw

    yield start
    for gw in running:
        gw.stop()


def connect(gw, source=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    if source:
        sock.bind((source, 0))
    sock.connect(("127.0.0.1", gw.port))
    return sock


def closed_by_peer(sock) -> bool:
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True


def test_one_addresss_connections_do_not_lock_out_other_addresses(start_gateway):
    gw = start_gateway(max_per_address=3, max_connections=50)
    held = [connect(gw, "127.0.0.2") for _ in range(10)]
    assert wait_for(lambda: gw.stats().get("connections_refused_address", 0) == 7)
    assert gw.post(ALERT, samples.HIK_CLOCKIN_JSON)[0] == 200  # from 127.0.0.1
    assert AccessEvent.objects.count() == 1
    assert closed_by_peer(connect(gw, "127.0.0.2"))
    for sock in held:
        sock.close()
    assert wait_for(lambda: gw.gateway.admission.by_address.get("127.0.0.2") is None)


def test_the_process_limit_refuses_beyond_it(start_gateway):
    gw = start_gateway(max_per_address=100, max_connections=4)
    held = [connect(gw, f"127.0.0.{10 + i}") for i in range(6)]
    assert wait_for(lambda: gw.stats().get("connections_refused_process", 0) == 2)
    for sock in held:
        sock.close()
    assert wait_for(lambda: gw.gateway.admission.open == 0)
    assert gw.post(ALERT, samples.HIK_CLOCKIN_JSON)[0] == 200


def test_a_connection_that_sends_no_request_is_closed_after_the_login_time(start_gateway):
    gw = start_gateway(login_seconds=1, idle_seconds=600)
    served = connect(gw)
    body = samples.HIK_CLOCKIN_JSON
    request = (
        f"POST {ALERT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    served.sendall(request)
    assert served.recv(1000).startswith(b"HTTP/1.1 200")
    started = time.monotonic()
    silent = connect(gw, "127.0.0.3")
    slow = connect(gw, "127.0.0.4")
    slow.sendall(b"POST /ISAPI/Event/notification/alert HTTP/1.1\r\n")  # never finishes its head
    assert closed_by_peer(silent) and closed_by_peer(slow)
    assert time.monotonic() - started < 4
    assert gw.stats()["closed_login_timeout"] == 2
    served.sendall(request)  # the terminal that sent a request keeps its connection
    assert served.recv(1000).startswith(b"HTTP/1.1 200")


def test_a_thousand_bad_requests_give_a_bounded_log_and_a_summary(start_gateway, caplog):
    caplog.set_level(logging.INFO, logger="fengqiao.gateway.estates")
    gw = start_gateway(log_burst=5, log_window=1.0)
    sock = connect(gw, "127.0.0.5")
    bad = (
        f"POST {ALERT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 7\r\n\r\n{broken"
    ).encode()
    sock.sendall(bad * 1000)
    assert wait_for(lambda: gw.stats().get("decode_errors", 0) == 1000, timeout=60)
    summary = "more bad requests from 127.0.0.5 suppressed in the last 1 s"

    def accounted():
        logged = caplog.text.count("bad request from")
        suppressed = sum(
            int(r.getMessage().split()[0]) for r in caplog.records if summary in r.getMessage()
        )
        return logged + suppressed == 1000 and logged <= 60

    assert wait_for(accounted, timeout=10)
    sock.close()
