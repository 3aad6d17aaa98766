"""Gateway hosts as Linux network namespaces, for the tests and benchmarks of gateways on several hosts
behind HAProxy (issue 23; used by tests/netns.py and bench/bench_county_ingest.py). No Django here.

Host k of a run is the namespace `fqn<pid>-<k>` joined to the root namespace by a veth pair:
`fqn<pid>r<k>` in the root namespace with 10.231.<n>.1/24, `fqn<pid>h<k>` inside with 10.231.<n>.2/24
(n: the first free third octet), loopback up, default route through the root side. HAProxy and the
simulated devices stay in the root namespace; each gateway runs inside its host (`ip netns exec`) and
sees HAProxy as 10.231.<n>.1, the address to trust for PROXY v2 (GATEWAY_PROXY_FROM).

The names carry the creating process's id, so `remove_stale()` finds what a crashed or killed run left
(namespaces, their processes, root-side links and PostgreSQL forwarders) and removes it when that
process is gone. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): `unavailable()` says why not.

    python -m fengqiao.gateway.netns forward 10.231.1.1 5432 127.0.0.1 5432   # the fallback forwarder
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "fqn"
NETWORK = "10.231"
IP = shutil.which("ip") or "/usr/sbin/ip"
# what the hosts' processes import: the caller's own code, not whatever copy is installed
_SRC = str(Path(__file__).resolve().parents[2])
_NAME = re.compile(rf"^{PREFIX}(\d+)[-rh](\d+)$")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own arguments
        [IP, *args], check=check, capture_output=True, text=True, timeout=30
    )


def unavailable() -> str | None:
    """Why namespaces cannot be made here (None when they can): tried, not guessed."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "`ip netns add` needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN); run the test as root"
    probe = f"{PREFIX}{os.getpid()}-probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` is not permitted here: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _kill_inside(namespace: str, sig: int = signal.SIGKILL) -> None:
    pids = _ip("netns", "pids", namespace, check=False).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), sig)
        except (ProcessLookupError, ValueError):
            pass


def remove_stale() -> list[str]:
    """Remove the namespaces and root-side links of runs whose process is gone; returns their names."""
    removed = []
    for line in _ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = _NAME.match(name)
        if match and not _alive(int(match.group(1))):
            _kill_inside(name)
            _ip("netns", "del", name, check=False)
            removed.append(name)
    for line in _ip("-o", "link", "show", check=False).stdout.splitlines():
        parts = line.split(":")
        name = parts[1].strip().split("@")[0] if len(parts) > 1 else ""
        match = _NAME.match(name)
        if match and not _alive(int(match.group(1))):
            _ip("link", "del", name, check=False)
            removed.append(name)
    return removed


def _used_octets() -> set[int]:
    used = set()
    for line in _ip("-o", "-4", "addr", "show", check=False).stdout.splitlines():
        match = re.search(rf"inet {re.escape(NETWORK)}\.(\d+)\.", line)
        if match:
            used.add(int(match.group(1)))
    return used


@dataclass
class Host:
    """One gateway host: a namespace, its address, HAProxy's address as it sees it, its processes."""

    index: int
    namespace: str
    address: str  # inside the namespace
    root_address: str  # the root side of the veth: HAProxy's (and the database forwarder's) address
    root_link: str
    inner_link: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    helpers: list[subprocess.Popen] = field(default_factory=list)  # in the root namespace
    alive: bool = True

    def argv(self, argv: list[str]) -> list[str]:
        return [IP, "netns", "exec", self.namespace, *argv]

    def popen(self, argv: list[str], **kwargs) -> subprocess.Popen:
        """Start `argv` inside this host; it is killed with the host."""
        process = subprocess.Popen(self.argv(argv), **kwargs)  # noqa: S603 - our own arguments
        self.processes.append(process)
        return process

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        kwargs.setdefault("timeout", 60)
        return subprocess.run(self.argv(argv), **kwargs)  # noqa: S603 - our own arguments

    def forward_postgres(self, port: int = 5432, target: tuple[str, int] = ("127.0.0.1", 5432)):
        """Make the root namespace's PostgreSQL reachable from this host at root_address:`port`.

        PostgreSQL here listens on 127.0.0.1 only, and 127.0.0.1 inside a namespace is the namespace's
        own loopback. Rather than change the server's listen_addresses and pg_hba.conf for a test, a
        forwarder in the root namespace listens on this host's root-side veth address (so the database
        traffic crosses the veth as it would cross the network, and dies with the host's link) and
        connects to the server on 127.0.0.1, where pg_hba already trusts it. socat when installed,
        else this module's own asyncio forwarder."""
        if shutil.which("socat"):
            argv = [
                "socat",
                f"TCP-LISTEN:{port},bind={self.root_address},fork,reuseaddr",
                f"TCP:{target[0]}:{target[1]}",
            ]
        else:
            argv = [sys.executable, "-m", "fengqiao.gateway.netns", "forward"]
            argv += [self.root_address, str(port), target[0], str(target[1])]
        env = dict(os.environ, PYTHONPATH=_SRC)
        helper = subprocess.Popen(argv, stderr=subprocess.DEVNULL, env=env)  # noqa: S603 - our own arguments
        self.helpers.append(helper)
        wait_port(self.root_address, port, timeout=10)
        return f"{self.root_address}:{port}"

    def kill(self) -> None:
        """The host dies: every process inside is killed at once (SIGKILL, no clean stop) and its
        link goes down (the host side of the veth), as when a machine loses power: its address stays
        routed to a link where nothing answers (connects fail once ARP gives up). The namespace itself
        goes in `remove()`. (Deleting it now would delete the root side's route too, and this
        machine's default route would then carry connects for the dead address off the machine: the
        sandbox's egress proxy answered them with HTTP 400.)"""
        if not self.alive:
            return
        self.alive = False
        self._stop_processes()
        self.run(["ip", "link", "set", self.inner_link, "down"])

    def _stop_processes(self) -> None:
        _kill_inside(self.namespace)
        for process in self.processes + self.helpers:
            if process.poll() is None:
                process.kill()
            process.wait(10)

    def remove(self) -> None:
        """Everything of this host: its processes, namespace and veth pair."""
        self.alive = False
        self._stop_processes()
        _ip("netns", "del", self.namespace, check=False)
        _ip("link", "del", self.root_link, check=False)


class Hosts:
    """`count` namespaces made on entry and removed on exit (with anything stale from a crashed run)."""

    def __init__(self, count: int):
        self.count = count
        self.hosts: list[Host] = []

    def __enter__(self) -> list[Host]:
        remove_stale()
        pid = os.getpid()
        used = _used_octets()
        free = (n for n in range(1, 255) if n not in used)
        try:
            for k in range(self.count):
                n = next(free)
                ns, root, inner = f"{PREFIX}{pid}-{k}", f"{PREFIX}{pid}r{k}", f"{PREFIX}{pid}h{k}"
                host = Host(k, ns, f"{NETWORK}.{n}.2", f"{NETWORK}.{n}.1", root, inner)
                self.hosts.append(host)
                _ip("netns", "add", ns)
                _ip("link", "add", root, "type", "veth", "peer", "name", inner)
                _ip("link", "set", inner, "netns", ns)
                _ip("addr", "add", f"{host.root_address}/24", "dev", root)
                _ip("link", "set", root, "up")
                host.run(["ip", "link", "set", "lo", "up"], check=True)
                host.run(["ip", "addr", "add", f"{host.address}/24", "dev", inner], check=True)
                host.run(["ip", "link", "set", inner, "up"], check=True)
                host.run(["ip", "route", "add", "default", "via", host.root_address], check=True)
        except BaseException:
            self.__exit__()
            raise
        return self.hosts

    def __exit__(self, *exc) -> None:
        for host in self.hosts:
            host.remove()
        self.hosts = []


def networks(hosts: list[Host]) -> str:
    """GATEWAY_PROXY_FROM for these hosts: HAProxy's root-side addresses."""
    return ",".join(str(ipaddress.ip_network(f"{h.root_address}/32")) for h in hosts)


def wait_port(host: str, port: int, *, timeout: float = 30, alive=lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or not alive():
                raise RuntimeError(f"nothing listens on {host}:{port}") from None
            time.sleep(0.1)


# -- a gateway on a host --

GT06_PORT, OSMAND_PORT = 5023, 5055  # each host has its own ports: the defaults of docs/gateway.md


def start_gateway(
    host: Host, database_url: str, *, proxy_from: str, extra_env: dict | None = None, **kwargs
) -> subprocess.Popen:
    """`fengqiao gateway serve` inside `host`, on its address, GT06 and OsmAnd (for /status) only,
    trusting PROXY v2 from `proxy_from`; returns once it listens."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_SRC, env.get("PYTHONPATH")]))
    env.update(
        DATABASE_URL=database_url,
        GATEWAY_HOST=host.address,
        GATEWAY_GT06_PORT=str(GT06_PORT),
        GATEWAY_JT808_PORT="off",
        GATEWAY_OSMAND_PORT=str(OSMAND_PORT),
        GATEWAY_PROXY_FROM=proxy_from,
    )
    env.update(extra_env or {})
    argv = [sys.executable, "-m", "fengqiao.cli", "gateway", "serve", "--processes", "1"]
    process = host.popen(argv, env=env, **kwargs)
    wait_port(host.address, GT06_PORT, timeout=60, alive=lambda: process.poll() is None)
    return process


def status(host: Host, *, timeout: float = 10) -> dict:
    """The gateway's /status (OsmAnd port). From the root namespace we are the balancer's address,
    so the request carries a PROXY v2 header like every other connection from there."""
    import json

    from fengqiao.gateway import proxyproto

    with socket.create_connection((host.address, OSMAND_PORT), timeout=timeout) as sock:
        sock.sendall(proxyproto.header(host.root_address, 40000, host.address, OSMAND_PORT))
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536) or b"\r\n\r\n"
        head, body = data.split(b"\r\n\r\n", 1)
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return json.loads(body)


# -- HAProxy in the root namespace, send-proxy-v2 to the hosts' gateways --


class Balancer:
    """HAProxy (Debian's, TCP mode) on 127.0.0.1:`port` in the root namespace with the gateways as
    backends, `send-proxy-v2`, health checks every 200 ms, redispatch on a failed connect.

    One HAProxy process holds two descriptors per device; the hard descriptor limit here is 20,000, so
    a fleet larger than ~9,000 runs `processes` HAProxy processes bound to the same address and port
    (SO_REUSEPORT, HAProxy's default): the devices still see one address, as behind one balancer."""

    def __init__(self, backends: list[tuple[str, int]], *, processes: int = 1, maxconn: int = 9000):
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(binary).exists():
            raise FileNotFoundError("haproxy is not installed (Debian package haproxy)")
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.folder = Path(tempfile.mkdtemp(prefix="fq-haproxy-"))
        servers = "\n".join(
            f"    server g{i} {address}:{port} send-proxy-v2 check inter 200 fall 1 rise 1"
            for i, (address, port) in enumerate(backends)
        )
        config = self.folder / "haproxy.cfg"
        config.write_text(
            f"""global
    maxconn {maxconn}
defaults
    mode tcp
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    retries 2
    option redispatch
frontend trackers
    bind 127.0.0.1:{self.port}
    maxconn {maxconn}
    default_backend gateways
backend gateways
    balance roundrobin
{servers}
"""
        )
        self.processes = [
            subprocess.Popen(  # noqa: S603 - our own arguments
                [binary, "-db", "-f", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(processes)
        ]
        wait_port("127.0.0.1", self.port, timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


# -- the fallback forwarder (when socat is not installed) --


async def _forward(bind: str, port: int, target_host: str, target_port: int) -> None:
    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def handle(reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(handle, bind, port, reuse_address=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "forward":
        asyncio.run(_forward(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])))
    else:
        sys.exit(__doc__)
