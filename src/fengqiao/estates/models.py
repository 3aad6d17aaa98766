"""平安智慧小区: estates, gates, access-control terminals, residents' credentials, access events and
the registration tasks (核查登记) for credentials of people not in the registry.

No face image, face template or fingerprint template has a column anywhere here: an access event
keeps the credential type, the match result, the direction and the time (DOMAIN.md §7).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet
from fengqiao.estates.choices import (
    CommandKind,
    CommandStatus,
    CredentialStatus,
    CredentialType,
    DeviceStatus,
    Direction,
    GateKind,
    TaskEventKind,
    TaskStatus,
    Vendor,
)


class Estate(ChangeLogged):
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        related_name="estates",
        verbose_name=_("社区/村"),
    )
    name = models.CharField(_("小区名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    households = models.PositiveIntegerField(_("户数"), default=0)
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    property_company = models.CharField(_("物业公司"), max_length=100, blank=True)
    unregistered_days = models.PositiveSmallIntegerField(
        _("未登记通行天数阈值"), null=True, blank=True, help_text=_("空:使用全局默认(3)")
    )
    unregistered_window = models.PositiveSmallIntegerField(
        _("未登记统计窗口(天)"), null=True, blank=True, help_text=_("空:使用全局默认(14)")
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["community__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="estate_name_unique")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("estates:estate_detail", args=[self.pk])


class GateQuerySet(ScopedQuerySet):
    station_path = "estate__station"
    community_path = "estate__community"


class Gate(ChangeLogged):
    estate = models.ForeignKey(
        Estate, on_delete=models.CASCADE, related_name="gates", verbose_name=_("小区")
    )
    name = models.CharField(_("门岗"), max_length=50)
    kind = models.CharField(
        _("类型"), max_length=20, choices=GateKind.choices, default=GateKind.PEDESTRIAN
    )
    direction = models.CharField(
        _("方向"), max_length=3, choices=Direction.choices, blank=True, default="",
        help_text=_("设备不报方向时使用"),
    )  # fmt: skip

    objects = GateQuerySet.as_manager()

    class Meta:
        verbose_name = _("门岗")
        verbose_name_plural = _("门岗")
        ordering = ["estate", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="gate_name_unique")]

    def __str__(self):
        return f"{self.estate.name} {self.name}"


class DeviceQuerySet(ScopedQuerySet):
    community_path = "estate__community"

    def pending(self):
        return self.filter(status=DeviceStatus.PENDING)


class AccessDevice(ChangeLogged):
    """A terminal at a gate. Unknown terminals that push are created `pending` (no station) and
    their events kept until an officer assigns the terminal to an estate's gate."""

    vendor = models.CharField(_("厂商协议"), max_length=20, choices=Vendor.choices)
    identifier = models.CharField(
        _("设备标识"), max_length=32, help_text=_("海康:MAC 地址;中控:序列号 SN")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.PENDING
    )
    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("派出所"),
    )
    estate = models.ForeignKey(
        Estate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("小区"),
    )
    gate = models.ForeignKey(
        Gate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("门岗"),
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    model = models.CharField(_("型号"), max_length=50, blank=True)
    first_seen_at = models.DateTimeField(_("首次上报"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("最后心跳"), null=True, blank=True)
    remote_address = models.CharField(_("来源地址"), max_length=60, blank=True)
    offline_since = models.DateTimeField(_("离线时间"), null=True, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("门禁设备")
        verbose_name_plural = _("门禁设备")
        ordering = ["vendor", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "identifier"], name="accessdevice_identity_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(station__isnull=False),
                name="accessdevice_station_unless_pending",
            ),
        ]

    def __str__(self):
        return self.name or f"{self.get_vendor_display()} {self.identifier}"


class DeviceAlarmQuerySet(ScopedQuerySet):
    community_path = "estate__community"

    def open(self):
        return self.filter(ended_at__isnull=True)


class DeviceAlarm(models.Model):
    """A terminal that stopped reporting: open from `started_at` until it reports again."""

    device = models.ForeignKey(
        AccessDevice, on_delete=models.CASCADE, related_name="alarms", verbose_name=_("设备")
    )
    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, default="offline")
    started_at = models.DateTimeField(_("开始"))
    ended_at = models.DateTimeField(_("恢复"), null=True, blank=True)

    objects = DeviceAlarmQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备告警")
        verbose_name_plural = _("设备告警")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=Q(ended_at__isnull=True), name="devicealarm_one_open"
            )
        ]

    def __str__(self):
        return f"{self.device} {self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class CredentialQuerySet(ScopedQuerySet):
    community_path = "estate__community"


class Credential(ChangeLogged):
    """A resident's way through the estate's gates: the number the terminals know the person by
    (employeeNo / PIN) and the card number. Linked to a registry person when registered."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    estate = models.ForeignKey(
        Estate, on_delete=models.CASCADE, related_name="credentials", verbose_name=_("小区")
    )
    holder_no = models.CharField(_("设备人员编号"), max_length=32)
    card_no = models.CharField(_("卡号"), max_length=32, blank=True)
    kind = models.CharField(
        _("主要方式"), max_length=20, choices=CredentialType.choices, default=CredentialType.CARD
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="estate_credentials",
        verbose_name=_("登记人员"),
    )  # fmt: skip
    status = models.CharField(
        _("状态"), max_length=10, choices=CredentialStatus.choices, default=CredentialStatus.ACTIVE
    )
    issued_at = models.DateTimeField(_("发放时间"), default=timezone.now)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("通行凭证")
        verbose_name_plural = _("通行凭证")
        ordering = ["estate", "holder_no"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "holder_no"], name="credential_holder_unique")
        ]
        indexes = [models.Index(fields=["estate", "card_no"], name="credential_card_idx")]

    def __str__(self):
        return f"{self.estate.name} #{self.holder_no}"


class AccessEventQuerySet(ScopedQuerySet):
    community_path = "estate__community"


class AccessEvent(models.Model):
    """One pass (or refusal) at a gate, as the terminal reported it. Kept ESTATE_EVENT_RETENTION_DAYS
    (30) days. Written by the gateway in bulk (no change log: the table is the log)."""

    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    estate = models.ForeignKey(
        Estate, on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False
    )
    gate = models.ForeignKey(
        Gate, on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False
    )
    device = models.ForeignKey(
        AccessDevice, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    occurred_at = models.DateTimeField(_("时间"))
    day = models.DateField(_("日期"))  # Asia/Shanghai date of occurred_at (distinct-day counts)
    received_at = models.DateTimeField(_("接收时间"))
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices, blank=True)
    credential_type = models.CharField(_("方式"), max_length=20, choices=CredentialType.choices)
    granted = models.BooleanField(_("通过"))
    subject = models.CharField(
        _("凭证"), max_length=40, blank=True
    )  # holder_no, else "card:" + card_no
    holder_no = models.CharField(_("设备人员编号"), max_length=32, blank=True)
    card_no = models.CharField(_("卡号"), max_length=32, blank=True)
    credential = models.ForeignKey(
        Credential, on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    key = models.CharField(
        max_length=40
    )  # the terminal's own event identity (replays have the same)
    code = models.CharField(_("事件码"), max_length=20, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("通行记录")
        verbose_name_plural = _("通行记录")
        constraints = [
            models.UniqueConstraint(fields=["device", "key"], name="accessevent_device_key_unique")
        ]
        indexes = [
            models.Index(fields=["estate", "occurred_at"], name="accessevent_estate_time"),
            models.Index(fields=["station", "occurred_at"], name="accessevent_station_time"),
            models.Index(fields=["person", "occurred_at"], name="accessevent_person_time"),
            models.Index(fields=["subject", "occurred_at"], name="accessevent_subject_time"),
            models.Index(fields=["occurred_at"], name="accessevent_time"),
        ]

    def __str__(self):
        return f"{self.subject or '?'} {self.occurred_at:%Y-%m-%d %H:%M:%S}"

    @property
    def subject_label(self) -> str:
        from fengqiao.estates.rules import subject_label

        return subject_label(self.subject)


class TaskQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status=TaskStatus.OPEN)


class RegistrationTask(ChangeLogged):
    """核查登记: a credential not linked to a registered resident passed a gate on N distinct days
    within M days. Done when the person is registered (and the credential linked) or dismissed."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "registry.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区/村")
    )
    estate = models.ForeignKey(
        Estate, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("小区")
    )
    subject = models.CharField(_("凭证"), max_length=40)
    credential = models.ForeignKey(
        Credential, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    first_seen_at = models.DateTimeField(_("首次通行"))
    last_seen_at = models.DateTimeField(_("最近通行"))
    days_seen = models.PositiveSmallIntegerField(_("通行天数"))
    window_days = models.PositiveSmallIntegerField(_("统计天数"))
    status = models.CharField(
        _("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区民警"),
    )
    due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人员"),
    )
    reason = models.CharField(_("排除理由"), max_length=200, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("核查登记任务")
        verbose_name_plural = _("核查登记任务")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "subject"],
                condition=Q(status="open"),
                name="registrationtask_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["station", "status", "due_at"], name="registrationtask_due")
        ]

    def __str__(self):
        return _("核查登记 %(estate)s %(subject)s") % {
            "estate": self.estate.name,
            "subject": self.subject_label,
        }

    @property
    def subject_label(self) -> str:
        from fengqiao.estates.rules import subject_label

        return subject_label(self.subject)

    def get_absolute_url(self):
        return reverse("estates:task_detail", args=[self.pk])


class TaskEvent(models.Model):
    task = models.ForeignKey(RegistrationTask, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=20, choices=TaskEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class TerminalCommand(models.Model):
    """A command for a ZKTeco terminal, handed out when it polls /iclock/getrequest (`C:<id>:<text>`)
    and closed by its /iclock/devicecmd answer (`ID=<id>&Return=<code>`)."""

    device = models.ForeignKey(
        AccessDevice, on_delete=models.CASCADE, related_name="commands", verbose_name=_("设备")
    )
    kind = models.CharField(_("命令"), max_length=20, choices=CommandKind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=CommandStatus.choices, default=CommandStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("下达时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    return_code = models.IntegerField(_("返回码"), null=True, blank=True)

    class Meta:
        verbose_name = _("设备命令")
        verbose_name_plural = _("设备命令")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "device"], name="terminalcommand_queue")]

    def __str__(self):
        return f"{self.device} {self.kind} {self.get_status_display()}"
