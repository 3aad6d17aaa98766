"""综合指挥室: command-room alerts, the duty roster, cameras and the video-patrol log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.command.choices import (
    AlertKind,
    AlertLevel,
    CheckResult,
    Post,
    StreamKind,
    SwapStatus,
)
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet


class StationQuerySet(ScopedQuerySet):
    community_path = None


# ----------------------------------------------------------------------------- alerts


class AlertQuerySet(StationQuerySet):
    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)


class Alert(ChangeLogged):
    """One thing the command room must see, from one source record (an incident, a red dispute, a
    fraud warning near its contact deadline, an overdue clock, a vehicle or estate alarm). The same
    source raises one alert ever: a repeat bumps `count` and `last_seen_at`. Alerts with the same
    `group_key` are shown together on the wall."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=AlertKind.choices)
    source_kind = models.CharField(_("来源类型"), max_length=40)
    source_id = models.BigIntegerField(_("来源编号"))
    group_key = models.CharField(_("分组"), max_length=120)
    level = models.CharField(
        _("级别"), max_length=10, choices=AlertLevel.choices, default=AlertLevel.ORANGE
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.CharField(_("内容"), max_length=500, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区/村"),
    )
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("首次发生"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("最近发生"), default=timezone.now)
    count = models.PositiveIntegerField(_("次数"), default=1)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    ack_note = models.CharField(_("确认说明"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    escalated_to = models.JSONField(_("升级通知"), default=list, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("指挥室告警")
        verbose_name_plural = _("指挥室告警")
        ordering = ["-last_seen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], name="command_alert_one_per_source"
            )
        ]
        indexes = [
            models.Index(
                fields=["station", "-last_seen_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="command_alert_open_idx",
            ),
            models.Index(fields=["station", "-last_seen_at"], name="command_alert_station_idx"),
            models.Index(
                fields=["first_seen_at"],
                condition=Q(acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="command_alert_escalate_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("command:alert_list") + f"?id={self.pk}"


# ----------------------------------------------------------------------------- roster


class Shift(ChangeLogged):
    """A shift of the station's day, on the station's clock (Asia/Shanghai); a shift that ends at or
    before it starts runs past midnight into the next day."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    name = models.CharField(_("班次"), max_length=30)
    starts = models.TimeField(_("开始"))
    ends = models.TimeField(_("结束"))
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["sort", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="command_shift_name_unique")
        ]

    def __str__(self):
        return f"{self.name} {self.starts:%H:%M}–{self.ends:%H:%M}"


class DutyAssignment(ChangeLogged):
    """One person on one post of one shift of one day (the shift starts on `day`)."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    day = models.DateField(_("日期"))
    shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("班次")
    )
    post = models.CharField(_("岗位"), max_length=20, choices=Post.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_assignments",
        verbose_name=_("值班人员"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["day", "shift__sort", "post", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "shift", "user"], name="command_duty_one_post_per_shift"
            )
        ]
        indexes = [
            models.Index(fields=["station", "day"], name="command_duty_station_day_idx"),
            models.Index(fields=["user", "day"], name="command_duty_user_day_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.shift.name} {self.get_post_display()} {self.user}"


class LeaderWeek(ChangeLogged):
    """周带班所领导: the station leader in charge for one week (Monday to Sunday)."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    week_start = models.DateField(_("周一"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("带班所领导"),
    )

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("周带班所领导")
        verbose_name_plural = _("周带班所领导")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "week_start"], name="command_leader_week_unique"
            )
        ]

    def __str__(self):
        return f"{self.week_start} {self.leader}"


class SwapRequest(ChangeLogged):
    """调班: someone asks to hand one duty to a colleague; the week's 带班所领导 decides."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    assignment = models.ForeignKey(
        DutyAssignment,
        on_delete=models.CASCADE,
        related_name="swaps",
        verbose_name=_("值班安排"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    replacement = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("替班人"),
    )
    reason = models.CharField(_("理由"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING
    )
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("调班申请")
        verbose_name_plural = _("调班申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="pending"),
                name="command_swap_one_pending",
            )
        ]
        indexes = [models.Index(fields=["station", "status"], name="command_swap_status_idx")]

    def __str__(self):
        return f"{self.assignment} → {self.replacement}"


# ----------------------------------------------------------------------------- video patrol


class Camera(ChangeLogged):
    """A camera of the station's existing video platform; the browser plays its stream URL."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    name = models.CharField(_("名称"), max_length=60)
    place = models.CharField(_("位置"), max_length=200)
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区/村"),
    )
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    stream_kind = models.CharField(_("流类型"), max_length=10, choices=StreamKind.choices)
    # an http(s):// address, or a path this app serves (the demo's test pattern): services.check_stream_url
    stream_url = models.CharField(_("视频流地址"), max_length=500)
    active = models.BooleanField(_("启用"), default=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("摄像头")
        verbose_name_plural = _("摄像头")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="command_camera_name_unique")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("command:camera_detail", args=[self.pk])


class PatrolPoint(ChangeLogged):
    """A place watched on the video patrol; a key point (重点部位) is looked at every `interval_minutes`."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    name = models.CharField(_("巡查点"), max_length=60)
    place = models.CharField(_("位置"), max_length=200, blank=True)
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区/村"),
    )
    cameras = models.ManyToManyField(
        Camera, blank=True, related_name="points", verbose_name=_("摄像头")
    )
    is_key = models.BooleanField(_("重点部位"), default=True)
    interval_minutes = models.PositiveIntegerField(_("巡查间隔(分钟)"), default=30)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    last_checked_at = models.DateTimeField(_("最近巡查"), null=True, blank=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查点")
        verbose_name_plural = _("巡查点")
        ordering = ["sort", "name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="command_point_name_unique")
        ]

    def __str__(self):
        return self.name


class PatrolRound(ChangeLogged):
    """One pass of the video patrol by one person (a 巡查轮次)."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("巡查人"),
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查轮次")
        verbose_name_plural = _("巡查轮次")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["station", "-started_at"], name="command_round_station_idx")
        ]

    def __str__(self):
        return f"{self.started_by} {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("command:round_detail", args=[self.pk])


class PatrolCheck(ChangeLogged):
    """巡查日志: one look at one point; a finding can open an incident in the same step."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    patrol_round = models.ForeignKey(
        PatrolRound,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("巡查轮次"),
    )
    point = models.ForeignKey(
        PatrolPoint, on_delete=models.PROTECT, related_name="checks", verbose_name=_("巡查点")
    )
    camera = models.ForeignKey(
        Camera,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("摄像头"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("巡查人"),
    )
    at = models.DateTimeField(_("巡查时间"), default=timezone.now)
    result = models.CharField(_("结果"), max_length=10, choices=CheckResult.choices)
    note = models.CharField(_("情况"), max_length=500, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生成警情"),
    )

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["station", "-at"], name="command_check_station_idx"),
            models.Index(fields=["point", "-at"], name="command_check_point_idx"),
        ]

    def __str__(self):
        return f"{self.point} {self.get_result_display()}"
