from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    INFO = "info", _("普通")
    YELLOW = "yellow", _("黄色")
    ORANGE = "orange", _("橙色")
    RED = "red", _("红色")


LEVEL_RANK = {Level.INFO: 0, Level.YELLOW: 1, Level.ORANGE: 2, Level.RED: 3}


class Channel(models.TextChoices):
    EMAIL = "email", _("邮件")
    WEBHOOK = "webhook", _("Webhook")
    SMS = "sms", _("短信")


class DeliveryState(models.TextChoices):
    HELD = "held", _("免打扰暂缓")
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("无地址跳过")


class Outcome(models.TextChoices):
    OK = "ok", _("成功")
    ERROR = "error", _("失败")
