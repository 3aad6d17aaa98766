"""PROXY protocol version 2 (HAProxy's binary header, `send-proxy-v2`): the device's own address and
port, sent by a load balancer before the device's first byte. No Django here.

Layout (haproxy's doc/proxy-protocol.txt, section 2.2): a 12-byte signature
`\\r\\n\\r\\n\\x00\\r\\nQUIT\\n`; one byte version (high nibble, 2) and command (low nibble: 0 LOCAL, a
health check of the balancer itself, 1 PROXY); one byte address family and transport (0x11 TCP over
IPv4, 0x21 TCP over IPv6; 0x00 UNSPEC); a 2-byte big-endian length of what follows; then, for IPv4,
source and destination addresses (4 + 4 bytes) and ports (2 + 2), for IPv6 16 + 16 + 2 + 2; then
optional TLVs up to the length, which we skip.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
HEADER = 16
MAX_LENGTH = 2048  # addresses plus TLVs; a longer header is refused


class ProxyError(ValueError):
    """The bytes are not a PROXY v2 header."""


@dataclass(frozen=True)
class Origin:
    address: str  # "" for LOCAL (the balancer's own health check)
    port: int
    local: bool = False


def parse(buffer: bytes) -> tuple[Origin, int] | None:
    """(origin, bytes used) once the whole header is in `buffer`; None while more bytes are needed.
    Raises ProxyError for anything else (a device that connected straight to the gateway, a v1 text
    header, a bad length)."""
    view = bytes(buffer[:HEADER])
    if SIGNATURE[: len(view)] != view[: len(SIGNATURE)]:
        raise ProxyError("no PROXY v2 signature")
    if len(buffer) < HEADER:
        return None
    version_command, family, length = view[12], view[13], struct.unpack_from(">H", view, 14)[0]
    if version_command >> 4 != 2:
        raise ProxyError("PROXY version is not 2")
    command = version_command & 0x0F
    if command not in (0, 1):
        raise ProxyError("unknown PROXY command")
    if length > MAX_LENGTH:
        raise ProxyError("PROXY header too long")
    if len(buffer) < HEADER + length:
        return None
    body = bytes(buffer[HEADER : HEADER + length])
    used = HEADER + length
    if command == 0:
        return Origin("", 0, local=True), used
    if family == 0x11:
        if length < 12:
            raise ProxyError("short IPv4 addresses")
        source = str(ipaddress.IPv4Address(body[0:4]))
        port = struct.unpack_from(">H", body, 8)[0]
    elif family == 0x21:
        if length < 36:
            raise ProxyError("short IPv6 addresses")
        source = str(ipaddress.IPv6Address(body[0:16]))
        port = struct.unpack_from(">H", body, 32)[0]
    elif family == 0x00:
        return Origin("", 0, local=True), used
    else:
        raise ProxyError("PROXY family is not TCP over IPv4 or IPv6")
    return Origin(source, port), used


def header(source: str, source_port: int, dest: str, dest_port: int) -> bytes:
    """A PROXY v2 header (what HAProxy sends), for tests and the benchmark's load generator."""
    src, dst = ipaddress.ip_address(source), ipaddress.ip_address(dest)
    if src.version == 4:
        body = src.packed + dst.packed + struct.pack(">HH", source_port, dest_port)
        family = 0x11
    else:
        body = src.packed + dst.packed + struct.pack(">HH", source_port, dest_port)
        family = 0x21
    return SIGNATURE + bytes([0x21, family]) + struct.pack(">H", len(body)) + body


def trusted(peer_address: str, networks) -> bool:
    """Is the connection's TCP peer one of the configured balancers?"""
    try:
        address = ipaddress.ip_address(peer_address)
    except ValueError:
        return False
    return any(address in network for network in networks)


def networks(text: str):
    """`10.0.0.5,10.0.1.0/24` → networks (a bad entry raises ValueError: a typo must not open it up)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )
