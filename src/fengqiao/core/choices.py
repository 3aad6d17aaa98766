"""Enumerations of the workflow core (clocks, rules) with Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core import rules


class TimeUnit(models.TextChoices):
    MINUTES = rules.MINUTES, _("分钟")
    HOURS = rules.HOURS, _("小时")
    DAYS = rules.DAYS, _("日")
    WORKING_DAYS = rules.WORKING_DAYS, _("工作日")
    MONTHS = rules.MONTHS, _("月")


class ClockState(models.TextChoices):
    RUNNING = "running", _("计时中")
    PAUSED = "paused", _("暂停")
    MET = "met", _("按时完成")
    BREACHED = "breached", _("已超期")
    CANCELLED = "cancelled", _("已撤销")


class ExtensionDecision(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
