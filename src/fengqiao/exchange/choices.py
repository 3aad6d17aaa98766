from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PERSONS = "persons", _("实有人口")
    HOUSES = "houses", _("实有房屋")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("已校验")
    COMMITTING = "committing", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    ABANDONED = "abandoned", _("已放弃")


class ImportMode(models.TextChoices):
    ALL = "all", _("全部导入(要求无错误)")
    VALID_ONLY = "valid_only", _("只导入正确的行")


class ExportStatus(models.TextChoices):
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ExportKind(models.TextChoices):
    PERSONS = "persons", _("实有人口")
    HOUSES = "houses", _("实有房屋")
    ADDRESSES = "addresses", _("标准地址")
    ORGANISATIONS = "organisations", _("实有单位")
    COMMUNITIES = "communities", _("社区/村")
    INCIDENTS = "incidents", _("警情")
    FRAUD_WARNINGS = "fraud_warnings", _("反诈预警")


# The registry pages name kinds in the singular (person, house...); URLs accept either spelling.
KIND_ALIASES = {
    "person": "persons",
    "persons": "persons",
    "house": "houses",
    "houses": "houses",
    "address": "addresses",
    "addresses": "addresses",
    "organisation": "organisations",
    "organisations": "organisations",
    "community": "communities",
    "communities": "communities",
}

RUNNING_STATUSES = frozenset(
    {ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.COMMITTING}
)
