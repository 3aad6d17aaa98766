"""Enumerations of the registration desk (户籍室一门通办), with Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CHECKED_IN = "checked_in", _("已签到取号")
    SERVED = "served", _("已办理")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("爽约")


ACTIVE_APPOINTMENT = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


class TicketSource(models.TextChoices):
    ONSITE = "onsite", _("现场取号")
    APPOINTMENT = "appointment", _("预约签到")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("等候中")
    CALLED = "called", _("办理中")
    DONE = "done", _("已办结")
    SKIPPED = "skipped", _("过号")
    CANCELLED = "cancelled", _("已作废")


class TicketEventKind(models.TextChoices):
    TAKEN = "taken", _("取号")
    CALLED = "called", _("叫号")
    RECALLED = "recalled", _("重呼")
    SKIPPED = "skipped", _("过号")
    REQUEUED = "requeued", _("过号重排")
    TRANSFERRED = "transferred", _("转移")
    FINISHED = "finished", _("办结")
    RATED = "rated", _("评价")
    NEAR_SMS = "near_sms", _("临近短信")


class Score(models.IntegerChoices):
    VERY_GOOD = 5, _("非常满意")
    GOOD = 4, _("满意")
    BASIC = 3, _("基本满意")
    BAD = 2, _("不满意")
    VERY_BAD = 1, _("非常不满意")


class SmsPurpose(models.TextChoices):
    CODE = "code", _("验证码")
    BOOKED = "booked", _("预约成功")
    NEAR = "near", _("即将叫号")
    RATE = "rate", _("邀请评价")
    CANCELLED = "cancelled", _("预约取消")


class SmsState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未配置短信网关")
