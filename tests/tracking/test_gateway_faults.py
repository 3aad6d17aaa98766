"""The gateway under the faults a deployment meets (issue 20), over real sockets: commits that fail
(database restarted, connections refused), a device that moves between gateway processes, and the
retention purge behind an open reader. Every acknowledged position is stored, exactly once."""

import datetime as dt
import socket
import threading
import time

import psycopg
import pytest
from django.db import OperationalError, connection, transaction

from fengqiao.gateway import gt06
from fengqiao.gateway.messages import Fix
from fengqiao.tracking import partitions
from fengqiao.tracking.models import Device, Position
from fengqiao.tracking.retention import purge_positions
from fengqiao.tracking.store import DjangoStore
from tests.tracking.conftest import RunningGateway
from tests.tracking.factories import DeviceFactory, PositionFactory

pytestmark = pytest.mark.django_db(transaction=True)

IMEI = "868120145233611"


class FailingCommits(DjangoStore):
    """The real store whose next `failures` commits fail after the rows were written (the database
    went away at COMMIT): the transaction is rolled back, nothing of it stays."""

    failures = 0

    def write(self, records, touches):
        if (
            FailingCommits.failures > 0 and records
        ):  # a batch with positions (not only last-seen times)
            FailingCommits.failures -= 1
            with transaction.atomic():
                super().write(records, touches)
                raise OperationalError("server closed the connection unexpectedly")
        return super().write(records, touches)


@pytest.fixture
def base_time():
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)


def fix_at(base, seconds):
    return Fix(time=base + dt.timedelta(seconds=seconds), latitude=29.209, longitude=103.947)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def login(gateway, imei=IMEI):
    sock = gateway.connect("gt06")
    sock.sendall(gt06.login_frame(imei, 1))
    assert recv_exact(sock, 10) == gt06.ack(gt06.LOGIN, 1)
    return sock


def send_fixes(sock, fixes, serial=10):
    """Send fixes, one frame each; returns how many were acknowledged before the gateway closed."""
    sock.sendall(b"".join(gt06.position_frame(f, serial + i) for i, f in enumerate(fixes)))
    acked = 0
    try:
        while acked < len(fixes):
            recv_exact(sock, 10)
            acked += 1
    except (ConnectionError, OSError):
        pass
    return acked


@pytest.fixture
def failing_gateway(transactional_db, gateway_limits, settings):
    settings.GATEWAY_HOOKS = []
    FailingCommits.failures = 0
    gw = RunningGateway(gateway_limits)
    gw.gateway.store_factory = FailingCommits
    gw.start()
    yield gw
    FailingCommits.failures = 0
    gw.stop()


def test_a_resend_after_failed_commits_is_stored_not_taken_for_a_duplicate(
    failing_gateway, base_time
):
    """Three failed commits close the connection unacknowledged; the device reconnects and sends the
    same fixes again: they must be stored (before the fix, they were judged duplicates of fixes the
    process remembered but never stored, and acknowledged: lost)."""
    sock = login(failing_gateway)
    fixes = [fix_at(base_time, 10 * i) for i in range(3)]
    FailingCommits.failures = 3  # every attempt of the batch fails
    assert send_fixes(sock, fixes) == 0
    sock.close()
    assert failing_gateway.stats().get("closed_store_error", 0) >= 1
    assert not Position.objects.exists()

    sock = login(failing_gateway)
    more = [*fixes, fix_at(base_time, 30)]
    assert send_fixes(sock, more, serial=20) == len(more)
    sock.close()
    stored = sorted(Position.objects.values_list("fixed_at", flat=True))
    assert stored == [f.time for f in more]  # every acknowledged fix, once


def test_osmand_never_answers_200_for_a_point_not_stored(failing_gateway, base_time):
    port = failing_gateway.ports["osmand"]
    stamp = int(base_time.timestamp())
    request = f"GET /?id=phone-20&lat=29.2&lon=103.9&timestamp={stamp} HTTP/1.1\r\nHost: x\r\n\r\n"
    FailingCommits.failures = 3
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request.encode())
        assert sock.recv(200).startswith(b"HTTP/1.1 503")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request.encode())
        assert sock.recv(200).startswith(b"HTTP/1.1 200")
    assert Position.objects.filter(device__identifier="phone-20").count() == 1


def test_a_device_moving_between_two_processes_is_stored_once(
    transactional_db, gateway_limits, settings, base_time
):
    """Two gateway processes (each its own memory, writer thread and database connection); the device
    reconnects from one to the other and back, resending what it holds each time (its
    acknowledgements were lost): no row twice, every acknowledged fix stored."""
    settings.GATEWAY_HOOKS = []
    one = RunningGateway(gateway_limits).start()
    two = RunningGateway(gateway_limits).start()
    try:
        acked = []
        fixes = [fix_at(base_time, 10 * i) for i in range(12)]
        for n, (gateway, batch) in enumerate(
            [(one, fixes[0:4]), (two, fixes[2:8]), (one, fixes[4:10]), (two, fixes[0:12])]
        ):
            sock = login(gateway)
            count = send_fixes(sock, batch, serial=10 * (n + 1))
            assert count == len(batch)
            acked += batch[:count]
            sock.close()
        times = list(Position.objects.values_list("fixed_at", flat=True))
        assert len(times) == len(set(times)) == 12
        assert {f.time for f in acked} <= set(times)
        assert Device.objects.get(identifier=IMEI).last_fix_at == fixes[-1].time
    finally:
        one.stop()
        two.stop()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="day partitions: PostgreSQL")
def test_purge_behind_an_open_reader_waits_and_ingestion_goes_on(running_gateway, base_time):
    """DROP of an old day partition needs the parent table's exclusive lock; behind a reader it used to
    queue every COPY for as long as the reader lasted. Now the purge waits; the devices do not."""
    device = DeviceFactory()
    old_day = (base_time - dt.timedelta(days=400)).date()
    old = dt.datetime.combine(old_day, dt.time(6), tzinfo=dt.UTC)
    partitions.ensure_days(connection, old_day, old_day)
    PositionFactory(device=device, fixed_at=old)
    settings = connection.settings_dict
    reader = psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
    )
    reader.execute(
        "SELECT count(*) FROM tracking_position WHERE fixed_at < %s", [old + dt.timedelta(days=1)]
    ).fetchone()  # a report over old data, its transaction left open

    purged = []
    purge = threading.Thread(
        target=lambda: purged.append(purge_positions(before=old + dt.timedelta(days=1), pause=0))
    )
    purge.start()
    try:
        sock = login(running_gateway)
        waits = []
        for i in range(15):  # 3 s of ingestion while the reader holds the old day
            started = time.monotonic()
            assert send_fixes(sock, [fix_at(base_time, i)], serial=10 + i) == 1
            waits.append(time.monotonic() - started)
            time.sleep(0.2)
        assert purge.is_alive()  # the purge waits for the reader...
        assert max(waits) < 1.0  # ...the device does not
    finally:
        reader.commit()
        reader.close()
    purge.join(20)
    assert not purge.is_alive() and purged == [1]
    assert old_day not in partitions.existing_days(connection)
    assert Position.objects.filter(device__identifier=IMEI).count() == 15
    sock.close()
