"""案件 (cases) under legal time limits and the case room's supervision (案管) — DOMAIN.md §1.

Every legal period is a core `Clock` on the case (or on one of its coercive measures), started by
the services; the red lines found by the daily detector are `RedLineFlag` rows that are assigned,
explained and closed with a note. The timeline a user reads is `CaseEvent` (typed, append-only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import BUREAU_ROLES
from fengqiao.cases.choices import (
    OPEN_STATUSES,
    ActionKind,
    CaseKind,
    CaseStatus,
    EventKind,
    FlagKind,
    FlagStatus,
    ItemStatus,
    MeasureKind,
    MeasureStatus,
    MovementKind,
    PartyRole,
    PenaltyKind,
    ServiceMode,
)
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet

# Roles that act on every case of their station: leaders, the case room, administrators.
CASE_ROOM_ROLES = frozenset({Role.STATION_LEADER, Role.CASE_MANAGER, Role.ADMIN})


class OffenceType(ChangeLogged):
    """The editable table of offences (案由): 治安 and 刑事, with codes."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("案由"), max_length=80)
    kind = models.CharField(_("案件类型"), max_length=20, choices=CaseKind.choices)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("案由")
        verbose_name_plural = _("案由")
        ordering = ["kind", "sort", "code"]

    def __str__(self):
        return self.name


class CaseQuerySet(ScopedQuerySet):
    """Read: the whole station (bureau users: their bureau). Edit: leaders, the case room and
    administrators every case of their station; any other officer the cases they handle."""

    community_path = "community"

    def editable_by(self, user):
        visible = self.visible_to(user)
        if user is None or not user.is_authenticated:
            return visible
        if user.is_superuser or user.role in CASE_ROOM_ROLES:
            return visible
        if user.role in BUREAU_ROLES:
            return visible.none()
        return visible.filter(Q(lead_officer=user) | Q(second_officer=user))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Case(ChangeLogged):
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("社区/村"),
    )
    reference = models.CharField(_("案件编号"), max_length=30)
    kind = models.CharField(_("案件类型"), max_length=20, choices=CaseKind.choices)
    offence = models.ForeignKey(
        OffenceType, on_delete=models.PROTECT, related_name="cases", verbose_name=_("案由")
    )
    title = models.CharField(_("案件名称"), max_length=200)
    summary = models.TextField(_("简要案情"), blank=True)
    source_incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("来源警情"),
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("办案单位"),
    )
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases_led",
        verbose_name=_("主办民警"),
    )
    second_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases_assisted",
        verbose_name=_("协办民警"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.REVIEW
    )
    reported_at = models.DateTimeField(_("报案时间"))
    accepted_at = models.DateTimeField(_("受理/立案时间"), null=True, blank=True)
    not_filed_at = models.DateTimeField(_("不予立案时间"), null=True, blank=True)
    not_filed_reason = models.TextField(_("不予立案理由"), blank=True)
    notice_served_at = models.DateTimeField(_("通知书送达时间"), null=True, blank=True)
    penalty_kind = models.CharField(
        _("处罚种类"), max_length=30, choices=PenaltyKind.choices, blank=True
    )
    penalty_text = models.CharField(_("处罚内容"), max_length=200, blank=True)
    penalty_mode = models.CharField(
        _("送达方式"), max_length=20, choices=ServiceMode.choices, blank=True
    )
    penalty_decided_at = models.DateTimeField(_("处罚决定时间"), null=True, blank=True)
    penalty_served_at = models.DateTimeField(_("送达/备案时间"), null=True, blank=True)
    penalty_executed_at = models.DateTimeField(_("执行完毕时间"), null=True, blank=True)
    in_appraisal = models.BooleanField(_("鉴定中"), default=False)
    last_action_at = models.DateTimeField(_("最近办案工作"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closing_summary = models.TextField(_("结案情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["station", "-reported_at"], name="case_station_reported_idx"),
            models.Index(fields=["station", "status"], name="case_station_status_idx"),
            models.Index(fields=["station", "accepted_at"], name="case_station_accepted_idx"),
            models.Index(fields=["station", "closed_at"], name="case_station_closed_idx"),
            models.Index(fields=["lead_officer", "status"], name="case_lead_status_idx"),
        ]
        constraints = [
            # numbers count per station (core.refnumbers), so they are unique within a station
            models.UniqueConstraint(
                fields=["station", "reference"], name="case_station_reference_unique"
            ),
            models.CheckConstraint(
                condition=~Q(lead_officer=models.F("second_officer")),
                name="case_two_different_officers",
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def needs_execution(self) -> bool:
        from fengqiao.cases.choices import PENALTIES_TO_EXECUTE

        return self.penalty_kind in PENALTIES_TO_EXECUTE and self.penalty_executed_at is None


class _CaseChild(ChangeLogged):
    class Meta:
        abstract = True

    @property
    def station_id(self):
        return self.case.station_id


class CaseParty(_CaseChild):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="parties", verbose_name=_("案件")
    )
    role = models.CharField(_("身份"), max_length=20, choices=PartyRole.choices)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_parties",
        verbose_name=_("人口库人员"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    fled_at = models.DateTimeField(_("在逃时间"), null=True, blank=True)
    pursuit_at = models.DateTimeField(_("追逃措施时间"), null=True, blank=True)
    pursuit_note = models.CharField(_("追逃措施"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("案件当事人")
        verbose_name_plural = _("案件当事人")
        ordering = ["role", "id"]

    def __str__(self):
        return self.name


class CaseAction(_CaseChild):
    """One piece of investigative work (询问, 取证, 勘查, 鉴定, 追逃 …), dated, with the officers who did it."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="actions", verbose_name=_("案件")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ActionKind.choices)
    at = models.DateTimeField(_("时间"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("民警")
    )
    second_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第二名民警"),
    )
    party = models.ForeignKey(
        CaseParty,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("对象"),
    )
    note = models.TextField(_("内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("办案工作")
        verbose_name_plural = _("办案工作")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"], name="case_action_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class CoerciveMeasure(_CaseChild):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="measures", verbose_name=_("案件")
    )
    party = models.ForeignKey(
        CaseParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("对象"),
    )
    kind = models.CharField(_("措施"), max_length=30, choices=MeasureKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.ACTIVE
    )
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("解除/变更时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=200, blank=True)
    custody_at = models.DateTimeField(_("送看守所时间"), null=True, blank=True)
    family_notified_at = models.DateTimeField(_("通知家属时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("强制措施")
        verbose_name_plural = _("强制措施")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        who = f" {self.party.name}" if self.party_id else ""
        return f"{self.case.reference} {self.get_kind_display()}{who}"

    def get_absolute_url(self):
        return self.case.get_absolute_url()


class EvidenceItem(_CaseChild):
    """An exhibit or seized item (涉案财物) in the register; every movement is an `ItemMovement`."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="items", verbose_name=_("案件")
    )
    number = models.PositiveIntegerField(_("序号"))
    description = models.CharField(_("名称及特征"), max_length=200)
    quantity = models.CharField(_("数量"), max_length=40, default="1")
    seized = models.BooleanField(_("扣押物品"), default=True)
    owner = models.CharField(_("持有人"), max_length=50, blank=True)
    location = models.CharField(_("存放位置"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.IN_CUSTODY
    )
    measure = models.ForeignKey(
        CoerciveMeasure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("扣押决定"),
    )

    class Meta:
        verbose_name = _("涉案物品")
        verbose_name_plural = _("涉案物品")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="evidence_item_number_unique")
        ]

    def __str__(self):
        return f"{self.number}. {self.description}"


class ItemMovement(_CaseChild):
    """入库/出库/发还/处理: by two people (who hands over and who checks), with the place."""

    item = models.ForeignKey(
        EvidenceItem, on_delete=models.CASCADE, related_name="movements", verbose_name=_("物品")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=MovementKind.choices)
    at = models.DateTimeField(_("时间"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核对人"),
    )
    location = models.CharField(_("地点/去向"), max_length=100)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("物品出入库")
        verbose_name_plural = _("物品出入库")
        ordering = ["at", "pk"]

    @property
    def case(self):
        return self.item.case

    def __str__(self):
        return f"{self.item} {self.get_kind_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class CaseEvent(models.Model):
    """The typed timeline of a case (append-only)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.CharField(_("说明"), max_length=300, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class CaseReview(_CaseChild):
    """一案一评: the case room's review at closing. Each part 0–25; the total feeds the ranking."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="review", verbose_name=_("案件")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评查人"),
    )
    at = models.DateTimeField(_("评查时间"))
    legality = models.PositiveSmallIntegerField(_("合法性"))
    timeliness = models.PositiveSmallIntegerField(_("时效性"))
    evidence = models.PositiveSmallIntegerField(_("证据"))
    procedure = models.PositiveSmallIntegerField(_("程序"))
    note = models.TextField(_("评语"), blank=True)

    class Meta:
        verbose_name = _("一案一评")
        verbose_name_plural = _("一案一评")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    legality__lte=25, timeliness__lte=25, evidence__lte=25, procedure__lte=25
                ),
                name="case_review_scores_max_25",
            )
        ]

    @property
    def total(self) -> int:
        return self.legality + self.timeliness + self.evidence + self.procedure

    def __str__(self):
        return f"{self.case} 案件评查"


class RedLineFlag(ChangeLogged):
    """A red line found by the detector (有案不立, 办理超期, 查打不严). `key` names the fact
    (e.g. `overdue:clock:12`), so one fact raises one flag ever; it is closed, with a note, only
    once the fact is put right."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    kind = models.CharField(_("红线"), max_length=20, choices=FlagKind.choices)
    key = models.CharField(_("问题标识"), max_length=80, unique=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("案件"),
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("警情"),
    )
    reason = models.CharField(_("问题"), max_length=300)
    raised_at = models.DateTimeField(_("发现时间"))
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任单位"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任民警"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_flags",
        verbose_name=_("整改责任人"),
    )
    explanation = models.TextField(_("情况说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    closed_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_note = models.TextField(_("整改说明"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("红线问题")
        verbose_name_plural = _("红线问题")
        ordering = ["status", "-raised_at"]
        indexes = [
            models.Index(fields=["station", "status"], name="flag_station_status_idx"),
            models.Index(fields=["station", "raised_at"], name="flag_station_raised_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}:{self.reason}"

    def get_absolute_url(self):
        return reverse("cases:room") + f"#flag-{self.pk}"


class WeeklySummary(ChangeLogged):
    """The case room's weekly figures (Friday), kept as data so the Word/xlsx files and the notice agree."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    week_start = models.DateField(_("周一"))
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(_("数据"), default=dict)
    notice_sent_at = models.DateTimeField(_("通报时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("案管周汇总")
        verbose_name_plural = _("案管周汇总")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["station", "week_start"], name="weekly_summary_unique")
        ]

    def __str__(self):
        return f"{self.week_start:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("cases:weekly_detail", args=[self.pk])


__all__ = [
    "ActionKind",
    "Case",
    "CaseAction",
    "CaseEvent",
    "CaseParty",
    "CaseReview",
    "CoerciveMeasure",
    "EvidenceItem",
    "ItemMovement",
    "MeasureKind",
    "OffenceType",
    "RedLineFlag",
    "WeeklySummary",
]
