"""The tracker data plane (issue 7): devices, their positions, device alarms and the command queue.

Written by the gateway (`fengqiao gateway`) in batches; read by the vehicles app. Positions are stored
in UTC and WGS-84. On PostgreSQL the position table is partitioned by day (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet
from fengqiao.tracking.choices import AlarmKind, CommandKind, CommandStatus, DeviceStatus, Protocol


class DeviceQuerySet(ScopedQuerySet):
    community_path = None

    def pending(self):
        return self.filter(status=DeviceStatus.PENDING)


class Device(ChangeLogged):
    """A tracker: IMEI (GT06), terminal number (JT/T 808) or the phone's id (OsmAnd).

    Unknown devices that connect are created `pending` (no station) for an officer to accept.
    The latest valid, in-order fix is copied here so the live map reads one row per device.
    """

    identifier = models.CharField(_("设备号"), max_length=20, unique=True)
    protocol = models.CharField(_("协议"), max_length=10, choices=Protocol.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.PENDING
    )
    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tracking_devices",
        verbose_name=_("派出所"),
    )
    utc_offset_minutes = models.IntegerField(_("设备时钟偏移(分钟)"), default=0)
    auth_code = models.CharField(_("鉴权码"), max_length=32, blank=True)
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收人"),
    )
    remote_address = models.CharField(_("最近来源地址"), max_length=64, blank=True)
    last_seen_at = models.DateTimeField(_("最后通信"), null=True, blank=True)
    last_fix_at = models.DateTimeField(_("最后定位时间"), null=True, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    speed_kmh = models.FloatField(_("速度(km/h)"), null=True, blank=True)
    course = models.FloatField(_("方向"), null=True, blank=True)
    battery_percent = models.SmallIntegerField(_("电量(%)"), null=True, blank=True)
    ignition = models.BooleanField(_("点火"), null=True, blank=True)
    charging = models.BooleanField(_("外电/充电"), null=True, blank=True)
    # Arm/disarm text commands differ by tracker model; the install desk records them per device.
    arm_command = models.CharField(
        _("设防指令"),
        max_length=60,
        blank=True,
        help_text=_(
            "该型号说明书中的设防文本指令(如某款Concox电动车定位器的指令);留空表示该设备不能远程设防"
        ),
    )
    disarm_command = models.CharField(
        _("撤防指令"),
        max_length=60,
        blank=True,
        help_text=_("该型号说明书中的撤防文本指令;留空表示该设备不能远程撤防"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("定位设备")
        verbose_name_plural = _("定位设备")
        indexes = [
            models.Index(fields=["status", "station"], name="tracking_device_status_idx"),
            # the live map's "fixed in the last N minutes": a range on the index, not a fleet scan
            models.Index(fields=["last_fix_at"], name="tracking_device_last_fix_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(arm_command="", disarm_command="")
                | (~models.Q(arm_command="") & ~models.Q(disarm_command="")),
                name="tracking_device_arm_commands_paired",
            )
        ]

    @property
    def can_arm_remotely(self) -> bool:
        """The device carries arm/disarm: its protocol can send text and both commands are recorded."""
        from fengqiao.tracking.choices import PROTOCOL_TEXT_COMMANDS

        return bool(
            self.protocol in PROTOCOL_TEXT_COMMANDS and self.arm_command and self.disarm_command
        )

    def __str__(self):
        return f"{self.get_protocol_display()} {self.identifier}"


class Position(models.Model):
    """One fix as received. `outdated` marks fixes that must never become the latest (out of order,
    buffered, implausible); `valid` is the device's own GPS-valid flag combined with our checks."""

    # No index of its own: the unique key on (device, fixed_at) below starts with it.
    device = models.ForeignKey(
        Device,
        on_delete=models.CASCADE,
        related_name="positions",
        verbose_name=_("设备"),
        db_index=False,
    )
    fixed_at = models.DateTimeField(_("定位时间"))
    received_at = models.DateTimeField(_("接收时间"))
    latitude = models.FloatField(_("纬度"))
    longitude = models.FloatField(_("经度"))
    speed_kmh = models.FloatField(_("速度(km/h)"), default=0)
    course = models.FloatField(_("方向"), default=0)
    valid = models.BooleanField(_("有效"), default=True)
    buffered = models.BooleanField(_("补传"), default=False)
    outdated = models.BooleanField(_("过时"), default=False)
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)

    class Meta:
        verbose_name = _("定位点")
        verbose_name_plural = _("定位点")
        indexes = [models.Index(fields=["fixed_at"], name="tracking_pos_time")]
        constraints = [
            # The arbiter of resends: one row per device and fix time, whichever gateway process gets
            # the fix and however often the device sends it (the gateway inserts ON CONFLICT DO
            # NOTHING). On PostgreSQL it includes the partition key, fixed_at, as it must.
            models.UniqueConstraint(
                fields=["device", "fixed_at"], name="tracking_pos_device_fix_uniq"
            )
        ]

    def __str__(self):
        return f"{self.device_id} {self.fixed_at:%Y-%m-%d %H:%M:%S} {self.latitude:.5f},{self.longitude:.5f}"


class DeviceAlarm(models.Model):
    """An alarm the device itself reported (SOS, vibration, power cut...). Business alarms (movement
    while armed, fences, offline) are the vehicles app's."""

    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="alarms", verbose_name=_("设备")
    )
    at = models.DateTimeField(_("报警时间"))
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    kind = models.CharField(_("类型"), max_length=20, choices=AlarmKind.choices)
    # No database constraint: the position table is partitioned on PostgreSQL (no unique key on id alone).
    position = models.ForeignKey(
        Position,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("定位点"),
    )
    raw = models.TextField(_("原始报文(十六进制)"), blank=True)

    class Meta:
        verbose_name = _("设备报警")
        verbose_name_plural = _("设备报警")
        indexes = [models.Index(fields=["device", "at"], name="tracking_alarm_device_at")]

    def __str__(self):
        return f"{self.device_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M:%S}"


class DeviceCommand(ChangeLogged):
    """A command to a device, queued until the device is online; the gateway sends it and records the reply."""

    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="commands", verbose_name=_("设备")
    )
    kind = models.CharField(_("指令"), max_length=20, choices=CommandKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("下发人"),
        help_text=_("为空:车主通过车主应用设防/撤防"),
    )
    reason = models.CharField(_("理由"), max_length=200)
    text = models.CharField(
        _("下发文本"),
        max_length=60,
        blank=True,
        help_text=_("设防/撤防:排队时设备登记的文本指令,即实际发送的内容"),
    )
    status = models.CharField(
        _("状态"), max_length=15, choices=CommandStatus.choices, default=CommandStatus.QUEUED
    )
    serial = models.IntegerField(_("流水号"), null=True, blank=True)
    created_at = models.DateTimeField(_("下发时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    response = models.TextField(_("设备回复"), blank=True)

    class Meta:
        verbose_name = _("设备指令")
        verbose_name_plural = _("设备指令")
        indexes = [models.Index(fields=["device", "status"], name="tracking_cmd_device_status")]

    def __str__(self):
        return f"{self.device_id} {self.get_kind_display()} {self.get_status_display()}"
