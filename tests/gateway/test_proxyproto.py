"""PROXY protocol v2 headers (gateway/proxyproto.py): what HAProxy's send-proxy-v2 sends, parsed
whole or in pieces; anything else refused. Frame layout from haproxy's doc/proxy-protocol.txt §2.2."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.gateway import proxyproto

# A header as HAProxy 2.6 sends it for a device at 10.1.2.3:40000 → 192.0.2.10:5023, captured bytes
# rebuilt by hand from the spec: signature, 0x21 (v2, PROXY), 0x11 (TCP/IPv4), length 12.
HAPROXY_IPV4 = (
    b"\r\n\r\n\x00\r\nQUIT\n" + b"\x21\x11\x00\x0c" + bytes([10, 1, 2, 3]) + bytes([192, 0, 2, 10])
    + (40000).to_bytes(2, "big") + (5023).to_bytes(2, "big")
)  # fmt: skip


def test_ipv4_and_ipv6_round_trip():
    origin, used = proxyproto.parse(HAPROXY_IPV4 + b"\x78\x78")
    assert (origin.address, origin.port, used) == ("10.1.2.3", 40000, 28)
    assert proxyproto.header("10.1.2.3", 40000, "192.0.2.10", 5023) == HAPROXY_IPV4
    v6 = proxyproto.header("2001:db8::7", 5, "2001:db8::1", 5023)
    origin, used = proxyproto.parse(v6)
    assert origin.address == "2001:db8::7" and origin.port == 5 and used == len(v6)


def test_a_header_arriving_in_pieces_waits_for_the_rest():
    for cut in range(1, len(HAPROXY_IPV4)):
        assert proxyproto.parse(HAPROXY_IPV4[:cut]) is None
    assert proxyproto.parse(HAPROXY_IPV4)[0].address == "10.1.2.3"


def test_local_is_the_balancers_own_health_check():
    local = proxyproto.SIGNATURE + b"\x20\x00\x00\x00"
    origin, used = proxyproto.parse(local)
    assert origin.local and used == 16


@pytest.mark.parametrize(
    "data",
    [
        b"\x78\x78\x11\x01",  # a GT06 frame sent straight to the gateway
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n",  # version 1 (text)
        proxyproto.SIGNATURE + b"\x11\x11\x00\x0c" + bytes(12),  # version 1 in a v2 header
        proxyproto.SIGNATURE + b"\x21\x11\x00\x04" + bytes(4),  # too short for IPv4
        proxyproto.SIGNATURE + b"\x21\x11\xff\xff",  # longer than allowed
        proxyproto.SIGNATURE + b"\x21\x31\x00\x00",  # UNIX sockets
    ],
)
def test_anything_else_is_refused(data):
    with pytest.raises(proxyproto.ProxyError):
        proxyproto.parse(data)


@given(st.binary(max_size=80))
def test_parse_never_raises_anything_but_proxy_error(data):
    try:
        proxyproto.parse(data)
    except proxyproto.ProxyError:
        pass


def test_trusted_balancers():
    nets = proxyproto.networks("127.0.0.1, 10.0.1.0/24")
    assert proxyproto.trusted("10.0.1.7", nets) and proxyproto.trusted("127.0.0.1", nets)
    assert not proxyproto.trusted("10.0.2.7", nets) and not proxyproto.trusted("nonsense", nets)
    with pytest.raises(ValueError):
        proxyproto.networks("10.0.0.300")
