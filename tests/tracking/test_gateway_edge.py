"""The gateway's edges under attack and fault, over real sockets (issue 20): JT/T 808 authentication
(defect 5), connection limits per port and per address and the short idle time of connections that never
logged in (defect 4), bounded logging of bad input (defect 8)."""

import datetime as dt
import logging
import socket
import struct
import time

import pytest

from fengqiao.gateway import gt06, jt808
from fengqiao.gateway.messages import Fix
from fengqiao.gateway.server import Limits
from fengqiao.tracking.choices import DeviceStatus, Protocol
from fengqiao.tracking.models import Device, Position
from tests.tracking.conftest import wait_for
from tests.tracking.factories import DeviceFactory
from tests.tracking.test_gateway import jt808_auth_body, recv_exact

pytestmark = pytest.mark.django_db(transaction=True)

TERMINAL = "13800138000"
PHONE = jt808.phone_bcd(TERMINAL)


# Derived once: a fix made when a test sends it and the same fix made when the test checks the table
# must have the same time even when a second boundary passes between them (a loaded machine).
_BASE = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)


def fix(seconds=0):
    base = _BASE
    return Fix(
        time=base + dt.timedelta(seconds=seconds), latitude=29.209, longitude=103.947, speed_kmh=20
    )


class Jt808Client:
    """A terminal over TCP: sends frames, reads the platform's replies frame by frame."""

    def __init__(self, gateway, *, source: str | None = None):
        self.sock = connect(gateway, "jt808", source=source)
        self.buffer = b""
        self.serial = 0

    def send(self, message_id: int, body: bytes) -> int:
        self.serial += 1
        self.sock.sendall(jt808.encode(message_id, body, phone=PHONE, serial=self.serial))
        return self.serial

    def reply_to(self, serial: int) -> tuple[int, int]:
        """(message id, result) of the platform's answer to our frame with this serial."""
        while True:
            while self.buffer.count(b"\x7e") >= 2:
                start = self.buffer.index(b"\x7e")
                end = self.buffer.index(b"\x7e", start + 1)
                payload = jt808.unescape(self.buffer[start + 1 : end])
                self.buffer = self.buffer[end + 1 :]
                message_id = struct.unpack_from(">H", payload)[0]
                if message_id == jt808.PLATFORM_RESPONSE:
                    replied, _, result = struct.unpack_from(">HHB", payload, 12)
                    if replied == serial:
                        return message_id, result
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed by the gateway")
            self.buffer += chunk

    def report(self, seconds=0) -> int:
        serial = self.send(jt808.LOCATION, jt808.location_body(fix(seconds)))
        return self.reply_to(serial)[1]


def connect(gateway, protocol: str, *, source: str | None = None) -> socket.socket:
    """A connection to the gateway; `source` binds the client to another loopback address
    (127.0.0.2, …), so the gateway sees a different client address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    if source:
        sock.bind((source, 0))
    sock.connect(("127.0.0.1", gateway.ports[protocol]))
    return sock


def closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(10) == b""
    except ConnectionResetError:
        return True


# ---- JT/T 808 authentication (defect 5) ----


def test_jt808_impostor_positions_are_never_stored_and_the_honest_terminal_works(running_gateway):
    device = DeviceFactory(
        identifier=TERMINAL, protocol=Protocol.JT808, status=DeviceStatus.ACTIVE, auth_code="C0DE"
    )
    honest = Jt808Client(running_gateway)
    assert honest.reply_to(honest.send(jt808.AUTH, jt808_auth_body("C0DE"))) == (
        jt808.PLATFORM_RESPONSE,
        0,
    )
    assert honest.report(0) == 0
    assert Position.objects.filter(device=device).count() == 1

    # An impostor with a wrong code: refused (result 1), and so is every report it sends.
    wrong = Jt808Client(running_gateway)
    assert wrong.reply_to(wrong.send(jt808.AUTH, jt808_auth_body("BAD1")))[1] == 1
    assert wrong.report(10) == 1
    # An impostor that skips authentication altogether.
    silent = Jt808Client(running_gateway)
    assert silent.report(20) == 1
    assert silent.report(30) == 1

    # The honest terminal was not pushed off by the impostors naming its number, and goes on.
    assert honest.report(40) == 0
    stored = sorted(Position.objects.filter(device=device).values_list("fixed_at", flat=True))
    assert stored == [fix(0).time, fix(40).time]
    stats = running_gateway.stats()
    assert stats["auth_failures"] == 1
    assert stats["refused_unauthenticated"] == 3
    assert "closed_replaced" not in stats

    # An impostor that keeps reporting is closed (after GATEWAY_MAX_ERRORS refusals: 5 here).
    with pytest.raises(ConnectionError):
        for second in range(50, 60):
            silent.report(second)
    assert Position.objects.filter(device=device).count() == 2


def test_jt808_register_then_auth_then_report(running_gateway):
    client = Jt808Client(running_gateway)
    client.send(jt808.REGISTER, jt808.register_body(plate="川L12345"))
    while client.buffer.count(b"\x7e") < 2:
        client.buffer += client.sock.recv(4096)
    start = client.buffer.index(b"\x7e")
    end = client.buffer.index(b"\x7e", start + 1)
    reply = jt808.unescape(client.buffer[start + 1 : end])
    client.buffer = client.buffer[end + 1 :]
    code = reply[12 + 3 : -1].decode()
    assert client.report(0) == 1  # registered is not authenticated
    assert client.reply_to(client.send(jt808.AUTH, jt808_auth_body(code)))[1] == 0
    assert client.report(10) == 0
    assert Position.objects.filter(device__identifier=TERMINAL).count() == 1


@pytest.mark.parametrize("gateway_config", [{"jt808_require_auth": False}])
def test_jt808_terminals_that_skip_auth_work_when_not_required(running_gateway):
    DeviceFactory(identifier=TERMINAL, protocol=Protocol.JT808, auth_code="C0DE")
    client = Jt808Client(running_gateway)
    assert client.report(0) == 0
    assert client.report(10) == 0
    assert Position.objects.filter(device__identifier=TERMINAL).count() == 2
    assert Device.objects.get(identifier=TERMINAL).last_fix_at == fix(10).time


# ---- connection limits (defect 4) ----


def gt06_device_works(gateway, imei: str, *, source: str | None = None, seconds: int = 0) -> None:
    sock = connect(gateway, "gt06", source=source)
    sock.sendall(gt06.login_frame(imei, 1))
    assert recv_exact(sock, 10) == gt06.ack(gt06.LOGIN, 1)
    sock.sendall(gt06.position_frame(fix(seconds), 2))
    assert recv_exact(sock, 10) == gt06.ack(gt06.GPS_LBS_2, 2)
    sock.close()


def flood(gateway, protocol: str, count: int, *, source: str) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        try:
            socks.append(connect(gateway, protocol, source=source))
        except OSError:
            pass
    return socks


def osmand_works(gateway, device_id: str, *, source: str | None = None) -> None:
    sock = connect(gateway, "osmand", source=source)
    stamp = int(fix().time.timestamp())
    sock.sendall(
        f"GET /?id={device_id}&lat=29.2&lon=103.9&timestamp={stamp} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    assert sock.recv(100).startswith(b"HTTP/1.1 200")
    sock.close()


@pytest.mark.parametrize(
    "gateway_limits",
    [
        Limits(
            max_connections=30,
            port_connections={"gt06": 10, "jt808": 10, "osmand": 5},
            max_per_address=1000,
        )
    ],
)
def test_one_ports_flood_does_not_lock_out_another_ports_devices(running_gateway):
    held = flood(running_gateway, "gt06", 40, source="127.0.0.3")
    assert wait_for(lambda: running_gateway.stats().get("connections_refused_port", 0) >= 30)
    # The JT/T 808 and OsmAnd listeners still take their devices.
    DeviceFactory(identifier=TERMINAL, protocol=Protocol.JT808, auth_code="C0DE")
    client = Jt808Client(running_gateway)
    assert client.reply_to(client.send(jt808.AUTH, jt808_auth_body("C0DE")))[1] == 0
    assert client.report(0) == 0
    osmand_works(running_gateway, "phone-1")
    assert Position.objects.count() == 2
    assert running_gateway.gateway.admission.by_port["gt06"] == 10
    for sock in held:
        sock.close()


@pytest.mark.parametrize("gateway_limits", [Limits(max_connections=100, max_per_address=5)])
def test_one_addresss_flood_does_not_lock_out_other_addresses(running_gateway):
    held = flood(running_gateway, "gt06", 30, source="127.0.0.2")
    assert wait_for(lambda: running_gateway.stats().get("connections_refused_address", 0) >= 25)
    # Other addresses, on the same port and on the others, go on.
    gt06_device_works(running_gateway, "868120145233604", source="127.0.0.4")
    gt06_device_works(running_gateway, "868120145233605", source="127.0.0.5", seconds=5)
    osmand_works(running_gateway, "phone-2", source="127.0.0.6")
    assert Position.objects.count() == 3
    # The flooding address itself gets nothing more, on any listener.
    refused = running_gateway.stats()["connections_refused_address"]
    extra = connect(running_gateway, "osmand", source="127.0.0.2")
    assert closed_by_peer(extra)
    assert running_gateway.stats()["connections_refused_address"] == refused + 1
    for sock in held:
        sock.close()
    # Closed connections are counted out: the address is welcome again.
    assert wait_for(lambda: running_gateway.gateway.admission.by_address.get("127.0.0.2") is None)
    gt06_device_works(running_gateway, "868120145233606", source="127.0.0.2", seconds=10)


@pytest.mark.parametrize(
    "gateway_limits", [Limits(login_seconds=1.0, idle_seconds=600, max_errors=5)]
)
def test_a_connection_that_never_logs_in_is_closed_after_the_login_time(running_gateway):
    logged_in = connect(running_gateway, "gt06")
    logged_in.sendall(gt06.login_frame("868120145233604", 1))
    assert recv_exact(logged_in, 10) == gt06.ack(gt06.LOGIN, 1)
    started = time.monotonic()
    silent = connect(running_gateway, "gt06")
    silent_http = connect(running_gateway, "osmand")
    trickle = connect(running_gateway, "jt808")  # a byte now and then, never a whole frame
    trickle.sendall(b"\x7e")
    for sock in (silent, silent_http):
        assert closed_by_peer(sock)
    assert time.monotonic() - started < 4
    try:
        trickle.sendall(b"\x01")
    except OSError:
        pass
    assert closed_by_peer(trickle)
    assert running_gateway.stats()["closed_login_timeout"] == 3
    # The device that logged in keeps its connection (idle limit 600 s).
    logged_in.sendall(gt06.position_frame(fix(), 2))
    assert recv_exact(logged_in, 10) == gt06.ack(gt06.GPS_LBS_2, 2)


# ---- bounded logging of bad input (defect 8) ----


@pytest.mark.parametrize(
    "gateway_limits",
    [Limits(max_errors=10**6, rate=10**6, burst=10**6, log_burst=5, log_window=1.0)],
)
def test_ten_thousand_garbage_frames_give_a_bounded_log_and_a_summary(running_gateway, caplog):
    caplog.set_level(logging.INFO, logger="fengqiao.gateway")
    bad_crc = b"\x78\x78\x05\x01\x00\x01\xde\xad\r\n"
    sock = connect(running_gateway, "gt06", source="127.0.0.7")
    started = time.monotonic()
    for _ in range(10):
        sock.sendall(bad_crc * 1000)
    assert wait_for(lambda: running_gateway.stats().get("decode_errors", 0) >= 10_000)
    elapsed = time.monotonic() - started
    summary = "more bad frames from 127.0.0.7 suppressed in the last 1 s"
    assert wait_for(lambda: summary in caplog.text)
    lines = [r.getMessage() for r in caplog.records if "bad input from gt06" in r.getMessage()]
    windows = int(elapsed) + 2
    assert 1 <= len(lines) <= 5 * windows
    assert wait_for(
        lambda: (
            sum(int(r.getMessage().split()[0]) for r in caplog.records if summary in r.getMessage())
            + len(lines)
            == 10_000
        )
    )
    suppressed = sum(
        int(r.getMessage().split()[0]) for r in caplog.records if summary in r.getMessage()
    )
    assert suppressed > 9_000
    # Another address's bad input is still logged.
    other = connect(running_gateway, "gt06", source="127.0.0.8")
    other.sendall(bad_crc)
    assert wait_for(lambda: "(127.0.0.8:" in caplog.text)
    sock.close()


# ---- JT/T 808 registration: the auth code only to a new or reset terminal (issue 19) ----


class Registering(Jt808Client):
    def register(self) -> tuple[int, bytes]:
        """(result, auth code) of the platform's 0x8100 answer to a 0x0100 registration."""
        serial = self.send(jt808.REGISTER, jt808.register_body(plate="川L12345"))
        while True:
            while self.buffer.count(b"\x7e") >= 2:
                start = self.buffer.index(b"\x7e")
                end = self.buffer.index(b"\x7e", start + 1)
                payload = jt808.unescape(self.buffer[start + 1 : end])
                self.buffer = self.buffer[end + 1 :]
                if struct.unpack_from(">H", payload)[0] == jt808.REGISTER_RESPONSE:
                    replied, result = struct.unpack_from(">HB", payload, 12)
                    assert replied == serial
                    return result, bytes(payload[15:-1])
            self.buffer += self.sock.recv(4096)


def test_jt808_registration_of_a_registered_terminal_hands_out_no_code(running_gateway):
    from fengqiao.core.models import ObjectChange
    from fengqiao.tracking.services import device_reset_registration

    device = DeviceFactory(
        identifier=TERMINAL, protocol=Protocol.JT808, status=DeviceStatus.ACTIVE, auth_code="C0DE"
    )
    # Anyone naming the terminal's number: 该终端已被注册 (result 3), no code; the code is unchanged.
    intruder = Registering(running_gateway)
    assert intruder.register() == (3, b"")
    assert Device.objects.get(pk=device.pk).auth_code == "C0DE"
    assert intruder.reply_to(intruder.send(jt808.AUTH, jt808_auth_body("WRONG")))[1] == 1
    # The terminal's own code still authenticates.
    honest = Registering(running_gateway)
    assert honest.reply_to(honest.send(jt808.AUTH, jt808_auth_body("C0DE")))[1] == 0
    assert honest.report(0) == 0
    honest.sock.close()
    intruder.sock.close()
    assert running_gateway.stats()["register_refused"] == 1

    # After an officer's reset, the next registration is given a new code, which then authenticates;
    # the old one no longer does.
    device_reset_registration(actor=None, device=device)
    assert ObjectChange.objects.filter(object_id=device.pk, after__registration__isnull=False)
    fresh = Registering(running_gateway)
    result, code = fresh.register()
    assert result == 0 and code and code != b"C0DE"
    assert Device.objects.get(pk=device.pk).auth_code == code.decode()
    assert fresh.reply_to(fresh.send(jt808.AUTH, code))[1] == 0
    assert fresh.report(10) == 0
    fresh.sock.close()
    old = Registering(running_gateway)
    assert old.reply_to(old.send(jt808.AUTH, jt808_auth_body("C0DE")))[1] == 1
    # and a second registration (a new connection) is refused again.
    assert old.register() == (3, b"")
    old.sock.close()
