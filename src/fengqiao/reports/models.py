"""Tables of part 9: the evaluation scheme (versioned indicator tree), station categories, the report
templates each station uploads (versioned) and the reports kept with their files and downloads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet
from fengqiao.reports.choices import (
    Direction,
    ReportFormat,
    ReportKind,
    ReportSource,
    ReportStatus,
)


class StationCategory(ChangeLogged):
    """一类所/二类所…: stations are ranked only against stations of the same category."""

    name = models.CharField(_("类别名称"), max_length=50, unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("派出所类别")
        verbose_name_plural = _("派出所类别")
        ordering = ["sort", "name"]

    def __str__(self):
        return self.name


class StationProfile(ChangeLogged):
    """The category a station is evaluated in (one row per station)."""

    station = models.OneToOneField(
        "accounts.Station",
        on_delete=models.CASCADE,
        related_name="evaluation_profile",
        verbose_name=_("派出所"),
    )
    category = models.ForeignKey(
        StationCategory, on_delete=models.PROTECT, related_name="profiles", verbose_name=_("类别")
    )

    class Meta:
        verbose_name = _("派出所考核类别")
        verbose_name_plural = _("派出所考核类别")

    def __str__(self):
        return f"{self.station} · {self.category}"


class SchemeQuerySet(models.QuerySet):
    def effective_on(self, day):
        return self.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=day)
        )


class Scheme(ChangeLogged):
    """One version of the evaluation scheme (考核方案). Like the time-limit rules, a version in force is
    never edited: a revision is a new version from a later date (the old one ends that day); a version
    not yet in force may be edited until its first day."""

    name = models.CharField(_("方案名称"), max_length=100)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    basis = models.CharField(
        _("依据"), max_length=200, blank=True, help_text=_("如县局考核办法文号")
    )
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

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["effective_from"], name="scheme_from_unique"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="scheme_dates_ordered",
            ),
        ]

    def __str__(self):
        return _("%(name)s(%(date)s起)") % {
            "name": self.name,
            "date": f"{self.effective_from:%Y-%m-%d}",
        }

    def get_absolute_url(self):
        return reverse("reports:scheme_detail", args=[self.pk])

    def editable_on(self, day) -> bool:
        return self.effective_from > day


class Indicator(ChangeLogged):
    """One node of a scheme's indicator tree. A leaf has a formula (a key of the indicator-function
    registry, `reports.indicators.REGISTRY`); a parent groups children and scales their points to its
    weight. A veto indicator missed zeroes the whole score (一票否决)."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("方案")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级指标"),
    )
    code = models.SlugField(_("指标代码"), max_length=50)
    name = models.CharField(_("指标名称"), max_length=100)
    formula = models.CharField(_("计算公式"), max_length=60, blank=True)
    weight = models.DecimalField(_("权重(分)"), max_digits=6, decimal_places=2, default=0)
    target = models.DecimalField(
        _("目标值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    direction = models.CharField(
        _("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    penalty = models.DecimalField(
        _("每超出1扣分"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("越低越好的指标:超出目标每1个单位扣的分;不填则超出即不得分"),
    )
    veto = models.BooleanField(_("一票否决"), default=False)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["scheme", "sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="indicator_code_unique_in_scheme"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="indicator_weight_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.name}({self.code})"


def _template_to(instance, filename):
    return f"reports/templates/{instance.station_id}/{instance.kind}-v{instance.version}.docx"


def _report_to(instance, filename):
    return f"reports/{instance.station_id}/{instance.period_start:%Y}/{filename}"


class ReportTemplateQuerySet(ScopedQuerySet):
    community_path = None


class ReportTemplate(ChangeLogged):
    """A station's own Word template (docxtpl) for its weekly or monthly report. Each upload is a new
    version; the newest valid one is used; none: the shipped default."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("派出所")
    )
    kind = models.CharField(_("报表"), max_length=10, choices=ReportKind.choices)
    version = models.PositiveIntegerField(_("版本"))
    file = models.FileField(_("模板文件"), upload_to=_template_to, max_length=300)
    filename = models.CharField(_("原文件名"), max_length=200)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )

    objects = ReportTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("报表模板")
        verbose_name_plural = _("报表模板")
        ordering = ["station", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind", "version"], name="report_template_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}模板 v{self.version}"


class ReportQuerySet(ScopedQuerySet):
    community_path = None


class Report(ChangeLogged):
    """A weekly or monthly report of one station: its figures (data, kept so the files agree) and its
    Word, Excel and PDF files, generated by the schedule or on demand, with progress."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.CASCADE, related_name="+", verbose_name=_("派出所")
    )
    kind = models.CharField(_("报表"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    source = models.CharField(
        _("来源"), max_length=10, choices=ReportSource.choices, default=ReportSource.DEMAND
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    step = models.CharField(_("当前步骤"), max_length=100, blank=True)
    error = models.TextField(_("错误"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    template = models.ForeignKey(
        ReportTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("使用模板"),
    )
    docx = models.FileField(_("Word"), upload_to=_report_to, max_length=300, blank=True)
    xlsx = models.FileField(_("Excel"), upload_to=_report_to, max_length=300, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_report_to, max_length=300, blank=True)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生成人"),
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    generated_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("报表")
        verbose_name_plural = _("报表")
        ordering = ["-period_start", "-requested_at", "-id"]
        indexes = [
            models.Index(
                fields=["station", "kind", "-period_start"], name="report_station_kind_idx"
            )
        ]

    def __str__(self):
        return f"{self.title}"

    @property
    def title(self) -> str:
        if self.kind == ReportKind.MONTHLY:
            return _("%(y)s年%(m)s月工作月报") % {
                "y": self.period_start.year,
                "m": self.period_start.month,
            }
        return _("%(a)s至%(b)s工作周报") % {
            "a": f"{self.period_start:%Y-%m-%d}",
            "b": f"{self.period_end:%m-%d}",
        }

    @property
    def running(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)

    def get_absolute_url(self):
        return reverse("reports:report_detail", args=[self.pk])

    def file_for(self, fmt: str):
        return {
            ReportFormat.DOCX: self.docx,
            ReportFormat.XLSX: self.xlsx,
            ReportFormat.PDF: self.pdf,
        }.get(fmt)


class ReportDownload(models.Model):
    """Who downloaded which report file, when."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="downloads", verbose_name=_("报表")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user_name = models.CharField(_("用户姓名"), max_length=100)
    fmt = models.CharField(_("格式"), max_length=10, choices=ReportFormat.choices)
    channel = models.CharField(_("途径"), max_length=10, default="web")
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("报表下载记录")
        verbose_name_plural = _("报表下载记录")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.user_name} {self.fmt} {self.report_id}"
