"""CRC-16/X-25 (GT06 frames): poly 0x1021 reflected (0x8408), init 0xFFFF, final xor 0xFFFF."""

from __future__ import annotations


def _table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def crc16_x25(data: bytes | bytearray | memoryview) -> int:
    crc = 0xFFFF
    table = _TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFF
