"""Gateways behind HAProxy (issue 23): the gateway reads PROXY protocol v2 and logs and limits by the
device's own address; a connection that is not from a configured balancer, or has no header, is
closed. With two gateways behind a real HAProxy (Debian's haproxy, TCP mode, send-proxy-v2), killing
the one that holds a device's connection sends it through HAProxy to the other, and every position
acknowledged by either is stored once."""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from fengqiao.gateway import gt06, proxyproto
from fengqiao.gateway.server import Limits
from fengqiao.tracking.models import Position
from tests.tracking.conftest import RunningGateway, wait_for
from tests.tracking.test_gateway import recv_exact
from tests.tracking.test_gateway_edge import fix

pytestmark = pytest.mark.django_db(transaction=True)
LOOPBACK = proxyproto.networks("127.0.0.0/8")


@pytest.fixture
def proxied(transactional_db, settings):
    settings.GATEWAY_HOOKS = []
    gateways = []

    def start(**config):
        config.setdefault("proxy_from", LOOPBACK)
        limits = config.pop("limits", Limits(max_errors=5, idle_seconds=600, rate=100, burst=1000))
        gw = RunningGateway(limits, **config).start()
        gateways.append(gw)
        return gw

    yield start
    for gw in gateways:
        if gw.thread.is_alive():
            gw.stop()


def via_balancer(gateway, device_address: str, *, protocol="gt06") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", gateway.ports[protocol]), timeout=5)
    sock.sendall(proxyproto.header(device_address, 40000, "127.0.0.1", gateway.ports[protocol]))
    return sock


def login(sock, imei: str) -> None:
    sock.sendall(gt06.login_frame(imei, 1))
    assert recv_exact(sock, 10) == gt06.ack(gt06.LOGIN, 1)


def closed(sock) -> bool:
    try:
        sock.settimeout(5)
        return sock.recv(10) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def test_the_device_address_comes_from_the_header_and_limits_apply_to_it(proxied):
    gw = proxied(limits=Limits(max_per_address=2, idle_seconds=600, rate=100, burst=1000))
    a1, a2 = via_balancer(gw, "10.9.8.7"), via_balancer(gw, "10.9.8.7")
    login(a1, "868120145233611")
    login(a2, "868120145233612")
    # A third device behind the same address is over that address's limit; another address is not.
    assert closed(via_balancer(gw, "10.9.8.7"))
    b = via_balancer(gw, "10.9.8.8")
    login(b, "868120145233613")
    sessions = {s.address for s in gw.gateway.sessions}
    assert sessions == {"10.9.8.7", "10.9.8.8"}
    # The TCP peer (the balancer, 127.0.0.1) is never taken for the device.
    assert "127.0.0.1" not in sessions


def test_connections_without_a_header_or_not_from_a_balancer_are_closed(proxied):
    gw = proxied()
    straight = socket.create_connection(("127.0.0.1", gw.ports["gt06"]), timeout=5)
    straight.sendall(gt06.login_frame("868120145233614", 1))
    assert closed(straight)
    other = proxied(proxy_from=proxyproto.networks("10.0.0.0/8"))
    sock = via_balancer(other, "10.9.8.7")
    assert closed(sock)
    assert gw.stats().get("closed_proxy", 0) >= 1 and other.stats().get("closed_proxy", 0) >= 1


def test_osmand_behind_the_balancer(proxied):
    gw = proxied()
    sock = via_balancer(gw, "10.9.8.9", protocol="osmand")
    stamp = int(fix().time.timestamp())
    sock.sendall(
        f"GET /?id=4711&lat=29.2&lon=103.9&timestamp={stamp} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    assert sock.recv(100).startswith(b"HTTP/1.1 200")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def haproxy():
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        pytest.skip("haproxy is not installed (Debian package haproxy; .ci/run installs it)")
    running = []

    def start(backends: list[int]) -> int:
        port = _free_port()
        folder = Path(tempfile.mkdtemp(prefix="fq-haproxy-"))
        servers = "\n".join(
            f"    server g{i} 127.0.0.1:{p} send-proxy-v2 check inter 200 fall 1 rise 1"
            for i, p in enumerate(backends)
        )
        (folder / "haproxy.cfg").write_text(
            f"""global
    maxconn 1000
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
frontend trackers
    bind 127.0.0.1:{port}
    default_backend gateways
backend gateways
    balance roundrobin
{servers}
"""
        )
        process = subprocess.Popen(  # noqa: S603
            [binary, "-db", "-f", str(folder / "haproxy.cfg")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        running.append((process, folder))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("haproxy did not start")

    yield start
    for process, folder in running:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


class Device:
    """A GT06 tracker behind HAProxy: reconnects when its connection drops, as trackers do."""

    def __init__(self, port: int, imei: str, source: str):
        self.port, self.imei, self.source = port, imei, source
        self.serial, self.acked, self.sock = 1, [], None

    def connect(self) -> None:
        sock = socket.socket()
        sock.settimeout(5)
        sock.bind((self.source, 0))
        sock.connect(("127.0.0.1", self.port))
        self.sock = sock
        self.serial += 1
        sock.sendall(gt06.login_frame(self.imei, self.serial))
        assert recv_exact(sock, 10) == gt06.ack(gt06.LOGIN, self.serial)

    def report(self, seconds: int) -> bool:
        """Send one position; True when it was acknowledged (then it must be stored)."""
        self.serial += 1
        try:
            self.sock.sendall(gt06.position_frame(fix(seconds), self.serial))
            if recv_exact(self.sock, 10) == gt06.ack(gt06.GPS_LBS_2, self.serial):
                self.acked.append(seconds)
                return True
        except (OSError, AssertionError, ConnectionError):
            pass
        return False


def test_killing_one_gateway_sends_its_devices_to_the_other_and_loses_nothing(proxied, haproxy):
    first, second = proxied(), proxied()
    port = haproxy([first.ports["gt06"], second.ports["gt06"]])
    devices = [Device(port, f"86812014523{3620 + i}", f"127.0.0.{10 + i}") for i in range(4)]
    for d in devices:
        d.connect()
    for seconds in range(0, 50, 10):
        for d in devices:
            assert d.report(seconds)
    # Round robin spread them: each gateway holds some, by the devices' own addresses.
    held = {gw: _device_addresses(gw) for gw in (first, second)}
    assert held[first] and held[second]
    assert held[first] | held[second] == {d.source for d in devices}
    first.stop()  # a gateway host dies
    for seconds in range(50, 100, 10):
        for d in devices:
            if not d.report(seconds):
                wait_for(lambda d=d: _reconnect(d), timeout=15)
                assert d.report(seconds)
    assert _device_addresses(second) == {d.source for d in devices}
    for d in devices:
        stored = list(
            Position.objects.filter(device__identifier=d.imei).values_list("fixed_at", flat=True)
        )
        expected = [fix(s).time for s in d.acked]
        assert sorted(stored) == sorted(expected), d.imei  # every ack stored, none twice


def _device_addresses(gw) -> set[str]:
    """The addresses of the trackers a gateway holds: sessions that logged in as a device. HAProxy's
    health checks are sessions too while they last (PROXY v2 LOCAL, the balancer's own address):
    one open at the moment of the check made CI's run fail."""
    return {s.address for s in list(gw.gateway.sessions) if getattr(s, "device", None) is not None}


def _reconnect(device) -> bool:
    try:
        device.connect()
        return True
    except (OSError, AssertionError):
        return False
