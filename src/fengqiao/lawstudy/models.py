"""法规学习: weekly sessions with material and law articles, QR sign-in, attendance with absences and
their reasons, short quizzes with scores."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet
from fengqiao.lawstudy.choices import AttemptPolicy, AttendanceStatus, SessionStatus, SignInMethod


class StationScoped(ScopedQuerySet):
    community_path = None


class SessionScoped(ScopedQuerySet):
    station_path = "session__station"
    community_path = None


class StudySession(ChangeLogged):
    """One weekly study session (每周法律法规学习)."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    topic = models.CharField(_("主题"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    minutes = models.PositiveSmallIntegerField(
        _("时长(分钟)"), default=60, validators=[MinValueValidator(10), MaxValueValidator(480)]
    )
    place = models.CharField(_("地点"), max_length=100, blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主讲"),
    )
    articles = models.TextField(
        _("学习法条"), blank=True, help_text=_("每行一条,例如:治安管理处罚法 第九十九条")
    )
    material = models.TextField(_("学习要点"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    absentees_notified_at = models.DateTimeField(null=True, blank=True)

    objects = StationScoped.as_manager()

    class Meta:
        verbose_name = _("学习场次")
        verbose_name_plural = _("学习场次")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["station", "starts_at"], name="ls_session_station_idx")]

    def __str__(self):
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.topic}"

    def get_absolute_url(self):
        return reverse("lawstudy:session_detail", args=[self.pk])

    @property
    def ends_at(self):
        return self.starts_at + timezone.timedelta(minutes=self.minutes)

    @property
    def article_list(self) -> list[str]:
        return [a.strip() for a in self.articles.splitlines() if a.strip()]


class Material(ChangeLogged):
    """A file or a link studied in a session."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("标题"), max_length=120)
    url = models.URLField(_("链接"), blank=True)
    file = models.FileField(_("文件"), upload_to="lawstudy/%Y/%m/", blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    objects = SessionScoped.as_manager()

    class Meta:
        verbose_name = _("学习材料")
        verbose_name_plural = _("学习材料")
        ordering = ["pk"]

    def __str__(self):
        return self.title


class Attendance(ChangeLogged):
    """One officer at one session: present, late, absent (with a reason) or excused."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attendances")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("人员")
    )
    status = models.CharField(_("出勤"), max_length=10, choices=AttendanceStatus.choices)
    signed_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    method = models.CharField(_("方式"), max_length=10, choices=SignInMethod.choices)
    reason = models.CharField(_("缺席原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SessionScoped.as_manager()

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        constraints = [
            models.UniqueConstraint(fields=["session", "officer"], name="ls_attendance_unique")
        ]
        indexes = [models.Index(fields=["officer", "status"], name="ls_attendance_officer_idx")]

    def __str__(self):
        return f"{self.session_id} {self.officer_id} {self.status}"


class Quiz(ChangeLogged):
    """A short quiz of a session: single-choice questions, a pass mark, one attempt or the best of several."""

    session = models.OneToOneField(StudySession, on_delete=models.CASCADE, related_name="quiz")
    title = models.CharField(_("测验名称"), max_length=120)
    policy = models.CharField(
        _("作答规则"), max_length=5, choices=AttemptPolicy.choices, default=AttemptPolicy.ONE
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("最多作答次数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    pass_score = models.PositiveSmallIntegerField(
        _("及格分"), default=60, validators=[MaxValueValidator(100)]
    )
    open_days = models.PositiveSmallIntegerField(
        _("学习后几天内可作答"), default=7, validators=[MinValueValidator(1)]
    )

    objects = SessionScoped.as_manager()

    class Meta:
        verbose_name = _("测验")
        verbose_name_plural = _("测验")

    def __str__(self):
        return self.title

    @property
    def closes_at(self):
        return self.session.starts_at + timezone.timedelta(days=self.open_days)


class Question(ChangeLogged):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("题目"), max_length=300)
    choices = models.JSONField(_("选项"), default=list)
    answer = models.PositiveSmallIntegerField(_("正确选项序号"))

    class Meta:
        verbose_name = _("测验题目")
        verbose_name_plural = _("测验题目")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class QuizAttempt(ChangeLogged):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    number = models.PositiveSmallIntegerField(default=1)
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(_("得分"))
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("测验答卷")
        verbose_name_plural = _("测验答卷")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "officer", "number"], name="ls_attempt_unique")
        ]
        indexes = [models.Index(fields=["officer", "quiz"], name="ls_attempt_officer_idx")]

    def __str__(self):
        return f"{self.quiz_id} {self.officer_id} #{self.number} {self.score}"
