"""反诈 (anti-fraud): warnings from the county centre, dissuasion, fraud cases and losses, publicity — DOMAIN.md §4."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import BUREAU_ROLES
from fengqiao.antifraud.choices import (
    OPEN_STATUSES,
    ActivityKind,
    AttemptMethod,
    ContentKind,
    EventKind,
    MatchMethod,
    Outcome,
    RiskLevel,
    WarningSource,
    WarningStatus,
)
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet

# Roles that act on every warning of their station: the command room, the duty desk, the leaders.
DESK_ROLES = frozenset({Role.COMMAND, Role.DUTY_OFFICER, Role.STATION_LEADER, Role.ADMIN})


class FraudType(ChangeLogged):
    """The editable table of suspected fraud types (刷单返利, 冒充公检法 ...)."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诈骗类型")
        verbose_name_plural = _("诈骗类型")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class StationDeskQuerySet(ScopedQuerySet):
    """Read: the whole station (bureau users: their bureau). Act: the desk roles on every record of the
    station; any other officer on records assigned to them or in the communities they may edit."""

    officer_path = "officer"

    def editable_by(self, user):
        visible = self.visible_to(user)
        if user is None or not user.is_authenticated:
            return visible
        if user.is_superuser or user.role in DESK_ROLES:
            return visible
        if user.role in BUREAU_ROLES:
            return visible.none()
        from fengqiao.core.scoping import editable_community_ids

        return visible.filter(
            models.Q(**{self.officer_path: user})
            | models.Q(community_id__in=editable_community_ids(user))
        )


class WarningQuerySet(StationDeskQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def primary(self):
        return self.exclude(status=WarningStatus.MERGED)


class Warning(ChangeLogged):
    """预警指令: one warning from the county anti-fraud centre about one person."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    # FZ-2026-000123 counts per station and year: unique within the station.
    reference = models.CharField(_("预警编号"), max_length=30)
    external_id = models.CharField(_("中心指令编号"), max_length=60, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=30, blank=True)
    address_text = models.CharField(_("住址"), max_length=200, blank=True)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    fraud_type = models.ForeignKey(
        FraudType, on_delete=models.PROTECT, related_name="warnings", verbose_name=_("诈骗类型")
    )
    content = models.TextField(_("预警内容"), blank=True)
    received_at = models.DateTimeField(_("接收时间"))
    source = models.CharField(
        _("来源"), max_length=10, choices=WarningSource.choices, default=WarningSource.MANUAL
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fraud_warnings",
        verbose_name=_("人口库人员"),
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fraud_warnings",
        verbose_name=_("社区/村"),
    )
    match_method = models.CharField(
        _("匹配方式"), max_length=20, choices=MatchMethod.choices, default=MatchMethod.NONE
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fraud_warnings",
        verbose_name=_("责任民警"),
    )
    assigned_at = models.DateTimeField(_("指派时间"), null=True, blank=True)
    contact_due_at = models.DateTimeField(_("联系期限"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=WarningStatus.choices, default=WarningStatus.UNASSIGNED
    )
    outcome = models.CharField(_("处置结果"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    outcome_note = models.TextField(_("处置情况"), blank=True)
    amount_protected = models.DecimalField(
        _("避免损失(元)"), max_digits=14, decimal_places=2, default=0
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("合并到"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )

    objects = WarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警指令")
        verbose_name_plural = _("预警指令")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["station", "-received_at"], name="fraudwarn_station_recv_idx"),
            models.Index(fields=["station", "status"], name="fraudwarn_station_status_idx"),
            models.Index(fields=["station", "phone"], name="fraudwarn_station_phone_idx"),
            models.Index(fields=["station", "id_number"], name="fraudwarn_station_id_idx"),
            models.Index(fields=["officer", "status"], name="fraudwarn_officer_status_idx"),
            models.Index(fields=["status", "contact_due_at"], name="fraudwarn_status_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "reference"], name="fraudwarn_reference_unique_in_station"
            ),
            models.UniqueConstraint(
                fields=["station", "external_id"],
                condition=~models.Q(external_id=""),
                name="fraudwarn_external_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(phone="", id_number=""),
                name="fraudwarn_phone_or_id",
                violation_error_message="预警须有手机号或身份证号",
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("antifraud:warning_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def contact_minutes(self) -> float | None:
        if self.first_contact_at is None:
            return None
        return (self.first_contact_at - self.received_at).total_seconds() / 60


class WarningEvent(models.Model):
    """One step of a warning's timeline (typed)."""

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["warning", "at"], name="fraudwarn_event_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class DissuasionAttempt(ChangeLogged):
    """One attempt to reach and dissuade the person: by phone, a visit (四查看/三询问), or through family."""

    warning = models.ForeignKey(
        Warning, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("预警指令")
    )
    method = models.CharField(_("方式"), max_length=10, choices=AttemptMethod.choices)
    at = models.DateTimeField(_("时间"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("民警")
    )
    reached = models.BooleanField(_("已联系上"), default=False)
    result = models.CharField(_("情况"), max_length=500)
    checklist = models.JSONField(_("四查看/三询问"), default=dict, blank=True)

    class Meta:
        verbose_name = _("劝阻记录")
        verbose_name_plural = _("劝阻记录")
        ordering = ["at", "pk"]

    @property
    def station_id(self):
        return self.warning.station_id

    def __str__(self):
        return f"{self.get_method_display()} {self.at:%Y-%m-%d %H:%M}"


class FraudCaseQuerySet(StationDeskQuerySet):
    officer_path = "officer"


class FraudCase(ChangeLogged):
    """电信网络诈骗案件: one fraud case of the station with its loss — the record behind the figures.

    A warning closed as 已被骗 creates one (with the loss) and opens a 诈骗 incident; others are entered
    by hand (cases reported without a warning)."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fraud_cases",
        verbose_name=_("社区/村"),
    )
    reference = models.CharField(_("案件登记号"), max_length=30)
    occurred_on = models.DateField(_("发案日期"))
    fraud_type = models.ForeignKey(
        FraudType, on_delete=models.PROTECT, related_name="cases", verbose_name=_("诈骗类型")
    )
    victim_name = models.CharField(_("受害人"), max_length=50, blank=True)
    loss = models.DecimalField(_("损失金额(元)"), max_digits=14, decimal_places=2)
    solved = models.BooleanField(_("已破案"), default=False)
    suspects_caught = models.PositiveIntegerField(_("抓获嫌疑人"), default=0)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任民警"),
    )
    warning = models.OneToOneField(
        Warning,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fraud_case",
        verbose_name=_("预警指令"),
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("诈骗警情"),
    )
    note = models.TextField(_("简要案情"), blank=True)

    objects = FraudCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("诈骗案件")
        verbose_name_plural = _("诈骗案件")
        ordering = ["-occurred_on", "-pk"]
        indexes = [
            models.Index(fields=["station", "occurred_on"], name="fraudcase_station_date_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "reference"], name="fraudcase_reference_unique_in_station"
            ),
            models.CheckConstraint(
                condition=models.Q(loss__gte=0), name="fraudcase_loss_not_negative"
            ),
        ]

    def __str__(self):
        return self.reference


class PublicityActivity(ChangeLogged):
    """A publicity event: where, when, what kind, how many people reached, who ran it."""

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
    date = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=100)
    kind = models.CharField(_("形式"), max_length=10, choices=ActivityKind.choices)
    audience = models.PositiveIntegerField(_("覆盖人数"), default=0)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("组织民警"),
    )
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    note = models.TextField(_("内容"), blank=True)

    objects = StationDeskQuerySet.as_manager()

    class Meta:
        verbose_name = _("宣传活动")
        verbose_name_plural = _("宣传活动")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["station", "-date"], name="fraudpub_station_date_idx")]

    def __str__(self):
        return f"{self.date} {self.place}"


class ContentQuerySet(ScopedQuerySet):
    community_path = None


class PublicityContent(ChangeLogged):
    """A content item used in publicity: a slogan, a teaching case, a column — kept up to date."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=ContentKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    place = models.CharField(_("展示位置"), max_length=100, blank=True)
    active = models.BooleanField(_("使用中"), default=True)
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新人"),
    )

    objects = ContentQuerySet.as_manager()

    class Meta:
        verbose_name = _("宣传内容")
        verbose_name_plural = _("宣传内容")
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return self.title


class ContentUpdate(models.Model):
    """One update of a content item (the previous text kept)."""

    content = models.ForeignKey(PublicityContent, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_title = models.CharField(_("原标题"), max_length=100)
    previous_body = models.TextField(_("原内容"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.content_id} {self.at:%Y-%m-%d %H:%M}"


def _upload_to(instance, filename):
    from django.utils import timezone

    return f"antifraud/imports/{timezone.now():%Y/%m}/{filename}"


class WarningImport(models.Model):
    """One spreadsheet of warnings from the county centre: checked (dry run) on upload, then committed."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("已校验")
        DONE = "done", _("已导入")
        FAILED = "failed", _("失败")

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    original_name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to=_upload_to, max_length=300)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.CHECKED
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    valid_count = models.PositiveIntegerField(_("正确行数"), default=0)
    invalid_count = models.PositiveIntegerField(_("错误行数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    summary = models.TextField(_("结果"), blank=True)
    created_count = models.PositiveIntegerField(_("新建预警"), default=0)
    merged_count = models.PositiveIntegerField(_("合并预警"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ContentQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警导入")
        verbose_name_plural = _("预警导入")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.original_name
