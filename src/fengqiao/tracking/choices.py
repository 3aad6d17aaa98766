"""Enumerations of the tracker data plane (Chinese labels, English in the app's catalogue)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Protocol(models.TextChoices):
    GT06 = "gt06", _("GT06/Concox")
    JT808 = "jt808", _("JT/T 808")
    OSMAND = "osmand", _("OsmAnd(手机)")


class DeviceStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACTIVE = "active", _("在用")
    DISABLED = "disabled", _("停用")


class AlarmKind(models.TextChoices):
    SOS = "sos", _("紧急求助")
    VIBRATION = "vibration", _("震动")
    POWER_CUT = "power_cut", _("断电")
    LOW_BATTERY = "low_battery", _("低电量")
    OVERSPEED = "overspeed", _("超速")
    GEOFENCE = "geofence", _("越界")
    OTHER = "other", _("其他")


class CommandKind(models.TextChoices):
    ENGINE_CUT = "engine_cut", _("断油断电")
    ENGINE_RESTORE = "engine_restore", _("恢复油电")
    ARM = "arm", _("设防")
    DISARM = "disarm", _("撤防")


class CommandStatus(models.TextChoices):
    QUEUED = "queued", _("排队待发")
    SENT = "sent", _("已发送")
    ACKNOWLEDGED = "acknowledged", _("设备已确认")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


# The command kinds each protocol can carry to a device (see docs/gateway.md, "Commands to devices").
# GT06: Relay,1# / Relay,0# in an 0x80 online command; JT/T 808: 0x8105 terminal control with the
# vendor command words 0x64/0x65 used by the common 808 trackers. Arm/disarm differ by tracker model:
# they are carried only for a device whose arm and disarm text commands are recorded (Device.arm_command,
# .disarm_command), as GT06 0x80 or JT/T 808 0x8300 text. OsmAnd phones take no command.
PROTOCOL_COMMANDS: dict[str, frozenset[str]] = {
    Protocol.GT06: frozenset({CommandKind.ENGINE_CUT, CommandKind.ENGINE_RESTORE}),
    Protocol.JT808: frozenset({CommandKind.ENGINE_CUT, CommandKind.ENGINE_RESTORE}),
    Protocol.OSMAND: frozenset(),
}
# Protocols that can send a device's own text command (arm/disarm).
PROTOCOL_TEXT_COMMANDS = frozenset({Protocol.GT06, Protocol.JT808})
TEXT_COMMAND_KINDS = frozenset({CommandKind.ARM, CommandKind.DISARM})
