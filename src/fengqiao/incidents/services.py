"""Every write on incidents. Each service runs in one transaction, checks the state and the times,
writes an `IncidentEvent`, and refuses bad input with a Chinese message, changing nothing.

Times: each step's time must not precede the previous step's, and may not lie in the future
beyond FUTURE_TOLERANCE (clock skew of a handset).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import User
from fengqiao.core import events, masking
from fengqiao.core.audit import record_personal_data_view
from fengqiao.core.choices import ClockState
from fengqiao.core.refnumbers import next_reference
from fengqiao.core.services import clock_start, clock_stop, clocks_for
from fengqiao.incidents import conf, rules
from fengqiao.incidents.choices import (
    ARRIVAL_CLOCK_KIND,
    AssignmentRole,
    CallbackStatus,
    CallbackTarget,
    EventKind,
    Outcome,
    Rating,
    RectificationStatus,
    Status,
)
from fengqiao.incidents.models import (
    Callback,
    CallbackAttempt,
    HandoverRecord,
    Incident,
    IncidentAssignment,
    IncidentCategory,
    IncidentEvent,
    IncidentVictim,
    Rectification,
)
from fengqiao.incidents.permissions import can_call_back, can_manage_categories, can_rectify
from fengqiao.notifications.services import notification_send
from fengqiao.registry.models import Person
from fengqiao.registry.permissions import can_reveal
from fengqiao.registry.rules import InvalidPhone, normalise_phone

FUTURE_TOLERANCE = dt.timedelta(minutes=2)
CASE_REVIEW_KINDS = ("admin_intake_review", "criminal_filing_review")


def _when(at, *, previous: dt.datetime | None, previous_label: str, label: str) -> dt.datetime:
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError(f"{label}时间不能晚于当前时间")
    if previous is not None and at < previous:
        raise ValidationError(f"{label}时间不能早于{previous_label}时间")
    return at


def _require_state(incident: Incident, expected, action: str) -> None:
    if incident.status != expected:
        raise ValidationError(f"警情当前为“{incident.get_status_display()}”,不能{action}")


def _require_editable(actor, incident: Incident) -> None:
    if actor is None:
        return
    if not Incident.objects.editable_by(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied("无权处理该警情")


def _lock(incident: Incident) -> Incident:
    fresh = Incident.objects.select_for_update().get(pk=incident.pk)
    incident.__dict__.update(
        {f.attname: getattr(fresh, f.attname) for f in Incident._meta.concrete_fields}
    )
    return incident


def _event(incident, kind, actor, at, **data) -> IncidentEvent:
    return IncidentEvent.objects.create(incident=incident, kind=kind, actor=actor, at=at, data=data)


def _unfinished_clocks(incident, kinds):
    """Running, paused, or breached but not yet stopped (a late finish still records its time)."""
    return [
        c
        for c in clocks_for(incident)
        if c.kind in kinds
        and c.stopped_at is None
        and c.state in (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)
    ]


def incident_receive(
    *,
    actor,
    station,
    category,
    received_at: dt.datetime | None = None,
    submission_id=None,
    source: str = "110",
    urgency: str = "normal",
    caller_name: str = "",
    caller_phone: str = "",
    caller_person=None,
    address=None,
    community=None,
    location: str = "",
    narrative: str = "",
    area_type: str = "urban",
) -> Incident:
    """接警: register a new incident. A repeated `submission_id` returns the incident it created."""
    if submission_id:
        existing = Incident.objects.filter(submission_id=submission_id).first()
        if existing is not None:
            return existing
    try:
        phone = normalise_phone(caller_phone)
    except InvalidPhone as exc:
        raise ValidationError(str(exc)) from None
    if category is None or not category.active:
        raise ValidationError("请选择有效的警情类别")
    if not (location or "").strip() and address is None:
        raise ValidationError("请填写发生地点或选择标准地址")
    received_at = _when(received_at, previous=None, previous_label="", label="接警")
    if address is not None and community is None:
        community = address.community
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                station=station,
                community=community,
                reference=next_reference("JQ", station, year=timezone.localtime(received_at).year),
                submission_id=submission_id or None,
                source=source,
                urgency=urgency,
                category=category,
                caller_name=(caller_name or "").strip(),
                caller_phone=phone,
                caller_person=caller_person,
                address=address,
                location=(location or "").strip() or (address.full_text if address else ""),
                narrative=(narrative or "").strip(),
                area_type=area_type,
                received_at=received_at,
                received_by=actor,
            )
            _event(incident, EventKind.RECEIVED, actor, received_at)
            # After the commit: the command room's wall, the disputes' linking (decision 0008).
            events.publish(
                "incident.received", {"incident_id": incident.pk, "station_id": incident.station_id}
            )
            top = category.top
            if top.requires_case and top.case_review_kind:
                clock_start(
                    obj=incident,
                    kind=top.case_review_kind,
                    actor=actor,
                    started_at=received_at,
                    title=f"{incident.reference} {top.name}受案/立案审查",
                )
    except IntegrityError:
        if submission_id:
            existing = Incident.objects.filter(submission_id=submission_id).first()
            if existing is not None:
                return existing
        raise
    return incident


@transaction.atomic
def incident_dispatch(
    *, actor, incident: Incident, officers, lead=None, unit=None, at=None
) -> Incident:
    """派警: assign a unit and officers (the first, or `lead`, leads) and start the arrival clock."""
    _require_editable(actor, incident)
    _lock(incident)
    _require_state(incident, Status.RECEIVED, "派警")
    officers = list(officers or [])
    if not officers:
        raise ValidationError("派警须至少指派一名民警")
    if any(o.station_id != incident.station_id for o in officers):
        raise ValidationError("只能指派本所民警")
    lead = lead or officers[0]
    at = _when(at, previous=incident.received_at, previous_label="接警", label="派警")
    incident.status, incident.dispatched_at = Status.DISPATCHED, at
    incident.assigned_unit = unit or lead.unit
    incident.save()
    for officer in officers:
        IncidentAssignment.objects.create(
            incident=incident,
            officer=officer,
            assigned_at=at,
            role=AssignmentRole.LEAD if officer.pk == lead.pk else AssignmentRole.ASSIST,
        )
    clock_start(
        obj=incident,
        kind=ARRIVAL_CLOCK_KIND[incident.area_type],
        actor=actor,
        assignee=lead,
        started_at=at,
        title=f"{incident.reference} 到场",
    )
    _event(
        incident,
        EventKind.DISPATCHED,
        actor,
        at,
        officers=[o.pk for o in officers],
        lead=lead.pk,
        unit=incident.assigned_unit_id,
    )
    events.publish(
        "incident.dispatched",
        {
            "incident_id": incident.pk,
            "station_id": incident.station_id,
            "officer_ids": [o.pk for o in officers],
        },
    )
    return incident


@transaction.atomic
def incident_arrive(*, actor, incident: Incident, at=None) -> Incident:
    """到场: stops the arrival clock (met, or breached if late)."""
    _require_editable(actor, incident)
    _lock(incident)
    _require_state(incident, Status.DISPATCHED, "登记到场")
    at = _when(at, previous=incident.dispatched_at, previous_label="派警", label="到场")
    incident.status, incident.arrived_at = Status.ARRIVED, at
    incident.save()
    for clock in _unfinished_clocks(incident, set(ARRIVAL_CLOCK_KIND.values())):
        clock_stop(actor=actor, clock=clock, at=at)
    _event(incident, EventKind.ARRIVED, actor, at)
    return incident


@transaction.atomic
def incident_handle(*, actor, incident: Incident, note: str = "", at=None) -> Incident:
    """处置: the officers have dealt with it on the spot."""
    _require_editable(actor, incident)
    _lock(incident)
    _require_state(incident, Status.ARRIVED, "登记处置")
    at = _when(at, previous=incident.arrived_at, previous_label="到场", label="处置")
    incident.status, incident.handled_at = Status.HANDLED, at
    incident.save()
    _event(incident, EventKind.HANDLED, actor, at, note=(note or "").strip())
    return incident


@transaction.atomic
def incident_report(*, actor, incident: Incident, note: str = "", at=None) -> Incident:
    """反馈: the result reported back to the command room."""
    _require_editable(actor, incident)
    _lock(incident)
    _require_state(incident, Status.HANDLED, "反馈")
    at = _when(at, previous=incident.handled_at, previous_label="处置", label="反馈")
    incident.status, incident.reported_at = Status.REPORTED, at
    incident.save()
    _event(incident, EventKind.REPORTED, actor, at, note=(note or "").strip())
    return incident


@transaction.atomic
def incident_close(
    *, actor, incident: Incident, outcome: str, disposition: str, at=None
) -> Incident:
    """结警: requires an outcome code and a disposition note."""
    _require_editable(actor, incident)
    _lock(incident)
    _require_state(incident, Status.REPORTED, "结警")
    if outcome not in Outcome.values:
        raise ValidationError("结警须选择处置结果")
    if not (disposition or "").strip():
        raise ValidationError("结警须填写处置情况")
    at = _when(at, previous=incident.reported_at, previous_label="反馈", label="结警")
    incident.status, incident.closed_at = Status.CLOSED, at
    incident.outcome, incident.disposition = outcome, disposition.strip()
    incident.save()
    _event(incident, EventKind.CLOSED, actor, at, outcome=outcome)
    callbacks_for_closed(incident, actor=actor, at=at)
    return incident


@transaction.atomic
def incident_reopen(*, actor, incident: Incident, reason: str, at=None) -> Incident:
    """Reopen a closed incident (back to 反馈, outcome kept for reference in the event)."""
    _require_editable(actor, incident)
    _lock(incident)
    _require_state(incident, Status.CLOSED, "重新打开")
    if not (reason or "").strip():
        raise ValidationError("重新打开须填写原因")
    at = _when(at, previous=incident.closed_at, previous_label="结警", label="重新打开")
    previous = {"outcome": incident.outcome, "disposition": incident.disposition}
    incident.status, incident.closed_at, incident.outcome, incident.disposition = (
        Status.REPORTED,
        None,
        "",
        "",
    )
    incident.save()
    _event(incident, EventKind.REOPENED, actor, at, reason=reason.strip(), **previous)
    return incident


@transaction.atomic
def incident_link_case(*, actor, incident: Incident, case_reference: str, at=None) -> Incident:
    """Link the 受案/立案 case: stops the review clock (met, or breached if late)."""
    _require_editable(actor, incident)
    _lock(incident)
    case_reference = (case_reference or "").strip()
    if not case_reference:
        raise ValidationError("请填写案件编号")
    if incident.case_reference:
        raise ValidationError(f"该警情已关联案件{incident.case_reference}")
    at = _when(at, previous=incident.received_at, previous_label="接警", label="关联案件")
    incident.case_reference = case_reference
    incident.save()
    for clock in _unfinished_clocks(incident, set(CASE_REVIEW_KINDS)):
        clock_stop(actor=actor, clock=clock, at=at)
    _event(incident, EventKind.CASE_LINKED, actor, at, case_reference=case_reference)
    return incident


def unassigned_open(station):
    return Incident.objects.filter(station=station).open().filter(assignments__isnull=True)


@transaction.atomic
def handover_record(*, actor, shift_to, note: str = "", at=None) -> HandoverRecord:
    """交班: refused while any open incident of the station has no officer."""
    if actor is None or actor.station_id is None:
        raise PermissionDenied("只有派出所民警可以交班")
    if shift_to.station_id != actor.station_id:
        raise ValidationError("接班人必须是本所民警")
    if shift_to.pk == actor.pk:
        raise ValidationError("接班人不能是本人")
    station = actor.station
    unassigned = list(unassigned_open(station).values_list("reference", flat=True))
    if unassigned:
        raise ValidationError(
            f"还有{len(unassigned)}起未结警情未指派民警({'、'.join(unassigned[:5])}),不能交班"
        )
    return HandoverRecord.objects.create(
        station=station,
        shift_from=actor,
        shift_to=shift_to,
        by=actor,
        at=at or timezone.now(),
        open_count=Incident.objects.filter(station=station).open().count(),
        note=(note or "").strip(),
    )


# ---------------------------------------------------------------- categories (installation-wide)

CATEGORY_FIELDS = (
    "code",
    "name",
    "parent",
    "active",
    "requires_case",
    "case_review_kind",
    "is_dispute",
    "sort",
)


def _clean_category(data: dict, instance=None) -> dict:
    data = {k: data[k] for k in CATEGORY_FIELDS if k in data}
    data["code"] = str(data.get("code", "")).strip().upper()
    data["name"] = str(data.get("name", "")).strip()
    if not data["code"] or not data["name"]:
        raise ValidationError("请填写类别代码和名称")
    clash = IncidentCategory.objects.filter(code=data["code"])
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError(f"类别代码“{data['code']}”已存在")
    parent = data.get("parent")
    if parent is not None and (
        parent.parent_id is not None or (instance is not None and parent.pk == instance.pk)
    ):
        raise ValidationError("上级类别必须是一级类别")
    if data.get("requires_case") and data.get("case_review_kind") not in CASE_REVIEW_KINDS:
        raise ValidationError(
            "应当受案/立案审查的类别须选择审查时限类型(admin_intake_review 或 criminal_filing_review)"
        )
    if not data.get("requires_case"):
        data["case_review_kind"] = ""
    return data


@transaction.atomic
def category_create(*, actor, **data):
    if not can_manage_categories(actor):
        raise PermissionDenied("警情类别对全部派出所生效,只有系统管理员可以修改")
    return IncidentCategory.objects.create(**_clean_category(data))


@transaction.atomic
def category_update(*, actor, category, **data):
    if not can_manage_categories(actor):
        raise PermissionDenied("警情类别对全部派出所生效,只有系统管理员可以修改")
    for key, value in _clean_category(data, instance=category).items():
        setattr(category, key, value)
    category.save()
    return category


# ---------------------------------------------------------------- callbacks (回访)


class AlreadyRecorded(ValidationError):
    """The same callback form was submitted twice."""


def _callback_start(
    *, incident: Incident, target: str, name: str, phone: str, is_local: bool, actor, at
) -> Callback | None:
    """Put one person in the callback queue (once per incident, target and phone) with its clock."""
    if Callback.objects.filter(incident=incident, target=target, phone=phone).exists():
        return None
    callback = Callback(
        station_id=incident.station_id,
        incident=incident,
        target=target,
        name=name,
        phone=phone,
        is_local=is_local,
        unit_id=incident.assigned_unit_id,
        officer=incident.lead_officer,
        due_at=at,
    )
    callback.save()
    clock = clock_start(
        obj=callback,
        kind=rules.callback_kind(is_local=is_local),
        actor=actor,
        station=incident.station,
        unit=incident.assigned_unit,
        started_at=at,
        title=f"{incident.reference} 回访{name}",
    )
    callback.due_at = clock.due_at
    callback.save(update_fields=["due_at"])
    return callback


def callbacks_for_closed(incident: Incident, *, actor, at) -> list[Callback]:
    """At 结警: the caller of a valid incident with a phone, and every victim of a 刑事/治安 incident."""
    created = []
    if not rules.caller_needs_callback(outcome=incident.outcome, phone=incident.caller_phone):
        return created
    callback = _callback_start(
        incident=incident,
        target=CallbackTarget.CALLER,
        name=incident.caller_name,
        phone=incident.caller_phone,
        is_local=incident.caller_person_id is not None,
        actor=actor,
        at=at,
    )
    if callback:
        created.append(callback)
    if rules.victims_called_back(requires_case=incident.category.top.requires_case):
        for victim in incident.victims.all():
            callback = _callback_start(
                incident=incident,
                target=CallbackTarget.VICTIM,
                name=victim.name,
                phone=victim.phone,
                is_local=victim.is_local,
                actor=actor,
                at=at,
            )
            if callback:
                created.append(callback)
    return created


@transaction.atomic
def incident_add_victim(
    *, actor, incident: Incident, name: str, phone: str, is_local=None, at=None
) -> IncidentVictim:
    """登记受害人 of a 刑事/治安 incident; once the incident is closed the victim enters the callback queue."""
    _require_editable(actor, incident)
    _lock(incident)
    if not incident.category.top.requires_case:
        raise ValidationError("只有刑事、治安警情登记受害人")
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写受害人姓名")
    try:
        phone = normalise_phone(phone)
    except InvalidPhone as exc:
        raise ValidationError(str(exc)) from None
    if not phone:
        raise ValidationError("请填写受害人联系电话(回访用)")
    if incident.victims.filter(phone=phone).exists():
        raise ValidationError("该电话的受害人已登记")
    person = Person.objects.filter(station_id=incident.station_id, phone=phone).first()
    if is_local is None:
        is_local = person is not None
    at = at or timezone.now()
    victim = IncidentVictim.objects.create(
        incident=incident, name=name, phone=phone, person=person, is_local=is_local
    )
    _event(incident, EventKind.VICTIM_ADDED, actor, at, name=name)
    if incident.status == Status.CLOSED and incident.outcome != Outcome.INVALID:
        _callback_start(
            incident=incident,
            target=CallbackTarget.VICTIM,
            name=name,
            phone=phone,
            is_local=is_local,
            actor=actor,
            at=at,
        )
    return victim


def _require_caller(actor, callback: Callback) -> None:
    if actor is None:
        return
    if not can_call_back(actor):
        raise PermissionDenied("只有值班民警、指挥室、所领导和辅警可以回访")
    if not Callback.objects.visible_to(actor).filter(pk=callback.pk).exists():
        raise PermissionDenied("无权回访该警情")


def _stop_clocks(obj, actor, at) -> None:
    for clock in clocks_for(obj):
        if clock.stopped_at is None and clock.state in (
            ClockState.RUNNING,
            ClockState.PAUSED,
            ClockState.BREACHED,
        ):
            clock_stop(actor=actor, clock=clock, at=at)


def inspectors_for(station):
    """督察: the station's inspectors and the county bureau's."""
    from django.db.models import Q

    return list(
        User.objects.filter(
            Q(station=station) | Q(station__isnull=True, bureau_id=station.bureau_id),
            role=Role.INSPECTOR,
            is_active=True,
        ).order_by("pk")
    )


@transaction.atomic
def callback_record(
    *,
    actor,
    callback: Callback,
    reached: bool,
    rating: str = "",
    reason: str = "",
    note: str = "",
    complaint_officer=None,
    at=None,
    seen_attempts: int | None = None,
) -> Callback:
    """Record one call. Not reached: the attempt is kept and, after the configured number of attempts,
    the callback ends as 未联系上. Reached: a rating is required (and a reason when 不满意); 不满意 opens a
    rectification, a complaint about an officer goes to 督察.

    `seen_attempts` (the form's count when it was shown) makes a double-submitted form harmless: when
    another attempt was recorded meanwhile, `AlreadyRecorded` is raised and nothing is written."""
    _require_caller(actor, callback)
    Callback.objects.select_for_update().filter(pk=callback.pk).first()
    callback.refresh_from_db()
    if seen_attempts is not None and seen_attempts != callback.attempts:
        raise AlreadyRecorded("这次回访已经登记过(重复提交),未重复记录")
    if callback.status != CallbackStatus.PENDING:
        raise ValidationError(f"该回访已结束({callback.get_status_display()}),不能再次登记")
    now = timezone.now()
    at = at or now
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError("回访时间不能晚于当前时间")
    closed_at = callback.incident.closed_at
    if closed_at and at < closed_at:
        raise ValidationError("回访时间不能早于结警时间")
    note = (note or "").strip()
    if callback.assignee_id is None and actor is not None:
        callback.assignee = actor
    if not reached:
        CallbackAttempt.objects.create(
            callback=callback, at=at, by=actor, reached=False, note=note[:200]
        )
        callback.attempts += 1
        if rules.attempts_exhausted(callback.attempts, conf.max_attempts()):
            callback.status, callback.completed_at, callback.completed_by = (
                CallbackStatus.UNREACHABLE,
                at,
                actor,
            )
            callback.note = note
            _stop_clocks(callback, actor, at)
            _event(
                callback.incident,
                EventKind.CALLBACK_UNREACHABLE,
                actor,
                at,
                name=callback.name,
                attempts=callback.attempts,
            )
        callback.save()
        return callback
    if rating not in Rating.values:
        raise ValidationError("接通后须选择满意度(满意/基本满意/不满意)")
    reason = (reason or "").strip()
    if rules.reason_required(rating) and not reason:
        raise ValidationError("不满意须填写原因")
    if complaint_officer is not None:
        if rating != Rating.UNSATISFIED:
            raise ValidationError("投诉民警时满意度应为“不满意”")
        if complaint_officer.station_id != callback.station_id:
            raise ValidationError("被投诉民警须为本所民警")
    CallbackAttempt.objects.create(
        callback=callback, at=at, by=actor, reached=True, note=note[:200]
    )
    callback.attempts += 1
    callback.status, callback.rating, callback.reason, callback.note = (
        CallbackStatus.DONE,
        rating,
        reason,
        note,
    )
    callback.complaint_officer = complaint_officer
    callback.completed_at, callback.completed_by = at, actor
    callback.save()
    _stop_clocks(callback, actor, at)
    _event(
        callback.incident,
        EventKind.CALLBACK_DONE,
        actor,
        at,
        name=callback.name,
        rating=rating,
        reason=reason,
        note=note,
    )
    if rating == Rating.UNSATISFIED:
        _rectification_open(callback, actor=actor, at=at)
    if complaint_officer is not None:
        _complaint_notify(callback)
    return callback


def _rectification_open(callback: Callback, *, actor, at) -> Rectification:
    incident = callback.incident
    unit = callback.unit or incident.assigned_unit
    rectification = Rectification(
        station_id=callback.station_id,
        callback=callback,
        incident=incident,
        unit=unit,
        opened_at=at,
        due_at=at,
    )
    rectification.save()
    clock = clock_start(
        obj=rectification,
        kind=rules.RECTIFICATION,
        actor=actor,
        station=incident.station,
        unit=unit,
        started_at=at,
        title=f"{incident.reference} 不满意整改",
    )
    rectification.due_at = clock.due_at
    rectification.save(update_fields=["due_at"])
    recipients = [u for u in [unit.leader if unit else None] if u is not None and u.is_active]
    if recipients:
        notification_send(
            recipients=recipients,
            kind="callback_rectification",
            level="yellow",
            title=f"回访不满意,请整改:{incident.reference}",
            body=f"原因:{callback.reason}。整改期限:{timezone.localtime(rectification.due_at):%Y-%m-%d %H:%M}",
            url=rectification.get_absolute_url(),
            obj=rectification,
            dedupe_key=f"rectification:{rectification.pk}",
        )
    return rectification


def _complaint_notify(callback: Callback) -> None:
    recipients = inspectors_for(callback.incident.station)
    if recipients:
        officer = callback.complaint_officer
        notification_send(
            recipients=recipients,
            kind="callback_complaint",
            level="orange",
            title=f"回访投诉民警:{officer.display_name}({callback.incident.reference})",
            body=f"原因:{callback.reason}",
            url=callback.get_absolute_url(),
            obj=callback,
            dedupe_key=f"callback-complaint:{callback.pk}",
        )


@transaction.atomic
def rectification_close(
    *, actor, rectification: Rectification, action: str, at=None
) -> Rectification:
    """Record what the unit did and close the rectification (its clock stops: met or late)."""
    if actor is not None and not can_rectify(actor, rectification):
        raise PermissionDenied("只有责任单位民警和所领导可以登记整改")
    Rectification.objects.select_for_update().filter(pk=rectification.pk).first()
    rectification.refresh_from_db()
    if rectification.status != RectificationStatus.OPEN:
        raise ValidationError("该整改已完成")
    action = (action or "").strip()
    if not action:
        raise ValidationError("请填写整改情况")
    at = at or timezone.now()
    if at < rectification.opened_at:
        raise ValidationError("完成时间不能早于整改开始时间")
    rectification.status, rectification.action = RectificationStatus.CLOSED, action
    rectification.closed_at, rectification.closed_by = at, actor
    rectification.save()
    _stop_clocks(rectification, actor, at)
    _event(rectification.incident, EventKind.RECTIFIED, actor, at, note=action)
    return rectification


# ---------------------------------------------------------------- personal data


def caller_phone_reveal(*, actor, incident: Incident, purpose: str = "", channel: str = "web"):
    """Record that `actor` saw the caller's whole phone number (roles of FULL_PERSONAL_DATA_ROLES only)."""
    if not can_reveal(actor):
        raise PermissionDenied("您的角色无权查看完整个人信息")
    if not Incident.objects.visible_to(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied("您无权查看该记录")
    return record_personal_data_view(
        actor=actor,
        station_id=incident.station_id,
        obj=incident,
        model=Incident,
        fields=["caller_phone"],
        purpose=masking.clean_purpose(purpose),
        channel=channel,
    )
