import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fengqiao.core.audit import history_for
from fengqiao.tracking import hooks, services
from fengqiao.tracking.choices import CommandKind, CommandStatus, DeviceStatus, Protocol
from tests.tracking.factories import DeviceFactory, PositionFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def test_accept_pending_device_into_station_is_logged(alice, station):
    device = DeviceFactory(status=DeviceStatus.PENDING, station=None)
    services.device_accept(actor=alice, device=device, station=station)
    device.refresh_from_db()
    assert device.status == DeviceStatus.ACTIVE
    assert device.station == station
    assert device.accepted_by == alice
    assert history_for(device).exists()


def test_accept_requires_a_station(alice):
    with pytest.raises(ValidationError):
        services.device_accept(
            actor=alice, device=DeviceFactory(status=DeviceStatus.PENDING), station=None
        )


def test_command_queue_records_reason(alice, station):
    device = DeviceFactory(station=station)
    command = services.command_queue(
        actor=alice, device=device, kind=CommandKind.ENGINE_CUT, reason=" 被盗 "
    )
    assert command.status == CommandStatus.QUEUED
    assert command.reason == "被盗"
    assert command.requested_by == alice


@pytest.mark.parametrize(
    ("protocol", "kind"),
    [
        (Protocol.OSMAND, CommandKind.ENGINE_CUT),
        (Protocol.OSMAND, CommandKind.ARM),
        (Protocol.GT06, CommandKind.ARM),
        (Protocol.JT808, CommandKind.DISARM),
    ],
)
def test_command_the_protocol_cannot_send_is_refused(alice, station, protocol, kind):
    device = DeviceFactory(station=station, protocol=protocol)
    with pytest.raises(ValidationError):
        services.command_queue(actor=alice, device=device, kind=kind, reason="测试")


def test_command_needs_reason_and_active_device(alice, station):
    with pytest.raises(ValidationError):
        services.command_queue(
            actor=alice,
            device=DeviceFactory(station=station),
            kind=CommandKind.ENGINE_CUT,
            reason="",
        )
    with pytest.raises(ValidationError):
        services.command_queue(
            actor=alice,
            device=DeviceFactory(status=DeviceStatus.PENDING),
            kind=CommandKind.ENGINE_CUT,
            reason="x",
        )


def test_cancel_only_queued_commands(alice, station):
    command = services.command_queue(
        actor=alice,
        device=DeviceFactory(station=station),
        kind=CommandKind.ENGINE_RESTORE,
        reason="找回",
    )
    services.command_cancel(actor=alice, command=command)
    command.refresh_from_db()
    assert command.status == CommandStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.command_cancel(actor=alice, command=command)


def test_online_uses_per_protocol_timeout(settings):
    settings.GATEWAY_ONLINE_TIMEOUT_JT808 = 60
    device = DeviceFactory(protocol=Protocol.JT808, last_seen_at=NOW - dt.timedelta(seconds=59))
    assert services.online(device, NOW)
    assert not services.online(device, NOW + dt.timedelta(seconds=2))
    assert not services.online(DeviceFactory(last_seen_at=None), NOW)


def test_trail_is_ordered_and_leaves_out_invalid():
    device = DeviceFactory()
    later = PositionFactory(device=device, fixed_at=NOW + dt.timedelta(minutes=2))
    earlier = PositionFactory(
        device=device, fixed_at=NOW + dt.timedelta(minutes=1), buffered=True, outdated=True
    )
    PositionFactory(device=device, fixed_at=NOW + dt.timedelta(minutes=3), valid=False)
    PositionFactory(device=device, fixed_at=NOW - dt.timedelta(hours=5))
    result = list(services.trail(device, NOW, NOW + dt.timedelta(hours=1)))
    assert result == [earlier, later]


def test_missing_hook_module_is_skipped_and_failing_hook_is_logged(settings, caplog):
    settings.GATEWAY_HOOKS = [
        "fengqiao.nosuchmodule.after_store",
        "tests.tracking.test_services.failing_hook",
    ]
    assert hooks.run_after_store([{"device_id": 1}], []) == 1
    assert "failed" in caplog.text


def failing_hook(positions, alarms):
    raise RuntimeError("boom")


def test_disable_cancels_queued_commands(alice, station):
    device = DeviceFactory(station=station)
    command = services.command_queue(
        actor=alice, device=device, kind=CommandKind.ENGINE_CUT, reason="被盗"
    )
    services.device_disable(actor=alice, device=device)
    device.refresh_from_db()
    command.refresh_from_db()
    assert device.status == DeviceStatus.DISABLED
    assert command.status == CommandStatus.CANCELLED


def test_trail_points_are_the_trail_rows():
    device = DeviceFactory()
    for minutes in (3, 1, 2):
        PositionFactory(
            device=device, fixed_at=NOW + dt.timedelta(minutes=minutes), latitude=29.0 + minutes
        )
    points = services.trail_points(device, NOW, NOW + dt.timedelta(hours=1))
    assert [p[1] for p in points] == [30.0, 31.0, 32.0]
    assert points[0][0] == NOW + dt.timedelta(minutes=1)


# ---- arm/disarm text commands, recorded per device (the model's own commands) ----

ARM, DISARM = "ARM,1#", "ARM,0#"  # a tracker manual's commands (example)


@pytest.mark.parametrize("protocol", [Protocol.GT06, Protocol.JT808])
def test_arm_is_queued_with_the_devices_own_text(alice, station, protocol):
    device = DeviceFactory(
        station=station, protocol=protocol, arm_command=ARM, disarm_command=DISARM
    )
    arm = services.command_queue(actor=alice, device=device, kind=CommandKind.ARM, reason="设防")
    disarm = services.command_queue(
        actor=None, device=device, kind=CommandKind.DISARM, reason="车主撤防"
    )
    assert (arm.text, arm.status, arm.requested_by) == (ARM, CommandStatus.QUEUED, alice)
    assert (disarm.text, disarm.requested_by) == (DISARM, None)
    engine = services.command_queue(
        actor=alice, device=device, kind=CommandKind.ENGINE_CUT, reason="被盗"
    )
    assert engine.text == ""


def test_arm_refused_for_a_device_without_commands(alice, station):
    device = DeviceFactory(station=station)
    with pytest.raises(ValidationError, match="未登记设防/撤防指令"):
        services.command_queue(actor=alice, device=device, kind=CommandKind.ARM, reason="设防")
    assert not device.commands.exists()


def test_arm_refused_for_an_osmand_phone_even_with_commands(alice, station):
    # set directly (the service refuses to record them for OsmAnd): the queue checks again
    device = DeviceFactory(
        station=station, protocol=Protocol.OSMAND, arm_command=ARM, disarm_command=DISARM
    )
    with pytest.raises(ValidationError, match="协议不支持"):
        services.command_queue(actor=alice, device=device, kind=CommandKind.ARM, reason="设防")
    assert not device.can_arm_remotely


def test_arm_refused_when_the_stored_text_is_bad(alice, station):
    device = DeviceFactory(station=station, arm_command="设防", disarm_command=DISARM)
    with pytest.raises(ValidationError):
        services.command_queue(actor=alice, device=device, kind=CommandKind.ARM, reason="设防")
    assert not device.commands.exists()


def test_engine_command_needs_a_signed_in_actor(station):
    device = DeviceFactory(station=station)
    with pytest.raises(ValidationError):
        services.command_queue(actor=None, device=device, kind=CommandKind.ENGINE_CUT, reason="x")


def test_set_arm_commands_is_logged(alice, station):
    device = DeviceFactory(station=station, protocol=Protocol.JT808)
    services.device_set_arm_commands(
        actor=alice, device=device, arm_command=" ARM,1# ", disarm_command="ARM,0#"
    )
    device.refresh_from_db()
    assert (device.arm_command, device.disarm_command) == (ARM, DISARM)
    assert device.can_arm_remotely
    change = history_for(device).order_by("-pk").first()
    assert change.after["arm_command"] == ARM
    services.device_set_arm_commands(actor=alice, device=device, arm_command="", disarm_command="")
    device.refresh_from_db()
    assert not device.can_arm_remotely
    assert history_for(device).order_by("-pk").first().before["arm_command"] == ARM


@pytest.mark.parametrize(
    ("arm", "disarm", "field"),
    [
        ("ARM,1#", "", "disarm_command"),
        ("", "ARM,0#", "arm_command"),
        ("设防", "ARM,0#", "arm_command"),
        ("ARM,1#", "ARM\r\n0#", "disarm_command"),
        ("ARM\x001#", "ARM,0#", "arm_command"),
        ("A" * 61, "ARM,0#", "arm_command"),
    ],
)
def test_bad_arm_commands_are_refused_and_nothing_changes(alice, station, arm, disarm, field):
    device = DeviceFactory(station=station, arm_command=ARM, disarm_command=DISARM)
    with pytest.raises(ValidationError) as exc:
        services.device_set_arm_commands(
            actor=alice, device=device, arm_command=arm, disarm_command=disarm
        )
    assert field in exc.value.message_dict
    device.refresh_from_db()
    assert (device.arm_command, device.disarm_command) == (ARM, DISARM)


def test_osmand_cannot_record_arm_commands(alice, station):
    device = DeviceFactory(station=station, protocol=Protocol.OSMAND)
    with pytest.raises(ValidationError):
        services.device_set_arm_commands(
            actor=alice, device=device, arm_command=ARM, disarm_command=DISARM
        )


def test_database_refuses_half_a_pair(station):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceFactory(station=station, arm_command=ARM, disarm_command="")
