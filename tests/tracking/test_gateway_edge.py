"""The gateway's edges under attack and fault, over real sockets (issue 20): JT/T 808 authentication
(defect 5), connection limits per port and per address and the short idle time of connections that never
logged in (defect 4), bounded logging of bad input (defect 8)."""

import datetime as dt
import socket
import struct

import pytest

from fengqiao.gateway import jt808
from fengqiao.gateway.messages import Fix
from fengqiao.tracking.choices import DeviceStatus, Protocol
from fengqiao.tracking.models import Device, Position
from tests.tracking.factories import DeviceFactory
from tests.tracking.test_gateway import jt808_auth_body

pytestmark = pytest.mark.django_db(transaction=True)

TERMINAL = "13800138000"
PHONE = jt808.phone_bcd(TERMINAL)


def fix(seconds=0):
    base = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
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
