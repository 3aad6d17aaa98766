"""Every write of the workflow core: time-limit rules (versioned) and clocks on workflow objects.

A part attaches a clock with `clock_start(obj=case, kind="public_security_case", assignee=...)`
inside its own transaction; the due time is computed once by `core.rules` and stored. Pauses,
extensions, stop and cancel go through the functions below, each in one transaction, each
refusing bad input with a Chinese message and changing nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.roles import BUREAU_ROLES
from fengqiao.core import rules
from fengqiao.core.choices import ClockState, ExtensionDecision, TimeUnit
from fengqiao.core.permissions import (
    ROLE_LABELS,
    can_manage_rules,
    require_approver,
    require_station,
)
from fengqiao.core.workflow_models import Clock, ClockExtension, ClockPause, TimeLimitRule

RULE_FIELDS = (
    "name",
    "law_version",
    "limit_value",
    "limit_unit",
    "holiday_rolls",
    "pausable",
    "extension_options",
    "extension_cap_value",
    "extension_cap_unit",
    "legal_basis",
    "warning_fractions",
)


# ---------------------------------------------------------------- rules


def _require_rule_manager(actor) -> None:
    if actor is not None and not can_manage_rules(actor):
        raise PermissionDenied(_("时限规则对全部派出所生效,只有系统管理员可以修改"))


def rules_load_defaults() -> int:
    """(Re)create the shipped default rules for kinds that have none (after a flush, e.g. in tests)."""
    import importlib

    from django.apps import apps

    from fengqiao.core.audit import log_bulk
    from fengqiao.core.models import ChangeAction

    migration = importlib.import_module("fengqiao.core.migrations.0003_default_time_limits")
    created = migration.load(apps, None)
    if created:
        log_bulk(created, ChangeAction.CREATE, source="system")
    return len(created)


def rule_in_force(kind: str, at: dt.datetime) -> TimeLimitRule:
    day = rules.local_date(at)
    rule = (
        TimeLimitRule.objects.effective_on(day)
        .filter(kind=kind)
        .order_by("-effective_from")
        .first()
    )
    if rule is None:
        raise ValidationError(
            _("没有%(day)s适用的“%(kind)s”时限规则,请管理员先在时限规则中设置")
            % {"day": f"{day:%Y-%m-%d}", "kind": kind}
        )
    return rule


def _clean_int(value, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(message) from None
    if number <= 0 or str(number) != str(value).strip():
        raise ValidationError(message)
    return number


def _clean_options(options, cap_value, cap_unit) -> list[dict]:
    cleaned, keys = [], set()
    valid_roles = set(ROLE_LABELS)
    for raw in options or []:
        label = str(raw.get("label", "")).strip()
        if not label:
            raise ValidationError(_("每种延长方式都要有名称"))
        key = str(raw.get("key") or "").strip() or uuid.uuid4().hex[:8]
        if key in keys:
            raise ValidationError(_("延长方式“%(label)s”的代码重复") % {"label": label})
        keys.add(key)
        value = _clean_int(
            raw.get("value"), _("延长方式“%(label)s”的时长必须是大于0的整数") % {"label": label}
        )
        unit = raw.get("unit")
        if unit not in TimeUnit.values:
            raise ValidationError(_("延长方式“%(label)s”的单位无效") % {"label": label})
        roles = [r for r in raw.get("approver_roles") or [] if r]
        if not roles:
            raise ValidationError(_("延长方式“%(label)s”必须指定审批角色") % {"label": label})
        if set(roles) - valid_roles:
            raise ValidationError(_("延长方式“%(label)s”的审批角色无效") % {"label": label})
        max_times = _clean_int(
            raw.get("max_times", 1),
            _("延长方式“%(label)s”的可用次数必须是大于0的整数") % {"label": label},
        )
        if cap_value and rules.nominal_hours(value, unit) > rules.nominal_hours(
            cap_value, cap_unit
        ):
            raise ValidationError(
                _("延长方式“%(label)s”(延长%(value)s)超过法定最长延长%(cap)s,未保存")
                % {
                    "label": label,
                    "value": rules.describe(value, unit),
                    "cap": rules.describe(cap_value, cap_unit),
                }
            )
        cleaned.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "unit": unit,
                "approver_roles": roles,
                "max_times": max_times,
            }
        )
    if cleaned and not cap_value:
        raise ValidationError(_("设置了延长方式,必须填写法定最长延长"))
    return cleaned


def _clean_rule(data: dict) -> dict:
    data = dict(data)
    data["name"] = str(data.get("name", "")).strip()
    if not data["name"]:
        raise ValidationError(_("请填写规则名称"))
    data["limit_value"] = _clean_int(data.get("limit_value"), _("期限必须是大于0的整数"))
    if data.get("limit_unit") not in TimeUnit.values:
        raise ValidationError(_("期限单位无效"))
    cap_value = data.get("extension_cap_value") or None
    cap_unit = data.get("extension_cap_unit") or ""
    if cap_value is not None:
        cap_value = _clean_int(cap_value, _("法定最长延长必须是大于0的整数"))
        if cap_unit not in TimeUnit.values:
            raise ValidationError(_("法定最长延长的单位无效"))
    else:
        cap_unit = ""
    data["extension_cap_value"], data["extension_cap_unit"] = cap_value, cap_unit
    data["extension_options"] = _clean_options(data.get("extension_options"), cap_value, cap_unit)
    try:
        data["warning_fractions"] = rules.validate_fractions(
            data.get("warning_fractions") or rules.DEFAULT_WARNING_FRACTIONS
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    return data


def _check_dates(kind: str, start: dt.date, end: dt.date | None, *, exclude_pk=None) -> None:
    if end is not None and end <= start:
        raise ValidationError(_("失效日期必须晚于生效日期"))
    others = TimeLimitRule.objects.select_for_update().filter(kind=kind)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    for other in others:
        other_end = other.effective_to or dt.date.max
        this_end = end or dt.date.max
        if start < other_end and other.effective_from < this_end:
            until = f"{other.effective_to:%Y-%m-%d}" if other.effective_to else _("长期")
            raise ValidationError(
                _("生效期与该规则的另一版本(%(start)s 至 %(until)s)重叠,未保存")
                % {"start": f"{other.effective_from:%Y-%m-%d}", "until": until}
            )


@transaction.atomic
def rule_create(
    *,
    actor,
    kind: str,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    note: str = "",
    **fields,
) -> TimeLimitRule:
    """A new kind of clock, or a version of a kind in a date range nobody covers yet."""
    _require_rule_manager(actor)
    kind = (kind or "").strip()
    if not kind or not kind.replace("_", "").isalnum() or not kind.isascii():
        raise ValidationError(_("时钟类型代码只能用英文字母、数字和下划线"))
    data = _clean_rule(
        {f: fields.get(f) for f in RULE_FIELDS if f in fields} | {"name": fields.get("name", "")}
    )
    _check_dates(kind, effective_from, effective_to)
    rule = TimeLimitRule(
        kind=kind,
        effective_from=effective_from,
        effective_to=effective_to,
        note=note,
        created_by=actor,
        **data,
    )
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def rule_revise(
    *, actor, rule: TimeLimitRule, effective_from: dt.date, note: str, **changes
) -> TimeLimitRule:
    """Edit a rule: a new version from `effective_from`; the old one ends that day and is otherwise untouched."""
    _require_rule_manager(actor)
    old = TimeLimitRule.objects.select_for_update().get(pk=rule.pk)
    if not (note or "").strip():
        raise ValidationError(_("请填写修订说明(依据的法律修订或工作规范)"))
    if effective_from <= old.effective_from:
        raise ValidationError(
            _("新版本的生效日期必须晚于原版本的生效日期(%(date)s)")
            % {"date": f"{old.effective_from:%Y-%m-%d}"}
        )
    if old.effective_to is not None and effective_from >= old.effective_to:
        raise ValidationError(
            _("原版本已于%(date)s失效,请选择原版本有效期内的日期或新建版本")
            % {"date": f"{old.effective_to:%Y-%m-%d}"}
        )
    effective_to = changes.pop("effective_to", old.effective_to)
    data = {f: getattr(old, f) for f in RULE_FIELDS} | {
        k: v for k, v in changes.items() if k in RULE_FIELDS
    }
    data = _clean_rule(data)
    _check_dates(old.kind, effective_from, effective_to, exclude_pk=old.pk)
    new = TimeLimitRule(
        kind=old.kind,
        effective_from=effective_from,
        effective_to=effective_to,
        note=note.strip(),
        created_by=actor,
        **data,
    )
    new.full_clean()
    old.effective_to = effective_from
    old.save(update_fields=["effective_to"])
    new.save()
    return new


# ---------------------------------------------------------------- clocks


def _lock(clock: Clock) -> Clock:
    """Lock the clock's row and reload it, so a concurrent sweeper or officer cannot interleave."""
    Clock.objects.select_for_update().filter(pk=clock.pk).values_list("pk", flat=True).first()
    clock.refresh_from_db()
    return clock


def schedule_next_warning(clock: Clock) -> None:
    """Set next_warning_at/level from the stored due time (only a running clock has one)."""
    fractions = clock.rule.warning_fractions
    level = clock.last_warning_level + 1
    if clock.state != ClockState.RUNNING or level > len(fractions):
        clock.next_warning_at, clock.next_warning_level = None, None
        return
    times = rules.warning_times(
        clock.started_at, clock.due_at, dt.timedelta(seconds=clock.paused_seconds), fractions
    )
    clock.next_warning_at, clock.next_warning_level = times[level - 1], level


@transaction.atomic
def clock_start(
    *,
    obj,
    kind: str,
    actor=None,
    assignee=None,
    station=None,
    unit=None,
    started_at: dt.datetime | None = None,
    title: str = "",
) -> Clock:
    """Start a legal time limit on `obj` under the rule version in force at `started_at`."""
    started_at = started_at or timezone.now()
    if timezone.is_naive(started_at):
        raise ValidationError(_("起算时间必须带时区"))
    station = station or getattr(obj, "station", None)
    if station is None:
        raise ValidationError(_("时限必须属于一个派出所"))
    rule = rule_in_force(kind, started_at)
    if unit is None and assignee is not None:
        unit = assignee.unit
    due = rules.add_period(
        started_at, rule.limit_value, rule.limit_unit, holiday_rolls=rule.holiday_rolls
    )
    clock = Clock(
        content_type=ContentType.objects.get_for_model(obj.__class__),
        object_id=obj.pk,
        station=station,
        assignee=assignee,
        unit=unit,
        kind=kind,
        rule=rule,
        title=(title or str(obj))[:200],
        started_at=started_at,
        due_at=due,
    )
    schedule_next_warning(clock)
    clock.save()
    return clock


@transaction.atomic
def clock_pause(*, actor, clock: Clock, reason: str, at: dt.datetime | None = None) -> Clock:
    """Stop the clock (e.g. 鉴定): the time until resume does not count."""
    require_station(actor, clock)
    _lock(clock)
    at = at or timezone.now()
    if not clock.rule.pausable:
        raise ValidationError(_("“%(rule)s”不允许暂停计时") % {"rule": clock.rule.name})
    if clock.state != ClockState.RUNNING:
        raise ValidationError(_("只有计时中的时限可以暂停"))
    if not (reason or "").strip():
        raise ValidationError(_("请填写暂停计时的原因(如:鉴定)"))
    if at < clock.started_at:
        raise ValidationError(_("暂停时间不能早于起算时间"))
    ClockPause.objects.create(clock=clock, started_at=at, reason=reason.strip(), started_by=actor)
    clock.state, clock.paused_at = ClockState.PAUSED, at
    schedule_next_warning(clock)
    clock.save()
    return clock


@transaction.atomic
def clock_resume(*, actor, clock: Clock, at: dt.datetime | None = None) -> Clock:
    """Restart a paused clock; the due time moves later by the paused duration."""
    require_station(actor, clock)
    _lock(clock)
    at = at or timezone.now()
    if clock.state != ClockState.PAUSED:
        raise ValidationError(_("该时限没有暂停"))
    if at < clock.paused_at:
        raise ValidationError(_("恢复时间不能早于暂停时间"))
    paused = at - clock.paused_at
    pause = clock.pauses.get(ended_at__isnull=True)
    pause.ended_at, pause.ended_by = at, actor
    pause.save()
    clock.due_at += paused
    clock.paused_seconds += int(paused.total_seconds())
    clock.state, clock.paused_at = ClockState.RUNNING, None
    schedule_next_warning(clock)
    clock.save()
    return clock


def _approved(clock: Clock):
    return clock.extensions.filter(decision=ExtensionDecision.APPROVED)


def _check_extension_allowed(
    clock: Clock, option: dict, value: int, unit: str, *, exclude_pk=None
) -> None:
    if rules.nominal_hours(value, unit) > rules.nominal_hours(option["value"], option["unit"]):
        raise ValidationError(
            _("申请延长%(value)s,超过“%(label)s”允许的%(allowed)s")
            % {
                "value": rules.describe(value, unit),
                "label": option["label"],
                "allowed": rules.describe(option["value"], option["unit"]),
            }
        )
    approved = _approved(clock)
    if exclude_pk:
        approved = approved.exclude(pk=exclude_pk)
    used = approved.filter(option_key=option["key"]).count()
    if used >= option["max_times"]:
        raise ValidationError(
            _("“%(label)s”最多可延长%(max)s次,已用%(used)s次")
            % {"label": option["label"], "max": option["max_times"], "used": used}
        )
    rule = clock.rule
    if rule.extension_cap_value:
        total = sum(rules.nominal_hours(e.value, e.unit) for e in approved) + rules.nominal_hours(
            value, unit
        )
        if total > rules.nominal_hours(rule.extension_cap_value, rule.extension_cap_unit):
            raise ValidationError(
                _("累计延长将超过法定最长延长%(cap)s,不能申请")
                % {"cap": rule.extension_cap_display}
            )


@transaction.atomic
def clock_request_extension(
    *, actor, clock: Clock, option_key: str, reason: str, value: int | None = None
) -> ClockExtension:
    """Ask for one of the rule's extensions; an approver with the option's role decides."""
    require_station(actor, clock)
    _lock(clock)
    if not clock.is_open:
        raise ValidationError(
            _("该时限%(state)s,不能申请延长") % {"state": clock.get_state_display()}
        )
    option = clock.rule.option(option_key)
    if option is None:
        raise ValidationError(_("“%(rule)s”没有这种延长方式") % {"rule": clock.rule.name})
    if not (reason or "").strip():
        raise ValidationError(_("请填写申请延长的理由"))
    value = option["value"] if value is None else value
    if not isinstance(value, int) or value <= 0:
        raise ValidationError(_("延长时长必须是大于0的整数"))
    if clock.extensions.filter(decision=ExtensionDecision.PENDING).exists():
        raise ValidationError(_("已有一份待审批的延长申请"))
    _check_extension_allowed(clock, option, value, option["unit"])
    extension = ClockExtension.objects.create(
        clock=clock,
        option_key=option["key"],
        label=option["label"],
        value=value,
        unit=option["unit"],
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    approvers = extension_approvers(clock, option)
    _notify(
        recipients=approvers,
        kind="clock_extension_request",
        title=f"延长申请待审批:{clock.title or clock.rule.name}",
        body=f"{actor.display_name if actor else '系统'}申请“{extension.label}”。理由:{extension.reason}",
        url=clock_url(clock),
        obj=clock,
        dedupe_key=f"clock-extension:{extension.pk}:request",
    )
    return extension


def clock_url(clock: Clock) -> str:
    from django.urls import reverse

    return reverse("core:clock_detail", args=[clock.pk])


def _notify(**kwargs) -> None:
    """Tell people about an extension request or decision (inbox and channels, after commit)."""
    from fengqiao.notifications.services import notification_send

    if kwargs["recipients"]:
        notification_send(**kwargs)


def extension_approvers(clock: Clock, option: dict):
    """Active users who may approve `option` on `clock`: the roles at the clock's station, or of its bureau."""
    from django.db.models import Q

    from fengqiao.accounts.models import User

    roles = option.get("approver_roles") or []
    scope = Q(station_id=clock.station_id) | Q(
        role__in=BUREAU_ROLES, bureau_id=clock.station.bureau_id
    )
    return list(User.objects.filter(scope, role__in=roles, is_active=True).order_by("pk"))


@transaction.atomic
def clock_approve_extension(*, actor, extension: ClockExtension, note: str = "") -> ClockExtension:
    """Approve: the due time is extended from the current due time with the rule's arithmetic."""
    extension = (
        ClockExtension.objects.select_for_update()
        .select_related("clock__rule", "clock__station")
        .get(pk=extension.pk)
    )
    clock = _lock(extension.clock)
    option = require_approver(actor, extension)
    if extension.decision != ExtensionDecision.PENDING:
        raise ValidationError(_("该申请已经审批过"))
    if not clock.is_open:
        raise ValidationError(
            _("该时限%(state)s,不能再延长") % {"state": clock.get_state_display()}
        )
    _check_extension_allowed(
        clock, option, extension.value, extension.unit, exclude_pk=extension.pk
    )
    before = clock.due_at
    clock.due_at = rules.add_period(
        before, extension.value, extension.unit, holiday_rolls=clock.rule.holiday_rolls
    )
    schedule_next_warning(clock)
    clock.save()
    extension.decision = ExtensionDecision.APPROVED
    extension.decided_by, extension.decided_at, extension.note = (
        actor,
        timezone.now(),
        (note or "").strip(),
    )
    extension.due_before, extension.due_after = before, clock.due_at
    extension.save()
    _notify_decision(extension)
    return extension


def _notify_decision(extension: ClockExtension) -> None:
    clock = extension.clock
    approved = extension.decision == ExtensionDecision.APPROVED
    due = (
        f",新的到期时间 {extension.due_after.astimezone(rules.TZ):%Y-%m-%d %H:%M}"
        if approved
        else ""
    )
    _notify(
        recipients=[u for u in (extension.requested_by, clock.assignee) if u is not None],
        kind="clock_extension_decided",
        title=f"延长申请{'已批准' if approved else '未批准'}:{clock.title or clock.rule.name}",
        body=f"“{extension.label}”{extension.get_decision_display()}{due}。{extension.note}",
        url=clock_url(clock),
        obj=clock,
        dedupe_key=f"clock-extension:{extension.pk}:decided",
    )


@transaction.atomic
def clock_reject_extension(*, actor, extension: ClockExtension, note: str) -> ClockExtension:
    extension = (
        ClockExtension.objects.select_for_update()
        .select_related("clock__rule", "clock__station")
        .get(pk=extension.pk)
    )
    require_approver(actor, extension)
    if extension.decision != ExtensionDecision.PENDING:
        raise ValidationError(_("该申请已经审批过"))
    if not (note or "").strip():
        raise ValidationError(_("请填写不批准的理由"))
    extension.decision = ExtensionDecision.REJECTED
    extension.decided_by, extension.decided_at, extension.note = actor, timezone.now(), note.strip()
    extension.save()
    _notify_decision(extension)
    return extension


def _close_open_pause(clock: Clock, at: dt.datetime, actor) -> None:
    if clock.state == ClockState.PAUSED:
        pause = clock.pauses.filter(ended_at__isnull=True).first()
        if pause:
            pause.ended_at, pause.ended_by = at, actor
            pause.save()
        clock.paused_seconds += int((at - clock.paused_at).total_seconds())
        clock.due_at += at - clock.paused_at
        clock.paused_at = None


@transaction.atomic
def clock_stop(*, actor, clock: Clock, at: dt.datetime | None = None) -> Clock:
    """The work is done: met if on time, breached if late. A breached clock stays breached."""
    require_station(actor, clock)
    _lock(clock)
    at = at or timezone.now()
    if clock.state in (ClockState.MET, ClockState.CANCELLED) or clock.stopped_at:
        raise ValidationError(_("该时限已经结束(%(state)s)") % {"state": clock.get_state_display()})
    _close_open_pause(clock, at, actor)
    if clock.state != ClockState.BREACHED:
        if at <= clock.due_at:
            clock.state = ClockState.MET
        else:
            clock.state, clock.breached_at = ClockState.BREACHED, clock.due_at
    clock.stopped_at = at
    schedule_next_warning(clock)
    clock.save()
    return clock


@transaction.atomic
def clock_cancel(*, actor, clock: Clock, reason: str = "", at: dt.datetime | None = None) -> Clock:
    """The clock no longer applies (e.g. the case was transferred): no more warnings."""
    require_station(actor, clock)
    _lock(clock)
    if not clock.is_open:
        raise ValidationError(_("该时限已经结束(%(state)s)") % {"state": clock.get_state_display()})
    at = at or timezone.now()
    _close_open_pause(clock, at, actor)
    clock.state, clock.stopped_at = ClockState.CANCELLED, at
    schedule_next_warning(clock)
    clock.save()
    return clock


def clocks_for(obj):
    """The clocks on one object, newest first."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    return (
        Clock.objects.filter(content_type=ct, object_id=obj.pk)
        .select_related("rule")
        .order_by("-started_at")
    )
