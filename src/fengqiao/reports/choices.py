from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好(不低于目标)")
    LOWER = "lower", _("越低越好(不高于目标)")


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("周报")
    MONTHLY = "monthly", _("月报")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReportSource(models.TextChoices):
    SCHEDULE = "schedule", _("定时生成")
    DEMAND = "demand", _("手动生成")


class ReportFormat(models.TextChoices):
    DOCX = "docx", "Word"
    XLSX = "xlsx", "Excel"
    PDF = "pdf", "PDF"


class Level(models.TextChoices):
    STATION = "station", _("派出所")
    UNIT = "unit", _("队室")
    OFFICER = "officer", _("民警")
