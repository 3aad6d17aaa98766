"""Tables of the workflow core: time-limit rules (versioned data), clocks on any object, warnings, numbers.

Imported at the end of core/models.py so Django finds them in the `core` app.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core import rules
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.choices import ClockState, ExtensionDecision, TimeUnit
from fengqiao.core.scoping import ScopedQuerySet


def _default_fractions():
    return list(rules.DEFAULT_WARNING_FRACTIONS)


class TimeLimitRuleQuerySet(models.QuerySet):
    def effective_on(self, day):
        return self.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=day)
        )


class TimeLimitRule(ChangeLogged):
    """One version of a legal time limit. A revision is a new row; clocks keep the row they started under.

    A version is in force on days effective_from <= day < effective_to (Asia/Shanghai dates).
    extension_options: [{"key", "label", "value", "unit", "approver_roles": [...], "max_times"}].
    """

    kind = models.CharField(_("时钟类型"), max_length=50, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    law_version = models.CharField(_("法律版本"), max_length=200, blank=True)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    limit_value = models.PositiveIntegerField(_("期限"))
    limit_unit = models.CharField(_("单位"), max_length=20, choices=TimeUnit.choices)
    holiday_rolls = models.BooleanField(
        _("末日遇节假日顺延"), default=True, help_text=_("羁押期间不因节假日延长:关闭此项")
    )
    pausable = models.BooleanField(
        _("可暂停计时"), default=False, help_text=_("如鉴定期间不计入办理期限")
    )
    extension_options = models.JSONField(_("延长方式"), default=list, blank=True)
    extension_cap_value = models.PositiveIntegerField(_("法定最长延长"), null=True, blank=True)
    extension_cap_unit = models.CharField(
        _("最长延长单位"), max_length=20, choices=TimeUnit.choices, blank=True
    )
    legal_basis = models.TextField(_("法律依据"), blank=True)
    warning_fractions = models.JSONField(_("预警点"), default=_default_fractions)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修订人"),
    )

    objects = TimeLimitRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "effective_from"], name="timelimitrule_kind_from_unique"
            ),
            models.CheckConstraint(
                condition=Q(limit_value__gt=0), name="timelimitrule_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="timelimitrule_dates_ordered",
            ),
        ]

    def __str__(self):
        return _("%(name)s(%(limit)s, %(date)s起)") % {
            "name": self.name,
            "limit": self.limit_display,
            "date": f"{self.effective_from:%Y-%m-%d}",
        }

    @property
    def limit_display(self) -> str:
        return rules.describe(self.limit_value, self.limit_unit)

    @property
    def extension_cap_display(self) -> str:
        if not self.extension_cap_value:
            return ""
        return rules.describe(self.extension_cap_value, self.extension_cap_unit)

    def option(self, key: str) -> dict | None:
        return next((o for o in self.extension_options if o.get("key") == key), None)


class ClockQuerySet(ScopedQuerySet):
    community_path = None

    def open(self):
        return self.filter(state__in=[ClockState.RUNNING, ClockState.PAUSED])


class Clock(ChangeLogged):
    """A legal time limit running on one workflow object (a case, a dispute, a fraud warning...)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    obj = GenericForeignKey("content_type", "object_id")
    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.PROTECT,
        related_name="clocks",
        verbose_name=_("派出所"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clocks",
        verbose_name=_("承办人"),
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clocks",
        verbose_name=_("单位"),
    )
    kind = models.CharField(_("时钟类型"), max_length=50)
    rule = models.ForeignKey(
        TimeLimitRule, on_delete=models.PROTECT, related_name="clocks", verbose_name=_("规则版本")
    )
    title = models.CharField(_("事项"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("到期时间"), db_index=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=ClockState.choices, default=ClockState.RUNNING
    )
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    paused_seconds = models.PositiveBigIntegerField(_("累计暂停秒数"), default=0)
    next_warning_at = models.DateTimeField(_("下次预警时间"), null=True, blank=True)
    next_warning_level = models.PositiveSmallIntegerField(_("下次预警级别"), null=True, blank=True)
    last_warning_level = models.PositiveSmallIntegerField(_("已发预警级别"), default=0)
    stopped_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超期时间"), null=True, blank=True)

    objects = ClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        indexes = [
            models.Index(
                fields=["next_warning_at"], condition=Q(state="running"), name="clock_sweep_idx"
            ),
            models.Index(fields=["content_type", "object_id"], name="clock_object_idx"),
            models.Index(fields=["assignee", "state", "due_at"], name="clock_assignee_due_idx"),
            models.Index(fields=["station", "state", "due_at"], name="clock_station_due_idx"),
        ]

    def __str__(self):
        return f"{self.rule.name if self.rule_id else self.kind} #{self.pk}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("core:clock_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)

    @property
    def levels(self) -> int:
        return len(self.rule.warning_fractions)

    @property
    def colour(self) -> str:
        """The colour of the highest warning fired so far ('' when none)."""
        if self.state == ClockState.BREACHED:
            return rules.LEVEL_RED
        if not self.last_warning_level:
            return ""
        return rules.level_colour(self.last_warning_level, self.levels)


class ClockPause(ChangeLogged):
    """A stretch of time that does not count (e.g. 鉴定)."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField(_("暂停开始"))
    ended_at = models.DateTimeField(_("暂停结束"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("暂停计时")
        verbose_name_plural = _("暂停计时")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock"], condition=Q(ended_at__isnull=True), name="clockpause_one_open"
            )
        ]

    def __str__(self):
        return f"{self.clock_id} {self.reason}"


class ClockExtension(ChangeLogged):
    """A request to extend a clock, and its decision."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="extensions")
    option_key = models.CharField(_("延长方式"), max_length=50)
    label = models.CharField(_("名称"), max_length=100)
    value = models.PositiveIntegerField(_("延长"))
    unit = models.CharField(_("单位"), max_length=20, choices=TimeUnit.choices)
    reason = models.TextField(_("理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decision = models.CharField(
        _("审批结果"),
        max_length=20,
        choices=ExtensionDecision.choices,
        default=ExtensionDecision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    note = models.TextField(_("审批意见"), blank=True)
    due_before = models.DateTimeField(_("原到期时间"), null=True, blank=True)
    due_after = models.DateTimeField(_("延长后到期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("延长申请")
        verbose_name_plural = _("延长申请")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock"], condition=Q(decision="pending"), name="clockextension_one_pending"
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="clockextension_value_positive"),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_decision_display()})"

    @property
    def display(self) -> str:
        return rules.describe(self.value, self.unit)


class ClockWarning(models.Model):
    """A warning level that fired for a clock. Each level fires once (unique)."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="warnings")
    level = models.PositiveSmallIntegerField(_("级别"))
    colour = models.CharField(_("颜色"), max_length=10)
    fired_at = models.DateTimeField(_("发出时间"))
    scheduled_at = models.DateTimeField(_("应发时间"))
    due_at = models.DateTimeField(_("当时到期时间"))
    recipients = models.JSONField(_("接收人"), default=list)

    class Meta:
        verbose_name = _("时限预警")
        verbose_name_plural = _("时限预警")
        ordering = ["clock", "level"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "level"], name="clockwarning_once_per_level")
        ]

    def __str__(self):
        return f"{self.clock_id} L{self.level}"


class ReferenceCounter(models.Model):
    """The last number handed out per (kind, station, year). Locked while incremented."""

    kind = models.CharField(max_length=10)
    station = models.ForeignKey("accounts.Station", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("编号计数器")
        verbose_name_plural = _("编号计数器")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "station", "year"], name="referencecounter_unique"
            )
        ]

    def __str__(self):
        return f"{self.kind}-{self.year} @{self.station_id}: {self.last}"


class CalendarDay(ChangeLogged):
    """One day of the State Council's holiday arrangement (节假日安排) the station entered itself.

    Used only for a year the installed `chinesecalendar` does not know yet (core/calendar.py):
    day_off=True is a 放假 weekday (元旦, 春节 …), day_off=False a 调休上班 Saturday or Sunday.
    """

    date = models.DateField(_("日期"), unique=True)
    day_off = models.BooleanField(
        _("放假"), default=True, help_text=_("是:放假(法定节假日);否:调休上班的周六、周日")
    )
    name = models.CharField(_("节日"), max_length=20)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date__gte="2000-01-01") & Q(date__lte="2100-12-31"),
                name="calendarday_date_in_range",
            )
        ]

    def __str__(self):
        kind = _("休") if self.day_off else _("班")
        return f"{self.date:%Y-%m-%d} {kind} {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from fengqiao.core import calendar as cn_calendar

        if not (self.name or "").strip():
            raise ValidationError({"name": _("请填写节日名称(如:元旦、春节)")})
        if self.date is not None:
            problem = cn_calendar.entry_problem(self.date, bool(self.day_off))
            if problem:
                raise ValidationError({"date": problem})
