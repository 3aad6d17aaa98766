"""Gateways on several hosts (issue 23): three gateway hosts, each a network namespace made by the test
(tests/netns.py), each running `fengqiao gateway serve` on its own address; HAProxy (Debian's, TCP
mode, send-proxy-v2) in the root namespace is the one address the trackers know. Killing one host
(its processes with SIGKILL, its link down) sends its devices through HAProxy to the
others, and every position acknowledged by any host is stored once.

The gateways reach the test database from their namespaces: SQLite's file is on the same filesystem
(/dev/shm); PostgreSQL listens on 127.0.0.1 only, which inside a namespace is the namespace's own
loopback, so each host gets a forwarder on its root-side veth address (Host.forward_postgres says why
a forwarder and not a change to listen_addresses and pg_hba.conf)."""

from __future__ import annotations

import urllib.parse

import pytest
from django.db import connection

from fengqiao.gateway import netns
from fengqiao.tracking.models import Device as Tracker
from fengqiao.tracking.models import Position
from tests.netns import hosts  # noqa: F401 - the fixture
from tests.tracking.conftest import wait_for
from tests.tracking.test_gateway_edge import fix
from tests.tracking.test_gateway_proxy import Device, _reconnect

pytestmark = pytest.mark.django_db(transaction=True)


def database_url(host: netns.Host) -> str:
    """The test database as a process inside `host` reaches it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    address = host.forward_postgres(int(db.get("PORT") or 5432))
    user = urllib.parse.quote(db.get("USER") or "postgres")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{address}/{db['NAME']}"


@pytest.fixture
def gateway_hosts(hosts, tmp_path):  # noqa: F811 - the fixture of tests/netns.py
    made = hosts(3)
    proxy_from = netns.networks(made)
    logs = []
    for host in made:
        log = (tmp_path / f"{host.namespace}.log").open("w")
        logs.append(log)
        netns.start_gateway(
            host,
            database_url(host),
            proxy_from=proxy_from,
            extra_env={"GATEWAY_COMMAND_POLL_SECONDS": "1", "LOG_LEVEL": "INFO"},
            stdout=log,
            stderr=log,
        )
    balancer = netns.Balancer([(h.address, netns.GT06_PORT) for h in made])
    yield made, balancer
    balancer.stop()
    for log in logs:
        log.close()


def via_host(device_imei: str) -> str:
    """The root-side address (HAProxy as the host saw it) of the host that holds the device: the
    gateway records the device's address from the PROXY header "via" the balancer's."""
    remote = Tracker.objects.get(identifier=device_imei).remote_address
    return remote.split(" via ")[1].rsplit(":", 1)[0]


def test_killing_one_gateway_host_sends_its_devices_to_the_others_and_loses_nothing(gateway_hosts):
    made, balancer = gateway_hosts
    devices = [
        Device(balancer.port, f"86812014524{3620 + i}", f"127.0.0.{20 + i}") for i in range(6)
    ]
    for d in devices:
        d.connect()
    for seconds in range(0, 50, 10):
        for d in devices:
            assert d.report(seconds)
    # Round robin spread them over the three hosts; each gateway took the device's own address from
    # the PROXY header (the TCP peer, HAProxy's root-side address, is only the "via").
    for d in devices:
        remote = wait_for(lambda d=d: Tracker.objects.get(identifier=d.imei).remote_address)
        assert remote.startswith(f"{d.source}:"), remote
    roots = {h.root_address: h for h in made}
    held = {address: [d for d in devices if via_host(d.imei) == address] for address in roots}
    assert all(held.values()), held
    assert sum(netns.status(h)["devices_online"] for h in made) == len(devices)

    victim = made[0]
    victim.kill()  # a gateway host dies: no clean stop, its link goes down
    for seconds in range(50, 100, 10):
        for d in devices:
            if not d.report(seconds):
                wait_for(lambda d=d: _reconnect(d), timeout=15)
                assert d.report(seconds)
    survivors = [h for h in made if h.alive]
    assert sum(netns.status(h)["devices_online"] for h in survivors) == len(devices)
    for d in held[victim.root_address]:
        assert via_host(d.imei) in {h.root_address for h in survivors}
    for d in devices:
        stored = list(
            Position.objects.filter(device__identifier=d.imei).values_list("fixed_at", flat=True)
        )
        expected = [fix(s).time for s in d.acked]
        assert sorted(stored) == sorted(expected), d.imei  # every ack stored, none twice
