from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")


class ObjectChange(models.Model):
    """One create, update or delete of any change-logged record: who, when, before, after."""

    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    user_name = models.CharField(_("用户姓名"), max_length=100, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=36, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(_("对象"), max_length=200)
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    source = models.CharField(
        _("来源"), max_length=30, blank=True, help_text=_("web, api, import, command, job")
    )

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-time"]),
            models.Index(fields=["station", "-time"]),
            models.Index(fields=["user", "-time"]),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    @property
    def changed_fields(self) -> list[tuple[str, object, object]]:
        before = self.before or {}
        after = self.after or {}
        keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
        return [(k, before.get(k), after.get(k)) for k in keys]


class PersonalDataAccess(models.Model):
    """A record that someone saw a person's personal data unmasked."""

    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user_name = models.CharField(_("用户姓名"), max_length=100)
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(_("对象"), max_length=200)
    fields = models.JSONField(_("字段"), default=list)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    channel = models.CharField(_("途径"), max_length=20, default="web")
    request_id = models.CharField(max_length=36, blank=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-time"]),
            models.Index(fields=["user", "-time"]),
        ]

    def __str__(self):
        return _("%(user)s 查看 %(object)s") % {"user": self.user_name, "object": self.object_repr}


# Workflow core (time-limit rules, clocks, warnings, reference numbers) lives in its own module.
from fengqiao.core.workflow_models import (  # noqa: E402,F401
    CalendarDay,
    Clock,
    ClockExtension,
    ClockPause,
    ClockWarning,
    ReferenceCounter,
    TimeLimitRule,
    TimeLimitRuleQuerySet,
)


class FormSubmission(models.Model):
    """One claimed create-form token (core.idempotency): a replay answers with `result`."""

    token = models.UUIDField(_("提交标识"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    path = models.CharField(_("地址"), max_length=300)
    result = models.CharField(_("结果地址"), max_length=500, blank=True)
    # An API create's answer (status and JSON body), replayed for the same Idempotency-Key.
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("表单提交")
        verbose_name_plural = _("表单提交")

    def __str__(self):
        return f"{self.path} {self.token}"


class RateHit(models.Model):
    """One counted request of a rate limit (core/ratelimit.py). Kept in the database so that every web
    process (gunicorn workers, several hosts) counts against the same limit; deleted after a day."""

    key = models.CharField(max_length=120)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="core_ratehit_key_at")]

    def __str__(self):
        return f"{self.key} {self.at:%Y-%m-%d %H:%M:%S}"
