"""JT/T 808 codec. Frames marked "Traccar" are real terminal frames from Traccar's decoder tests
(traccar/traccar, src/test/java/org/traccar/protocol/HuabaoProtocolDecoderTest.java). 2019-header frames
are built with our encoder (no public 2019 capture at hand) and checked field by field."""

import datetime as dt
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.gateway import jt808
from fengqiao.gateway.messages import DecodeError, Fix

REGISTER = "7E0100002D013511221122000500000000373031303748422D52303347424400000000000000000000003233363631303402CBD5424136383630387E"  # noqa: E501 - Traccar
AUTH = "7E0102000E013511221122000661757468656E7469636174696F6E3F7E"  # Traccar
HEARTBEAT = "7e0002000004304832546500b7ca7e"  # Traccar
LOCATION = "7E0200002A013833501744001900000000000000C201597FA806CC01580080000000081508180721210104000002F502020000030200009F7E"  # noqa: E501 - Traccar
LOCATION_SIGNAL = "7e0200002c00160128561400020000000000040001005de1f7065c6cef00000000000017011710044201040000a9002a02000030011b3101030c7e"  # noqa: E501 - Traccar
LOW_BATTERY = "7E020000480123456789010013000000800000000301597BC506CBFF6600EB00000155210726203531010400000000EB24000C00B28986047701207027150200060089FFFFEFFF0004002D0E10000600C5FFFFFFEF697E"  # noqa: E501 - Traccar
BATCH = "7E0704014301356777777707F5000801002600000000000000030159741206CBFD5001720000000116052709062401040000001D03020000002600000000000000030159746606CBFD50016B0000000116052709065301040000001D0302000000260000000000000003015975E406CBFE58013F0000000116052709072701040000001D0302000000260000000000000003015976DE06CBFF10012E0000000116052709075601040000001D0302000000260000000000000003015976BC06CBFED0012D0000000116052709083001040000001D0302000000260000000000000003015976FE06CBFEC001080000000116052709090001040000001D0302000000260000000000000003015976FE06CBFE7800FC0000000116052709093301040000001D0302000000260000000000000003015977A606CBFF3001080000000116052709100201040000001D030200001F7E"  # noqa: E501 - Traccar
BAD_XOR = "7E02000032013511221122000700000000000C000301578CC006CA3A5C00470000000014072317201501040000000030011631010BD07E"  # noqa: E501 - Traccar test frame whose check byte does not match its content


def decode(hex_frames: str, decoder=None):
    decoder = decoder or jt808.Jt808Decoder()
    return decoder.feed(bytes.fromhex(hex_frames))


def reply_fields(frame: bytes):
    payload = jt808.unescape(frame[1:-1])
    assert jt808.checksum(payload[:-1]) == payload[-1]
    header = jt808.parse_header(payload[:-1])
    return header, payload[header.size : -1]


def test_register_is_answered_with_8100_and_auth_code():
    decoder = jt808.Jt808Decoder(auth_code="FQ123")
    (message,) = decode(REGISTER, decoder)
    assert message.type == "register"
    assert message.device_id == "13511221122"
    header, body = reply_fields(decoder.register_reply(message.raw, "AB12CD34"))
    assert header.message_id == jt808.REGISTER_RESPONSE
    assert header.phone.hex() == "013511221122"
    assert struct.unpack(">HB", body[:3]) == (5, 0)
    assert body[3:] == b"AB12CD34"


def test_auth_and_heartbeat_get_general_replies():
    (auth,) = decode(AUTH)
    assert auth.type == "auth"
    assert auth.attributes["auth_code"] == "authentication"
    header, body = reply_fields(auth.ack)
    assert header.message_id == jt808.PLATFORM_RESPONSE
    assert struct.unpack(">HHB", body) == (6, jt808.AUTH, 0)
    (heartbeat,) = decode(HEARTBEAT)
    assert heartbeat.type == "heartbeat"
    assert heartbeat.device_id == "43048325465"
    assert struct.unpack(">HHB", reply_fields(heartbeat.ack)[1]) == (0xB7, jt808.HEARTBEAT, 0)


def test_location_is_read_in_beijing_time_and_stored_in_utc():
    (message,) = decode(LOCATION)
    fix = message.fixes[0]
    assert message.type == "position"
    assert fix.time == dt.datetime(
        2015, 8, 17, 23, 21, 21, tzinfo=dt.UTC
    )  # 2015-08-18 07:21:21 Beijing
    assert fix.latitude == 22.6426
    assert fix.longitude == 114.032984
    assert fix.valid
    assert fix.attributes["odometer_km"] == 75.7
    assert struct.unpack(">HHB", reply_fields(message.ack)[1]) == (0x19, jt808.LOCATION, 0)


def test_location_extra_items_signal_and_satellites():
    (message,) = decode(LOCATION_SIGNAL)
    attributes = message.fixes[0].attributes
    assert attributes["signal"] == 27
    assert attributes["satellites"] == 3
    assert attributes["ignition"] is True
    assert not message.fixes[0].valid  # status bit 1 (positioned) not set


def test_alarm_bits_low_battery():
    (message,) = decode(LOW_BATTERY)
    assert message.type == "alarm"
    assert message.fixes[0].alarms == ["low_battery"]


def test_batch_0704_is_stored_as_buffered():
    (message,) = decode(BATCH)
    assert message.type == "batch"
    assert len(message.fixes) == 8
    assert all(f.buffered for f in message.fixes)
    times = [f.time for f in message.fixes]
    assert times == sorted(times)
    assert struct.unpack(">HHB", reply_fields(message.ack)[1]) == (0x07F5, jt808.BATCH, 0)


def test_wrong_xor_is_reported():
    (error,) = decode(BAD_XOR)
    assert isinstance(error, DecodeError)
    assert "XOR" in str(error)


def test_escapes_round_trip():
    data = bytes([0x30, 0x7E, 0x08, 0x7D, 0x55, 0x7D, 0x02])
    escaped = jt808.escape(data)
    assert b"\x7e" not in escaped
    assert jt808.unescape(escaped) == data


def test_2019_header_is_decoded_and_replied_in_kind():
    fix = Fix(
        time=dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC),
        latitude=29.209,
        longitude=103.947,
        speed_kmh=23.5,
    )
    phone = jt808.phone_bcd("13800138000", v2019=True)
    frame = jt808.encode(
        jt808.LOCATION,
        jt808.location_body(fix, mileage_km=12.3, signal=20),
        phone=phone,
        serial=9,
        v2019=True,
    )
    (message,) = jt808.Jt808Decoder().feed(frame)
    assert message.device_id == "13800138000"
    assert message.attributes["version"] == 2019
    assert message.fixes[0].time == fix.time
    assert message.fixes[0].speed_kmh == 23.5
    assert message.fixes[0].attributes["odometer_km"] == 12.3
    header, _ = reply_fields(message.ack)
    assert header.v2019
    assert header.phone == phone


def test_split_and_packed_reads():
    stream = bytes.fromhex(AUTH + LOCATION + HEARTBEAT + LOW_BATTERY)
    decoder = jt808.Jt808Decoder()
    out = []
    for i in range(0, len(stream), 7):
        out.extend(decoder.feed(stream[i : i + 7]))
    assert [m.type for m in out] == ["auth", "position", "heartbeat", "alarm"]
    assert [m.type for m in jt808.Jt808Decoder().feed(stream)] == [
        "auth",
        "position",
        "heartbeat",
        "alarm",
    ]


def test_terminal_control_response_is_matched_by_serial():
    phone = jt808.phone_bcd("13800138000")
    frame = jt808.encode(
        jt808.TERMINAL_RESPONSE,
        jt808.terminal_response_body(77, jt808.TERMINAL_CONTROL),
        phone=phone,
        serial=3,
    )
    (message,) = jt808.Jt808Decoder().feed(frame)
    assert message.type == "response"
    assert message.attributes["reply_serial"] == 77
    assert message.attributes["reply_id"] == "0x8105"


def test_text_message_8300_exact_bytes():
    # 7E | 8300 | properties 0007 | 013800138000 | serial 0001 | flag 00, "ARM,1#" | XOR 4F | 7E
    frame = jt808.encode(
        jt808.TEXT_MESSAGE,
        jt808.text_message_body("ARM,1#"),
        phone=jt808.phone_bcd("13800138000"),
        serial=1,
    )
    assert frame.hex() == "7e8300000701380013800000010041524d2c31234f7e"
    header, body = reply_fields(frame)
    assert header.message_id == 0x8300
    assert jt808.text_message_parse(body) == (0x00, None, "ARM,1#")


def test_text_message_2019_carries_the_text_type():
    body = jt808.text_message_body("ARM,0#", v2019=True)
    assert body == b"\x00\x01ARM,0#"
    assert jt808.text_message_parse(body, v2019=True) == (0x00, 1, "ARM,0#")


def test_text_message_refuses_empty_or_overlong_text():
    with pytest.raises(ValueError):
        jt808.text_message_body("")
    with pytest.raises(ValueError):
        jt808.text_message_body("A" * 1025)
    with pytest.raises(DecodeError):
        jt808.text_message_parse(b"\x00", v2019=True)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=60
    )
    | st.text(alphabet="设防撤防断油电ARM,#01 ", min_size=1, max_size=60),
    v2019=st.booleans(),
    flag=st.integers(0, 255),
    serial=st.integers(0, 0xFFFF),
)
def test_text_message_round_trips(text, v2019, flag, serial):
    frame = jt808.encode(
        jt808.TEXT_MESSAGE,
        jt808.text_message_body(text, v2019=v2019, flag=flag),
        phone=jt808.phone_bcd("13800138000", v2019=v2019),
        serial=serial,
        v2019=v2019,
    )
    header, body = reply_fields(frame)
    assert (header.message_id, header.serial, header.v2019) == (0x8300, serial, v2019)
    assert jt808.text_message_parse(body, v2019=v2019) == (flag, 1 if v2019 else None, text)


def test_text_command_follows_the_terminals_header_and_its_reply_is_matched():
    decoder = jt808.Jt808Decoder()
    phone = jt808.phone_bcd("13800138000", v2019=True)
    decoder.feed(jt808.encode(jt808.HEARTBEAT, b"", phone=phone, serial=1, v2019=True))
    serial, frame = decoder.text_command("ARM,1#")
    header, body = reply_fields(frame)
    assert (header.message_id, header.serial, header.v2019) == (0x8300, serial, True)
    assert jt808.text_message_parse(body, v2019=True)[2] == "ARM,1#"
    reply = jt808.encode(
        jt808.TERMINAL_RESPONSE,
        jt808.terminal_response_body(serial, jt808.TEXT_MESSAGE),
        phone=phone,
        serial=2,
        v2019=True,
    )
    (message,) = decoder.feed(reply)
    assert message.type == "response"
    assert (message.attributes["reply_id"], message.attributes["reply_serial"]) == (
        "0x8300",
        serial,
    )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    decoder = jt808.Jt808Decoder()
    for item in decoder.feed(data):
        assert isinstance(item, DecodeError | jt808.Message)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=200))
def test_random_framed_content_never_raises(data):
    jt808.Jt808Decoder().feed(b"\x7e" + jt808.escape(data) + b"\x7e")


def test_subpackage_is_acknowledged_and_ignored():
    phone = jt808.phone_bcd("13800138000")
    frame = bytearray(jt808.encode(0x0801, b"\x00\x02\x00\x01" + b"JPEG", phone=phone, serial=5))
    payload = bytearray(jt808.unescape(bytes(frame[1:-1])))
    payload[2] |= (
        0x20  # sub-package flag: the 4 bytes after the serial are the package count and index
    )
    payload[3] = 4  # and the body length counts only the body after them
    payload[-1] = jt808.checksum(bytes(payload[:-1]))
    (message,) = jt808.Jt808Decoder().feed(b"\x7e" + jt808.escape(bytes(payload)) + b"\x7e")
    assert message.attributes["subpackage"] is True
    assert message.type == "ignored"
    assert struct.unpack(">HHB", reply_fields(message.ack)[1]) == (5, 0x0801, 0)


def _fixes(n):
    start = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)
    return [
        Fix(
            time=start + dt.timedelta(seconds=10 * i),
            latitude=29.2 + i / 1000,
            longitude=103.9,
            valid=True,
        )
        for i in range(n)
    ]


def test_a_long_batch_in_subpackages_is_joined_and_decoded_whatever_the_order():
    phone = jt808.phone_bcd("13800138000")
    body = jt808.batch_body(_fixes(30), buffered=True)
    frames = jt808.subpackage_frames(jt808.BATCH, body, phone=phone, serial=40, part_size=300)
    assert len(frames) > 3
    decoder = jt808.Jt808Decoder()
    order = [frames[-1], *frames[:-1]]  # parts may arrive in any order
    messages = [m for frame in order for m in decoder.feed(frame)]
    *parts, last = messages
    # every part is acknowledged with its own serial; only the last completes the message
    assert all(m.attributes["subpackage"] and m.ack and not m.fixes for m in parts)
    assert last.type == "batch" and last.attributes["reassembled"] and len(last.fixes) == 30
    assert last.fixes[29].latitude == pytest.approx(29.229) and all(f.buffered for f in last.fixes)
    assert decoder.parts == {}


def test_subpackages_that_cannot_be_right_are_refused_and_others_carry_on():
    phone = jt808.phone_bcd("13800138000")
    frame = jt808.subpackage_frames(jt808.BATCH, b"\x00" * 10, phone=phone, serial=1)[0]
    payload = bytearray(jt808.unescape(frame[1:-1]))
    payload[14:16] = (3).to_bytes(2, "big")  # index 3 of 1
    payload[-1] = jt808.checksum(bytes(payload[:-1]))
    decoder = jt808.Jt808Decoder()
    (error,) = decoder.feed(b"\x7e" + jt808.escape(bytes(payload)) + b"\x7e")
    assert isinstance(error, DecodeError) and "out of range" in str(error)
    (heartbeat,) = decode(HEARTBEAT, decoder)
    assert heartbeat.type == "heartbeat"


def test_register_refused_as_already_registered_carries_no_auth_code():
    """0x8100 result 3 (该终端已被注册) to a real terminal's 0x0100 (Traccar frame): the reply names
    the frame's serial and the result, and gives no auth code."""
    decoder = jt808.Jt808Decoder(auth_code="FQ123")
    (message,) = decode(REGISTER, decoder)
    frame = decoder.register_reply(message.raw, "FQ123", result=jt808.REGISTER_ALREADY)
    assert frame[0] == frame[-1] == 0x7E
    header, body = reply_fields(frame)
    assert header.message_id == jt808.REGISTER_RESPONSE
    assert header.phone.hex() == "013511221122"
    assert body == struct.pack(">HB", 5, 3)
    assert b"FQ123" not in frame
