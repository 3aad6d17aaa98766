"""矛盾纠纷 (disputes): registration, the 黄/橙/红 warning level, 一案一策 plans — DOMAIN.md §3.

The warning triggers are data (`WarningTrigger`); the level suggestion is the pure function
`rules.suggest_level`. Every level change is a `DisputeEvent` with its reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import Role
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet
from fengqiao.disputes.choices import (
    AgreementForm,
    AgreementStatus,
    CallAnswer,
    EventKind,
    Level,
    LinkHow,
    MeasureStatus,
    PartyRole,
    SessionOutcome,
    Source,
    Status,
    TermStatus,
    TriggerKind,
)


class DisputeType(ChangeLogged):
    """The editable table of dispute types (婚姻家庭, 邻里 …)."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("纠纷类型")
        verbose_name_plural = _("纠纷类型")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class WarningTrigger(ChangeLogged):
    """One rule of the three-colour warning: when it matches, it suggests `level` with `reason`.

    keyword: `value` is the word looked for in the narrative and notes; the other kinds compare a
    count or amount with `threshold` (matches when the fact is >= threshold; high_risk_party has
    no threshold). `reason` may contain {value} and {fact}.
    """

    kind = models.CharField(_("类型"), max_length=30, choices=TriggerKind.choices)
    value = models.CharField(_("关键词"), max_length=50, blank=True)
    threshold = models.DecimalField(
        _("阈值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    level = models.CharField(_("建议等级"), max_length=10, choices=Level.choices)
    reason = models.CharField(_("理由"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["kind", "id"]

    def __str__(self):
        return self.reason


class DisputeQuerySet(ScopedQuerySet):
    """Read: the whole station. Edit: leaders everywhere; others in the communities they may edit
    (as in the registry) and the disputes they own."""

    def editable_by(self, user):
        from fengqiao.accounts.roles import BUREAU_ROLES, LEADER_ROLES
        from fengqiao.core.scoping import editable_community_ids

        visible = self.visible_to(user)
        if user is None or not user.is_authenticated:
            return visible
        if user.is_superuser or user.role in LEADER_ROLES:
            return visible
        if user.role in BUREAU_ROLES:
            return visible.none()
        mine = models.Q(owner=user) | models.Q(community_id__in=editable_community_ids(user))
        if user.role == Role.MEDIATOR:
            mine |= self._mediated_by(user)
        return visible.filter(mine)

    @staticmethod
    def _mediated_by(user) -> models.Q:
        """A mediator acts on the files of the sessions he mediates and of the channels he mediates
        in (a channel is his once he has held a session or signed an agreement in it, e.g.
        范贤成 and 所内调解室(范贤成金牌调解工作室))."""
        channel_ids = set(
            MediationSession.objects.filter(mediators=user).values_list("channel_id", flat=True)
        ) | set(
            Agreement.objects.filter(mediator=user, channel__isnull=False).values_list(
                "channel_id", flat=True
            )
        )
        session_files = MediationSession.objects.filter(mediators=user).values("dispute_id")
        return models.Q(pk__in=session_files) | models.Q(channel_id__in=channel_ids)


class Dispute(ChangeLogged):
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("社区/村"),
    )
    reference = models.CharField(_("纠纷编号"), max_length=30)  # numbered per station
    dispute_type = models.ForeignKey(
        DisputeType, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("纠纷类型")
    )
    narrative = models.TextField(_("纠纷情况"))
    notes = models.TextField(_("工作记录"), blank=True)
    address = models.ForeignKey(
        "registry.Address",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("标准地址"),
    )
    location = models.CharField(_("地点"), max_length=200, blank=True)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.VISIT
    )
    amount = models.DecimalField(
        _("涉及金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_disputes",
        verbose_name=_("责任人"),
    )
    level = models.CharField(_("等级"), max_length=10, choices=Level.choices, default=Level.YELLOW)
    level_reasons = models.JSONField(_("定级理由"), default=list, blank=True)
    suggested_level = models.CharField(
        _("建议等级"), max_length=10, choices=Level.choices, default=Level.YELLOW
    )
    suggested_reasons = models.JSONField(_("建议理由"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    failed_mediations = models.PositiveIntegerField(_("调解失败次数"), default=0)
    channel = models.ForeignKey(
        "disputes.MediationChannel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("调解渠道"),
    )
    accepted_at = models.DateTimeField(_("受理调解时间"), null=True, blank=True)
    repeat_calls = models.PositiveIntegerField(_("30天内报警次数"), default=0)
    source_incident = models.OneToOneField(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispute_file",
        verbose_name=_("来源警情"),
    )
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    settled_at = models.DateTimeField(_("达成协议时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    close_reason = models.CharField(_("结案理由"), max_length=300, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["station", "level", "status"]),
            models.Index(fields=["station", "registered_at"], name="dispute_station_reg_idx"),
            models.Index(fields=["station", "closed_at"], name="dispute_station_closed_idx"),
            models.Index(fields=["station", "settled_at"], name="dispute_station_settled_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "reference"], name="dispute_reference_unique_in_station"
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("disputes:dispute_detail", args=[self.pk])

    @property
    def needs_plan(self) -> bool:
        return self.level == Level.RED and not hasattr(self, "plan")

    def agreements_newest_first(self) -> list:
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "agreements" in cache:
            return sorted(cache["agreements"], key=lambda a: (a.created_at, a.pk), reverse=True)
        return list(self.agreements.order_by("-created_at", "-pk"))

    @property
    def agreement_in_force(self):
        """The agreement in force (at most one, a constraint), or None."""
        return next(
            (a for a in self.agreements_newest_first() if a.status == AgreementStatus.IN_FORCE),
            None,
        )

    @property
    def agreement(self):
        """The agreement in force, else the latest one (failed or superseded), else None.

        Kept for the call sites of the time when a dispute had one agreement (a one-to-one field)."""
        agreements = self.agreements_newest_first()
        return next(
            (a for a in agreements if a.status == AgreementStatus.IN_FORCE),
            agreements[0] if agreements else None,
        )


class DisputeIncident(models.Model):
    """An incident linked to a dispute: its source, or a later call by the same parties or at the same
    address (counted as repeat calls within 30 days; a later 刑事/治安 incident marks 民转刑)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="incident_links")
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="dispute_links"
    )
    how = models.CharField(_("关联方式"), max_length=20, choices=LinkHow.choices)
    linked_at = models.DateTimeField(_("关联时间"), default=timezone.now)

    class Meta:
        verbose_name = _("关联警情")
        verbose_name_plural = _("关联警情")
        ordering = ["incident__received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "incident"], name="dispute_incident_unique")
        ]

    def __str__(self):
        return f"{self.dispute_id}→{self.incident_id}"


class DisputeParty(ChangeLogged):
    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="parties", verbose_name=_("纠纷")
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispute_parties",
        verbose_name=_("人口库人员"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    role = models.CharField(
        _("身份"), max_length=20, choices=PartyRole.choices, default=PartyRole.APPLICANT
    )
    high_risk = models.BooleanField(_("高风险"), default=False)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["id"]
        indexes = [models.Index(fields=["phone"], name="dispute_party_phone_idx")]

    def __str__(self):
        return self.name

    @property
    def station_id(self):
        return self.dispute.station_id


class DisputeEvent(models.Model):
    """The typed timeline of a dispute (append-only)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.dispute} {self.get_kind_display()}"


class StabilisationPlan(ChangeLogged):
    """一案一策: the stabilisation plan a red dispute requires."""

    dispute = models.OneToOneField(
        Dispute, on_delete=models.CASCADE, related_name="plan", verbose_name=_("纠纷")
    )
    summary = models.TextField(_("稳控方案"))
    filed_at = models.DateTimeField(_("备案时间"), default=timezone.now)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revised_at = models.DateTimeField(_("最近修订时间"), null=True, blank=True)
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修订人"),
    )

    class Meta:
        verbose_name = _("一案一策")
        verbose_name_plural = _("一案一策")

    @property
    def station_id(self):
        return self.dispute.station_id

    def __str__(self):
        return f"{self.dispute} 一案一策"


class StabilisationMeasure(ChangeLogged):
    plan = models.ForeignKey(
        StabilisationPlan,
        on_delete=models.CASCADE,
        related_name="measures",
        verbose_name=_("一案一策"),
    )
    what = models.CharField(_("措施"), max_length=200)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    due_date = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("加入时间"), null=True, blank=True)  # set on a revision
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("取消人"),
    )
    cancel_reason = models.CharField(_("取消理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("稳控措施")
        verbose_name_plural = _("稳控措施")
        ordering = ["due_date", "id"]

    @property
    def status(self) -> str:
        if self.cancelled_at:
            return MeasureStatus.CANCELLED
        return MeasureStatus.DONE if self.done_at else MeasureStatus.OPEN

    def get_status_display(self) -> str:
        return MeasureStatus(self.status).label

    @property
    def station_id(self):
        return self.plan.dispute.station_id

    def __str__(self):
        return f"{self.what}({self.due_date:%Y-%m-%d})"


class MediationChannel(ChangeLogged):
    """The editable table of mediation channels (所内调解室, 老辈子调解群 …); `police` is 治安调解."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    is_police_mediation = models.BooleanField(_("治安调解"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("调解渠道")
        verbose_name_plural = _("调解渠道")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class MediationSession(ChangeLogged):
    """One mediation session, with the 法/理/情 notes and its outcome."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("纠纷")
    )
    channel = models.ForeignKey(
        MediationChannel,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("调解渠道"),
    )
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("调解员")
    )
    other_mediators = models.CharField(_("其他调解人"), max_length=200, blank=True)
    attendees = models.CharField(_("参加人员"), max_length=300, blank=True)
    law_notes = models.TextField(_("讲法"), blank=True)
    reason_notes = models.TextField(_("说理"), blank=True)
    feeling_notes = models.TextField(_("动情"), blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=SessionOutcome.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "id"]

    def __str__(self):
        return f"{self.dispute} 调解 {timezone.localtime(self.held_at):%Y-%m-%d %H:%M}"

    @property
    def station_id(self):
        return self.dispute.station_id


class Agreement(ChangeLogged):
    """调解协议: written (a printable 调解协议书) or oral (recorded content and effective date).

    Every party's signature (written) or confirmation (oral) is recorded in `signed_parties`.
    A dispute has at most one agreement in force; one that fails (not performed, 反悔) is kept with
    `failed_*` and, when mediation ends in a new agreement, becomes superseded (`superseded_by`)."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("纠纷")
    )
    status = models.CharField(
        _("协议状态"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.IN_FORCE,
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("取代它的协议"),
    )
    failed_at = models.DateTimeField(_("认定未能履行时间"), null=True, blank=True)
    failed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认定人"),
    )
    fail_reason = models.CharField(_("未能履行原因"), max_length=300, blank=True)
    form = models.CharField(
        _("协议形式"), max_length=10, choices=AgreementForm.choices, default=AgreementForm.WRITTEN
    )
    session = models.ForeignKey(
        MediationSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("调解记录"),
    )
    channel = models.ForeignKey(
        MediationChannel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("调解渠道"),
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主持调解员"),
    )
    other_mediators = models.CharField(_("其他调解人"), max_length=200, blank=True)
    facts = models.TextField(_("纠纷事实"), blank=True)
    issues = models.TextField(_("争议事项"), blank=True)
    oral_content = models.TextField(_("口头协议内容"), blank=True)
    reached_on = models.DateField(_("达成日期"))
    effective_date = models.DateField(_("生效日期"))
    signed_parties = models.ManyToManyField(
        DisputeParty, blank=True, related_name="+", verbose_name=_("已签字当事人")
    )
    confirmation_done_at = models.DateTimeField(_("司法确认提醒处理时间"), null=True, blank=True)
    confirmation_applied = models.BooleanField(_("已申请司法确认"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"],
                condition=models.Q(status="in_force"),
                name="agreement_one_in_force_per_dispute",
            )
        ]

    def __str__(self):
        return f"{self.dispute.reference} {self.get_form_display()}"

    def get_absolute_url(self):
        return reverse("disputes:dispute_detail", args=[self.dispute_id]) + "#agreement"

    @property
    def in_force(self) -> bool:
        return self.status == AgreementStatus.IN_FORCE

    @property
    def station_id(self):
        return self.dispute.station_id


class AgreementTerm(ChangeLogged):
    """One term of an agreement: who does what, how and by when — a fulfilment item."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="terms", verbose_name=_("调解协议")
    )
    obligor = models.ForeignKey(
        DisputeParty,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("履行人"),
    )
    what = models.CharField(_("协议内容"), max_length=300)
    how = models.CharField(_("履行方式"), max_length=200, blank=True)
    due_date = models.DateField(_("履行期限"))
    status = models.CharField(
        _("履行情况"), max_length=20, choices=TermStatus.choices, default=TermStatus.PENDING
    )
    checked_at = models.DateTimeField(_("回访时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("协议条款")
        verbose_name_plural = _("协议条款")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="dispute_term_status_due_idx")]

    def __str__(self):
        return self.what

    @property
    def station_id(self):
        return self.agreement.dispute.station_id


class FollowUpVisit(ChangeLogged):
    """A follow-up visit (回访) checking a term: performed, partly or not."""

    term = models.ForeignKey(
        AgreementTerm, on_delete=models.CASCADE, related_name="visits", verbose_name=_("协议条款")
    )
    visited_at = models.DateTimeField(_("回访时间"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("回访人"),
    )
    result = models.CharField(_("履行情况"), max_length=20, choices=TermStatus.choices)
    note = models.CharField(_("回访情况"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("履行回访")
        verbose_name_plural = _("履行回访")
        ordering = ["visited_at", "id"]

    @property
    def station_id(self):
        return self.term.agreement.dispute.station_id

    def __str__(self):
        return (
            f"回访 {timezone.localtime(self.visited_at):%Y-%m-%d %H:%M} {self.get_result_display()}"
        )


class ScreeningCall(ChangeLogged):
    """One day's call to a liaison point (排查联络点). "无异常" counts as a report; a point not called by
    the end of the day gets a `missed` row (the evening job)."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "registry.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区/村")
    )
    point = models.ForeignKey(
        "registry.LiaisonPoint",
        on_delete=models.CASCADE,
        related_name="screening_calls",
        verbose_name=_("联络点"),
    )
    day = models.DateField(_("日期"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区民警"),
    )
    answer = models.CharField(_("情况"), max_length=20, choices=CallAnswer.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    called_at = models.DateTimeField(_("联系时间"), null=True, blank=True)
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记纠纷"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("排查联络记录")
        verbose_name_plural = _("排查联络记录")
        ordering = ["-day", "point_id"]
        constraints = [
            models.UniqueConstraint(fields=["point", "day"], name="screening_call_point_day_unique")
        ]
        indexes = [models.Index(fields=["station", "day"], name="screening_station_day_idx")]

    def __str__(self):
        return f"{self.point} {self.day:%Y-%m-%d} {self.get_answer_display()}"
