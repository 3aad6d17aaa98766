"""警情 (incidents): intake, dispatch, arrival, handling, feedback, closure — DOMAIN.md §2.

Callbacks (回访) and satisfaction hang off an incident later through a ForeignKey to `Incident`
(the timeline `IncidentEvent` is typed and open to new kinds).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import BUREAU_ROLES
from fengqiao.core.audit import ChangeLogged
from fengqiao.core.scoping import ScopedQuerySet
from fengqiao.incidents.choices import (
    OPEN_STATUSES,
    AreaType,
    AssignmentRole,
    EventKind,
    Outcome,
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
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级类别")
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
        from fengqiao.core.scoping import editable_community_ids

        return visible.filter(
            models.Q(assignments__officer=user) | models.Q(community_id__in=editable_community_ids(user))
        ).distinct()

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Incident(ChangeLogged):
    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所"))
    community = models.ForeignKey(
        "registry.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="incidents",
        verbose_name=_("社区/村"),
    )
    reference = models.CharField(_("警情编号"), max_length=30, unique=True)
    submission_id = models.UUIDField(_("提交标识"), unique=True, null=True, blank=True, editable=False)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.CALL_110)
    urgency = models.CharField(_("紧急程度"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("类别"))
    caller_name = models.CharField(_("报警人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("报警电话"), max_length=20, blank=True)
    caller_person = models.ForeignKey(
        "registry.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents",
        verbose_name=_("报警人(人口库)"),
    )
    address = models.ForeignKey(
        "registry.Address", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents",
        verbose_name=_("标准地址"),
    )
    location = models.CharField(_("发生地点"), max_length=200, blank=True)
    narrative = models.TextField(_("简要警情"), blank=True)
    area_type = models.CharField(_("区域"), max_length=20, choices=AreaType.choices, default=AreaType.URBAN)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(_("接警时间"))
    dispatched_at = models.DateTimeField(_("派警时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结警时间"), null=True, blank=True)
    outcome = models.CharField(_("处置结果"), max_length=20, choices=Outcome.choices, blank=True)
    disposition = models.TextField(_("处置情况"), blank=True)
    assigned_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents",
        verbose_name=_("处警单位"),
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="IncidentAssignment", related_name="incidents", verbose_name=_("处警民警")
    )
    case_reference = models.CharField(_("关联案件编号"), max_length=40, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("接警人"),
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("警情")
        verbose_name_plural = _("警情")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["station", "-received_at"], name="incident_station_recv_idx"),
            models.Index(fields=["station", "status"], name="incident_station_status_idx"),
            models.Index(fields=["station", "category"], name="incident_station_cat_idx"),
            models.Index(fields=["community", "-received_at"], name="incident_comm_recv_idx"),
            models.Index(fields=["station", "caller_phone"], name="incident_station_phone_idx"),
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
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_assignments")
    role = models.CharField(_("分工"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.ASSIST)
    assigned_at = models.DateTimeField(_("指派时间"))

    class Meta:
        verbose_name = _("处警民警")
        verbose_name_plural = _("处警民警")
        constraints = [models.UniqueConstraint(fields=["incident", "officer"], name="incident_assignment_unique")]


class IncidentEvent(models.Model):
    """One step of an incident's timeline (typed). Callbacks will add their own kinds."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
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
    shift_from = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("交班人"))
    shift_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接班人"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("交班时间"))
    open_count = models.PositiveIntegerField(_("未结警情数"))
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("交接班记录")
        verbose_name_plural = _("交接班记录")
        ordering = ["-at"]
