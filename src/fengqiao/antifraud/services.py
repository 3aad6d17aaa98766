"""Every write of the anti-fraud part. Each service validates, writes in one transaction, records a
`WarningEvent` where the warning's life changes, and refuses bad input with a Chinese message,
changing nothing.

A warning's life: received → matched to the registry (ID, phone, name + address, address) → assigned
to the community's officer the same minute with a contact clock by level (`fraud_contact_high` 30 min,
`_medium` 2 h, `_low` 24 h, counted from receipt) → attempts (phone, visit, family; the first one stops
the clock) → outcome. 已被骗 records the loss on a `FraudCase` and opens a 诈骗 incident (which then
needs a case: the incidents app's 刑事 review clock runs on it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fengqiao import env
from fengqiao.accounts.choices import Role
from fengqiao.accounts.roles import FULL_PERSONAL_DATA_ROLES, has_role
from fengqiao.accounts.selectors import station_leaders
from fengqiao.antifraud import rules
from fengqiao.antifraud.choices import (
    CHECKLIST_KEYS,
    CONTACT_CLOCK_KIND,
    LEVEL_RANK,
    OPEN_STATUSES,
    ActivityKind,
    AttemptMethod,
    ContentKind,
    EventKind,
    Outcome,
    WarningSource,
    WarningStatus,
)
from fengqiao.antifraud.models import (
    ContentUpdate,
    DissuasionAttempt,
    FraudCase,
    FraudType,
    PublicityActivity,
    PublicityContent,
    Warning,
    WarningEvent,
)
from fengqiao.antifraud.permissions import (
    can_assign,
    can_manage_types,
    can_publicise,
    can_record_cases,
)
from fengqiao.antifraud.selectors import Matcher
from fengqiao.core.audit import record_personal_data_view
from fengqiao.core.choices import ClockState
from fengqiao.core.refnumbers import next_reference
from fengqiao.core.services import clock_cancel, clock_start, clock_stop, clocks_for

FUTURE_TOLERANCE = dt.timedelta(minutes=2)


def merge_window_hours() -> int:
    """Warnings about the same person within this many hours merge (env ANTIFRAUD_MERGE_WINDOW_HOURS, default 24)."""
    from django.conf import settings

    value = getattr(settings, "ANTIFRAUD_MERGE_WINDOW_HOURS", None)
    if value is not None:
        return int(value)
    return env.integer("ANTIFRAUD_MERGE_WINDOW_HOURS", rules.DEFAULT_MERGE_WINDOW_HOURS, minimum=0)


def _bad(exc: Exception) -> ValidationError:
    return ValidationError(str(exc))


def _aware(at):
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


def _event(warning, kind, actor, at, **data) -> WarningEvent:
    return WarningEvent.objects.create(warning=warning, kind=kind, actor=actor, at=at, data=data)


def _lock(warning: Warning) -> Warning:
    fresh = Warning.objects.select_for_update().get(pk=warning.pk)
    warning.__dict__.update(
        {f.attname: getattr(fresh, f.attname) for f in Warning._meta.concrete_fields}
    )
    return warning


def _require_editable(actor, warning: Warning) -> None:
    if actor is None:
        return
    if not Warning.objects.editable_by(actor).filter(pk=warning.pk).exists():
        raise PermissionDenied("无权处置该预警")


def _require_open(warning: Warning, action: str) -> None:
    if warning.status not in OPEN_STATUSES:
        raise ValidationError(f"预警当前为“{warning.get_status_display()}”,不能{action}")


def _contact_clock(warning: Warning):
    for clock in clocks_for(warning):
        if (
            clock.kind.startswith("fraud_contact_")
            and clock.stopped_at is None
            and clock.state
            in (
                ClockState.RUNNING,
                ClockState.PAUSED,
                ClockState.BREACHED,
            )
        ):
            return clock
    return None


def _command_room(station):
    from fengqiao.accounts.models import User

    return list(User.objects.filter(station=station, role=Role.COMMAND, is_active=True))


def _leaders(station):
    return list(station_leaders(station))


def _notify_new(warning: Warning) -> None:
    """The officer gets every warning; a high one ignores quiet hours and goes live to the command room;
    one without an officer goes to the command room and the leaders to be assigned by hand."""
    from fengqiao.notifications.services import notification_send

    high = warning.risk_level == "high"
    title = (
        f"反诈预警 {warning.reference}({warning.get_risk_level_display()}风险·{warning.fraud_type})"
    )
    due = (
        timezone.localtime(warning.contact_due_at).strftime("%m-%d %H:%M")
        if warning.contact_due_at
        else ""
    )
    body = f"{warning.name},请于 {due} 前联系劝阻。" if due else warning.name
    recipients = []
    if warning.officer_id:
        recipients.append(warning.officer)
    if high:
        recipients += _command_room(warning.station)
    if not warning.officer_id:
        recipients += _command_room(warning.station) + _leaders(warning.station)
        title = f"待分派 {title}"
    if recipients:
        notification_send(
            recipients=recipients,
            kind="fraud_warning",
            title=title,
            body=body,
            level="red" if high else ("orange" if warning.risk_level == "medium" else "yellow"),
            obj=warning,
            urgent=high,
            dedupe_key=f"fraud_warning:{warning.pk}",
        )


def _start_contact_clock(warning: Warning, actor) -> None:
    clock = clock_start(
        obj=warning,
        kind=CONTACT_CLOCK_KIND[warning.risk_level],
        actor=actor,
        assignee=warning.officer,
        station=warning.station,
        started_at=warning.received_at,
        title=f"{warning.reference} 预警联系",
    )
    warning.contact_due_at = clock.due_at


# ----------------------------------------------------------------------------- receive


def _duplicate_of(station, cleaned: rules.CleanWarning, window: int):
    keys = Q()
    if cleaned.id_number:
        keys |= Q(id_number=cleaned.id_number)
    if cleaned.phone:
        keys |= Q(phone=cleaned.phone)
    since = cleaned.received_at - dt.timedelta(hours=window)
    return (
        Warning.objects.filter(station=station, merged_into__isnull=True, status__in=OPEN_STATUSES)
        .filter(keys, received_at__gte=since, received_at__lte=cleaned.received_at)
        .order_by("received_at", "pk")
        .first()
    )


def warning_receive(
    *,
    actor,
    station,
    name: str,
    risk_level: str,
    fraud_type,
    received_at: dt.datetime | None = None,
    phone: str = "",
    id_number: str = "",
    address_text: str = "",
    content: str = "",
    source: str = WarningSource.MANUAL,
    external_id: str = "",
    matcher: Matcher | None = None,
    now: dt.datetime | None = None,
) -> Warning:
    """Take one warning: validate, merge into an open warning about the same person within the window,
    or match it to the registry, assign it to the community's officer and start the contact clock.

    The same `external_id` (the centre's number) again returns the warning it created."""
    if station is None:
        raise ValidationError("预警必须属于一个派出所")
    external_id = (external_id or "").strip()[:60]
    if external_id:
        existing = Warning.objects.filter(station=station, external_id=external_id).first()
        if existing is not None:
            return existing
    now = now or timezone.now()
    try:
        cleaned = rules.clean_warning(
            name=name,
            phone=phone,
            id_number=id_number,
            risk_level=risk_level,
            received_at=_aware(received_at) or now,
            now=now,
        )
    except rules.BadWarning as exc:
        raise _bad(exc) from None
    if fraud_type is None or not fraud_type.active:
        raise ValidationError("请选择有效的诈骗类型")
    if source not in WarningSource.values:
        raise ValidationError("预警来源无效")
    try:
        with transaction.atomic():
            return _receive(
                actor=actor,
                station=station,
                cleaned=cleaned,
                fraud_type=fraud_type,
                address_text=(address_text or "").strip()[:200],
                content=(content or "").strip(),
                source=source,
                external_id=external_id,
                matcher=matcher or Matcher(station),
                now=now,
            )
    except IntegrityError:
        if external_id:
            existing = Warning.objects.filter(station=station, external_id=external_id).first()
            if existing is not None:
                return existing
        raise


def _receive(
    *, actor, station, cleaned, fraud_type, address_text, content, source, external_id, matcher, now
):
    reference = next_reference("FZ", station, year=timezone.localtime(cleaned.received_at).year)
    common = dict(
        station=station,
        reference=reference,
        external_id=external_id,
        name=cleaned.name,
        phone=cleaned.phone,
        id_number=cleaned.id_number,
        address_text=address_text,
        risk_level=cleaned.risk_level,
        fraud_type=fraud_type,
        content=content,
        received_at=cleaned.received_at,
        source=source,
        created_by=actor,
    )
    primary = _duplicate_of(station, cleaned, merge_window_hours())
    if primary is not None:
        return _merge(actor=actor, primary=primary, common=common, now=now)
    match = matcher.match(
        name=cleaned.name,
        phone=cleaned.phone,
        id_number=cleaned.id_number,
        address_text=address_text,
    )
    officer = matcher.officer_for(match.community)
    warning = Warning(
        **common,
        person=match.person,
        community=match.community,
        match_method=match.method,
        officer=officer,
        assigned_at=now if officer else None,
        status=WarningStatus.ASSIGNED if officer else WarningStatus.UNASSIGNED,
    )
    warning.save()
    _start_contact_clock(warning, actor)
    Warning.objects.filter(pk=warning.pk).update(contact_due_at=warning.contact_due_at)
    # One event for receipt, matching and assignment (they happen in the same minute).
    _event(
        warning,
        EventKind.RECEIVED,
        actor,
        cleaned.received_at,
        source=source,
        external_id=external_id,
        method=match.method,
        community=match.community.name if match.community else "",
        officer=officer.pk if officer else None,
        officer_name=officer.display_name if officer else "",
    )
    _notify_new(warning)
    return warning


def _merge(*, actor, primary: Warning, common: dict, now) -> Warning:
    _lock(primary)
    duplicate = Warning(
        **common,
        person=primary.person,
        community=primary.community,
        match_method=primary.match_method,
        officer=primary.officer,
        assigned_at=primary.assigned_at,
        status=WarningStatus.MERGED,
        merged_into=primary,
    )
    duplicate.save()
    _event(
        primary,
        EventKind.MERGED,
        actor,
        now,
        reference=duplicate.reference,
        level=duplicate.risk_level,
        received_at=duplicate.received_at.isoformat(),
    )
    raised = LEVEL_RANK[duplicate.risk_level] > LEVEL_RANK[primary.risk_level]
    if raised and primary.first_contact_at is None:
        old = primary.get_risk_level_display()
        clock = _contact_clock(primary)
        if clock is not None and clock.state in (ClockState.RUNNING, ClockState.PAUSED):
            clock_cancel(
                actor=actor, clock=clock, reason=f"并入{duplicate.reference},风险等级提高", at=now
            )
        primary.risk_level = duplicate.risk_level
        clock = clock_start(
            obj=primary,
            kind=CONTACT_CLOCK_KIND[primary.risk_level],
            actor=actor,
            assignee=primary.officer,
            station=primary.station,
            started_at=duplicate.received_at,
            title=f"{primary.reference} 预警联系",
        )
        primary.contact_due_at = min(primary.contact_due_at or clock.due_at, clock.due_at)
        primary.save()
        _event(
            primary,
            EventKind.LEVEL_RAISED,
            actor,
            now,
            before=old,
            after=primary.get_risk_level_display(),
            reference=duplicate.reference,
        )
        _notify_new(primary)
    return duplicate


# ----------------------------------------------------------------------------- assign


@transaction.atomic
def warning_assign(*, actor, warning: Warning, officer, at=None) -> Warning:
    """Assign (or re-assign) by hand: the command room, the duty desk and the leaders. The contact
    deadline does not move (the clock counts from receipt)."""
    if not can_assign(actor):
        raise PermissionDenied("只有指挥室、值班民警和所领导可以分派预警")
    _require_editable(actor, warning)
    _lock(warning)
    _require_open(warning, "分派")
    if officer is None or officer.station_id != warning.station_id or not officer.is_active:
        raise ValidationError("只能指派本所在岗民警")
    if officer.pk == warning.officer_id:
        raise ValidationError("该预警已由这位民警负责")
    at = _aware(at) or timezone.now()
    warning.officer, warning.assigned_at = officer, at
    if warning.status == WarningStatus.UNASSIGNED:
        warning.status = WarningStatus.ASSIGNED
    clock = _contact_clock(warning)
    if clock is not None and clock.state in (ClockState.RUNNING, ClockState.PAUSED):
        clock_cancel(actor=actor, clock=clock, reason=f"改派给{officer.display_name}", at=at)
        _start_contact_clock(warning, actor)
    warning.save()
    _event(
        warning,
        EventKind.ASSIGNED,
        actor,
        at,
        officer=officer.pk,
        officer_name=officer.display_name,
    )
    _notify_new(warning)
    return warning


# ----------------------------------------------------------------------------- dissuasion


def _when(at, *, after: dt.datetime, after_label: str, label: str) -> dt.datetime:
    now = timezone.now()
    at = _aware(at) or now
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError(f"{label}时间不能晚于当前时间")
    if at < after:
        raise ValidationError(f"{label}时间不能早于{after_label}")
    return at


def clean_checklist(method: str, checklist) -> dict:
    checklist = {k: bool(v) for k, v in (checklist or {}).items() if v}
    unknown = set(checklist) - set(CHECKLIST_KEYS)
    if unknown:
        raise ValidationError(f"未知的检查项:{'、'.join(sorted(unknown))}")
    if method != AttemptMethod.VISIT and checklist:
        raise ValidationError("四查看/三询问只用于上门劝阻")
    return checklist


def warning_contact_reveal(*, actor, warning: Warning, channel: str = "web") -> Warning:
    """Record that `actor` saw the warned person's whole phone, ID number and address to contact them
    (劝阻联系), and return the warning. Only roles of FULL_PERSONAL_DATA_ROLES who may work the
    warning; nothing is recorded for anyone else."""
    if not (
        has_role(actor, FULL_PERSONAL_DATA_ROLES)
        and Warning.objects.editable_by(actor).filter(pk=warning.pk).exists()
    ):
        raise PermissionDenied
    record_personal_data_view(
        actor=actor,
        station_id=warning.station_id,
        obj=warning,
        model=Warning,
        fields=["phone", "id_number", "address"],
        purpose="反诈劝阻联系",
        channel=channel,
    )
    return warning


@transaction.atomic
def attempt_record(
    *,
    actor,
    warning: Warning,
    method: str,
    result: str,
    reached: bool = False,
    checklist=None,
    at=None,
) -> DissuasionAttempt:
    """One attempt (phone, visit, family). The first attempt is the contact: it stops the contact clock."""
    _require_editable(actor, warning)
    _lock(warning)
    _require_open(warning, "记录劝阻")
    if method not in AttemptMethod.values:
        raise ValidationError("请选择劝阻方式(电话、上门、联系家属)")
    result = (result or "").strip()
    if not result:
        raise ValidationError("请填写劝阻情况")
    checklist = clean_checklist(method, checklist)
    at = _when(at, after=warning.received_at, after_label="预警接收时间", label="劝阻")
    attempt = DissuasionAttempt.objects.create(
        warning=warning,
        method=method,
        at=at,
        officer=actor,
        reached=bool(reached),
        result=result[:500],
        checklist=checklist,
    )
    if warning.first_contact_at is None or at < warning.first_contact_at:
        warning.first_contact_at = at
        clock = _contact_clock(warning)
        if clock is not None:
            clock_stop(actor=actor, clock=clock, at=at)
    if warning.status in (WarningStatus.ASSIGNED, WarningStatus.UNASSIGNED):
        warning.status = WarningStatus.CONTACTING
    if warning.officer_id is None and actor is not None and actor.station_id == warning.station_id:
        warning.officer, warning.assigned_at = actor, at
    warning.save()
    _event(
        warning,
        EventKind.ATTEMPT,
        actor,
        at,
        method=method,
        reached=bool(reached),
        result=result[:200],
        checklist=sorted(checklist),
    )
    return attempt


def _fraud_category():
    from fengqiao.incidents.models import IncidentCategory

    category = IncidentCategory.objects.filter(
        name="诈骗", parent__name="刑事", active=True
    ).first()
    return category or IncidentCategory.objects.filter(name="刑事", parent__isnull=True).first()


@transaction.atomic
def warning_close(
    *,
    actor,
    warning: Warning,
    outcome: str,
    note: str = "",
    amount_protected=None,
    loss=None,
    at=None,
) -> Warning:
    """Record the outcome. 已被骗 needs the loss: it records the fraud case and opens a 诈骗 incident.
    Every outcome but 误报 needs at least one attempt first."""
    _require_editable(actor, warning)
    _lock(warning)
    _require_open(warning, "办结")
    if outcome not in Outcome.values:
        raise ValidationError("请选择处置结果")
    note = (note or "").strip()
    protected = Decimal("0")
    try:
        if amount_protected not in (None, ""):
            protected = rules.parse_amount(amount_protected, label="避免损失金额")
        if outcome == Outcome.DEFRAUDED:
            loss = rules.parse_amount(loss, label="损失金额(已被骗须填写)")
            if loss <= 0:
                raise rules.BadWarning("已被骗须填写大于0的损失金额")
    except rules.BadWarning as exc:
        raise _bad(exc) from None
    if outcome != Outcome.DISSUADED and protected:
        raise ValidationError("只有“劝阻成功”可以填写避免损失金额")
    if outcome != Outcome.FALSE_ALARM and not warning.attempts.exists():
        raise ValidationError("请先记录至少一次劝阻(电话、上门或联系家属)再办结")
    at = _when(at, after=warning.received_at, after_label="预警接收时间", label="办结")
    clock = _contact_clock(warning)
    if clock is not None:
        clock_stop(actor=actor, clock=clock, at=at)
    warning.status, warning.outcome, warning.outcome_at = WarningStatus.CLOSED, outcome, at
    warning.outcome_note, warning.amount_protected = note, protected
    warning.save()
    _event(
        warning,
        EventKind.OUTCOME,
        actor,
        at,
        outcome=outcome,
        note=note[:200],
        amount_protected=str(protected),
    )
    if outcome == Outcome.DEFRAUDED:
        _open_fraud_case(actor=actor, warning=warning, loss=loss, at=at, note=note)
    return warning


def _open_fraud_case(*, actor, warning: Warning, loss: Decimal, at, note: str) -> FraudCase:
    from fengqiao.incidents.services import incident_receive

    category = _fraud_category()
    incident = None
    if category is not None:
        person = warning.person
        location = (
            warning.address_text
            or (person.address.full_text if person and person.address_id else "")
            or (warning.community.name if warning.community_id else f"反诈预警{warning.reference}")
        )
        incident = incident_receive(
            actor=actor,
            station=warning.station,
            category=category,
            received_at=at,
            source="online",
            caller_name=warning.name,
            caller_phone=warning.phone,
            caller_person=person,
            address=person.address if person and person.address_id else None,
            community=warning.community,
            location=location,
            narrative=f"反诈预警{warning.reference}({warning.fraud_type}):已被骗,损失{loss}元。{note}".strip(),
        )
    case = FraudCase.objects.create(
        station=warning.station,
        community=warning.community,
        reference=next_reference("ZP", warning.station, year=timezone.localtime(at).year),
        occurred_on=timezone.localtime(at).date(),
        fraud_type=warning.fraud_type,
        victim_name=warning.name,
        loss=loss,
        officer=warning.officer,
        warning=warning,
        incident=incident,
        note=note,
    )
    _event(
        warning,
        EventKind.CASE_OPENED,
        actor,
        at,
        case=case.reference,
        incident=incident.reference if incident else "",
        loss=str(loss),
    )
    return case


# ----------------------------------------------------------------------------- fraud cases


def _clean_case(data: dict, *, station, today) -> dict:
    out = {}
    occurred_on = data.get("occurred_on")
    if occurred_on is None:
        raise ValidationError("请填写发案日期")
    if occurred_on > today:
        raise ValidationError("发案日期不能晚于今天")
    out["occurred_on"] = occurred_on
    fraud_type = data.get("fraud_type")
    if fraud_type is None:
        raise ValidationError("请选择诈骗类型")
    out["fraud_type"] = fraud_type
    try:
        out["loss"] = rules.parse_amount(data.get("loss"), label="损失金额")
    except rules.BadWarning as exc:
        raise _bad(exc) from None
    suspects = data.get("suspects_caught") or 0
    if int(suspects) < 0:
        raise ValidationError("抓获嫌疑人数不能为负数")
    out["suspects_caught"] = int(suspects)
    out["solved"] = bool(data.get("solved")) or out["suspects_caught"] > 0
    community = data.get("community")
    if community is not None and community.station_id != station.pk:
        raise ValidationError("社区不属于本所")
    out["community"] = community
    officer = data.get("officer")
    if officer is not None and officer.station_id != station.pk:
        raise ValidationError("只能选择本所民警")
    out["officer"] = officer
    out["victim_name"] = (data.get("victim_name") or "").strip()[:50]
    out["note"] = (data.get("note") or "").strip()
    return out


@transaction.atomic
def fraud_case_create(*, actor, **data) -> FraudCase:
    if not can_record_cases(actor):
        raise PermissionDenied("您的角色无权登记诈骗案件")
    station = actor.station
    clean = _clean_case(data, station=station, today=timezone.localdate())
    return FraudCase.objects.create(
        station=station,
        reference=next_reference("ZP", station, year=clean["occurred_on"].year),
        **clean,
    )


@transaction.atomic
def fraud_case_update(*, actor, case: FraudCase, **data) -> FraudCase:
    if (
        not can_record_cases(actor)
        or not FraudCase.objects.visible_to(actor).filter(pk=case.pk).exists()
    ):
        raise PermissionDenied("您的角色无权修改诈骗案件")
    merged = {
        f: getattr(case, f)
        for f in (
            "occurred_on",
            "fraud_type",
            "loss",
            "suspects_caught",
            "solved",
            "community",
            "officer",
            "victim_name",
            "note",
        )
    }
    merged.update(data)
    for key, value in _clean_case(merged, station=case.station, today=timezone.localdate()).items():
        setattr(case, key, value)
    case.save()
    return case


# ----------------------------------------------------------------------------- fraud types


def _clean_type(data: dict, instance=None) -> dict:
    code = str(data.get("code", "")).strip().upper()
    name = str(data.get("name", "")).strip()
    if not code or not name:
        raise ValidationError("请填写诈骗类型代码和名称")
    for field, value, label in (("code", code, "代码"), ("name", name, "名称")):
        clash = FraudType.objects.filter(**{field: value})
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ValidationError(f"诈骗类型{label}“{value}”已存在")
    return {
        "code": code[:20],
        "name": name[:50],
        "active": bool(data.get("active", True)),
        "sort": int(data.get("sort") or 0),
    }


@transaction.atomic
def fraud_type_create(*, actor, **data) -> FraudType:
    if not can_manage_types(actor):
        raise PermissionDenied("诈骗类型对全部派出所生效,只有系统管理员可以修改")
    return FraudType.objects.create(**_clean_type(data))


@transaction.atomic
def fraud_type_update(*, actor, fraud_type: FraudType, **data) -> FraudType:
    if not can_manage_types(actor):
        raise PermissionDenied("诈骗类型对全部派出所生效,只有系统管理员可以修改")
    for key, value in _clean_type(data, instance=fraud_type).items():
        setattr(fraud_type, key, value)
    fraud_type.save()
    return fraud_type


# ----------------------------------------------------------------------------- publicity


@transaction.atomic
def activity_create(
    *,
    actor,
    date,
    place,
    kind,
    audience=0,
    officer=None,
    community=None,
    latitude=None,
    longitude=None,
    note="",
) -> PublicityActivity:
    if not can_publicise(actor):
        raise PermissionDenied("您的角色无权登记宣传活动")
    place = (place or "").strip()
    if not place:
        raise ValidationError("请填写活动地点")
    if date is None:
        raise ValidationError("请填写活动日期")
    if date > timezone.localdate():
        raise ValidationError("活动日期不能晚于今天(未举办的活动请勿登记)")
    if kind not in ActivityKind.values:
        raise ValidationError("请选择活动形式")
    if audience is None or int(audience) < 0:
        raise ValidationError("覆盖人数不能为负数")
    if (latitude is None) != (longitude is None):
        raise ValidationError("经纬度须同时填写")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError("经纬度超出范围")
    station = actor.station
    if community is not None and community.station_id != station.pk:
        raise ValidationError("社区不属于本所")
    if officer is not None and officer.station_id != station.pk:
        raise ValidationError("只能选择本所民警")
    return PublicityActivity.objects.create(
        station=station,
        community=community,
        date=date,
        place=place[:100],
        kind=kind,
        audience=int(audience),
        officer=officer or actor,
        latitude=latitude,
        longitude=longitude,
        note=(note or "").strip(),
    )


@transaction.atomic
def content_create(*, actor, kind, title, body, place="") -> PublicityContent:
    if not can_publicise(actor):
        raise PermissionDenied("您的角色无权编辑宣传内容")
    if kind not in ContentKind.values:
        raise ValidationError("请选择内容类别")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ValidationError("请填写标题和内容")
    return PublicityContent.objects.create(
        station=actor.station,
        kind=kind,
        title=title[:100],
        body=body,
        place=(place or "").strip()[:100],
        updated_at=timezone.now(),
        updated_by=actor,
    )


@transaction.atomic
def content_update(
    *, actor, content: PublicityContent, title, body, active=True, note=""
) -> PublicityContent:
    """Update a content item; the previous text is kept as a `ContentUpdate`."""
    if (
        not can_publicise(actor)
        or not PublicityContent.objects.visible_to(actor).filter(pk=content.pk).exists()
    ):
        raise PermissionDenied("您的角色无权编辑宣传内容")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ValidationError("请填写标题和内容")
    now = timezone.now()
    ContentUpdate.objects.create(
        content=content,
        at=now,
        actor=actor,
        previous_title=content.title,
        previous_body=content.body,
        note=(note or "").strip()[:200],
    )
    content.title, content.body, content.active = title[:100], body, bool(active)
    content.updated_at, content.updated_by = now, actor
    content.save()
    return content
