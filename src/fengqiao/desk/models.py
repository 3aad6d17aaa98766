"""户籍室一门通办: the service catalogue, online appointments, on-site numbers, counters, the queue,
好差评 ratings, and the SMS the desk sends to residents (who are not users)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet
from fengqiao.desk.choices import (
    ACTIVE_APPOINTMENT,
    AppointmentStatus,
    Score,
    SmsPurpose,
    SmsState,
    TicketEventKind,
    TicketSource,
    TicketStatus,
)

PHONE_VALIDATOR = RegexValidator(r"^1[3-9]\d{9}$", _("请输入11位手机号"))


class StationScoped(ScopedQuerySet):
    community_path = None


class DeskConfig(ChangeLogged):
    """The station's operating rules of the desk (data, edited by the station's leaders)."""

    station = models.OneToOneField(
        "accounts.Station",
        on_delete=models.CASCADE,
        related_name="desk_config",
        verbose_name=_("派出所"),
    )
    booking_days_ahead = models.PositiveSmallIntegerField(
        _("可预约天数"), default=14, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    booking_cutoff_hour = models.PositiveSmallIntegerField(
        _("当天预约截止(时)"),
        default=12,
        validators=[MaxValueValidator(24)],
        help_text=_("当天的预约在此钟点之后不再接受;0表示不能预约当天"),
    )
    notify_ahead = models.PositiveSmallIntegerField(
        _("前面还剩几位时短信提醒"), default=3, validators=[MaxValueValidator(50)]
    )
    noshow_limit = models.PositiveSmallIntegerField(
        _("爽约几次后限制预约"), default=2, validators=[MinValueValidator(1)]
    )
    noshow_window_days = models.PositiveSmallIntegerField(_("爽约统计天数"), default=90)
    noshow_block_days = models.PositiveSmallIntegerField(_("限制预约天数"), default=30)
    appointment_priority = models.BooleanField(
        _("预约签到优先叫号"), default=True, help_text=_("签到后的预约号排在现场号之前")
    )
    rating_hours = models.PositiveSmallIntegerField(_("评价链接有效(小时)"), default=72)

    class Meta:
        verbose_name = _("一门通办设置")
        verbose_name_plural = _("一门通办设置")

    def __str__(self):
        return f"{self.station} 一门通办设置"


class Service(ChangeLogged):
    """One item of the catalogue (户口迁移, 身份证申领 …) with the documents the resident brings."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    prefix = models.CharField(
        _("号段字母"),
        max_length=1,
        validators=[RegexValidator(r"^[A-Z]$", _("号段字母须为一个大写英文字母"))],
    )
    name = models.CharField(_("事项名称"), max_length=60)
    description = models.TextField(_("说明"), blank=True)
    documents = models.TextField(_("所需材料"), blank=True, help_text=_("每行一项"))
    minutes = models.PositiveSmallIntegerField(
        _("平均办理(分钟)"), default=10, validators=[MinValueValidator(1)]
    )
    bookable = models.BooleanField(_("可网上预约"), default=True)
    daily_capacity = models.PositiveSmallIntegerField(
        _("每日预约名额"), default=20, validators=[MaxValueValidator(500)]
    )
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = StationScoped.as_manager()

    class Meta:
        verbose_name = _("办理事项")
        verbose_name_plural = _("办理事项")
        ordering = ["sort", "prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "prefix"], name="desk_service_prefix_unique"
            ),
            models.UniqueConstraint(fields=["station", "name"], name="desk_service_name_unique"),
        ]

    def __str__(self):
        return f"{self.prefix} {self.name}"

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in self.documents.splitlines() if line.strip()]


class Counter(ChangeLogged):
    """A window (窗口) of the registration room and the services it serves."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    number = models.PositiveSmallIntegerField(_("窗口号"), validators=[MinValueValidator(1)])
    name = models.CharField(_("名称"), max_length=40, blank=True)
    services = models.ManyToManyField(Service, related_name="counters", verbose_name=_("办理事项"))
    active = models.BooleanField(_("启用"), default=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当前值守"),
    )

    objects = StationScoped.as_manager()

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["station", "number"], name="desk_counter_number_unique")
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import gettext

        label = gettext("%(n)s号窗口") % {"n": self.number}
        return label + (f"({self.name})" if self.name else "")

    def get_absolute_url(self):
        return reverse("desk:counter", args=[self.pk])


class BookingDay(models.Model):
    """Bookings taken for one service on one day: the capacity is claimed by a conditional UPDATE
    (booked < capacity), never by counting rows."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="booking_days")
    date = models.DateField()
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "date"], name="desk_bookingday_unique"),
            models.CheckConstraint(
                condition=Q(booked__gte=0), name="desk_bookingday_booked_nonneg"
            ),
        ]

    def __str__(self):
        return f"{self.service} {self.date} {self.booked}/{self.capacity}"


class AppointmentQuerySet(StationScoped):
    def active(self):
        return self.filter(status__in=ACTIVE_APPOINTMENT)


class Appointment(ChangeLogged):
    """A resident's online booking: one service, one day. The phone was verified by an SMS code."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    reference = models.CharField(_("预约号"), max_length=30)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("办理事项")
    )
    date = models.DateField(_("预约日期"))
    name = models.CharField(_("姓名"), max_length=30)
    phone = models.CharField(_("手机号"), max_length=11, validators=[PHONE_VALIDATOR])
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    cancel_code_hash = models.CharField(max_length=128)
    cancel_failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("预约时间"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by_resident = models.BooleanField(default=False)
    no_show_at = models.DateTimeField(_("爽约记录时间"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "reference"], name="desk_appointment_reference_unique"
            ),
            # One active booking per phone, service and day: a double booking is refused by the database too.
            models.UniqueConstraint(
                fields=["service", "date", "phone"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="desk_appointment_one_active",
            ),
        ]
        indexes = [
            models.Index(fields=["station", "date", "status"], name="desk_appt_day_idx"),
            models.Index(fields=["phone", "status"], name="desk_appt_phone_idx"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("desk:appointment_list") + f"?q={self.reference}"


class TicketQuerySet(StationScoped):
    def waiting(self):
        return self.filter(status=TicketStatus.WAITING)


class Ticket(ChangeLogged):
    """One number of the day (A001): taken on site or from a checked-in appointment."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    date = models.DateField(_("日期"))
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("办理事项")
    )
    # The number is fixed when taken (prefix of the service taken, then a per-day sequence): a
    # transfer keeps it.
    number = models.CharField(_("号码"), max_length=8)
    seq = models.PositiveIntegerField()
    source = models.CharField(
        _("来源"), max_length=12, choices=TicketSource.choices, default=TicketSource.ONSITE
    )
    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket",
        verbose_name=_("预约"),
    )
    priority = models.SmallIntegerField(_("优先级"), default=0)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    taken_at = models.DateTimeField(_("取号时间"), default=timezone.now)
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    first_called_at = models.DateTimeField(_("首次叫号时间"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(_("呼叫次数"), default=0)
    counter = models.ForeignKey(
        Counter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("窗口"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    near_sms_at = models.DateTimeField(null=True, blank=True)
    rating_token = models.CharField(max_length=24, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        ordering = ["-date", "taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "date", "number"], name="desk_ticket_number_unique"
            ),
            models.UniqueConstraint(
                fields=["rating_token"],
                condition=~Q(rating_token=""),
                name="desk_ticket_rating_token_unique",
            ),
            # A counter serves one number at a time.
            models.UniqueConstraint(
                fields=["counter"], condition=Q(status="called"), name="desk_ticket_one_per_counter"
            ),
        ]
        indexes = [
            # "call next": the waiting numbers of the day for a few services, best first.
            models.Index(
                fields=["station", "date", "status", "service", "-priority", "taken_at"],
                name="desk_ticket_queue_idx",
            ),
            models.Index(fields=["station", "date", "called_at"], name="desk_ticket_calls_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def wait_seconds(self) -> float | None:
        if self.first_called_at is None:
            return None
        return (self.first_called_at - self.taken_at).total_seconds()

    @property
    def service_seconds(self) -> float | None:
        if self.finished_at is None or self.called_at is None:
            return None
        return (self.finished_at - self.called_at).total_seconds()


class TicketEvent(models.Model):
    """One step of a number's life (typed): taken, called, recalled, skipped, transferred, finished, rated."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=TicketEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="desk_ticketevent_idx")]

    def __str__(self):
        return f"{self.ticket} {self.kind}"


class Rating(ChangeLogged):
    """好差评: the resident's rating of one finished number, once."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="rating", verbose_name=_("排队号")
    )
    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("评价"), choices=Score.choices)
    comment = models.CharField(_("意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    objects = StationScoped.as_manager()

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")

    def __str__(self):
        return f"{self.ticket} {self.score}"


class PhoneVerification(models.Model):
    """An SMS code sent to a phone (only its salted hash is kept); expires, with limited attempts."""

    phone = models.CharField(max_length=11)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "created_at"], name="desk_verif_phone_idx")]

    def __str__(self):
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class PublicHit(models.Model):
    """One counted action of the public pages (rate limits per address and per phone)."""

    key = models.CharField(max_length=80)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="desk_publichit_idx")]

    def __str__(self):
        return self.key


class ResidentSms(models.Model):
    """An SMS to a resident (not a user): sent through the notifications SMS gateway channel, retried
    with the same backoff as the notifications' deliveries."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.CASCADE, related_name="+", null=True
    )
    phone = models.CharField(_("手机号"), max_length=11)
    purpose = models.CharField(_("用途"), max_length=12, choices=SmsPurpose.choices)
    text = models.CharField(_("内容"), max_length=300)
    state = models.CharField(
        _("状态"), max_length=10, choices=SmsState.choices, default=SmsState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("群众短信")
        verbose_name_plural = _("群众短信")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="desk_sms_due_idx")]

    def __str__(self):
        return f"{self.phone} {self.purpose} {self.state}"
