"""The access-control codecs (plain Python): real payloads, bad input, hypothesis."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.gateway import hikvision, zkteco
from fengqiao.gateway.access import DecodeError, GateEvent, Heartbeat
from tests.estates import samples

UTC = dt.UTC


def test_hikvision_json_fingerprint_checkin():
    out = hikvision.decode("application/json", samples.HIK_CLOCKIN_JSON)
    [event] = out.items
    assert isinstance(event, GateEvent)
    assert event.device == "a4:d5:c2:24:dd:74"
    assert event.occurred_at == dt.datetime(2025, 10, 22, 5, 43, 48, tzinfo=UTC)
    assert (event.credential_type, event.granted, event.direction) == ("fingerprint", True, "in")
    assert (event.holder_no, event.card_no, event.code) == ("001", "11", "5/38")
    assert event.key == "139@20251022054348"


def test_hikvision_door_closed_is_not_a_pass():
    out = hikvision.decode("application/json", samples.HIK_DOOR_CLOSED_JSON)
    assert out.ignored == 1
    assert [type(i) for i in out.items] == [Heartbeat]


def test_hikvision_multipart_drops_the_picture_unread():
    jpeg = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
    ctype, body = hikvision.multipart(samples.HIK_FACE_EVENT, jpeg)
    out = hikvision.decode(ctype, body)
    [event] = out.items
    assert out.discarded == 1
    assert (event.credential_type, event.granted, event.holder_no) == ("face", True, "2")
    assert jpeg not in repr(out).encode()


def test_hikvision_xml_card_exit():
    out = hikvision.decode("application/xml; charset=UTF-8", samples.HIK_CARD_XML)
    [event] = out.items
    assert (event.device, event.credential_type, event.direction, event.card_no) == (
        "44:19:b6:6d:24:85", "card", "out", "3719548213",
    )  # fmt: skip
    assert event.occurred_at == dt.datetime(2026, 11, 29, 23, 41, 9, tzinfo=UTC)


def test_hikvision_face_fail_and_qr_pass():
    when = dt.datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
    fail = hikvision.decode(
        "application/json",
        hikvision.event_json(
            mac="44:19:b6:00:00:01", serial=1, when=when, minor=0x4C, mode="faceOrCard"
        ),
    )
    qr = hikvision.decode(
        "application/json",
        hikvision.event_json(
            mac="44:19:b6:00:00:01",
            serial=2,
            when=when,
            minor=0x9C,
            employee="7",
            mode="qrCodeOrCard",
        ),
    )
    assert (fail.items[0].credential_type, fail.items[0].granted) == ("face", False)
    assert (qr.items[0].credential_type, qr.items[0].granted, qr.items[0].holder_no) == (
        "qr",
        True,
        "7",
    )


def test_hikvision_heartbeat():
    out = hikvision.decode(
        "application/json",
        b'{"macAddress":"44:19:b6:00:00:01","eventType":"heartBeat","dateTime":"2026-01-01T00:00:00+08:00"}',
    )
    assert out.items == [Heartbeat(device="44:19:b6:00:00:01")]


@pytest.mark.parametrize(
    "ctype,body,reason",
    [
        ("application/json", b"{not json", "malformed JSON"),
        ("application/json", b"[1,2]", "not an object"),
        ("application/xml", b"<EventNotificationAlert><macAddress>", "malformed XML"),
        ("application/xml", b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE"),
        ("text/html", b"<html>", "unsupported content type"),
        ("multipart/form-data", b"--x\r\n", "boundary"),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\r\n--x--",
            "without an event",
        ),
        ("application/json", b'{"eventType":"AccessControllerEvent"}', "macAddress"),
        (
            "application/json",
            b'{"macAddress":"44:19:b6:00:00:01","eventType":"AccessControllerEvent","dateTime":"yesterday","AccessControllerEvent":{"majorEventType":5,"subEventType":1}}',
            "dateTime",
        ),
    ],
)
def test_hikvision_bad_input_says_why(ctype, body, reason):
    with pytest.raises(DecodeError, match=reason):
        hikvision.decode(ctype, body)


def test_zkteco_attlog_rows():
    out = zkteco.decode_attlog(samples.ZK_SERIAL, samples.ZK_ATTLOG)
    first, second = out.items
    assert first.occurred_at == dt.datetime(2013, 3, 22, 8, 40, 10, tzinfo=UTC)
    assert (first.holder_no, first.direction, first.credential_type, first.key) == (
        "1",
        "in",
        "fingerprint",
        "1@20130322164010",
    )
    assert (second.direction, second.credential_type) == ("out", "face")


def test_zkteco_bad_rows_are_reported_and_the_rest_kept():
    body = samples.ZK_ATTLOG + b"garbage\n3\tnot a time\t0\t1\n"
    out = zkteco.decode_attlog(samples.ZK_SERIAL, body)
    assert len(out.items) == 2
    assert out.errors == ["row 3: not tab-separated", "row 4: bad time"]
    with pytest.raises(DecodeError):
        zkteco.decode_attlog(samples.ZK_SERIAL, b"garbage\n")


def test_zkteco_operlog_templates_are_discarded():
    out = zkteco.decode_operlog(samples.ZK_OPERLOG)
    assert (out.discarded, out.ignored, out.items) == (1, 2, [])


def test_zkteco_handshake_and_commands():
    text = zkteco.handshake(samples.ZK_SERIAL)
    assert text.splitlines()[0] == f"GET OPTION FROM: {samples.ZK_SERIAL}"
    assert "TimeZone=8" in text and "Realtime=1" in text
    assert zkteco.commands_text([]) == "OK"
    assert zkteco.commands_text([(12, "INFO")]) == "C:12:INFO"
    assert zkteco.parse_devicecmd(b"ID=12&Return=0&CMD=INFO\n") == [
        {"ID": "12", "Return": "0", "CMD": "INFO"}
    ]
    with pytest.raises(DecodeError):
        zkteco.serial_of({"SN": "bad sn!"})


@settings(max_examples=300, deadline=None)
@given(
    ctype=st.sampled_from(
        [
            "application/json",
            "application/xml",
            "multipart/form-data; boundary=MIME_boundary",
            "text/plain",
            "",
        ]
    ),
    body=st.binary(max_size=600),
)
def test_hikvision_random_bytes_only_raise_decode_error(ctype, body):
    try:
        hikvision.decode(ctype, body)
    except DecodeError:
        pass


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(samples.HIK_CLOCKIN_JSON)))
def test_hikvision_truncated_payload_only_raises_decode_error(cut):
    for ctype, body in [("application/json", samples.HIK_CLOCKIN_JSON), ("application/xml", samples.HIK_CARD_XML),
                        hikvision.multipart(samples.HIK_FACE_EVENT, b"\xff\xd8\xff\xd9")]:  # fmt: skip
        try:
            hikvision.decode(ctype, body[: cut % (len(body) + 1)])
        except DecodeError:
            pass


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=600))
def test_zkteco_random_bytes_only_raise_decode_error(body):
    try:
        zkteco.decode_attlog(samples.ZK_SERIAL, body)
    except DecodeError:
        pass
    zkteco.decode_operlog(body)
    zkteco.parse_devicecmd(body)


@settings(max_examples=100, deadline=None)
@given(
    pin=st.from_regex(r"[0-9]{1,9}", fullmatch=True),
    seconds=st.integers(0, 10**9),
    status=st.integers(0, 5),
    verify=st.sampled_from([0, 1, 2, 15]),
)
def test_zkteco_row_round_trip(pin, seconds, status, verify):
    when = dt.datetime(2000, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=seconds)
    [event] = zkteco.decode_attlog(
        "SN1", zkteco.attlog_row(pin, when, status=status, verify=verify).encode()
    ).items
    assert (event.holder_no, event.occurred_at, event.direction) == (
        pin,
        when,
        zkteco.STATUS[status],
    )


@settings(max_examples=100, deadline=None)
@given(
    serial=st.integers(0, 2**31),
    seconds=st.integers(0, 10**9),
    minor=st.sampled_from(sorted(hikvision.PASS)),
    employee=st.from_regex(r"[0-9A-Za-z]{1,12}", fullmatch=True),
)
def test_hikvision_round_trip(serial, seconds, minor, employee):
    when = dt.datetime(2000, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=seconds)
    body = hikvision.event_json(
        mac="44:19:b6:00:00:01", serial=serial, when=when, minor=minor, employee=employee, mode="x"
    )
    [event] = hikvision.decode("application/json", body).items
    assert (event.occurred_at, event.holder_no, event.granted) == (when, employee, True)


def test_hikvision_multipart_mixed_xml_stream_with_several_alerts_and_a_picture():
    second = samples.HIK_CARD_XML.replace(
        b"<serialNo>77</serialNo>", b"<serialNo>78</serialNo>"
    ).replace(b"<subEventType>1</subEventType>", b"<subEventType>9</subEventType>")
    body = (
        b"--boundary\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\nContent-Length: 10\r\n\r\n" + samples.HIK_CARD_XML
        + b"\r\n--boundary\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xd9"
        + b"\r\n--boundary\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\n\r\n" + second + b"\r\n--boundary--\r\n"
    )  # fmt: skip
    out = hikvision.decode("multipart/mixed; boundary=boundary", body)
    assert [(e.key.split("@")[0], e.granted) for e in out.items] == [("77", True), ("78", False)]
    assert out.discarded == 1


def test_cli_sweep_and_purge(db, capsys):
    from django.core.management import call_command

    call_command("estate_gateway", "sweep")
    call_command("estate_gateway", "purge", "--days", "30")
    out = capsys.readouterr().out
    assert "设备离线 0 台" in out and "已清理 0 条通行记录" in out
