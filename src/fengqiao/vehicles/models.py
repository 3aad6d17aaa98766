"""行车卫士: vehicles of the registry's people, their trackers, insurance, alarms, thefts, recoveries
and claims (DOMAIN.md §6). Positions and devices themselves live in `fengqiao.tracking`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import BUREAU_ROLES, LEADER_ROLES
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet, editable_community_ids
from fengqiao.vehicles.choices import (
    AlarmKind,
    AlarmResult,
    AlarmStatus,
    ClaimStatus,
    EventKind,
    MessageStatus,
    RecoveryCondition,
    TheftStatus,
    TrackerProtocol,
    VehicleKind,
    VehicleStatus,
)

# Roles that act on every vehicle of their station (alarms, thefts, arming for an owner).
STATION_ROLES = frozenset({Role.STATION_LEADER, Role.ADMIN, Role.COMMAND, Role.DUTY_OFFICER})
# Roles that handle a vehicle of the communities they may edit.
COMMUNITY_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.AUXILIARY, Role.CASE_OFFICER})
# Roles that may send engine cut/restore commands (with a reason).
ENGINE_COMMAND_ROLES = frozenset({Role.STATION_LEADER, Role.ADMIN, Role.COMMAND, Role.DUTY_OFFICER})
# Roles that may take a 报被盗 for any vehicle of their station: a theft is reported wherever the
# owner walks in, and the install desk's 辅警 takes it there (PRODUCT.md "Who uses it").
THEFT_REPORT_ROLES = STATION_ROLES | COMMUNITY_ROLES
# Roles that record insurance claims and payments.
CLAIM_ROLES = frozenset({Role.STATION_LEADER, Role.ADMIN, Role.DUTY_OFFICER, Role.COMMAND})


class VehicleScopedQuerySet(ScopedQuerySet):
    """Read: the whole station (bureau: the bureau). Act: station roles on every record of the station,
    community officers on the communities they may edit, others nothing."""

    def editable_by(self, user):
        visible = self.visible_to(user)
        if user is None or not user.is_authenticated:
            return visible
        if user.is_superuser or user.role in LEADER_ROLES or user.role in STATION_ROLES:
            return visible
        if user.role in BUREAU_ROLES or user.role not in COMMUNITY_ROLES:
            return visible.none()
        return visible.filter(**{f"{self.community_path}__in": editable_community_ids(user)})


def can_act(user, station_id: int, community_id: int) -> bool:
    """Whether the user may act on a (new) record of this station and community (as `editable_by`)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if user.station_id != station_id:
        return False
    if user.role in LEADER_ROLES or user.role in STATION_ROLES:
        return True
    return user.role in COMMUNITY_ROLES and community_id in editable_community_ids(user)


class Vehicle(ChangeLogged):
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        related_name="vehicles",
        verbose_name=_("社区/村"),
    )
    owner = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("车主")
    )
    plate = models.CharField(_("号牌"), max_length=20, unique=True)
    kind = models.CharField(_("车辆类型"), max_length=20, choices=VehicleKind.choices)
    brand = models.CharField(_("品牌型号"), max_length=50, blank=True)
    colour = models.CharField(_("颜色"), max_length=20, blank=True)
    frame_number = models.CharField(_("车架号"), max_length=40, blank=True, db_index=True)
    purchased_on = models.DateField(_("购车日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=VehicleStatus.choices, default=VehicleStatus.NORMAL
    )
    armed = models.BooleanField(_("已设防"), default=False)
    armed_at = models.DateTimeField(_("设防时间"), null=True, blank=True)
    armed_latitude = models.FloatField(_("设防位置纬度"), null=True, blank=True)
    armed_longitude = models.FloatField(_("设防位置经度"), null=True, blank=True)
    home_latitude = models.FloatField(_("围栏中心纬度"), null=True, blank=True)
    home_longitude = models.FloatField(_("围栏中心经度"), null=True, blank=True)
    home_radius_m = models.PositiveIntegerField(_("围栏半径(米)"), null=True, blank=True)
    outside_fence = models.BooleanField(_("在围栏外"), default=False)
    imei = models.CharField(_("定位器号"), max_length=20, blank=True, db_index=True)
    device = models.OneToOneField(
        "tracking.Device",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vehicle",
        verbose_name=_("定位设备"),
    )
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = VehicleScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        ordering = ["plate"]
        indexes = [
            models.Index(fields=["station", "kind"], name="vehicle_station_kind_idx"),
            models.Index(fields=["station", "status"], name="vehicle_station_status_idx"),
            models.Index(fields=["community", "plate"], name="vehicle_comm_plate_idx"),
        ]

    def __str__(self):
        return self.plate

    def get_absolute_url(self):
        return reverse("vehicles:vehicle_detail", args=[self.pk])

    @property
    def has_fence(self) -> bool:
        return (
            self.home_latitude is not None
            and self.home_longitude is not None
            and bool(self.home_radius_m)
        )


class Tracker(ChangeLogged):
    """An install of a tracker on a vehicle at the install desk (the device itself: tracking.Device)."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="trackers", verbose_name=_("车辆")
    )
    imei = models.CharField(_("IMEI/终端号"), max_length=20)
    protocol = models.CharField(_("协议"), max_length=10, choices=TrackerProtocol.choices)
    sim = models.CharField(_("SIM卡号"), max_length=20, blank=True)
    installed_at = models.DateTimeField(_("安装时间"))
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("安装人"),
    )
    install_point = models.CharField(_("安装点"), max_length=100, blank=True)
    removed_at = models.DateTimeField(_("拆除时间"), null=True, blank=True)

    objects = VehicleScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("定位器安装")
        verbose_name_plural = _("定位器安装")
        ordering = ["-installed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["imei"],
                condition=models.Q(removed_at__isnull=True),
                name="tracker_imei_active_unique",
            )
        ]
        indexes = [
            models.Index(fields=["station", "installed_at"], name="tracker_station_inst_idx")
        ]

    def __str__(self):
        return self.imei


class InsurancePolicy(ChangeLogged):
    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="policies", verbose_name=_("车辆")
    )
    insurer = models.CharField(_("保险公司"), max_length=50)
    number = models.CharField(_("保单号"), max_length=40, blank=True)
    starts_on = models.DateField(_("起保日期"))
    ends_on = models.DateField(_("终保日期"))
    recovery_days = models.PositiveIntegerField(
        _("追查期(天)"), default=90, help_text=_("被盗后在此期限内未追回的,按车龄赔付")
    )

    objects = VehicleScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("保险单")
        verbose_name_plural = _("保险单")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="policy_dates_ordered"
            )
        ]

    def __str__(self):
        return f"{self.insurer} {self.number}".strip()

    def table(self):
        from fengqiao.vehicles.rules import PayoutRow

        return [PayoutRow(r.min_age_years, r.amount) for r in self.payouts.all()]


class PayoutRow(models.Model):
    """One row of a policy's payout table: from this age (full years) on, this amount."""

    policy = models.ForeignKey(InsurancePolicy, on_delete=models.CASCADE, related_name="payouts")
    min_age_years = models.PositiveSmallIntegerField(_("车龄(满…年起)"))
    amount = models.DecimalField(_("赔付金额(元)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("赔付标准")
        verbose_name_plural = _("赔付标准")
        ordering = ["policy", "min_age_years"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "min_age_years"], name="payout_row_unique")
        ]

    def __str__(self):
        return f"≥{self.min_age_years}: {self.amount}"


class Alarm(ChangeLogged):
    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="alarms", verbose_name=_("车辆")
    )
    kind = models.CharField(_("告警类型"), max_length=30, choices=AlarmKind.choices)
    at = models.DateTimeField(_("告警时间"))
    last_at = models.DateTimeField(_("最近一次"))
    repeats = models.PositiveIntegerField(_("重复次数"), default=0)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    speed_kmh = models.FloatField(_("速度"), null=True, blank=True)
    position_id = models.BigIntegerField(_("定位记录"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=15, choices=AlarmStatus.choices, default=AlarmStatus.OPEN
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关闭人"),
    )
    result = models.CharField(_("处理结果"), max_length=20, choices=AlarmResult.choices, blank=True)
    note = models.TextField(_("处理说明"), blank=True)

    objects = VehicleScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("告警")
        verbose_name_plural = _("告警")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["station", "status", "-at"], name="alarm_station_status_idx"),
            models.Index(fields=["vehicle", "kind", "status"], name="alarm_vehicle_kind_idx"),
        ]

    def __str__(self):
        return f"{self.vehicle} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("vehicles:alarm_list") + f"#alarm-{self.pk}"


class Theft(ChangeLogged):
    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="thefts", verbose_name=_("车辆")
    )
    reference = models.CharField(_("编号"), max_length=30)  # numbered per station (DQ-2026-000001)
    reported_at = models.DateTimeField(_("报案时间"))
    stolen_at = models.DateTimeField(_("发现被盗时间"), null=True, blank=True)
    place = models.CharField(_("被盗地点"), max_length=200)
    reporter_name = models.CharField(_("报案人"), max_length=50)
    reporter_phone = models.CharField(_("报案人电话"), max_length=20, blank=True)
    narrative = models.TextField(_("简要案情"), blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联警情"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vehicle_thefts",
        verbose_name=_("关联案件"),
    )
    status = models.CharField(
        _("状态"), max_length=15, choices=TheftStatus.choices, default=TheftStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    objects = VehicleScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("被盗登记")
        verbose_name_plural = _("被盗登记")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=models.Q(status="open"),
                name="theft_one_open_per_vehicle",
            ),
            models.UniqueConstraint(
                fields=["station", "reference"], name="theft_reference_unique_in_station"
            ),
        ]
        indexes = [models.Index(fields=["station", "reported_at"], name="theft_station_rep_idx")]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("vehicles:theft_detail", args=[self.pk])


class Recovery(ChangeLogged):
    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    theft = models.OneToOneField(
        Theft, on_delete=models.PROTECT, related_name="recovery", verbose_name=_("被盗登记")
    )
    recovered_at = models.DateTimeField(_("追回时间"))
    place = models.CharField(_("追回地点"), max_length=200)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    recovered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("追回民警"),
    )
    condition = models.CharField(_("车况"), max_length=20, choices=RecoveryCondition.choices)
    note = models.TextField(_("备注"), blank=True)

    objects = VehicleScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("追回记录")
        verbose_name_plural = _("追回记录")
        ordering = ["-recovered_at"]
        indexes = [models.Index(fields=["station", "recovered_at"], name="recovery_station_at_idx")]

    def __str__(self):
        return f"{self.theft} 追回"


class InsuranceClaim(ChangeLogged):
    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    theft = models.OneToOneField(
        Theft, on_delete=models.PROTECT, related_name="claim", verbose_name=_("被盗登记")
    )
    policy = models.ForeignKey(
        InsurancePolicy, on_delete=models.PROTECT, related_name="claims", verbose_name=_("保险单")
    )
    vehicle_age_years = models.PositiveSmallIntegerField(_("车龄(年)"))
    amount = models.DecimalField(_("赔付金额(元)"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.APPROVED
    )
    approved_at = models.DateTimeField(_("理赔时间"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    paid_at = models.DateTimeField(_("赔付时间"), null=True, blank=True)

    objects = VehicleScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("保险理赔")
        verbose_name_plural = _("保险理赔")
        ordering = ["-approved_at"]
        indexes = [models.Index(fields=["station", "paid_at"], name="claim_station_paid_idx")]

    def __str__(self):
        return f"{self.theft} 理赔 {self.amount} 元"


class VehicleEvent(models.Model):
    """One step of a vehicle's timeline (typed): armed, tracker installed, theft reported, recovered…"""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["vehicle", "-at"], name="vehicle_event_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class OwnerMessage(models.Model):
    """An SMS to a vehicle's owner (owners are registry people, not users): sent by a Huey task through
    the notifications app's SMS gateway channel."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="owner_messages")
    alarm = models.ForeignKey(
        Alarm, on_delete=models.SET_NULL, null=True, blank=True, related_name="owner_messages"
    )
    phone = models.CharField(max_length=20)
    text = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="owner_msg_status_idx")]

    def __str__(self):
        return f"{self.phone} {self.text[:20]}"


class OwnerKey(models.Model):
    """The key of a vehicle's owner app (owners are registry people, not users): issued at the desk,
    shown once, stored as a SHA-256 hash; issuing a new one revokes the old."""

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="owner_keys", verbose_name=_("车辆")
    )
    key_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签发人"),
    )
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("车主应用密钥")
        verbose_name_plural = _("车主应用密钥")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.vehicle_id} {self.issued_at:%Y-%m-%d}"
