"""移动警务 records: evidence files, the steps an officer stamped on the phone, the work log, and the
offline queue's receipts (one per phone-made id, so a second copy of an entry is refused)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet
from fengqiao.field.choices import EvidenceKind, Step, SyncState, WorkKind
from fengqiao.field.storage import EvidenceStorage


class EvidenceQuerySet(ScopedQuerySet):
    community_path = None

    def live(self):
        return self.filter(purged_at__isnull=True)


class Evidence(ChangeLogged):
    """A file taken at the scene. Never served from a public URL: only through the scoped, logged
    view (`field:evidence_file`)."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("类型"), max_length=20, choices=EvidenceKind.choices)
    # Disk or an S3-compatible store, as STORAGES["evidence"] says (field/storage.py).
    file = models.FileField(
        _("文件"), upload_to="evidence/%Y/%m/", max_length=300, storage=EvidenceStorage()
    )
    thumbnail = models.FileField(
        _("缩略图"), upload_to="evidence/thumbs/%Y/%m/", blank=True, storage=EvidenceStorage()
    )
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    mime = models.CharField(_("内容类型"), max_length=60)
    size = models.BigIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    taken_at = models.DateTimeField(_("拍摄/录制时间"))
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    client_id = models.UUIDField(_("手机端标识"), unique=True, null=True, blank=True)
    keep_until = models.DateField(_("保存至"))
    purged_at = models.DateTimeField(_("已按保存期限删除"), null=True, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("现场证据")
        verbose_name_plural = _("现场证据")
        ordering = ["-taken_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["keep_until"], name="evidence_keep_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name or self.sha256[:12]}"


class FieldStepQuerySet(ScopedQuerySet):
    station_path = "incident__station"
    community_path = None


class FieldStep(models.Model):
    """One tap on the phone (接收 / 到场 / 处置 / 反馈 / 结警), with the phone's time and position."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="field_steps"
    )
    step = models.CharField(_("环节"), max_length=20, choices=Step.choices)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("手机时间"))
    received_at = models.DateTimeField(_("到达服务器时间"), default=timezone.now)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度(米)"), null=True, blank=True)
    distance_m = models.FloatField(_("距警情地点(米)"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    objects = FieldStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("出警环节")
        verbose_name_plural = _("出警环节")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "step"], name="field_step_once"),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.get_step_display()}"


class IncidentPlace(models.Model):
    """Where an incident is, for the arrival radius and the navigation link (set at intake or by the
    first officer on the scene)."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="field_place"
    )
    latitude = models.FloatField(_("纬度"))
    longitude = models.FloatField(_("经度"))
    source = models.CharField(_("来源"), max_length=20, default="intake")

    class Meta:
        verbose_name = _("警情位置")
        verbose_name_plural = _("警情位置")

    def __str__(self):
        return f"{self.incident_id} ({self.latitude:.5f}, {self.longitude:.5f})"


class WorkLogQuerySet(ScopedQuerySet):
    community_path = "community"


class WorkLogEntry(ChangeLogged):
    """社区民警工作日志: 走访 / 巡逻 / 宣传 / 矛盾化解 / 核查, with place and time."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区/村"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="work_log",
        verbose_name=_("民警"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=WorkKind.choices)
    occurred_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    note = models.TextField(_("内容"), blank=True)
    client_id = models.UUIDField(_("手机端标识"), unique=True, null=True, blank=True)

    objects = WorkLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作日志")
        verbose_name_plural = _("工作日志")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["station", "officer", "occurred_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.place}"


class SyncReceiptQuerySet(ScopedQuerySet):
    community_path = None


class SyncReceipt(models.Model):
    """The station's answer to one queued entry, keyed by the id the phone made: a replay of the same
    id gets the same answer and changes nothing."""

    client_id = models.UUIDField(unique=True)
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    state = models.CharField(max_length=20, choices=SyncState.choices)
    result = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)

    objects = SyncReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("离线同步回执")
        verbose_name_plural = _("离线同步回执")
        indexes = [models.Index(fields=["user", "-received_at"])]

    def __str__(self):
        return f"{self.kind} {self.client_id} {self.state}"


class OfficerFixQuerySet(ScopedQuerySet):
    community_path = None


class OfficerFix(models.Model):
    """An on-shift officer's phone position. Stored only while the roster has the officer on a shift
    (nothing off shift); kept FIELD_POSITION_KEEP_DAYS (30 by default)."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(_("定位时间"))
    latitude = models.FloatField(_("纬度"))
    longitude = models.FloatField(_("经度"))
    accuracy_m = models.FloatField(_("定位精度(米)"), null=True, blank=True)

    objects = OfficerFixQuerySet.as_manager()

    class Meta:
        verbose_name = _("民警位置")
        verbose_name_plural = _("民警位置")
        indexes = [
            models.Index(fields=["officer", "-at"], name="field_fix_officer_at_idx"),
            models.Index(fields=["station", "-at"], name="field_fix_station_at_idx"),
        ]

    def __str__(self):
        return f"{self.officer_id} {self.at:%H:%M}"


class PushSubscription(models.Model):
    """A phone's Web Push subscription (the browser's endpoint and keys) for one user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=500, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("推送订阅")
        verbose_name_plural = _("推送订阅")

    def __str__(self):
        return f"{self.user_id} {self.endpoint[:40]}"


class PatrolCarQuerySet(ScopedQuerySet):
    community_path = None


class PatrolCar(ChangeLogged):
    """A patrol car whose JT/T 808 tracker (a `tracking.Device` of the station) makes it a unit on the
    wall. The car is on shift while one of its crew is on a shift of the roster (排班); the gateway
    stores none of its positions otherwise (`field.patrol.before_store`)."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    device = models.OneToOneField(
        "tracking.Device",
        on_delete=models.PROTECT,
        related_name="patrol_car",
        verbose_name=_("车载定位终端"),
    )
    name = models.CharField(_("呼号"), max_length=40)
    plate = models.CharField(_("车牌号"), max_length=20, blank=True)
    crew = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="patrol_cars", blank=True, verbose_name=_("乘警")
    )
    active = models.BooleanField(_("启用"), default=True)

    objects = PatrolCarQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡逻车")
        verbose_name_plural = _("巡逻车")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} {self.plate}".strip()
