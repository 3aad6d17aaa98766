"""Enumerations of the weekly law study (法规学习), with Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("未开始")
    OPEN = "open", _("签到中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    LATE = "late", _("迟到")
    ABSENT = "absent", _("缺席")
    EXCUSED = "excused", _("请假")


ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class SignInMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    MANUAL = "manual", _("补登")
    CLOSE = "close", _("结束时记缺席")


class AttemptPolicy(models.TextChoices):
    ONE = "one", _("只能答一次")
    BEST = "best", _("可多次作答,取最高分")
