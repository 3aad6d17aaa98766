"""The estate gateway end to end over real HTTP: Hikvision and ZKTeco terminals, pending devices,
replays, bad input, flooding, and no picture or template reaching the database or the logs."""

import base64
import datetime as dt
import logging

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao.estates import services
from fengqiao.estates.choices import DeviceStatus
from fengqiao.estates.models import AccessDevice, AccessEvent, Credential
from fengqiao.gateway import hikvision
from tests.estates import samples
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)
ALERT = "/ISAPI/Event/notification/alert"


def test_unknown_hikvision_terminal_is_pending_and_its_event_kept(estate_gateway):
    status, text = estate_gateway.post(ALERT, samples.HIK_CLOCKIN_JSON)
    assert (status, text) == (200, "OK")
    device = AccessDevice.objects.get(vendor="hikvision", identifier="a4:d5:c2:24:dd:74")
    assert device.status == DeviceStatus.PENDING and device.last_seen_at is not None
    event = AccessEvent.objects.get(device=device)
    assert (event.credential_type, event.granted, event.holder_no, event.estate_id) == (
        "fingerprint",
        True,
        "001",
        None,
    )
    assert event.day == dt.date(2025, 10, 22)


def test_replayed_event_is_stored_once(estate_gateway):
    for _ in range(3):
        assert estate_gateway.post(ALERT, samples.HIK_CLOCKIN_JSON)[0] == 200
    assert AccessEvent.objects.count() == 1
    assert estate_gateway.stats()["events_replayed"] == 2


def test_zkteco_handshake_attlog_operlog_and_polling(estate_gateway):
    sn = samples.ZK_SERIAL
    status, text = estate_gateway.get(f"/iclock/cdata?SN={sn}&options=all&pushver=2.4.1")
    assert status == 200 and text.startswith(f"GET OPTION FROM: {sn}")
    status, text = estate_gateway.post(
        f"/iclock/cdata?SN={sn}&table=ATTLOG&Stamp=1", samples.ZK_ATTLOG, "text/plain"
    )
    assert (status, text) == (200, "OK: 2")
    assert estate_gateway.post(
        f"/iclock/cdata?SN={sn}&table=OPERLOG&Stamp=1", samples.ZK_OPERLOG, "text/plain"
    ) == (200, "OK: 3")
    assert estate_gateway.get(f"/iclock/getrequest?SN={sn}") == (200, "OK")
    assert estate_gateway.post(
        f"/iclock/devicecmd?SN={sn}", b"ID=1&Return=0&CMD=INFO", "text/plain"
    ) == (200, "OK")
    assert AccessEvent.objects.filter(device__identifier=sn).count() == 2
    assert estate_gateway.stats()["biometric_parts_discarded"] == 1


def test_events_of_an_assigned_terminal_get_the_estate_and_the_resident(
    estate_gateway, alice, gate, estate, settings, monkeypatch
):
    monkeypatch.setattr("fengqiao.estates.store.PLACE_TTL", 0)
    settings.ESTATE_GATEWAY_CREDENTIAL_CACHE_SECONDS = 0
    person = PersonFactory(community=estate.community, station=estate.station)
    Credential.objects.create(station=estate.station, estate=estate, holder_no="001", person=person)
    estate_gateway.post(ALERT, samples.HIK_CLOCKIN_JSON)
    device = AccessDevice.objects.get()
    services.device_assign(actor=alice, device=device, gate=gate)
    assert AccessEvent.objects.get().estate_id == estate.pk
    estate_gateway.gateway.devices.clear()
    body = hikvision.event_json(
        mac=device.identifier, serial=500, when=dt.datetime.now(dt.UTC), minor=0x4B, employee="001"
    )
    estate_gateway.post(ALERT, body)
    latest = AccessEvent.objects.get(key__startswith="500@")
    assert (latest.estate_id, latest.gate_id, latest.person_id) == (estate.pk, gate.pk, person.pk)


def test_bad_input_gets_400_a_log_line_and_a_counter_and_others_carry_on(estate_gateway, caplog):
    caplog.set_level(logging.INFO, logger="fengqiao.gateway.estates")
    cases = [
        (ALERT, b"{broken", "application/json"),
        (ALERT, b"<EventNotificationAlert>", "application/xml"),
        (ALERT, samples.HIK_CLOCKIN_JSON, "text/html"),
        ("/iclock/cdata?table=ATTLOG", samples.ZK_ATTLOG, "text/plain"),
        (f"/iclock/cdata?SN={samples.ZK_SERIAL}&table=ATTLOG", b"nonsense", "text/plain"),
    ]
    for path, body, ctype in cases:
        status, _ = estate_gateway.post(path, body, ctype)
        assert status == 400
    assert estate_gateway.stats()["decode_errors"] == len(cases)
    assert caplog.text.count("bad request") == len(cases)
    assert estate_gateway.post(ALERT, samples.HIK_CLOCKIN_JSON)[0] == 200
    assert AccessEvent.objects.count() == 1


def test_a_flooding_terminal_gets_503_and_the_others_carry_on(transactional_db, caplog):
    from tests.estates.conftest import RunningEstateGateway

    caplog.set_level(logging.INFO, logger="fengqiao.gateway.estates")
    gw = RunningEstateGateway(rate=1, burst=5).start()
    try:
        now = dt.datetime.now(dt.UTC)
        statuses = [
            gw.post(
                ALERT,
                hikvision.event_json(mac="44:19:b6:00:00:09", serial=i, when=now, employee="1"),
            )[0]
            for i in range(12)
        ]
        assert statuses[:5] == [200] * 5 and 503 in statuses[5:]
        assert (
            gw.post(ALERT, hikvision.event_json(mac="44:19:b6:00:00:0a", serial=1, when=now))[0]
            == 200
        )
        assert gw.stats()["throttled"] >= 1
        assert "floods" in caplog.text
        assert AccessEvent.objects.filter(
            device__identifier="44:19:b6:00:00:09"
        ).count() == statuses.count(200)
    finally:
        gw.stop()


def test_disabled_terminal_is_refused(estate_gateway, alice):
    AccessDevice.objects.create(
        vendor="zkteco", identifier="DISABLED1", status=DeviceStatus.DISABLED, station=alice.station
    )
    assert estate_gateway.get("/iclock/getrequest?SN=DISABLED1")[0] == 403


def test_status_page(estate_gateway):
    estate_gateway.post(ALERT, samples.HIK_CLOCKIN_JSON)
    status, text = estate_gateway.get("/status")
    assert status == 200 and '"events_stored": 1' in text


def test_no_picture_or_template_reaches_the_database_or_the_logs(estate_gateway, caplog):
    """A face capture (JPEG part) and a fingerprint template are pushed; afterwards no table's rows
    and no log line hold those bytes, their base64 or their hex."""
    caplog.set_level(logging.DEBUG)
    jpeg = (
        bytes.fromhex("ffd8ffe000104a464946000101")
        + b"FENGQIAO-FACE-IMAGE-7f3a9c"
        + bytes.fromhex("ffd9")
    )
    ctype, body = hikvision.multipart(samples.HIK_FACE_EVENT, jpeg)
    assert estate_gateway.post(ALERT, body, ctype)[0] == 200
    template = base64.b64encode(b"FENGQIAO-FINGERPRINT-TEMPLATE-51d2").decode()
    operlog = f"FP PIN=2\tFID=1\tSize={len(template)}\tValid=1\tTMP={template}\nFACE PIN=2\tFID=0\tSIZE=10\tVALID=1\tTMP={template}\n"
    sn = samples.ZK_SERIAL
    assert (
        estate_gateway.post(f"/iclock/cdata?SN={sn}&table=OPERLOG", operlog.encode(), "text/plain")[
            0
        ]
        == 200
    )
    assert (
        estate_gateway.post(
            f"/iclock/cdata?SN={sn}&table=ATTPHOTO",
            b"PIN=2.jpg\nSN=x\nsize=40\nCMD=uploadphoto\0" + jpeg,
            "text/plain",
        )[0]
        == 200
    )
    assert AccessEvent.objects.filter(credential_type="face", holder_no="2").count() == 1

    needles = [b"FENGQIAO-FACE-IMAGE-7f3a9c", b"FENGQIAO-FINGERPRINT-TEMPLATE-51d2"]
    forms = []
    for n in needles:
        forms += [n.decode(), base64.b64encode(n).decode()[:24], n.hex()]
    forms += [template, base64.b64encode(jpeg).decode()[:24], jpeg.hex()]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                text = repr(row)
                for form in forms:
                    assert form not in text, f"{form!r} found in table {table}"
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        raw = bytes(value)
                        assert not any(n in raw for n in needles), table
    for form in forms:
        assert form not in caplog.text


def test_zkteco_command_is_handed_out_at_the_poll_and_closed_by_its_answer(
    transactional_db, alice, gate
):
    from fengqiao.estates.models import TerminalCommand
    from tests.estates.conftest import RunningEstateGateway, wait_for

    device = AccessDevice.objects.create(vendor="zkteco", identifier="CMD0001", status="active", station=alice.station,
                                         estate=gate.estate, gate=gate)  # fmt: skip
    command = services.terminal_command(actor=alice, device=device, kind="INFO")
    gw = RunningEstateGateway(command_poll_seconds=0.1).start()
    try:
        assert wait_for(lambda: device.pk in gw.gateway.queued)
        assert gw.get("/iclock/getrequest?SN=CMD0001") == (200, f"C:{command.pk}:INFO")
        assert gw.get("/iclock/getrequest?SN=CMD0001") == (200, "OK")
        assert gw.post(
            "/iclock/devicecmd?SN=CMD0001",
            f"ID={command.pk}&Return=0&CMD=INFO".encode(),
            "text/plain",
        ) == (200, "OK")
        assert wait_for(lambda: TerminalCommand.objects.get().status == "done")
    finally:
        gw.stop()
    with pytest.raises(Exception, match="中控"):
        hik = AccessDevice.objects.create(vendor="hikvision", identifier="44:19:b6:00:00:55", status="active",
                                          station=alice.station, estate=gate.estate, gate=gate)  # fmt: skip
        services.terminal_command(actor=alice, device=hik, kind="INFO")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(min_size=1, max_size=400))
def test_random_bytes_never_crash_the_server(estate_gateway, data):
    import socket

    with socket.create_connection(("127.0.0.1", estate_gateway.port), timeout=5) as sock:
        sock.sendall(data + b"\r\n\r\n")
        sock.settimeout(0.3)
        try:
            sock.recv(4096)
        except (TimeoutError, OSError):
            pass
    assert estate_gateway.get("/status")[0] == 200


def test_retention_purge_in_batches_while_terminals_push(estate_gateway, gate, alice):
    import threading

    from fengqiao.estates.retention import purge_events
    from tests.estates import factories

    dev = factories.device(gate, identifier="44:19:b6:00:00:31")
    factories.events(dev, subject="old", days=range(31, 61))  # 30 events past the retention
    statuses = []

    def push():
        now = dt.datetime.now(dt.UTC)
        for i in range(30):
            statuses.append(
                estate_gateway.post(
                    ALERT,
                    hikvision.event_json(mac="44:19:b6:00:00:32", serial=i, when=now, employee="7"),
                )[0]
            )

    thread = threading.Thread(target=push)
    thread.start()
    removed = purge_events(batch_size=100, pause=0.01)
    thread.join(30)
    assert removed == 30 and statuses == [200] * 30
    assert AccessEvent.objects.filter(device__identifier="44:19:b6:00:00:32").count() == 30


def test_expect_100_continue_is_answered(estate_gateway):
    import socket

    body = samples.HIK_CLOCKIN_JSON
    with socket.create_connection(("127.0.0.1", estate_gateway.port), timeout=5) as sock:
        sock.sendall(
            f"POST {ALERT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\n\r\n".encode()
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        assert b"200 OK" in sock.recv(4096)
    assert AccessEvent.objects.count() == 1
