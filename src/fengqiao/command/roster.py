"""排班: shifts, who is on which post of which shift, the week's 带班所领导, and swaps (调班) the
带班所领导 approves. Reads (`on_duty`, `header_duty`) and writes (`duty_assign`, `swap_request`, …)
of the roster live here; every write is one transaction, logged by the change log's signals.

`header_duty(station_id)` is what every page's header shows: one indexed query (assignments of
today and yesterday of the station, with their shift and person) cached for a minute per station;
a roster change bumps the station's cache version, so this process sees it at once and others
within a minute.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Role
from fengqiao.accounts.selectors import station_leaders
from fengqiao.command import rules
from fengqiao.command.choices import Post, SwapStatus
from fengqiao.command.models import DutyAssignment, LeaderWeek, Shift, SwapRequest
from fengqiao.command.permissions import can_decide_swap, can_manage_roster
from fengqiao.command.selectors import week_leader

HEADER_CACHE_SECONDS = 60


# ----------------------------------------------------------------------------- reads


def assignments_at(station_id: int, at: dt.datetime) -> list[DutyAssignment]:
    """The duties under way at `at` (one query: today's and yesterday's, filtered by shift window)."""
    days = rules.candidate_days(at)
    rows = (
        DutyAssignment.objects.filter(station_id=station_id, day__in=days, shift__active=True)
        .select_related("shift", "user")
        .order_by("post", "user__full_name")
    )
    return [a for a in rows if rules.covers(a.day, a.shift.starts, a.shift.ends, at)]


def on_duty(station_id: int, at: dt.datetime | None = None) -> dict:
    """{"leader": 带班所领导 of the week or None, "posts": {post: [users]}, "shift": the shift or None}."""
    at = at or timezone.now()
    duties = assignments_at(station_id, at)
    posts: dict[str, list] = {}
    for a in duties:
        posts.setdefault(a.post, []).append(a.user)
    return {
        "leader": week_leader(station_id, at.astimezone(rules.TZ).date()),
        "posts": posts,
        "shift": duties[0].shift if duties else None,
        "assignments": duties,
    }


def _version(station_id: int) -> int:
    return cache.get(f"command:roster:v:{station_id}", 0)


def _bump(station_id: int) -> None:
    key = f"command:roster:v:{station_id}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def header_duty(station_id: int | None, now: dt.datetime | None = None) -> dict | None:
    """Names for the page header: {"leader": "陈卫东", "duty": ["刘洋"], "command": ["冯刚"]}."""
    if not station_id:
        return None
    now = now or timezone.now()
    key = f"command:onduty:{station_id}:{_version(station_id)}:{now:%Y%m%d%H%M}"
    value = cache.get(key)
    if value is None:
        data = on_duty(station_id, now)
        value = {
            "leader": data["leader"].display_name if data["leader"] else "",
            "duty": [u.display_name for u in data["posts"].get(Post.DUTY, [])],
            "command": [u.display_name for u in data["posts"].get(Post.COMMAND, [])],
            "shift": data["shift"].name if data["shift"] else "",
        }
        cache.set(key, value, HEADER_CACHE_SECONDS)
    return value


def next_shift(station_id: int, at: dt.datetime) -> tuple[dt.date, Shift] | None:
    """The first shift of the station starting after `at` (today's or tomorrow's)."""
    shifts = list(Shift.objects.filter(station_id=station_id, active=True))
    local_day = at.astimezone(rules.TZ).date()
    best = None
    for offset in (0, 1):
        day = local_day + dt.timedelta(days=offset)
        for shift in shifts:
            start, _end = rules.shift_window(day, shift.starts, shift.ends)
            if start > at and (best is None or start < best[0]):
                best = (start, day, shift)
    return (best[1], best[2]) if best else None


def handover_context(station_id: int, at: dt.datetime | None = None) -> dict:
    """For the 警情日清零 handover page: who is on duty now, who takes the next shift."""
    at = at or timezone.now()
    now_data = on_duty(station_id, at)
    following = next_shift(station_id, at)
    incoming = []
    if following:
        day, shift = following
        incoming = list(
            DutyAssignment.objects.filter(station_id=station_id, day=day, shift=shift)
            .select_related("user")
            .order_by("post", "user__full_name")
        )
    duty_in = [a.user for a in incoming if a.post == Post.DUTY]
    return {
        "roster_now": now_data,
        "roster_next": {"day": following[0], "shift": following[1], "assignments": incoming}
        if following
        else None,
        "suggested_shift_to": duty_in[0] if duty_in else None,
    }


def week_grid(station_id: int, monday: dt.date) -> dict:
    """The roster of one week: rows (shift, post), columns days, cells lists of assignments."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    shifts = list(Shift.objects.filter(station_id=station_id, active=True))
    rows = (
        DutyAssignment.objects.filter(station_id=station_id, day__gte=days[0], day__lte=days[-1])
        .select_related("shift", "user")
        .order_by("user__full_name")
    )
    cells: dict[tuple, list] = {}
    for a in rows:
        cells.setdefault((a.shift_id, a.post, a.day), []).append(a)
    grid = []
    for shift in shifts:
        for post, label in Post.choices:
            grid.append(
                {
                    "shift": shift,
                    "post": post,
                    "post_label": label,
                    "cells": [cells.get((shift.pk, post, d), []) for d in days],
                }
            )
    leader = (
        LeaderWeek.objects.filter(station_id=station_id, week_start=monday)
        .select_related("leader")
        .first()
    )
    return {"days": days, "grid": grid, "leader": leader.leader if leader else None}


# ----------------------------------------------------------------------------- permissions


def _require_manager(actor, station_id: int) -> None:
    if not can_manage_roster(actor) or (actor.station_id != station_id and not actor.is_superuser):
        raise PermissionDenied(_("只有所领导和指挥室可以排班"))


def _station_member(user, station_id: int, label: str) -> None:
    if user is None or user.station_id != station_id or not user.is_active:
        raise ValidationError(_("%(label)s必须是本所在岗人员") % {"label": label})


# ----------------------------------------------------------------------------- writes


@transaction.atomic
def shift_save(
    *, actor, station, name: str, starts: dt.time, ends: dt.time, sort: int = 0, shift=None
) -> Shift:
    _require_manager(actor, station.pk)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写班次名称"))
    if starts is None or ends is None:
        raise ValidationError(_("请填写班次的开始和结束时间"))
    if (
        Shift.objects.filter(station=station, name=name)
        .exclude(pk=getattr(shift, "pk", None))
        .exists()
    ):
        raise ValidationError(_("已有同名班次“%(name)s”") % {"name": name})
    shift = shift or Shift(station=station)
    shift.name, shift.starts, shift.ends, shift.sort = name, starts, ends, sort
    shift.save()
    _bump(station.pk)
    return shift


@transaction.atomic
def shift_set_active(*, actor, shift: Shift, active: bool) -> Shift:
    """停用/启用 a shift: a stopped shift keeps its history but is off the grid and the header."""
    _require_manager(actor, shift.station_id)
    shift.active = active
    shift.save(update_fields=["active"])
    _bump(shift.station_id)
    return shift


def duty_assign(
    *, actor, station, day: dt.date, shift: Shift, post: str, user, note: str = ""
) -> DutyAssignment:
    _require_manager(actor, station.pk)
    if shift.station_id != station.pk:
        raise ValidationError(_("班次不属于本所"))
    if post not in Post.values:
        raise ValidationError(_("请选择岗位"))
    _station_member(user, station.pk, _("值班人员"))
    try:
        with transaction.atomic():
            row = DutyAssignment.objects.create(
                station=station,
                day=day,
                shift=shift,
                post=post,
                user=user,
                note=(note or "").strip(),
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s %(day)s 的%(shift)s已有安排")
            % {"name": user.display_name, "day": day, "shift": shift.name}
        ) from None
    _bump(station.pk)
    return row


@transaction.atomic
def duty_remove(*, actor, assignment: DutyAssignment) -> None:
    _require_manager(actor, assignment.station_id)
    if assignment.swaps.filter(status=SwapStatus.PENDING).exists():
        raise ValidationError(_("该安排有待审批的调班申请,请先处理"))
    station_id = assignment.station_id
    assignment.delete()
    _bump(station_id)


@transaction.atomic
def leader_week_set(*, actor, station, week_start: dt.date, leader) -> LeaderWeek:
    _require_manager(actor, station.pk)
    _station_member(leader, station.pk, _("带班所领导"))
    if leader.role != Role.STATION_LEADER:
        raise ValidationError(_("带班所领导须为所领导"))
    monday = rules.week_start(week_start)
    row, _created = LeaderWeek.objects.update_or_create(
        station=station, week_start=monday, defaults={"leader": leader}
    )
    _bump(station.pk)
    return row


@transaction.atomic
def week_copy(*, actor, station, from_monday: dt.date, to_monday: dt.date) -> int:
    """Copy one week's roster onto another (empty) week; returns the rows written."""
    _require_manager(actor, station.pk)
    from_monday, to_monday = rules.week_start(from_monday), rules.week_start(to_monday)
    if from_monday == to_monday:
        raise ValidationError(_("源周和目标周不能相同"))
    target = DutyAssignment.objects.filter(
        station=station, day__gte=to_monday, day__lt=to_monday + dt.timedelta(days=7)
    )
    if target.exists():
        raise ValidationError(_("目标周已有排班,不能覆盖"))
    source = DutyAssignment.objects.filter(
        station=station, day__gte=from_monday, day__lt=from_monday + dt.timedelta(days=7)
    )
    shift = to_monday - from_monday
    rows = [
        DutyAssignment(
            station=station,
            day=a.day + shift,
            shift_id=a.shift_id,
            post=a.post,
            user_id=a.user_id,
            note=a.note,
        )
        for a in source
    ]
    created = DutyAssignment.objects.bulk_create(rows)
    from fengqiao.core.audit import log_bulk
    from fengqiao.core.models import ChangeAction

    log_bulk(created, ChangeAction.CREATE, actor=actor)
    _bump(station.pk)
    return len(created)


def swap_request(*, actor, assignment: DutyAssignment, replacement, reason: str) -> SwapRequest:
    """调班申请 by the person on duty (or a roster manager on their behalf)."""
    if actor.pk != assignment.user_id and not can_manage_roster(actor):
        raise PermissionDenied(_("只能为自己的值班申请调班"))
    if actor.station_id != assignment.station_id:
        raise PermissionDenied(_("只能为本所的值班申请调班"))
    _station_member(replacement, assignment.station_id, _("替班人"))
    if replacement.pk == assignment.user_id:
        raise ValidationError(_("替班人不能是原值班人"))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError(_("请填写调班理由"))
    start, _end = rules.shift_window(assignment.day, assignment.shift.starts, assignment.shift.ends)
    if start <= timezone.now():
        raise ValidationError(_("该班次已开始,不能再申请调班"))
    if DutyAssignment.objects.filter(
        day=assignment.day, shift=assignment.shift, user=replacement
    ).exists():
        raise ValidationError(_("%(name)s 在该班次已有值班") % {"name": replacement.display_name})
    try:
        with transaction.atomic():
            swap = SwapRequest.objects.create(
                station_id=assignment.station_id,
                assignment=assignment,
                requested_by=actor,
                replacement=replacement,
                reason=reason,
            )
    except IntegrityError:
        raise ValidationError(_("该值班已有待审批的调班申请")) from None
    transaction.on_commit(lambda: _tell_decider(swap), robust=True)
    return swap


def _tell_decider(swap: SwapRequest) -> None:
    from fengqiao.notifications.services import notification_send

    leader = week_leader(swap.station_id, swap.assignment.day)
    people = [leader] if leader else list(station_leaders(swap.station_id))
    from django.urls import reverse

    notification_send(
        recipients=people,
        kind="command_swap",
        level="yellow",
        title=_("调班申请:%(who)s %(day)s %(shift)s → %(to)s")
        % {
            "who": swap.assignment.user.display_name,
            "day": swap.assignment.day,
            "shift": swap.assignment.shift.name,
            "to": swap.replacement.display_name,
        },
        body=swap.reason,
        url=reverse("command:roster") + f"?week={rules.week_start(swap.assignment.day)}",
        dedupe_key=f"command_swap:{swap.pk}",
    )


def swap_decide(*, actor, swap: SwapRequest, approve: bool, note: str = "") -> SwapRequest:
    """The 带班所领导 approves (the duty passes to the replacement) or rejects, once."""
    if not can_decide_swap(actor, swap):
        raise PermissionDenied(_("只有本周带班所领导可以审批调班"))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError(_("驳回须填写意见"))
    with transaction.atomic():
        now = timezone.now()
        claimed = SwapRequest.objects.filter(pk=swap.pk, status=SwapStatus.PENDING).update(
            status=SwapStatus.APPROVED if approve else SwapStatus.REJECTED,
            decided_by=actor,
            decided_at=now,
            decision_note=note,
        )
        if claimed != 1:
            raise ValidationError(_("该申请已处理"))
        swap.refresh_from_db()
        from fengqiao.core.audit import log_bulk
        from fengqiao.core.models import ChangeAction

        log_bulk([swap], ChangeAction.UPDATE, actor=actor)
        if approve:
            assignment = DutyAssignment.objects.select_for_update().get(pk=swap.assignment_id)
            if DutyAssignment.objects.filter(
                day=assignment.day, shift_id=assignment.shift_id, user=swap.replacement
            ).exists():
                raise ValidationError(
                    _("%(name)s 在该班次已有值班") % {"name": swap.replacement.display_name}
                )
            assignment.user = swap.replacement
            assignment.note = (_("调班:原%(name)s") % {"name": swap.requested_by.display_name})[
                :200
            ]
            assignment.save()
    _bump(swap.station_id)
    return swap


def swap_cancel(*, actor, swap: SwapRequest) -> None:
    if actor.pk != swap.requested_by_id:
        raise PermissionDenied(_("只能撤回自己的申请"))
    with transaction.atomic():
        if (
            SwapRequest.objects.filter(pk=swap.pk, status=SwapStatus.PENDING).update(
                status=SwapStatus.CANCELLED
            )
            != 1
        ):
            raise ValidationError(_("该申请已处理"))
        swap.refresh_from_db()
        from fengqiao.core.audit import log_bulk
        from fengqiao.core.models import ChangeAction

        log_bulk([swap], ChangeAction.UPDATE, actor=actor)
