"""Simulated gate terminals over real HTTP (the demo and the estate_ingest benchmark). No Django here.

Each terminal keeps one keep-alive connection to the estate gateway and pushes as its vendor does:
Hikvision terminals POST one AccessControllerEvent JSON per pass (every `picture_every`-th with its
JPEG picture part, multipart, as real terminals send them), ZKTeco terminals do the /iclock/cdata
handshake, then POST ATTLOG rows in small batches and poll /iclock/getrequest. An event counts as
acknowledged only when the gateway answered 200 (after its commit); otherwise it is sent again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from dataclasses import dataclass, field

from fengqiao.gateway import hikvision, zkteco

# A tiny valid JPEG (SOI, APP0 JFIF, EOI): what a face capture part looks like on the wire.
FAKE_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


@dataclass
class Terminal:
    vendor: str  # "hikvision" | "zkteco"
    identity: str  # MAC or SN
    holders: list[str]
    serial: int = 0
    cursor: dt.datetime | None = (
        None  # ZKTeco: time of the last row (rows are one second apart at least)
    )


@dataclass
class Totals:
    sent: int = 0
    acknowledged: int = 0
    refused: int = 0
    errors: int = 0
    requests: int = 0
    latencies: list = field(default_factory=list)

    def as_dict(self) -> dict:
        lat = sorted(self.latencies)
        return {
            "sent": self.sent, "acknowledged": self.acknowledged, "refused": self.refused, "errors": self.errors,
            "requests": self.requests,
            "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 1) if lat else None,
        }  # fmt: skip


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(
        self, method: str, target: str, body: bytes = b"", content_type: str = "text/plain"
    ) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                head = (
                    f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUser-Agent: fengqiao-terminal-sim\r\n"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
                )
                self.writer.write(head.encode() + body)
                await self.writer.drain()
                raw = await self.reader.readuntil(b"\r\n\r\n")
                lines = raw.decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ")[1])
                length = 0
                close = False
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.lower() == "content-length":
                        length = int(value.strip())
                    elif name.lower() == "connection" and value.strip().lower() == "close":
                        close = True
                data = await self.reader.readexactly(length) if length else b""
                if close:
                    self.close()
                return status, data
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                self.close()
                if attempt:
                    raise
        return 0, b""

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run_terminal(terminal: Terminal, *, host: str, port: int, events: int | None, rate: float,
                       duration: float | None, totals: Totals, seed: int, batch: int = 10,
                       picture_every: int = 0, clock=None, backlog: float = 0) -> None:  # fmt: skip
    """Push `events` events (None: until `duration` ends) at about `rate` events a second."""
    rnd = random.Random(seed)
    conn = Connection(host, port)
    clock = clock or (lambda: dt.datetime.now(dt.UTC))
    started = time.monotonic()
    done = 0
    if terminal.vendor == "zkteco":
        try:
            await conn.request(
                "GET", f"/iclock/cdata?SN={terminal.identity}&options=all&pushver=2.4.1"
            )
        except (OSError, asyncio.IncompleteReadError):
            totals.errors += 1
    while events is None or done < events:
        if duration is not None and time.monotonic() - started > duration:
            break
        n = (
            1
            if terminal.vendor == "hikvision"
            else min(batch, (events - done) if events else batch)
        )
        now = clock()
        if terminal.vendor == "hikvision":
            terminal.serial += 1
            holder = rnd.choice(terminal.holders) if terminal.holders else ""
            minor = rnd.choices([0x4B, 0x01, 0x9C, 0x4C], weights=[60, 25, 12, 3])[0]
            body = hikvision.event_json(mac=terminal.identity, serial=terminal.serial, when=now, minor=minor,
                                        employee=holder, reader=rnd.choice([1, 2]))  # fmt: skip
            ctype = "application/json"
            if picture_every and terminal.serial % picture_every == 0:
                ctype, body = hikvision.multipart(body, FAKE_JPEG)
            target = "/ISAPI/Event/notification/alert"
        else:
            rows = []
            for _ in range(n):
                holder = rnd.choice(terminal.holders) if terminal.holders else "1"
                # ZKTeco rows have no serial: the event key is PIN + second, so a terminal's rows are
                # at least one second apart (a real terminal cannot verify two people in one second)
                floor = (now - dt.timedelta(seconds=backlog)).replace(microsecond=0)
                when = (
                    floor
                    if terminal.cursor is None
                    else max(terminal.cursor + dt.timedelta(seconds=1), floor)
                )
                terminal.cursor = when
                rows.append(
                    zkteco.attlog_row(
                        holder, when, status=rnd.choice([0, 1]), verify=rnd.choice([15, 15, 2, 1])
                    )
                )
            terminal.serial += 1
            body = ("\n".join(rows) + "\n").encode()
            ctype = "text/plain"
            target = f"/iclock/cdata?SN={terminal.identity}&table=ATTLOG&Stamp={terminal.serial}"
        sent_at = time.monotonic()
        totals.sent += n
        totals.requests += 1
        try:
            status, _ = await conn.request("POST", target, body, ctype)
        except (OSError, asyncio.IncompleteReadError):
            totals.errors += 1
            await asyncio.sleep(0.5)
            continue
        if status == 200:
            totals.acknowledged += n
            totals.latencies.append(time.monotonic() - sent_at)
            done += n
        else:
            totals.refused += n
            await asyncio.sleep(1.0 if status == 503 else 0.2)
            continue
        if terminal.vendor == "zkteco" and terminal.serial % 20 == 0:
            try:
                await conn.request("GET", f"/iclock/getrequest?SN={terminal.identity}")
            except (OSError, asyncio.IncompleteReadError):
                totals.errors += 1
        if rate > 0:
            wait = (done / rate) - (time.monotonic() - started)
            if wait > 0:
                await asyncio.sleep(wait * (0.8 + 0.4 * rnd.random()))
    conn.close()


async def run(terminals: list[Terminal], *, host: str, port: int, events_per_terminal: int | None = None,
              rate: float = 1.0, duration: float | None = None, seed: int = 7, batch: int = 10,
              picture_every: int = 0, backlog: float = 0) -> Totals:  # fmt: skip
    totals = Totals()
    await asyncio.gather(*[
        run_terminal(t, host=host, port=port, events=events_per_terminal, rate=rate, duration=duration,
                     totals=totals, seed=seed + i, batch=batch, picture_every=picture_every, backlog=backlog)
        for i, t in enumerate(terminals)
    ])  # fmt: skip
    return totals


def make_terminals(
    count: int, *, seed: int = 7, holders_per_terminal: int = 200, zkteco_share: float = 0.4
) -> list[Terminal]:
    """`count` terminals with made-up identities (they register as pending unless they exist)."""
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        holders = [str(rnd.randint(1, 99999)) for _ in range(holders_per_terminal)]
        if rnd.random() < zkteco_share:
            out.append(Terminal("zkteco", f"SIM{seed:02d}{i:06d}", holders))
        else:
            mac = ":".join(
                f"{b:02x}" for b in (0x44, 0x19, 0xB6, (i >> 16) & 255, (i >> 8) & 255, i & 255)
            )
            out.append(Terminal("hikvision", mac, holders))
    return out
