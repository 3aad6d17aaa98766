"""GT06/Concox codec. Frames marked "Traccar" are real device frames from Traccar's decoder tests
(traccar/traccar, src/test/java/org/traccar/protocol/Gt06ProtocolDecoderTest.java); the 0x13 status frame
is the sample from the Concox GT06 protocol document as quoted in public GT06 tooling."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.gateway import gt06
from fengqiao.gateway.crc import crc16_x25
from fengqiao.gateway.messages import DecodeError, Fix

LOGIN = "78780D01086471700328358100093F040D0A"  # Traccar
LOGIN_EXTENDED = (
    "787811010863586038760942a0010000010aa4000d0a"  # Traccar (time-zone extension, UTC)
)
GPS_LBS = (
    "787821121303120b2524c70138e363085b549003d43301940057d200cd52c000006aa1ca0d0a"  # Traccar 0x12
)
GPS_LBS_2 = (
    "78782222120616083817c5050cc8c801a819d600152400e8011dbf003332000000004862500d0a"  # Traccar 0x22
)
GPS_LBS_2_REUPLOAD = (
    "787822220F0C1D023305C9027AC8180C46586000140001CC00287D001F71000001000820860D0A"  # Traccar
)
ALARM_26 = "7878252612030C063816C3026C10540C38C9700144030901CC002866000EEE0C06040302000DA2DB0D0A"  # Traccar
ALARM_16 = "7878251613020C12141AC5027951430C2A16F60014000900000000001A00007C550300020002F1E70D0A"  # Traccar
STATUS = "78780A13010603000201D422550D0A"  # Concox document sample
HEARTBEAT = "78780B23C00122040001000818720D0A"  # Traccar 0x23
STRING_REPLY = "7878281520000000003c49434349443a38393838323339303030303039373330323635303e00020d446f260d0a"  # Traccar
STRING_INFO_7979 = "797900262100000000020043006f006d006d0061006e00640020006500720072006f0072002100236e850d0a"  # Traccar


def decode(hex_frames: str, decoder=None):
    decoder = decoder or gt06.Gt06Decoder()
    return decoder.feed(bytes.fromhex(hex_frames))


def test_crc16_x25_check_value():
    assert crc16_x25(b"123456789") == 0x906E


def test_login_reads_bcd_imei_and_acknowledges_with_protocol_and_serial():
    (message,) = decode(LOGIN)
    assert message.type == "login"
    assert message.device_id == "864717003283581"
    assert message.serial == 9
    assert message.ack.hex() == "78780501000955940d0a"


def test_login_time_zone_extension_is_read():
    (message,) = decode(LOGIN_EXTENDED)
    assert message.device_id == "863586038760942"
    assert message.attributes["utc_offset_minutes"] == 0
    frame = gt06.login_frame("868120145233604", 1, utc_offset_minutes=480)
    decoder = gt06.Gt06Decoder()
    (login,) = decoder.feed(frame)
    assert login.attributes["utc_offset_minutes"] == 480
    assert decoder.utc_offset_minutes == 480
    west = gt06.Gt06Decoder()
    west.feed(gt06.login_frame("868120145233604", 1, utc_offset_minutes=-330))
    assert west.utc_offset_minutes == -330


def test_device_on_local_time_is_corrected_by_login_extension():
    fix = Fix(
        time=dt.datetime(2026, 11, 28, 18, 0, tzinfo=dt.UTC),
        latitude=29.2,
        longitude=103.9,
        speed_kmh=20,
    )
    stream = gt06.login_frame("868120145233604", 1, utc_offset_minutes=480) + gt06.position_frame(
        fix, 2
    )
    _, position = gt06.Gt06Decoder().feed(stream)
    assert position.fixes[0].time == dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)


def test_gps_lbs_0x12_position():
    (message,) = decode(GPS_LBS)
    fix = message.fixes[0]
    assert message.type == "position"
    assert fix.time == dt.datetime(2019, 3, 18, 11, 37, 36, tzinfo=dt.UTC)
    assert round(fix.latitude, 5) == 11.39191
    assert round(fix.longitude, 5) == 77.89064
    assert fix.speed_kmh == 3
    assert fix.course == 51
    assert fix.valid
    assert message.ack.hex() == "78780512006a6ef80d0a"


def test_gps_lbs_0x22_position_and_reupload_flag():
    (message,) = decode(GPS_LBS_2)
    fix = message.fixes[0]
    assert fix.time == dt.datetime(2018, 6, 22, 8, 56, 23, tzinfo=dt.UTC)
    assert round(fix.latitude, 5) == 47.06884
    assert round(fix.longitude, 5) == 15.44104
    assert not fix.buffered
    assert message.ack == gt06.ack(0x22, 0x48)
    (reupload,) = decode(GPS_LBS_2_REUPLOAD)
    assert reupload.fixes[0].buffered


def test_alarm_frames_report_their_alarms():
    (vibration,) = decode(ALARM_26)
    assert vibration.type == "alarm"
    assert vibration.fixes[0].alarms == ["vibration"]
    assert vibration.fixes[0].attributes["battery_percent"] == 100
    assert vibration.ack.hex() == "78780526000d9c8e0d0a"
    (removal,) = decode(ALARM_16)
    assert removal.fixes[0].alarms == ["removal"]  # terminal information bits 3-5 = 7
    fix = Fix(time=dt.datetime(2026, 11, 28, tzinfo=dt.UTC), latitude=29.2, longitude=103.9)
    for code, kind in [
        (0x01, "sos"),
        (0x02, "power_cut"),
        (0x03, "vibration"),
        (0x19, "low_battery"),
    ]:
        (message,) = gt06.Gt06Decoder().feed(
            gt06.alarm_frame(fix, 5, alarm=code, terminal_info=0x40)
        )
        assert message.fixes[0].alarms == [kind]


def test_status_and_heartbeat_are_acknowledged():
    (status,) = decode(STATUS)
    assert status.type == "status"
    assert status.attributes["armed"] is True
    assert status.attributes["battery_percent"] == 100
    assert status.ack == gt06.ack(0x13, status.serial)
    (heartbeat,) = decode(HEARTBEAT)
    assert heartbeat.type == "heartbeat"
    assert heartbeat.attributes["power_volts"] == 2.9
    assert heartbeat.ack.hex() == "787805230008f29e0d0a"


def test_string_replies_carry_server_flag_and_text():
    (reply,) = decode(STRING_REPLY)
    assert reply.type == "response"
    assert reply.attributes["text"] == "<ICCID:89882390000097302650>"
    assert reply.ack == b""
    (info,) = decode(STRING_INFO_7979)
    assert info.attributes["text"] == "Command error!"


def test_extended_7979_frame_is_acknowledged_extended():
    fix = Fix(time=dt.datetime(2026, 11, 28, tzinfo=dt.UTC), latitude=29.2, longitude=103.9)
    content = gt06.position_frame(fix, 7)[4:-6]
    frame = gt06.frame(0x22, content, 7, extended=True)
    (message,) = gt06.Gt06Decoder().feed(frame)
    assert (
        message.fixes[0].latitude
        == gt06.Gt06Decoder().feed(gt06.position_frame(fix, 7))[0].fixes[0].latitude
    )
    assert message.ack[:2] == b"\x79\x79"


def test_command_frame_round_trip():
    frame = gt06.command_frame("Relay,1#", 3, server_flag=42)
    assert frame[3] == gt06.COMMAND
    assert b"Relay,1#" in frame
    (reply,) = gt06.Gt06Decoder().feed(gt06.string_reply_frame("Relay,1#:OK", 4, server_flag=42))
    assert reply.attributes == reply.attributes | {"server_flag": 42, "text": "Relay,1#:OK"}


def test_frames_split_across_reads_are_joined():
    stream = bytes.fromhex(LOGIN + GPS_LBS_2 + HEARTBEAT)
    decoder = gt06.Gt06Decoder()
    out = []
    for i in range(len(stream)):
        out.extend(decoder.feed(stream[i : i + 1]))
    assert [m.type for m in out] == ["login", "position", "heartbeat"]
    assert all(m.device_id == "864717003283581" for m in out)


def test_frames_packed_in_one_read_are_all_decoded():
    out = decode(LOGIN + GPS_LBS + GPS_LBS_2 + ALARM_26 + STATUS)
    assert [m.type for m in out] == ["login", "position", "position", "alarm", "status"]


def test_wrong_crc_is_reported_and_next_frame_still_decoded():
    bad = bytearray(bytes.fromhex(GPS_LBS_2))
    bad[-4] ^= 0xFF
    out = gt06.Gt06Decoder().feed(bytes(bad) + bytes.fromhex(HEARTBEAT))
    assert isinstance(out[0], DecodeError)
    assert "CRC" in str(out[0])
    assert out[1].type == "heartbeat"


def test_garbage_before_a_frame_is_skipped_with_an_error():
    out = gt06.Gt06Decoder().feed(b"GET / HTTP/1.1\r\n\r\n" + bytes.fromhex(LOGIN))
    assert isinstance(out[0], DecodeError)
    assert out[-1].type == "login"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    decoder = gt06.Gt06Decoder()
    for item in decoder.feed(data):
        assert isinstance(item, DecodeError | gt06.Message)
    assert len(decoder.buffer) <= gt06.MAX_LENGTH + 6


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=60),
    st.sampled_from([LOGIN, GPS_LBS, GPS_LBS_2, ALARM_26, HEARTBEAT]),
)
def test_truncated_frames_never_raise_and_never_decode(cut, frame):
    data = bytes.fromhex(frame)
    out = gt06.Gt06Decoder().feed(data[: max(0, len(data) - cut)])
    assert all(isinstance(item, DecodeError) for item in out)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-89, max_value=89),
    st.floats(min_value=-179, max_value=179),
    st.integers(min_value=0, max_value=255),
    st.integers(min_value=0, max_value=359),
)
def test_position_frame_round_trip(lat, lon, speed, course):
    fix = Fix(
        time=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        latitude=lat,
        longitude=lon,
        speed_kmh=speed,
        course=course,
    )
    (message,) = gt06.Gt06Decoder().feed(gt06.position_frame(fix, 1))
    got = message.fixes[0]
    assert abs(got.latitude - lat) < 1e-6
    assert abs(got.longitude - lon) < 1e-6
    assert got.speed_kmh == speed
    assert got.course == course


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=100))
def test_fast_crc_matches_the_bitwise_definition(data):
    from fengqiao.gateway.crc import crc16_x25_reference

    assert crc16_x25(data) == crc16_x25_reference(data)


def test_alarm_frame_without_an_alarm_is_a_plain_position():
    fix = Fix(time=dt.datetime(2026, 11, 28, tzinfo=dt.UTC), latitude=29.2, longitude=103.9)
    (message,) = gt06.Gt06Decoder().feed(gt06.alarm_frame(fix, 5, alarm=0x00, terminal_info=0x46))
    assert message.type == "position"
    assert message.fixes[0].alarms == []
    assert message.ack == gt06.ack(gt06.ALARM_2, 5)
