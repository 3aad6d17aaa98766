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
    """What a device reports (GT06 alarm values and terminal-information bits, JT/T 808 alarm flag
    bits: the tables are in gateway/gt06.py and gateway/jt808.py, docs/gateway.md)."""

    SOS = "sos", _("紧急求助")
    VIBRATION = "vibration", _("震动")
    POWER_CUT = "power_cut", _("断电")
    LOW_BATTERY = "low_battery", _("低电量")
    OVERSPEED = "overspeed", _("超速")
    GEOFENCE = "geofence", _("越界")
    GEOFENCE_ENTER = "geofence_enter", _("进入围栏")
    GEOFENCE_EXIT = "geofence_exit", _("离开围栏")
    REMOVAL = "removal", _("设备被拆除")
    TAMPER = "tamper", _("防拆报警")
    POWER_OFF = "power_off", _("设备关机")
    MOVEMENT = "movement", _("非法位移")
    THEFT = "theft", _("车辆被盗(防盗器)")
    ILLEGAL_IGNITION = "illegal_ignition", _("非法点火")
    DOOR = "door", _("非法开门")
    LOCK = "lock", _("上锁")
    UNLOCK = "unlock", _("开锁")
    ANTENNA_CUT = "antenna_cut", _("定位天线被剪断")
    ANTENNA_SHORT = "antenna_short", _("定位天线短路")
    JAMMING = "jamming", _("信号干扰")
    ACCELERATION = "acceleration", _("急加速")
    BRAKING = "braking", _("急减速")
    CORNERING = "cornering", _("急转弯")
    ACCIDENT = "accident", _("碰撞事故")
    COLLISION = "collision", _("碰撞预警")
    ROLLOVER = "rollover", _("侧翻预警")
    FALL = "fall", _("跌倒")
    FATIGUE = "fatigue", _("疲劳驾驶")
    DANGER = "danger", _("危险驾驶预警")
    VIOLATION = "violation", _("违规行驶")
    DRIVING_TIMEOUT = "driving_timeout", _("当天累计驾驶超时")
    PARKING_TIMEOUT = "parking_timeout", _("超时停车")
    IDLE = "idle", _("怠速过长")
    ROUTE = "route", _("进出路线")
    ROUTE_TIME = "route_time", _("路段行驶时间异常")
    ROUTE_DEVIATION = "route_deviation", _("路线偏离")
    GNSS_FAULT = "gnss_fault", _("定位模块故障")
    DISPLAY_FAULT = "display_fault", _("显示屏故障")
    TTS_FAULT = "tts_fault", _("语音模块故障")
    CAMERA_FAULT = "camera_fault", _("摄像头故障")
    IC_CARD_FAULT = "ic_card_fault", _("IC卡模块故障")
    VSS_FAULT = "vss_fault", _("车速传感器故障")
    TYRE_PRESSURE = "tyre_pressure", _("胎压异常")
    BLIND_SPOT = "blind_spot", _("右转盲区异常")
    FUEL_ABNORMAL = "fuel_abnormal", _("油量异常")
    FUEL_LEAK = "fuel_leak", _("漏油")
    TEMPERATURE = "temperature", _("温度异常")
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
