"""The physical-limit baseline for the gateway benchmarks: a bare GT06 server, no project code.

Plain asyncio (uvloop when installed). Each connection splits its byte stream into GT06 frames, checks
the CRC-16/X-25, answers a login at once and decodes a position (0x10/0x12/0x22) into a row. A single
writer thread group-commits the waiting rows to SQLite (WAL, synchronous=FULL, one `executemany` of
INSERT OR IGNORE into a table keyed on (device, fixed_at) like the project's positions) and only after
COMMIT are the positions' acknowledgements written. It is what any GT06 server that keeps the promise
"acknowledged means on disk" has to do at least; `bench_gateway_limits.py` measures the gateway against it.

    python bench/limit_server.py --port 0 --db var/limit.db     # prints "port <n>" once listening
"""

from __future__ import annotations

import argparse
import asyncio
import binascii
import datetime as dt
import os
import signal
import sqlite3
import struct
import sys
import threading
import time

_REVERSE = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))
_U16 = struct.Struct(">H")
_GPS = struct.Struct(">6BB2IBH")
_POSITIONS = {0x10, 0x12, 0x22}


def crc16_x25(data: bytes) -> int:
    crc = binascii.crc_hqx(data.translate(_REVERSE), 0xFFFF)
    return ((_REVERSE[crc & 0xFF] << 8) | _REVERSE[crc >> 8]) ^ 0xFFFF


def ack(protocol: int, serial: int) -> bytes:
    body = bytes([5, protocol]) + _U16.pack(serial)
    return b"\x78\x78" + body + _U16.pack(crc16_x25(body)) + b"\r\n"


SCHEMA = """
CREATE TABLE IF NOT EXISTS position (
    id INTEGER PRIMARY KEY, device TEXT NOT NULL, fixed_at INTEGER NOT NULL,
    received_at REAL NOT NULL, latitude REAL, longitude REAL, speed REAL, course REAL,
    valid INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS position_device_time ON position (device, fixed_at);
CREATE INDEX IF NOT EXISTS position_time ON position (fixed_at);
"""
INSERT = (
    "INSERT OR IGNORE INTO position (device, fixed_at, received_at, latitude, longitude, speed,"
    " course, valid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class Writer(threading.Thread):
    """Group commit: whatever arrived while the previous COMMIT ran goes into the next one."""

    def __init__(self, path: str, loop: asyncio.AbstractEventLoop):
        super().__init__(daemon=True)
        self.loop = loop
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.rows: list = []
        self.acks: list = []
        self.ready = threading.Condition()
        self.commits = 0

    def submit(self, rows: list, transport, acks: bytes) -> None:
        with self.ready:
            self.rows.extend(rows)
            self.acks.append((transport, acks))
            self.ready.notify()

    def run(self) -> None:
        while True:
            with self.ready:
                while not self.acks:
                    self.ready.wait()
                rows, acks = self.rows, self.acks
                self.rows, self.acks = [], []
            self.db.execute("BEGIN")
            self.db.executemany(INSERT, rows)
            self.db.execute("COMMIT")
            self.commits += 1
            self.loop.call_soon_threadsafe(_send_acks, acks)


def _send_acks(acks: list) -> None:
    for transport, data in acks:
        if not transport.is_closing():
            transport.write(data)


class Session(asyncio.Protocol):
    def __init__(self, writer: Writer):
        self.writer = writer
        self.buffer = b""
        self.device = None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes):
        buf = self.buffer + data if self.buffer else data
        pos, size = 0, len(buf)
        rows, acks = [], []
        now = time.time()
        while size - pos >= 10:
            if buf[pos] != 0x78 or buf[pos + 1] != 0x78:
                self.transport.abort()  # the baseline only serves well-formed devices
                return
            end = pos + buf[pos + 2] + 5
            if end > size:
                break
            frame = buf[pos:end]
            pos = end
            if frame[-2:] != b"\r\n" or _U16.unpack_from(frame, len(frame) - 4)[0] != crc16_x25(
                frame[2:-4]
            ):
                continue  # a bad frame is dropped, not acknowledged
            protocol = frame[3]
            serial = _U16.unpack_from(frame, len(frame) - 6)[0]
            if protocol == 0x01:
                self.device = frame[4:12].hex()[1:]
                self.transport.write(ack(protocol, serial))
            elif protocol in _POSITIONS and self.device is not None:
                yy, mo, dd, hh, mi, ss, _, lat, lon, speed, flags = _GPS.unpack_from(frame, 4)
                fixed = int(dt.datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=dt.UTC).timestamp())
                latitude = lat / 1_800_000.0 if flags & 0x0400 else -lat / 1_800_000.0
                longitude = -lon / 1_800_000.0 if flags & 0x0800 else lon / 1_800_000.0
                rows.append(
                    (self.device, fixed, now, latitude, longitude, speed, flags & 0x3FF,
                     bool(flags & 0x1000))
                )  # fmt: skip
                acks.append(ack(protocol, serial))
        self.buffer = buf[pos:]
        if rows:
            self.writer.submit(rows, self.transport, b"".join(acks))


async def serve(port: int, path: str) -> None:
    loop = asyncio.get_running_loop()
    writer = Writer(path, loop)
    writer.start()
    server = await loop.create_server(
        lambda: Session(writer), "127.0.0.1", port, backlog=4096, reuse_address=True
    )
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    await stop
    server.close()
    print(f"commits {writer.commits}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(args.db + suffix):
            os.remove(args.db + suffix)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.port, args.db))
    sys.exit(0)


if __name__ == "__main__":
    main()
