"""The gateway end to end over real sockets: login → stored position → acknowledgement → device alarm,
JT/T 808 registration, OsmAnd, commands, bad input, flooding, half-open connections."""

import datetime as dt
import socket
import struct
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao.core.audit import history_for
from fengqiao.gateway import gt06, jt808
from fengqiao.gateway.messages import Fix
from fengqiao.gateway.server import Limits
from fengqiao.tracking.choices import CommandKind, CommandStatus, DeviceStatus, Protocol
from fengqiao.tracking.models import Device, DeviceAlarm, DeviceCommand, Position
from tests.tracking.conftest import wait_for
from tests.tracking.factories import DeviceFactory

pytestmark = pytest.mark.django_db(transaction=True)

IMEI = "868120145233604"
HOOK_CALLS: list = []


def record_hook(positions, alarms):
    HOOK_CALLS.append((positions, alarms))


_BASE: list[dt.datetime] = []


@pytest.fixture(autouse=True)
def _one_base_time_per_test():
    """Every fix of a test counts from one instant: read afresh per call, a resend built a moment
    later could fall in the next second and no longer be the same fix (a flake under load)."""
    _BASE[:] = [dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)]
    yield


def now_fix(seconds=0, **kw):
    return Fix(
        time=_BASE[0] + dt.timedelta(seconds=seconds),
        latitude=29.209,
        longitude=103.947,
        speed_kmh=20,
        **kw,
    )


def jt808_auth_body(code: str, *, v2019: bool = False) -> bytes:
    """The body of 0x0102: the code (2013); its length, the code, IMEI and version (2019)."""
    data = code.encode("ascii")
    if v2019:
        return (
            bytes([len(data)])
            + data
            + b"868120145233604".ljust(15, b"\x00")
            + b"1.0".ljust(20, b"\x00")
        )
    return data


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def test_gt06_login_position_alarm_end_to_end(running_gateway):
    HOOK_CALLS.clear()
    sock = running_gateway.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    assert recv_exact(sock, 10) == gt06.ack(gt06.LOGIN, 1)
    device = Device.objects.get(identifier=IMEI)
    assert device.status == DeviceStatus.PENDING  # unknown device held for an officer to accept
    assert history_for(device).exists()  # the registration is in the change log

    fix = now_fix()
    sock.sendall(gt06.position_frame(fix, 2))
    assert recv_exact(sock, 10) == gt06.ack(gt06.GPS_LBS_2, 2)
    # Acknowledged means stored: the row is there the moment the ack arrives.
    position = Position.objects.get(device=device)
    assert position.fixed_at == fix.time
    assert abs(position.latitude - 29.209) < 1e-6
    assert position.valid and not position.outdated
    device.refresh_from_db()
    assert device.last_fix_at == fix.time
    assert device.last_seen_at is not None

    sock.sendall(gt06.alarm_frame(now_fix(10), 3, alarm=0x01))
    assert recv_exact(sock, 10) == gt06.ack(gt06.ALARM_2, 3)
    alarm = DeviceAlarm.objects.get(device=device)
    assert alarm.kind == "sos"
    assert alarm.position_id is not None
    assert Position.objects.filter(pk=alarm.position_id).exists()
    assert wait_for(lambda: any(a for _, a in HOOK_CALLS))
    positions = [p for ps, _ in HOOK_CALLS for p in ps]
    assert positions[0]["identifier"] == IMEI
    assert {"device_id", "fixed_at", "latitude", "longitude", "speed_kmh", "valid"} <= positions[
        0
    ].keys()
    assert [a["kind"] for _, alarms in HOOK_CALLS for a in alarms] == ["sos"]
    sock.close()


def test_per_device_offset_corrects_local_time(running_gateway):
    DeviceFactory(identifier=IMEI, utc_offset_minutes=480)
    sock = running_gateway.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    recv_exact(sock, 10)
    local = now_fix()
    local.time += dt.timedelta(hours=8)  # the device's clock is on Beijing time
    sock.sendall(gt06.position_frame(local, 2))
    recv_exact(sock, 10)
    assert Position.objects.get().fixed_at == local.time - dt.timedelta(hours=8)
    sock.close()


def test_split_packed_duplicates_and_out_of_order(running_gateway):
    sock = running_gateway.connect("gt06")
    stream = gt06.login_frame(IMEI, 1) + b"".join(
        gt06.position_frame(now_fix(10 * i), 2 + i) for i in range(5)
    )
    for i in range(0, len(stream), 13):
        sock.sendall(stream[i : i + 13])
        time.sleep(0.002)
    assert len(recv_exact(sock, 60)) == 60
    # A resend of an acknowledged fix (lost ack) is acknowledged but not stored twice; an older fix is outdated.
    sock.sendall(gt06.position_frame(now_fix(20), 9) + gt06.position_frame(now_fix(-100), 10))
    recv_exact(sock, 20)
    assert Position.objects.count() == 6
    assert Position.objects.filter(outdated=True).count() == 1
    assert Device.objects.get().last_fix_at == now_fix(40).time
    sock.close()


def test_jt808_register_auth_location_batch(running_gateway):
    phone = jt808.phone_bcd("13800138000")
    sock = running_gateway.connect("jt808")
    sock.sendall(
        jt808.encode(jt808.REGISTER, jt808.register_body(plate="川L12345"), phone=phone, serial=1)
    )
    reply = jt808.unescape(sock.recv(100)[1:-1])
    assert struct.unpack_from(">H", reply)[0] == jt808.REGISTER_RESPONSE
    code = reply[12 + 3 : -1]
    device = Device.objects.get(identifier="13800138000")
    assert device.protocol == Protocol.JT808
    assert code.decode() == device.auth_code
    sock.sendall(jt808.encode(jt808.AUTH, code, phone=phone, serial=2))
    sock.recv(100)
    sock.sendall(
        jt808.encode(
            jt808.LOCATION, jt808.location_body(now_fix(), alarm=1 << 8), phone=phone, serial=3
        )
    )
    reply = jt808.unescape(sock.recv(100)[1:-1])
    assert struct.unpack_from(">HHB", reply, 12) == (3, jt808.LOCATION, 0)
    assert DeviceAlarm.objects.get(device=device).kind == "power_cut"
    old = [now_fix(-600 + 10 * i) for i in range(3)]
    sock.sendall(
        jt808.encode(jt808.BATCH, jt808.batch_body(old, buffered=True), phone=phone, serial=4)
    )
    sock.recv(100)
    assert Position.objects.filter(device=device, buffered=True, outdated=True).count() == 3
    assert Device.objects.get(pk=device.pk).last_fix_at == now_fix().time
    sock.close()


def test_osmand_http_position(running_gateway):
    with socket.create_connection(
        ("127.0.0.1", running_gateway.ports["osmand"]), timeout=5
    ) as sock:
        stamp = int(now_fix().time.timestamp())
        sock.sendall(
            f"GET /?id=phone-7&lat=29.2&lon=103.9&timestamp={stamp}&speed=5 HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        )
        assert sock.recv(200).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /?id=phone-7&lat=abc HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(200).startswith(b"HTTP/1.1 400")
    assert Position.objects.get(device__identifier="phone-7").speed_kmh == pytest.approx(9.26)


def test_engine_cut_is_sent_when_online_and_acknowledged(running_gateway, alice, station):
    from fengqiao.tracking.services import command_queue

    device = DeviceFactory(identifier=IMEI, station=station)
    command = command_queue(
        actor=alice, device=device, kind=CommandKind.ENGINE_CUT, reason="被盗车辆"
    )
    sock = running_gateway.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    recv_exact(sock, 10)
    sock.settimeout(5)
    data = sock.recv(200)
    assert b"Relay,1#" in data
    flag = struct.unpack_from(">I", data, 5)[0]
    assert flag == command.pk
    assert wait_for(lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.SENT)
    sock.sendall(gt06.string_reply_frame("Relay,1#:OK", 5, server_flag=flag))
    assert wait_for(
        lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.ACKNOWLEDGED
    )
    assert DeviceCommand.objects.get(pk=command.pk).response == "Relay,1#:OK"
    sock.close()


def test_jt808_terminal_control_round_trip(running_gateway, alice, station):
    from fengqiao.tracking.services import command_queue

    device = DeviceFactory(
        identifier="13800138000", protocol=Protocol.JT808, station=station, auth_code="C0DE"
    )
    command = command_queue(
        actor=alice, device=device, kind=CommandKind.ENGINE_RESTORE, reason="已找回"
    )
    phone = jt808.phone_bcd("13800138000")
    sock = running_gateway.connect("jt808")
    # commands go only to an authenticated session (issue 20, defect 5)
    sock.sendall(jt808.encode(jt808.AUTH, jt808_auth_body("C0DE"), phone=phone, serial=1))
    sock.settimeout(5)
    frames = b""
    while b"\x81\x05" not in jt808.unescape(frames.replace(b"\x7e", b"")):
        chunk = sock.recv(200)
        if not chunk:
            raise ConnectionError(f"gateway closed the connection; received {frames.hex()}")
        frames += chunk
    control = [
        jt808.unescape(f)
        for f in frames.split(b"\x7e")
        if f and jt808.unescape(f)[:2] == b"\x81\x05"
    ][0]
    serial = struct.unpack_from(">H", control, 10)[0]
    assert control[12] == 0x65
    sock.sendall(
        jt808.encode(
            jt808.TERMINAL_RESPONSE,
            jt808.terminal_response_body(serial, jt808.TERMINAL_CONTROL),
            phone=phone,
            serial=2,
        )
    )
    assert wait_for(
        lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.ACKNOWLEDGED
    )


def test_gt06_arm_is_sent_as_online_command_with_the_devices_text(running_gateway, alice, station):
    from fengqiao.tracking.services import command_queue

    device = DeviceFactory(
        identifier=IMEI, station=station, arm_command="ARM,1#", disarm_command="ARM,0#"
    )
    command = command_queue(actor=alice, device=device, kind=CommandKind.ARM, reason="民警设防")
    sock = running_gateway.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    recv_exact(sock, 10)
    sock.settimeout(5)
    data = recv_exact(sock, 3)
    data += recv_exact(sock, data[2] + 2)  # the length byte counts protocol to CRC; then 0D 0A
    assert data[:2] == b"\x78\x78" and data[-2:] == b"\r\n"
    assert data[3] == gt06.COMMAND
    assert data[4] == 4 + len(b"ARM,1#")
    assert struct.unpack_from(">I", data, 5)[0] == command.pk
    assert data[9:15] == b"ARM,1#"
    assert wait_for(lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.SENT)
    sock.sendall(gt06.string_reply_frame("ARM,1#:OK", 5, server_flag=command.pk))
    assert wait_for(
        lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.ACKNOWLEDGED
    )
    command.refresh_from_db()
    assert (command.text, command.response) == ("ARM,1#", "ARM,1#:OK")
    sock.close()


def _jt808_frames_until(sock, message_id: int) -> bytes:
    """Read frames until one with this message id arrives; return it unescaped (no 7E)."""
    buffer = b""
    while True:
        for part in buffer.split(b"\x7e")[1:-1]:  # complete frames only
            if part:
                payload = jt808.unescape(part)
                if len(payload) >= 2 and struct.unpack_from(">H", payload)[0] == message_id:
                    return payload
        chunk = sock.recv(200)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk


@pytest.mark.parametrize("v2019", [False, True])
def test_jt808_disarm_is_sent_as_8300_text_and_the_reply_acknowledges_it(
    running_gateway, alice, station, v2019
):
    from fengqiao.tracking.services import command_queue

    device = DeviceFactory(
        identifier="13800138000",
        protocol=Protocol.JT808,
        station=station,
        arm_command="ARM,1#",
        disarm_command="ARM,0#",
        auth_code="C0DE",
    )
    command = command_queue(actor=None, device=device, kind=CommandKind.DISARM, reason="车主撤防")
    phone = jt808.phone_bcd("13800138000", v2019=v2019)
    sock = running_gateway.connect("jt808")
    sock.sendall(
        jt808.encode(
            jt808.AUTH, jt808_auth_body("C0DE", v2019=v2019), phone=phone, serial=1, v2019=v2019
        )
    )
    sock.settimeout(5)
    payload = _jt808_frames_until(sock, jt808.TEXT_MESSAGE)
    header = jt808.parse_header(payload[:-1])
    body = payload[header.size : -1]
    assert jt808.text_message_parse(body, v2019=v2019)[2] == "ARM,0#"
    assert wait_for(lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.SENT)
    sock.sendall(
        jt808.encode(
            jt808.TERMINAL_RESPONSE,
            jt808.terminal_response_body(header.serial, jt808.TEXT_MESSAGE),
            phone=phone,
            serial=2,
            v2019=v2019,
        )
    )
    assert wait_for(
        lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.ACKNOWLEDGED
    )
    command.refresh_from_db()
    assert (command.serial, command.text) == (header.serial, "ARM,0#")
    sock.close()


def test_jt808_text_command_refused_by_the_terminal_is_failed(running_gateway, alice, station):
    from fengqiao.tracking.services import command_queue

    device = DeviceFactory(
        identifier="13800138001",
        protocol=Protocol.JT808,
        station=station,
        arm_command="ARM,1#",
        disarm_command="ARM,0#",
        auth_code="C0DE",
    )
    command = command_queue(actor=alice, device=device, kind=CommandKind.ARM, reason="民警设防")
    phone = jt808.phone_bcd("13800138001")
    sock = running_gateway.connect("jt808")
    sock.sendall(jt808.encode(jt808.AUTH, jt808_auth_body("C0DE"), phone=phone, serial=1))
    sock.settimeout(5)
    payload = _jt808_frames_until(sock, jt808.TEXT_MESSAGE)
    serial = jt808.parse_header(payload[:-1]).serial
    assert wait_for(lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.SENT)
    sock.sendall(
        jt808.encode(
            jt808.TERMINAL_RESPONSE,
            jt808.terminal_response_body(serial, jt808.TEXT_MESSAGE, result=3),  # 3: not supported
            phone=phone,
            serial=2,
        )
    )
    assert wait_for(lambda: DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.FAILED)
    assert DeviceCommand.objects.get(pk=command.pk).response == "result=3"
    sock.close()


def test_disabled_device_is_refused(running_gateway):
    DeviceFactory(identifier=IMEI, status=DeviceStatus.DISABLED)
    sock = running_gateway.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    sock.settimeout(5)
    assert sock.recv(10) == b""
    assert running_gateway.stats()["closed_disabled"] == 1


def test_garbage_closes_that_session_only(running_gateway, caplog):
    good = running_gateway.connect("gt06")
    good.sendall(gt06.login_frame(IMEI, 1))
    recv_exact(good, 10)
    bad = running_gateway.connect("gt06")
    bad.settimeout(5)
    for _ in range(10):
        try:
            bad.sendall(b"\x78\x78\x05\x01\x00\x01\xde\xad\r\n" + b"garbage!" * 20)
        except OSError:
            break
        time.sleep(0.02)
    assert wait_for(lambda: running_gateway.stats().get("closed_bad_input") == 1)
    assert "closing gt06" in caplog.text
    good.sendall(gt06.position_frame(now_fix(), 2))
    assert recv_exact(good, 10) == gt06.ack(gt06.GPS_LBS_2, 2)
    assert Position.objects.count() == 1


@pytest.mark.parametrize("gateway_limits", [Limits(rate=5, burst=20, max_errors=5)])
def test_flooding_device_is_throttled_then_closed_and_nothing_acked_is_lost(running_gateway):
    sock = running_gateway.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    recv_exact(sock, 10)
    flood = b"".join(gt06.heartbeat_frame(i) for i in range(2, 200))
    try:
        sock.sendall(flood)
    except OSError:
        pass
    assert wait_for(
        lambda: (
            running_gateway.stats().get("closed_flooding") == 1
            or running_gateway.stats().get("throttled")
        )
    )
    other = running_gateway.connect("gt06")
    other.sendall(gt06.login_frame("868120145233605", 1) + gt06.position_frame(now_fix(), 2))
    assert len(recv_exact(other, 20)) == 20


@pytest.mark.parametrize("gateway_limits", [Limits(idle_seconds=1.0)])
def test_half_open_connection_is_closed(running_gateway):
    sock = running_gateway.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    recv_exact(sock, 10)
    sock.settimeout(5)
    assert sock.recv(10) == b""  # the server closed the silent connection
    assert running_gateway.stats()["closed_idle"] == 1


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(min_size=1, max_size=400))
def test_random_bytes_never_crash_the_server(running_gateway, data):
    for protocol in ("gt06", "jt808"):
        sock = running_gateway.connect(protocol)
        try:
            sock.sendall(data)
        except OSError:
            pass
        sock.close()
    # The server still serves a good device.
    sock = running_gateway.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    assert recv_exact(sock, 10) == gt06.ack(gt06.LOGIN, 1)
    sock.close()


def test_many_devices_concurrently(running_gateway):
    errors = []

    def device(n):
        try:
            sock = running_gateway.connect("gt06")
            sock.sendall(gt06.login_frame(f"8681201452{n:05d}", 1))
            recv_exact(sock, 10)
            for i in range(5):
                sock.sendall(gt06.position_frame(now_fix(10 * i), 2 + i))
            recv_exact(sock, 50)
            sock.close()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=device, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert Position.objects.count() == 150


def test_alarm_at_the_time_of_a_stored_position_is_kept(running_gateway):
    sock = running_gateway.connect("gt06")
    fix = now_fix()
    sock.sendall(
        gt06.login_frame(IMEI, 1)
        + gt06.position_frame(fix, 2)
        + gt06.alarm_frame(fix, 3, alarm=0x02)
    )
    assert len(recv_exact(sock, 30)) == 30
    assert Position.objects.count() == 1
    alarm = DeviceAlarm.objects.get()
    assert alarm.kind == "power_cut"
    assert alarm.at == fix.time
    sock.close()


def test_resend_after_restart_is_acknowledged_not_stored_twice(
    transactional_db, gateway_limits, settings
):
    """A device whose acknowledgements were lost when the gateway stopped resends what it holds; the
    new process has no memory of those fixes, the table does."""
    from tests.tracking.conftest import RunningGateway

    settings.GATEWAY_HOOKS = ["tests.tracking.test_gateway.record_hook"]
    first = RunningGateway(gateway_limits).start()
    sock = first.connect("gt06")
    sock.sendall(gt06.login_frame(IMEI, 1))
    recv_exact(sock, 10)
    fixes = [now_fix(10 * i) for i in range(3)]
    sock.sendall(b"".join(gt06.position_frame(f, 2 + i) for i, f in enumerate(fixes)))
    recv_exact(sock, 30)
    sock.close()
    first.stop()
    assert Position.objects.count() == 3

    restarted = RunningGateway(gateway_limits).start()
    try:
        sock = restarted.connect("gt06")
        sock.sendall(gt06.login_frame(IMEI, 1))
        recv_exact(sock, 10)
        HOOK_CALLS.clear()
        resend = b"".join(gt06.position_frame(f, 5 + i) for i, f in enumerate(fixes))
        sock.sendall(resend + gt06.position_frame(now_fix(30), 8))
        assert len(recv_exact(sock, 40)) == 40  # every frame acknowledged
        sock.close()
        assert Position.objects.count() == 4
        assert Position.objects.filter(outdated=True).count() == 0
        assert Device.objects.get().last_fix_at == now_fix(30).time
        assert wait_for(lambda: restarted.stats().get("duplicates_stored_before") == 2)
        # the hooks (vehicle alarms, live map) see only the new fix
        assert wait_for(lambda: HOOK_CALLS)
        assert [p["fixed_at"] for p in HOOK_CALLS[-1][0]] == [now_fix(30).time]
    finally:
        restarted.stop()
