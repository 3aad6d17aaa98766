"""Spreadsheet imports (one ImportJob per uploaded file) and the record of every export."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.exchange.choices import (
    RUNNING_STATUSES,
    ExportKind,
    ExportStatus,
    ImportKind,
    ImportMode,
    ImportStatus,
)
from fengqiao.exchange.rules import job_stale


def _upload_to(instance, filename):
    return f"imports/{timezone.now():%Y/%m}/{filename}"


class ImportJob(models.Model):
    """One uploaded file: checked in a dry run first, then committed all-or-nothing or valid rows only.

    Status: uploaded → validating → validated → committing → done, or failed at any step.
    A running job whose worker died (no heartbeat for IMPORT_STALE_MINUTES) is shown as interrupted;
    its user re-runs it or abandons it (services.import_job_rerun / import_job_abandon). `attempt`
    counts the claims, so a worker that comes back after its job was re-run or abandoned writes nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ImportKind.choices)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小(字节)"), default=0)
    file = models.FileField(_("文件"), upload_to=_upload_to, max_length=300)
    status = models.CharField(
        _("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    valid_count = models.PositiveIntegerField(_("正确行数"), default=0)
    invalid_count = models.PositiveIntegerField(_("错误行数"), default=0)
    mode = models.CharField(_("导入方式"), max_length=20, choices=ImportMode.choices, blank=True)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    summary = models.TextField(_("结果"), blank=True)
    created_count = models.PositiveIntegerField(_("已导入条数"), default=0)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    validated_at = models.DateTimeField(_("校验完成时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    attempt = models.PositiveIntegerField(_("执行次数"), default=0)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def last_sign_of_life(self):
        return self.heartbeat_at or self.validated_at or self.created_at

    @property
    def stale(self) -> bool:
        """Running, but its worker has shown no progress for IMPORT_STALE_MINUTES (it probably died)."""
        return job_stale(
            status=self.status,
            last_sign_of_life=self.last_sign_of_life,
            now=timezone.now(),
            minutes=settings.IMPORT_STALE_MINUTES,
        )

    @property
    def progress_max(self) -> int:
        return max(self.total_rows, 1)


def _export_to(instance, filename):
    return f"exports/{timezone.now():%Y/%m}/{filename}"


class ExportRecord(models.Model):
    """Who exported which list, with which filter, how many rows, masked or not.

    A short list is written inside the request (status done at once, no file kept). A long one is
    written by a background job into `file` (status running → done or failed, with progress), which
    its owner downloads; the file is deleted after EXPORT_FILE_RETENTION_DAYS, the record stays.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    user_name = models.CharField(_("用户姓名"), max_length=100)
    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("派出所"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ExportKind.choices)
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    masked = models.BooleanField(_("已脱敏"), default=True)
    with_labels = models.BooleanField(_("含人员标签"), default=False)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ExportStatus.choices, default=ExportStatus.DONE
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已写入行数"), default=0)
    file = models.FileField(_("文件"), upload_to=_export_to, max_length=300, blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    summary = models.TextField(_("结果"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_name} {self.get_kind_display()} {self.row_count}"

    @property
    def running(self) -> bool:
        return self.status == ExportStatus.RUNNING

    @property
    def last_sign_of_life(self):
        return self.heartbeat_at or self.validated_at or self.created_at

    @property
    def stale(self) -> bool:
        """Running, but its worker has shown no progress for IMPORT_STALE_MINUTES (it probably died)."""
        return job_stale(
            status=self.status,
            last_sign_of_life=self.last_sign_of_life,
            now=timezone.now(),
            minutes=settings.IMPORT_STALE_MINUTES,
        )

    @property
    def progress_max(self) -> int:
        return max(self.total_rows, 1)
