"""警情 (incidents): intake, dispatch, arrival, handling, feedback, closure, callbacks (回访) — DOMAIN.md §2.

A closed valid incident puts its caller (and every registered victim of a 刑事/治安 incident) in the
callback queue (`Callback`, one per person, each attempt an `CallbackAttempt`); an 不满意 rating opens
a `Rectification` for the responsible unit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import BUREAU_ROLES
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet, editable_community_ids
from fengqiao.incidents.choices import (
    OPEN_STATUSES,
    AreaType,
    AssignmentRole,
    CallbackStatus,
    CallbackTarget,
    EventKind,
    Outcome,
    Rating,
    RectificationStatus,
    Source,
    Status,
    Urgency,
)

# Roles that act on every incident of their station (the duty desk, command room, leaders).
DUTY_ROLES = frozenset({Role.DUTY_OFFICER, Role.COMMAND, Role.STATION_LEADER, Role.ADMIN})


class IncidentCategory(ChangeLogged):
    """The editable table of incident categories (警情类别), with sub-categories."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级类别"),
    )
    active = models.BooleanField(_("启用"), default=True)
    requires_case = models.BooleanField(_("应当受案/立案审查"), default=False)
    case_review_kind = models.CharField(_("审查时限类型"), max_length=40, blank=True)
    is_dispute = models.BooleanField(_("纠纷"), default=False)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("警情类别")
        verbose_name_plural = _("警情类别")
        ordering = ["sort", "code"]

    def __str__(self):
        return f"{self.parent.name}/{self.name}" if self.parent_id else self.name

    @property
    def top(self):
        return self.parent if self.parent_id else self


class IncidentQuerySet(ScopedQuerySet):
    """Read: the whole station (bureau users: their bureau).

    Edit (act on an incident): duty roles (值班民警, 指挥室, 所领导, 管理员) act on every incident of
    their station; any other officer acts on incidents assigned to them and on incidents in the
    communities they may edit (as in the registry).
    """

    def editable_by(self, user):
        visible = self.visible_to(user)
        if user is None or not user.is_authenticated:
            return visible
        if user.is_superuser or user.role in DUTY_ROLES:
            return visible
        if user.role in BUREAU_ROLES:
            return visible.none()

        return visible.filter(
            models.Q(assignments__officer=user)
            | models.Q(community_id__in=editable_community_ids(user))
        ).distinct()

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Incident(ChangeLogged):
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("社区/村"),
    )
    # JQ-2026-000123 counts per station and year: unique within the station.
    reference = models.CharField(_("警情编号"), max_length=30)
    submission_id = models.UUIDField(
        _("提交标识"), unique=True, null=True, blank=True, editable=False
    )
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.CALL_110
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL
    )
    category = models.ForeignKey(
        IncidentCategory, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("类别")
    )
    caller_name = models.CharField(_("报警人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("报警电话"), max_length=20, blank=True)
    caller_person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("报警人(人口库)"),
    )
    address = models.ForeignKey(
        "registry.Address",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("标准地址"),
    )
    location = models.CharField(_("发生地点"), max_length=200, blank=True)
    narrative = models.TextField(_("简要警情"), blank=True)
    area_type = models.CharField(
        _("区域"), max_length=20, choices=AreaType.choices, default=AreaType.URBAN
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("接警时间"))
    dispatched_at = models.DateTimeField(_("派警时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结警时间"), null=True, blank=True)
    outcome = models.CharField(_("处置结果"), max_length=20, choices=Outcome.choices, blank=True)
    disposition = models.TextField(_("处置情况"), blank=True)
    assigned_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("处警单位"),
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="IncidentAssignment",
        related_name="incidents",
        verbose_name=_("处警民警"),
    )
    case_reference = models.CharField(_("关联案件编号"), max_length=40, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接警人"),
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("警情")
        verbose_name_plural = _("警情")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "reference"], name="incident_reference_unique_in_station"
            ),
        ]
        indexes = [
            models.Index(fields=["station", "-received_at"], name="incident_station_recv_idx"),
            models.Index(fields=["station", "status"], name="incident_station_status_idx"),
            models.Index(fields=["station", "category"], name="incident_station_cat_idx"),
            models.Index(fields=["community", "-received_at"], name="incident_comm_recv_idx"),
            models.Index(fields=["station", "caller_phone"], name="incident_station_phone_idx"),
            # the wall's and handover's open incidents, newest first: a handful of rows, never a
            # walk of the whole history on the received-at index (issue 26)
            models.Index(
                fields=["station", "-received_at"],
                name="incident_open_recv_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("incidents:incident_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def lead_officer(self):
        for a in self.assignments.all():
            if a.role == AssignmentRole.LEAD:
                return a.officer
        return None

    def steps(self):
        """(label, time) for each step of the process, in order."""
        return [
            (Status.RECEIVED.label, self.received_at),
            (Status.DISPATCHED.label, self.dispatched_at),
            (Status.ARRIVED.label, self.arrived_at),
            (Status.HANDLED.label, self.handled_at),
            (Status.REPORTED.label, self.reported_at),
            (Status.CLOSED.label, self.closed_at),
        ]


class IncidentAssignment(ChangeLogged):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assignments")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_assignments"
    )
    role = models.CharField(
        _("分工"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.ASSIST
    )
    assigned_at = models.DateTimeField(_("指派时间"))

    class Meta:
        verbose_name = _("处警民警")
        verbose_name_plural = _("处警民警")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "officer"], name="incident_assignment_unique"
            )
        ]

    def __str__(self):
        return f"{self.incident} · {self.get_role_display()} {self.officer}"


class IncidentEvent(models.Model):
    """One step of an incident's timeline (typed). Callbacks will add their own kinds."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    data = models.JSONField(_("内容"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="incident_event_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class HandoverRecord(ChangeLogged):
    """警情日清零: one duty shift handed to the next, with the open incidents counted."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    shift_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("交班人"),
    )
    shift_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("接班人"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("交班时间"))
    open_count = models.PositiveIntegerField(_("未结警情数"))
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("交接班记录")
        verbose_name_plural = _("交接班记录")
        ordering = ["-at"]

    def __str__(self):
        return f"交接班 {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class IncidentVictim(ChangeLogged):
    """A victim of a 刑事/治安 incident: each one is called back once the incident is closed."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="victims")
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人口库"),
    )
    is_local = models.BooleanField(_("本地群众"), default=True)

    class Meta:
        verbose_name = _("受害人")
        verbose_name_plural = _("受害人")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "phone"], name="incident_victim_phone_unique"
            )
        ]

    def __str__(self):
        return self.name


class CallbackQuerySet(ScopedQuerySet):
    community_path = "incident__community"

    def open(self):
        return self.filter(status=CallbackStatus.PENDING)


class Callback(ChangeLogged):
    """One person to call back about one incident (回访), with its due time and result."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("警情")
    )
    target = models.CharField(_("回访对象"), max_length=10, choices=CallbackTarget.choices)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20)
    is_local = models.BooleanField(_("本地群众"), default=True)
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
        verbose_name=_("主办民警"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    due_at = models.DateTimeField(_("回访期限"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("回访人"),
    )
    attempts = models.PositiveSmallIntegerField(_("拨打次数"), default=0)
    rating = models.CharField(_("满意度"), max_length=20, choices=Rating.choices, blank=True)
    reason = models.TextField(_("不满意原因"), blank=True)
    note = models.TextField(_("备注"), blank=True)
    complaint_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被投诉民警"),
    )
    completed_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )

    objects = CallbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "target", "phone"], name="callback_unique_person"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(rating=""),
                name="callback_done_has_rating",
            ),
        ]
        indexes = [
            models.Index(fields=["station", "status", "due_at"], name="callback_station_due_idx"),
            # Covers the satisfaction figures (done callbacks by completion time and rating): the
            # KPI dashboard counts a year of them from the index alone.
            models.Index(
                fields=["station", "completed_at", "status", "rating"],
                name="callback_done_cover_idx",
            ),
        ]

    def __str__(self):
        return f"{self.incident.reference} {self.get_target_display()}{self.name}"

    def get_absolute_url(self):
        return reverse("incidents:callback_detail", args=[self.pk])


class CallbackAttempt(models.Model):
    """One call made for a callback: reached or not (each attempt is kept)."""

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("拨打时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reached = models.BooleanField(_("接通"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {'接通' if self.reached else '未接通'}"


class Rectification(ChangeLogged):
    """整改: an 不满意 callback makes the responsible unit put it right within the time limit."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    callback = models.OneToOneField(
        Callback, on_delete=models.CASCADE, related_name="rectification"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="rectifications")
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任单位"),
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    opened_at = models.DateTimeField(_("开始时间"))
    due_at = models.DateTimeField(_("整改期限"))
    action = models.TextField(_("整改情况"), blank=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["station", "status", "due_at"], name="rectification_due_idx")
        ]

    def __str__(self):
        return f"{self.incident.reference} 整改"

    def get_absolute_url(self):
        return reverse("incidents:rectification_detail", args=[self.pk])
