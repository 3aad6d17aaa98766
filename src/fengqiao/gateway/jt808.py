"""JT/T 808 (2013 and 2019 headers): framing, decoding, replies and the frames we send.

Frame: 0x7E | header, body, XOR check | 0x7E, with 0x7E → 7D 02 and 0x7D → 7D 01 inside.
Header: message id (2), properties (2: body length in bits 0-9, encryption 10-12, sub-package 13,
2019 version flag 14), [2019: protocol version (1)], terminal number BCD (6; 2019: 10), serial (2),
[sub-package total and index (2 + 2)].
Times are BCD YYMMDDhhmmss in Beijing time (UTC+8) as the standard says; converted to UTC here.
"""

from __future__ import annotations

import datetime as dt
import struct
from functools import reduce
from operator import xor

from fengqiao.gateway.messages import DecodeError, Fix, Message

PROTOCOL = "jt808"
BEIJING = dt.timedelta(hours=8)

TERMINAL_RESPONSE = 0x0001
HEARTBEAT = 0x0002
REGISTER = 0x0100
LOGOUT = 0x0003
AUTH = 0x0102
LOCATION = 0x0200
BATCH = 0x0704
PLATFORM_RESPONSE = 0x8001
REGISTER_RESPONSE = 0x8100
# 0x8100 results (JT/T 808-2013 8.6): 0 success, 1 vehicle already registered, 2 no such vehicle,
# 3 terminal already registered (该终端已被注册), 4 no such terminal.
REGISTER_ALREADY = 3
TERMINAL_CONTROL = 0x8105
TEXT_MESSAGE = (
    0x8300  # 文本信息下发: device text commands (arm/disarm) as the tracker's manual gives them
)

# 0x8300 flag (JT/T 808-2013 table 38): bit0 紧急, bit2 终端显示器显示, bit3 终端TTS播读, bit4 广告屏显示,
# bit5 0 中心导航信息 / 1 CAN 故障码. A command meant for the terminal itself (not for the driver to
# read or hear) sets none of them. 2019 adds a text type byte after the flag: 1 通知, 2 服务.
TEXT_FLAG_COMMAND = 0x00
TEXT_TYPE_NOTICE = 1
MAX_TEXT_BYTES = 1024

MAX_FRAME = 2048
MAX_PARTS = 256  # sub-packages of one long message
MAX_REASSEMBLED = 256 * 1024  # bytes of one long message held while its parts arrive

# The 32-bit alarm flag of 0x0200 (JT/T 808-2011 and -2013 table 24, -2019 table 25) → device alarm
# kinds. Every bit the standards define is named; a bit set and named nowhere is "other".
ALARM_BITS = {
    0: "sos",  # 紧急报警
    1: "overspeed",  # 超速报警
    2: "fatigue",  # 疲劳驾驶
    3: "danger",  # 危险预警 (2019: 危险驾驶行为报警)
    4: "gnss_fault",  # GNSS 模块发生故障
    5: "antenna_cut",  # GNSS 天线未接或被剪断
    6: "antenna_short",  # GNSS 天线短路
    7: "low_battery",  # 终端主电源欠压
    8: "power_cut",  # 终端主电源掉电
    9: "display_fault",  # 终端 LCD 或显示器故障
    10: "tts_fault",  # TTS 模块故障
    11: "camera_fault",  # 摄像头故障
    12: "ic_card_fault",  # 道路运输证 IC 卡模块故障 (2013)
    13: "overspeed",  # 超速预警 (2013)
    14: "fatigue",  # 疲劳驾驶预警 (2013)
    15: "violation",  # 违规行驶报警 (2019; reserved before)
    16: "tyre_pressure",  # 胎压预警 (2019; reserved before)
    17: "blind_spot",  # 右转盲区异常报警 (2019; reserved before)
    18: "driving_timeout",  # 当天累计驾驶超时
    19: "parking_timeout",  # 超时停车
    20: "geofence",  # 进出区域
    21: "route",  # 进出路线
    22: "route_time",  # 路段行驶时间不足/过长
    23: "route_deviation",  # 路线偏离报警
    24: "vss_fault",  # 车辆 VSS 故障
    25: "fuel_abnormal",  # 车辆油量异常
    26: "theft",  # 车辆被盗(通过车辆防盗器)
    27: "illegal_ignition",  # 车辆非法点火
    28: "movement",  # 车辆非法位移
    29: "collision",  # 碰撞预警 (2013; 2011 reserved)
    30: "rollover",  # 侧翻预警 (2013; 2011 reserved)
    31: "door",  # 非法开门报警 (2013)
}
# Bits 15-17 are reserved in 2011/2013, and common trackers with those headers use them for their own
# alarms (Traccar's Jt808ProtocolDecoder, decodeAlarm): 15 vibration, 16 and 17 tamper. So a terminal
# that sends 2013 headers gets these meanings, one that sends 2019 headers the standard's.
VENDOR_BITS_2013 = {15: "vibration", 16: "tamper", 17: "tamper"}


def alarm_kinds(flags: int, *, v2019: bool = False) -> list[str]:
    """The alarm kinds of a 0x0200 alarm flag (in bit order, each kind once)."""
    kinds = []
    for bit in range(32):
        if flags & (1 << bit):
            kind = (None if v2019 else VENDOR_BITS_2013.get(bit)) or ALARM_BITS.get(bit, "other")
            kinds.append(kind)
    return list(dict.fromkeys(kinds))


_H2013 = struct.Struct(">HH6sH")
_H2019 = struct.Struct(">HHB10sH")
_LOC = struct.Struct(">IIIIHHH6s")


def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    if b"\x7d" not in data:
        return data
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == 0x7D:
            if i + 1 >= n or data[i + 1] not in (1, 2):
                raise DecodeError("bad 0x7D escape")
            out.append(0x7D if data[i + 1] == 1 else 0x7E)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def checksum(data: bytes) -> int:
    return reduce(xor, data, 0)


def _bcd_time(raw: bytes) -> dt.datetime:
    digits = raw.hex()
    if not digits.isdigit():
        raise DecodeError(f"time is not BCD: {digits}")
    try:
        local = dt.datetime(
            2000 + int(digits[0:2]),
            int(digits[2:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            tzinfo=dt.UTC,
        )
    except ValueError as exc:
        raise DecodeError(f"bad date/time {digits}") from exc
    return local - BEIJING


def _terminal_number(raw: bytes) -> str:
    digits = raw.hex()
    if not digits.isdigit():
        raise DecodeError("terminal number is not BCD")
    stripped = digits.lstrip("0")
    return stripped[-20:] if stripped else "0"


def _location(body: bytes, *, buffered: bool = False, v2019: bool = False) -> Fix:
    if len(body) < _LOC.size:
        raise DecodeError(f"location body too short ({len(body)} bytes)")
    alarm, status, lat, lon, altitude, speed, course, raw_time = _LOC.unpack_from(body)
    latitude = lat / 1_000_000.0
    longitude = lon / 1_000_000.0
    if status & 0x04:
        latitude = -latitude
    if status & 0x08:
        longitude = -longitude
    attributes: dict = {
        "ignition": bool(status & 0x01),
        "altitude": altitude,
        "relay_cut": bool(status & 0x0400) or bool(status & 0x0800),
    }
    alarms = alarm_kinds(alarm, v2019=v2019)
    if alarm:
        attributes["alarm_flags"] = alarm
    # Extra items: id (1), length (1), value.
    i = _LOC.size
    n = len(body)
    while i + 2 <= n:
        item, length = body[i], body[i + 1]
        value = body[i + 2 : i + 2 + length]
        if len(value) < length:
            break
        if item == 0x01 and length == 4:
            attributes["odometer_km"] = struct.unpack(">I", value)[0] / 10.0
        elif item == 0x30 and length == 1:
            attributes["signal"] = value[0]
        elif item == 0x31 and length == 1:
            attributes["satellites"] = value[0]
        elif item == 0x2A and length == 2:
            attributes["io_status"] = struct.unpack(">H", value)[0]
        elif item == 0x2B and length == 4:
            attributes["analog"] = struct.unpack(">I", value)[0]
        i += 2 + length
    return Fix(
        time=_bcd_time(raw_time),
        latitude=latitude,
        longitude=longitude,
        speed_kmh=speed / 10.0,
        course=float(course),
        valid=bool(status & 0x02),
        buffered=buffered,
        alarms=alarms,
        attributes=attributes,
    )


class Header:
    __slots__ = ("message_id", "properties", "version", "phone", "serial", "v2019", "size")

    def __init__(self, message_id, properties, version, phone, serial, v2019, size):
        self.message_id = message_id
        self.properties = properties
        self.version = version
        self.phone = phone
        self.serial = serial
        self.v2019 = v2019
        self.size = size


def parse_header(data: bytes) -> Header:
    if len(data) < 4:
        raise DecodeError("header too short")
    message_id, properties = struct.unpack_from(">HH", data)
    v2019 = bool(properties & 0x4000)
    if v2019:
        if len(data) < _H2019.size:
            raise DecodeError("2019 header too short")
        _, _, version, phone, serial = _H2019.unpack_from(data)
        size = _H2019.size
    else:
        if len(data) < _H2013.size:
            raise DecodeError("header too short")
        _, _, phone, serial = _H2013.unpack_from(data)
        version = 0
        size = _H2013.size
    if properties & 0x2000:
        size += 4
    return Header(message_id, properties, version, phone, serial, v2019, size)


def encode(
    message_id: int,
    body: bytes,
    *,
    phone: bytes,
    serial: int,
    v2019: bool = False,
    version: int = 1,
) -> bytes:
    """Build an escaped frame. `phone` is the raw BCD terminal number (6 bytes, 10 for 2019)."""
    properties = len(body) & 0x03FF
    if v2019:
        properties |= 0x4000
        header = _H2019.pack(
            message_id, properties, version, phone.rjust(10, b"\x00"), serial & 0xFFFF
        )
    else:
        header = _H2013.pack(message_id, properties, phone[-6:].rjust(6, b"\x00"), serial & 0xFFFF)
    payload = header + body
    return b"\x7e" + escape(payload + bytes([checksum(payload)])) + b"\x7e"


def phone_bcd(number: str, *, v2019: bool = False) -> bytes:
    width = 20 if v2019 else 12
    return bytes.fromhex(number.rjust(width, "0")[-width:])


class Jt808Decoder:
    """Splits the TCP stream at 0x7E, unescapes, checks the XOR and decodes; replies with the same header kind."""

    protocol = PROTOCOL

    def __init__(self, *, auth_code: str = ""):
        self.buffer = bytearray()
        self.device_id: str | None = None
        self.auth_code = auth_code
        self.reply_serial = 0
        self.last_header: Header | None = None
        # sub-packages of long messages waiting for their siblings: message id → (total, {index: body})
        self.parts: dict[int, tuple[int, dict[int, bytes]]] = {}

    def _reassemble(
        self, message_id: int, data: bytes, header: Header, body: bytes
    ) -> bytes | None:
        """Keep one part; return the joined body once every part of the message is in, else None."""
        total, index = struct.unpack_from(">HH", data, header.size - 4)
        if not 1 <= index <= total or total > MAX_PARTS:
            raise DecodeError(f"sub-package {index} of {total} is out of range")
        known_total, pieces = self.parts.get(message_id, (total, {}))
        if known_total != total:  # a new long message replaces an unfinished one
            pieces = {}
        pieces[index] = bytes(body)
        if sum(len(p) for p in pieces.values()) > MAX_REASSEMBLED:
            self.parts.pop(message_id, None)
            raise DecodeError(f"a message of sub-packages longer than {MAX_REASSEMBLED} bytes")
        if len(pieces) < total:
            self.parts[message_id] = (total, pieces)
            return None
        self.parts.pop(message_id, None)
        return b"".join(pieces[i] for i in range(1, total + 1))

    def register_reply(self, raw: bytes, auth_code: str, *, result: int = 0) -> bytes:
        """0x8100 for a register frame: result 0 and the auth code the terminal must present in 0x0102;
        any other result (REGISTER_ALREADY: 3, 该终端已被注册) carries no auth code."""
        header = parse_header(unescape(raw[1:-1]))
        code = auth_code.encode("ascii") if result == 0 else b""
        return self._reply(
            header, REGISTER_RESPONSE, struct.pack(">HB", header.serial, result) + code
        )

    def general_reply_for(self, raw: bytes, *, result: int = 0) -> bytes:
        return self.general_reply(parse_header(unescape(raw[1:-1])), result)

    def command(self, message_id: int, body: bytes) -> tuple[int, bytes]:
        """A platform message to the terminal (header as its last frame); returns (serial, frame)."""
        if self.last_header is None:
            raise DecodeError("no terminal header seen yet")
        frame = self._reply(self.last_header, message_id, body)
        return self.reply_serial, frame

    def text_command(self, text: str) -> tuple[int, bytes]:
        """A 0x8300 text command (arm/disarm) in the header kind of the terminal's last frame."""
        v2019 = bool(self.last_header and self.last_header.v2019)
        return self.command(TEXT_MESSAGE, text_message_body(text, v2019=v2019))

    def _reply(self, header: Header, message_id: int, body: bytes) -> bytes:
        self.reply_serial = (self.reply_serial + 1) & 0xFFFF
        return encode(
            message_id,
            body,
            phone=header.phone,
            serial=self.reply_serial,
            v2019=header.v2019,
            version=header.version,
        )

    def general_reply(self, header: Header, result: int = 0) -> bytes:
        return self._reply(
            header, PLATFORM_RESPONSE, struct.pack(">HHB", header.serial, header.message_id, result)
        )

    def feed(self, data: bytes) -> list[Message | DecodeError]:
        buf = self.buffer
        buf += data
        out: list[Message | DecodeError] = []
        while True:
            start = buf.find(b"\x7e")
            if start < 0:
                if buf:
                    out.append(DecodeError(f"garbage: {len(buf)} bytes skipped"))
                    buf.clear()
                break
            if start > 0:
                out.append(DecodeError(f"garbage: {start} bytes skipped"))
                del buf[:start]
            end = buf.find(b"\x7e", 1)
            if end < 0:
                if len(buf) > MAX_FRAME:
                    out.append(DecodeError(f"frame longer than {MAX_FRAME} bytes"))
                    buf.clear()
                break
            if end == 1:  # 7E7E: the end of one frame directly followed by the start of the next
                del buf[:1]
                continue
            raw = bytes(buf[: end + 1])
            del buf[: end + 1]
            try:
                out.append(self.decode_frame(raw))
            except DecodeError as exc:
                out.append(exc)
            except (IndexError, struct.error, ValueError) as exc:
                out.append(DecodeError(f"malformed content: {exc}"))
        return out

    def decode_frame(self, raw: bytes) -> Message:
        payload = unescape(raw[1:-1])
        if len(payload) < 13:
            raise DecodeError("frame too short")
        if checksum(payload[:-1]) != payload[-1]:
            raise DecodeError(
                f"XOR check mismatch: frame says {payload[-1]:02x}, computed {checksum(payload[:-1]):02x}"
            )
        data = payload[:-1]
        header = parse_header(data)
        message_id, properties, phone, serial, v2019 = (
            header.message_id,
            header.properties,
            header.phone,
            header.serial,
            header.v2019,
        )
        length = properties & 0x03FF
        body = data[header.size :]
        if len(body) != length:
            raise DecodeError(f"body length {len(body)} does not match header {length}")
        if properties & 0x1C00:
            raise DecodeError("encrypted bodies are not supported")
        self.last_header = header
        device_id = _terminal_number(phone)
        message = Message(
            protocol=PROTOCOL, type="ignored", device_id=device_id, serial=serial, raw=raw
        )
        message.attributes["message_id"] = f"0x{message_id:04x}"
        if v2019:
            message.attributes["version"] = 2019
        self.device_id = device_id

        if properties & 0x2000:
            # A sub-package of a long message (long batches, multimedia): each part is acknowledged;
            # when the last one is in, the parts are joined and decoded as one message.
            message.attributes["subpackage"] = True
            message.ack = self.general_reply(header)
            whole = self._reassemble(message_id, data, header, body)
            if whole is None:
                return message
            body = whole
            message.attributes["reassembled"] = True
        if message_id == REGISTER:
            message.type = "register"
            message.ack = self._reply(
                header,
                REGISTER_RESPONSE,
                struct.pack(">HB", serial, 0) + self.auth_code.encode("ascii"),
            )
        elif message_id == AUTH:
            message.type = "auth"
            code = body[1 : 1 + body[0]] if v2019 and body else body
            message.attributes["auth_code"] = (
                bytes(code).split(b"\x00")[0].decode("ascii", "replace")
            )
            message.ack = self.general_reply(header)
        elif message_id == HEARTBEAT:
            message.type = "heartbeat"
            message.ack = self.general_reply(header)
        elif message_id == LOGOUT:
            message.type = "logout"
            message.ack = self.general_reply(header)
        elif message_id == LOCATION:
            fix = _location(body, v2019=v2019)
            message.type = "alarm" if fix.alarms else "position"
            message.fixes.append(fix)
            message.ack = self.general_reply(header)
        elif message_id == BATCH:
            if len(body) < 3:
                raise DecodeError("batch too short")
            count, kind = struct.unpack_from(">HB", body)
            buffered = kind == 1
            i = 3
            for _ in range(count):
                if i + 2 > len(body):
                    raise DecodeError("batch shorter than its count")
                size = struct.unpack_from(">H", body, i)[0]
                item = body[i + 2 : i + 2 + size]
                if len(item) < size:
                    raise DecodeError("batch item truncated")
                message.fixes.append(_location(item, buffered=buffered, v2019=v2019))
                i += 2 + size
            message.type = "batch"
            message.attributes["buffered"] = buffered
            message.ack = self.general_reply(header)
        elif message_id == TERMINAL_RESPONSE:
            if len(body) >= 5:
                reply_serial, reply_id, result = struct.unpack_from(">HHB", body)
                message.type = "response"
                message.attributes.update(
                    reply_serial=reply_serial, reply_id=f"0x{reply_id:04x}", result=result
                )
        else:
            message.ack = self.general_reply(header)
        return message


# ---- frames a terminal sends (the simulator and tests) and the commands we send ----


def location_body(
    fix: Fix, *, alarm: int = 0, mileage_km: float | None = None, signal: int | None = None
) -> bytes:
    status = 0x01 | (0x02 if fix.valid else 0)
    if fix.latitude < 0:
        status |= 0x04
    if fix.longitude < 0:
        status |= 0x08
    local = fix.time.astimezone(dt.UTC) + BEIJING
    body = _LOC.pack(
        alarm,
        status,
        round(abs(fix.latitude) * 1_000_000),
        round(abs(fix.longitude) * 1_000_000),
        0,
        int(fix.speed_kmh * 10),
        int(fix.course),
        bytes.fromhex(local.strftime("%y%m%d%H%M%S")),
    )
    if mileage_km is not None:
        body += b"\x01\x04" + struct.pack(">I", int(mileage_km * 10))
    if signal is not None:
        body += bytes([0x30, 1, signal])
    return body


def register_body(*, plate: str = "") -> bytes:
    # province, city, manufacturer (5), model (20), terminal id (7), plate colour, plate
    return (
        struct.pack(">HH", 51, 1123)
        + b"FQSIM"
        + b"FQ-808".ljust(20, b"\x00")
        + b"0000001"
        + b"\x02"
        + plate.encode("gbk")
    )


def batch_body(fixes: list[Fix], *, buffered: bool) -> bytes:
    body = struct.pack(">HB", len(fixes), 1 if buffered else 0)
    for fix in fixes:
        item = location_body(fix)
        body += struct.pack(">H", len(item)) + item
    return body


def subpackage_frames(
    message_id: int, body: bytes, *, phone: bytes, serial: int, part_size: int = 512
) -> list[bytes]:
    """A long message as sub-packaged frames (2013 header): each with the package count and index."""
    chunks = [body[i : i + part_size] for i in range(0, len(body), part_size)] or [b""]
    frames = []
    for index, chunk in enumerate(chunks, start=1):
        properties = (len(chunk) & 0x03FF) | 0x2000
        header = _H2013.pack(
            message_id, properties, phone[-6:].rjust(6, b"\x00"), (serial + index - 1) & 0xFFFF
        )
        payload = header + struct.pack(">HH", len(chunks), index) + chunk
        frames.append(b"\x7e" + escape(payload + bytes([checksum(payload)])) + b"\x7e")
    return frames


def terminal_control_body(kind: str) -> bytes:
    """0x8105 terminal control: the vendor command words 0x64 (cut oil/power) and 0x65 (restore)."""
    return bytes([{"engine_cut": 0x64, "engine_restore": 0x65}[kind]])


def terminal_response_body(reply_serial: int, reply_id: int, result: int = 0) -> bytes:
    return struct.pack(">HHB", reply_serial, reply_id, result)


def text_message_body(
    text: str,
    *,
    v2019: bool = False,
    flag: int = TEXT_FLAG_COMMAND,
    text_type: int = TEXT_TYPE_NOTICE,
) -> bytes:
    """0x8300 文本信息下发: flag byte, [2019: text type byte], the text in GBK (at most 1024 bytes)."""
    data = text.encode("gbk")
    if not data or len(data) > MAX_TEXT_BYTES:
        raise ValueError(f"0x8300 text must be 1 to {MAX_TEXT_BYTES} bytes in GBK")
    return bytes([flag & 0xFF]) + (bytes([text_type & 0xFF]) if v2019 else b"") + data


def text_message_parse(body: bytes, *, v2019: bool = False) -> tuple[int, int | None, str]:
    """The body of a 0x8300 frame → (flag, text type or None for 2013, text)."""
    head = 2 if v2019 else 1
    if len(body) < head:
        raise DecodeError("0x8300 body too short")
    text = bytes(body[head:]).split(b"\x00")[0].decode("gbk", "replace")
    return body[0], (body[1] if v2019 else None), text
