"""GT06 / Concox binary protocol: framing, decoding, acknowledgements and the frames we send.

Frame: 0x78 0x78, length (1 byte) | protocol number, content, serial (2), CRC-16/X-25 (2) | 0x0D 0x0A.
Extended frames start 0x79 0x79 with a 2-byte length. The length counts from the protocol number to the
CRC; the CRC covers the length byte(s) to the serial.

Times are sent in UTC. A device set to local time announces it in the login's time-zone extension
(or an officer sets the device's offset); `Gt06Decoder.utc_offset_minutes` is subtracted.
"""

from __future__ import annotations

import datetime as dt
import struct

from fengqiao.gateway.crc import crc16_x25, crc16_x25_frame
from fengqiao.gateway.messages import DecodeError, Fix, Message

PROTOCOL = "gt06"

LOGIN = 0x01
GPS = 0x10
GPS_LBS = 0x12
STATUS = 0x13
STRING = 0x15
ALARM = 0x16
STRING_INFO = 0x21
GPS_LBS_2 = 0x22
HEARTBEAT = 0x23
ALARM_2 = 0x26
ALARM_3 = 0x27  # 0x26 plus the language byte whose high nibble extends the alarm value
COMMAND = 0x80

MAX_LENGTH = 1024  # longer frames than any real device sends: treat as garbage
_POSITION_TYPES = {GPS, GPS_LBS, GPS_LBS_2}
_ALARM_TYPES = {ALARM, ALARM_2, ALARM_3}
_ACKED = {LOGIN, GPS, GPS_LBS, GPS_LBS_2, STATUS, HEARTBEAT, ALARM, ALARM_2, ALARM_3}

# The alarm value of 0x16/0x26/0x27 frames and 0x13 status frames ("alarm/language" byte; in 0x27 the
# language byte's high nibble extends it to 12 bits). Concox's protocol documents define 0x00-0x06,
# 0x09, 0x0E, 0x0F, 0x11, 0x13, 0x14, 0x19; the rest are the values Traccar's Gt06ProtocolDecoder
# (decodeAlarm) documents for Concox/Jimi and compatible firmware, with their default (model-independent)
# meaning. A value in no table is reported as "other" (the value is kept in `alarm_code`).
ALARM_VALUES = {
    0x01: "sos",  # SOS 求救
    0x02: "power_cut",  # 断电
    0x03: "vibration",  # 震动
    0x04: "geofence_enter",  # 进围栏
    0x05: "geofence_exit",  # 出围栏
    0x06: "overspeed",  # 超速
    0x09: "vibration",  # 位移 (VL models: tow)
    0x0C: "tamper",
    0x0E: "low_battery",  # 外电低电 (GT06N)
    0x0F: "low_battery",  # 内置电池低电
    0x11: "power_off",  # 关机
    0x13: "tamper",  # 防拆
    0x14: "door",  # 门
    0x18: "removal",  # 拆除 (LW models: accident)
    0x19: "low_battery",  # 内部电池低电 (LW models: acceleration)
    0x1A: "braking",  # 急减速
    0x1B: "cornering",  # 急转弯
    0x23: "fall",  # 跌倒
    0x25: "tamper",
    0x26: "acceleration",  # 急加速
    0x27: "braking",
    0x28: "braking",
    0x29: "acceleration",
    0x2A: "cornering",
    0x2B: "cornering",
    0x2C: "accident",  # 碰撞
    0x2E: "cornering",
    0x30: "jamming",  # 干扰
    0x32: "tamper",
    0x33: "lock",
    0x34: "unlock",
    0x53: "fuel_leak",
    0x5B: "temperature",
    0x5C: "temperature",
    0xC9: "idle",
    0xF0: "acceleration",
    0xF1: "braking",
    0xF2: "accident",
    0x0107: "jamming",  # 0x27 only (language high nibble 1)
    0x010B: "jamming",
}
# Bits 3-5 of the terminal-information byte (0x13 status, 0x23 heartbeat, 0x16/0x26/0x27 status block):
# 1 vibration, 2 power cut, 3 low battery, 4 SOS (Concox document), 6 fence, 7 removal (Traccar:
# decodeStatus; the VXT01 uses 7 for overspeed). 5 is defined nowhere and stays "other".
TERMINAL_ALARMS = {
    1: "vibration",
    2: "power_cut",
    3: "low_battery",
    4: "sos",
    5: "other",
    6: "geofence",
    7: "removal",
}
# Voltage level 0..6 of status frames → battery percent.
_VOLTAGE_LEVEL = {0: 0, 1: 5, 2: 10, 3: 25, 4: 50, 5: 75, 6: 100}

_PROTOCOL_NUMBERS = tuple(f"0x{n:02x}" for n in range(256))
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_GPS = struct.Struct(">6BB2IBH")  # date-time, gps info, lat, lon, speed, course/status


def frame(protocol: int, content: bytes, serial: int, *, extended: bool = False) -> bytes:
    """Build a frame (the CRC and trailer added)."""
    length = len(content) + 5
    head = b"\x79\x79" + _U16.pack(length) if extended else b"\x78\x78" + bytes([length])
    body = head[2:] + bytes([protocol]) + content + _U16.pack(serial & 0xFFFF)
    return head[:2] + body + _U16.pack(crc16_x25(body)) + b"\r\n"


_ACKS: dict[tuple[int, int, bool], bytes] = {}


def ack(protocol: int, serial: int, *, extended: bool = False) -> bytes:
    """The acknowledgement devices expect: the protocol number and serial echoed (built once per
    protocol, serial and frame kind: a plain dict, cheaper to ask than an lru_cache with a keyword)."""
    key = (protocol, serial, extended)
    found = _ACKS.get(key)
    if found is None:
        if len(_ACKS) >= 262144:
            _ACKS.clear()
        found = _ACKS[key] = frame(protocol, b"", serial, extended=extended)
    return found


def _bcd_imei(data: bytes) -> str:
    digits = data.hex()
    if not digits.isdigit():
        raise DecodeError("IMEI is not BCD")
    return digits[1:] if len(digits) == 16 and digits[0] == "0" else digits


def _terminal_info(value: int, attributes: dict) -> list[str]:
    attributes["armed"] = bool(value & 0x01)
    attributes["ignition"] = bool(value & 0x02)
    attributes["charging"] = bool(value & 0x04)
    attributes["relay_cut"] = bool(value & 0x80)
    alarm = TERMINAL_ALARMS.get((value >> 3) & 0x07)
    return [alarm] if alarm else []


def _alarm_value(value: int, attributes: dict) -> list[str]:
    if value == 0:
        return []
    kind = ALARM_VALUES.get(value, "other")
    if kind == "other":
        attributes["alarm_code"] = f"0x{value:02x}"
    return [kind]


def _status_block(protocol: int, length: int, content: bytes) -> tuple[int, bool]:
    """Where the status block (terminal info, voltage, signal, alarm, language) of a 0x16/0x26/0x27
    frame starts, and whether it is the VXT01 layout (terminal info, power (2), signal, extension).

    After the 18 GPS bytes comes the LBS block: a length byte, then MCC (2), MNC (1), LAC (2), cell (3),
    nine bytes in all whatever the length byte says (some firmware counts itself, some does not); a
    longer length means more bytes; 0 means no cell data. Vendor layouts Traccar documents: a 0x16 of
    length 0x26 (SEEWORLD) has a 4-byte cell; a 0x16 of length 0x24 (VXT01) has no length byte."""
    if protocol == ALARM and length == 0x24:
        return 18 + 8, True
    lbs = content[18] if len(content) > 18 else 0
    if lbs == 0:
        index = 19
    else:
        index = 18 + max(9, lbs)
    if protocol == ALARM and length == 0x26 and lbs == 9:
        index += 1
    return index, False


def _battery(value: int) -> int | None:
    """The voltage byte: a level 0-6 (Concox document), or a percent (7-100) on newer firmware."""
    if value in _VOLTAGE_LEVEL:
        return _VOLTAGE_LEVEL[value]
    return value if value <= 100 else None


def _gps(content: bytes, offset_minutes: int) -> Fix:
    if len(content) < _GPS.size:
        raise DecodeError(f"GPS content too short ({len(content)} bytes)")
    yy, mo, dd, hh, mi, ss, info, lat, lon, speed, flags = _GPS.unpack_from(content)
    try:
        time = dt.datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=dt.UTC)
    except ValueError as exc:
        raise DecodeError(f"bad date/time {content[:6].hex()}") from exc
    if offset_minutes:
        time -= dt.timedelta(minutes=offset_minutes)
    latitude = lat / 1_800_000.0
    longitude = lon / 1_800_000.0
    if not flags & 0x0400:
        latitude = -latitude
    if flags & 0x0800:
        longitude = -longitude
    return Fix(
        time,
        latitude,
        longitude,
        float(speed),
        float(flags & 0x03FF),
        bool(flags & 0x1000),
        False,
        [],
        {"satellites": info & 0x0F},
    )


def decode_frame(
    data: bytes, *, utc_offset_minutes: int = 0, device_id: str | None = None
) -> Message:
    """Decode one complete frame (markers to trailer). Raises DecodeError."""
    if type(data) is not bytes:
        data = bytes(data)
    if len(data) < 10:
        raise DecodeError("frame too short")
    extended = data[0] == 0x79
    start = 4 if extended else 3
    if data[-2:] != b"\r\n":
        raise DecodeError("frame does not end with 0D0A")
    size = len(data)
    expected = _U16.unpack_from(data, size - 4)[0]
    actual = crc16_x25_frame(data, 2, size - 4)
    if expected != actual:
        raise DecodeError(f"CRC mismatch: frame says {expected:04x}, computed {actual:04x}")
    protocol = data[start]
    content = data[start + 1 : -6]
    serial = _U16.unpack_from(data, size - 6)[0]
    message = Message(
        PROTOCOL,
        "ignored",
        device_id,
        serial,
        [],
        [],
        {"protocol_number": _PROTOCOL_NUMBERS[protocol]},
        ack(protocol, serial, extended=extended) if protocol in _ACKED else b"",
        data,
    )

    if protocol == LOGIN:
        if len(content) < 8:
            raise DecodeError("login too short")
        message.type = "login"
        message.device_id = _bcd_imei(content[:8])
        if len(content) >= 12:
            value = _U16.unpack_from(content, 10)[0]
            zone = value >> 4
            minutes = (zone // 100) * 60 + zone % 100
            message.attributes["utc_offset_minutes"] = -minutes if value & 0x08 else minutes
    elif protocol in _POSITION_TYPES or protocol in _ALARM_TYPES:
        fix = _gps(content, utc_offset_minutes)
        message.type = "position"
        if protocol == GPS_LBS_2 and len(content) >= 29:
            fix.attributes["ignition"] = bool(content[26])
            fix.buffered = content[28] == 0x01
        if protocol in _ALARM_TYPES:
            # Some firmware sends these as plain status reports (alarm byte 0): an alarm only if one is set.
            length = (
                -1 if extended else data[2]
            )  # the vendor layouts are told apart by 78 78 lengths
            index, vxt01 = _status_block(protocol, length, content)
            if vxt01 and len(content) >= index + 4:
                fix.alarms.extend(_terminal_info(content[index], fix.attributes))
                fix.attributes["power_volts"] = _U16.unpack_from(content, index + 1)[0] / 100.0
                fix.attributes["signal"] = content[index + 3]
            elif len(content) >= index + 4:
                fix.alarms.extend(_terminal_info(content[index], fix.attributes))
                fix.attributes["battery_percent"] = _battery(content[index + 1])
                fix.attributes["signal"] = content[index + 2]
                value = content[index + 3]
                if protocol == ALARM_3 and len(content) >= index + 5:
                    value |= (content[index + 4] >> 4) << 8
                fix.alarms.extend(_alarm_value(value, fix.attributes))
            fix.alarms[:] = list(dict.fromkeys(fix.alarms))
            if fix.alarms:
                message.type = "alarm"
        message.fixes.append(fix)
    elif protocol == STATUS:
        if len(content) < 3:
            raise DecodeError("status too short")
        message.type = "status"
        message.alarms.extend(_terminal_info(content[0], message.attributes))
        message.attributes["battery_percent"] = _battery(content[1])
        message.attributes["signal"] = content[2]
        if len(content) >= 4:
            message.alarms.extend(_alarm_value(content[3], message.attributes))
        message.alarms[:] = list(dict.fromkeys(message.alarms))
    elif protocol == HEARTBEAT:
        if len(content) < 4:
            raise DecodeError("heartbeat too short")
        message.type = "heartbeat"
        message.alarms.extend(_terminal_info(content[0], message.attributes))
        message.attributes["power_volts"] = _U16.unpack_from(content, 1)[0] / 100.0
        message.attributes["signal"] = content[3]
    elif protocol == STRING:
        if len(content) < 5:
            raise DecodeError("string reply too short")
        length = content[0]
        message.type = "response"
        message.attributes["server_flag"] = _U32.unpack_from(content, 1)[0]
        message.attributes["text"] = bytes(content[5 : 1 + length]).decode("ascii", "replace")
    elif protocol == STRING_INFO and extended:
        if len(content) < 5:
            raise DecodeError("string info too short")
        message.type = "response"
        message.attributes["server_flag"] = _U32.unpack_from(content, 0)[0]
        codec = "utf-16-be" if content[4] == 2 else "ascii"
        message.attributes["text"] = bytes(content[5:]).decode(codec, "replace")
    return message


class Gt06Decoder:
    """Splits a TCP byte stream into frames and decodes them; keeps the partial frame between reads.

    `feed` returns decoded messages and DecodeError instances (garbage skipped, bad CRC) in order.
    """

    protocol = PROTOCOL

    def __init__(self):
        self.buffer = bytearray()
        self.utc_offset_minutes = 0
        self.device_id: str | None = None

    def feed(self, data: bytes) -> list[Message | DecodeError]:
        # Nothing pending (the rule: one whole frame per read): the frames are cut from the read's own
        # bytes, one copy each; only a partial frame is kept in the buffer for the next read.
        pending = self.buffer
        if pending:
            pending += data
            buf = pending
        else:
            buf = bytes(data)
        out: list[Message | DecodeError] = []
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0 = buf[pos]
            if b0 == 0x78 and buf[pos + 1] == 0x78:
                if size - pos < 3:
                    break
                length = buf[pos + 2]
                total = length + 5
            elif b0 == 0x79 and buf[pos + 1] == 0x79:
                if size - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                total = length + 6
            else:
                nxt = _next_start(buf, pos + 1)
                skipped = (nxt if nxt >= 0 else size - 1) - pos
                out.append(DecodeError(f"garbage: {skipped} bytes skipped"))
                pos += skipped
                continue
            if length < 5 or length > MAX_LENGTH:
                out.append(DecodeError(f"impossible length {length}"))
                pos += 2
                continue
            if size - pos < total:
                break
            chunk = buf[pos : pos + total]
            if type(chunk) is not bytes:
                chunk = bytes(chunk)
            if chunk[-2:] != b"\r\n":
                out.append(DecodeError("frame does not end with 0D0A"))
                pos += 2
                continue
            pos += total
            try:
                message = decode_frame(
                    chunk, utc_offset_minutes=self.utc_offset_minutes, device_id=self.device_id
                )
            except DecodeError as exc:
                out.append(exc)
                continue
            except (IndexError, struct.error, ValueError) as exc:
                out.append(DecodeError(f"malformed content: {exc}"))
                continue
            if message.type == "login":
                self.device_id = message.device_id
                if "utc_offset_minutes" in message.attributes:
                    self.utc_offset_minutes = message.attributes["utc_offset_minutes"]
            out.append(message)
        if buf is pending:
            if pos:
                del pending[:pos]
        elif pos < size:
            pending += buf[pos:]
        return out


def _next_start(buf: bytearray, start: int) -> int:
    a = buf.find(b"\x78\x78", start)
    b = buf.find(b"\x79\x79", start)
    if a < 0:
        return b
    if b < 0:
        return a
    return min(a, b)


# ---- frames a device sends (the simulator and tests) and the commands we send ----


def login_frame(imei: str, serial: int, *, utc_offset_minutes: int | None = None) -> bytes:
    content = bytes.fromhex(imei.rjust(16, "0"))
    if utc_offset_minutes is not None:
        minutes = abs(utc_offset_minutes)
        zone = (minutes // 60) * 100 + minutes % 60
        content += b"\x36\x08" + _U16.pack(
            (zone << 4) | (0x08 if utc_offset_minutes < 0 else 0) | 0x02
        )
    return frame(LOGIN, content, serial)


def _gps_content(fix: Fix) -> bytes:
    t = fix.time.astimezone(dt.UTC)
    flags = int(fix.course) & 0x03FF
    if fix.valid:
        flags |= 0x1000
    if fix.latitude >= 0:
        flags |= 0x0400
    if fix.longitude < 0:
        flags |= 0x0800
    return _GPS.pack(
        t.year - 2000,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        0xC9,
        round(abs(fix.latitude) * 1_800_000),
        round(abs(fix.longitude) * 1_800_000),
        min(255, int(fix.speed_kmh)),
        flags,
    )


def position_frame(fix: Fix, serial: int, *, ignition: bool = True) -> bytes:
    """A 0x22 GPS+LBS frame (China Mobile cell 460/00), re-upload flag from fix.buffered."""
    lbs = bytes.fromhex("01cc00286600eeee")
    tail = bytes([1 if ignition else 0, 0x00, 1 if fix.buffered else 0])
    return frame(GPS_LBS_2, _gps_content(fix) + lbs + tail, serial)


def alarm_frame(fix: Fix, serial: int, *, alarm: int, terminal_info: int = 0x41) -> bytes:
    """A 0x26 alarm frame with the given alarm byte."""
    lbs = bytes.fromhex("0901cc00286600eeee")
    status = bytes([terminal_info, 0x06, 0x04, alarm, 0x02])
    return frame(ALARM_2, _gps_content(fix) + lbs + status, serial)


def heartbeat_frame(serial: int, *, terminal_info: int = 0x46) -> bytes:
    return frame(STATUS, bytes([terminal_info, 0x06, 0x04, 0x00, 0x02]), serial)


def command_frame(text: str, serial: int, *, server_flag: int) -> bytes:
    """An online command (0x80) such as Relay,1#; the device answers with 0x15 carrying the server flag."""
    body = text.encode("ascii")
    content = bytes([4 + len(body)]) + _U32.pack(server_flag & 0xFFFFFFFF) + body + b"\x00\x02"
    return frame(COMMAND, content, serial)


def string_reply_frame(text: str, serial: int, *, server_flag: int) -> bytes:
    body = text.encode("ascii")
    content = bytes([4 + len(body)]) + _U32.pack(server_flag & 0xFFFFFFFF) + body + b"\x00\x02"
    return frame(STRING, content, serial)


COMMAND_TEXT = {"engine_cut": "Relay,1#", "engine_restore": "Relay,0#"}
