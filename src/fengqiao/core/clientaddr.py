"""The address of the client behind the station's reverse proxy, and whether a peer is that proxy.

Login throttling, the public booking limits and the API's address throttle key on the client's
address. Behind nginx every request comes from nginx's address, so `REMOTE_ADDR` alone would put
the whole station behind one address (20 wrong passwords from one officer would lock everyone out).
`X-Forwarded-For` is believed only from a peer in TRUSTED_PROXIES (docs/deploy.md): anyone else could
forge it to escape a lock-out or to lock someone else out.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(items) -> tuple[Network, ...]:
    """IPs and CIDRs (`127.0.0.1`, `10.0.0.0/8`, `::1`) as networks; raises ValueError on a bad one."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


@lru_cache(maxsize=8)
def _networks(items: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(items)


def _address(text: str | None):
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443" as some proxies write it
        text = text[1 : text.index("]")]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def is_trusted_proxy(address: str | None) -> bool:
    """Whether `address` is one of the configured reverse proxies."""
    parsed = _address(address)
    if parsed is None:
        return False
    return any(parsed in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def request_from_trusted_proxy(request) -> bool:
    return is_trusted_proxy(request.META.get("REMOTE_ADDR"))


def client_ip(request) -> str | None:
    """The client's address: the peer, or, when the peer is a trusted proxy, the right-most address of
    `X-Forwarded-For` that is not itself a trusted proxy (hops added by untrusted clients are ignored)."""
    peer = _address(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    if not is_trusted_proxy(str(peer)):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A garbled hop: what lies left of it cannot be trusted; the proxy that wrote it is the client.
            break
        if not is_trusted_proxy(str(address)):
            return str(address)
        peer = address
    return str(peer)
