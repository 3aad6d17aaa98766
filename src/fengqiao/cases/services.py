"""Every write on cases. Each service runs in one transaction, checks rights, state and times,
starts or stops the legal clocks (core), writes a `CaseEvent`, and refuses bad input with a
Chinese message, changing nothing.

Times: a step's time may not precede the step it follows, nor lie in the future beyond
FUTURE_TOLERANCE (a handset's clock skew).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Rank, Role
from fengqiao.accounts.roles import FULL_PERSONAL_DATA_ROLES, has_role
from fengqiao.accounts.selectors import station_leaders
from fengqiao.cases import rules
from fengqiao.cases.choices import (
    CRIMINAL_ONLY_MEASURES,
    FINAL_ITEM_STATUSES,
    MEASURE_CLOCKS,
    MOVEMENT_RESULT,
    PENALTIES_TO_EXECUTE,
    TWO_OFFICER_ACTIONS,
    ActionKind,
    CaseKind,
    CaseStatus,
    DetentionStep,
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
from fengqiao.cases.models import (
    CASE_ROOM_ROLES,
    Case,
    CaseAction,
    CaseEvent,
    CaseParty,
    CaseReview,
    CoerciveMeasure,
    EvidenceItem,
    ItemMovement,
    OffenceType,
    RedLineFlag,
)
from fengqiao.core.audit import record_personal_data_view
from fengqiao.core.choices import ClockState, ExtensionDecision
from fengqiao.core.masking import mask_name
from fengqiao.core.refnumbers import next_reference
from fengqiao.core.services import (
    clock_approve_extension,
    clock_pause,
    clock_reject_extension,
    clock_request_extension,
    clock_resume,
    clock_start,
    clock_stop,
    clocks_for,
)
from fengqiao.core.workflow_models import Clock, ClockExtension

FUTURE_TOLERANCE = dt.timedelta(minutes=2)
REVIEW_CLOCK = {
    CaseKind.ADMINISTRATIVE: "admin_intake_review",
    CaseKind.CRIMINAL: "criminal_filing_review",
}
REFERENCE_KIND = {CaseKind.ADMINISTRATIVE: "XZ", CaseKind.CRIMINAL: "XS"}
HANDLING_CLOCK = "public_security_case"
NOTICE_CLOCK = "non_filing_notice"
EXECUTION_CLOCK = "penalty_execution"
SERVICE_CLOCK = {
    ServiceMode.ON_SPOT: "on_spot_penalty_filing",
    ServiceMode.ABSENT: "penalty_service_absent",
}
DETENTION_STEP_CLOCK = {
    DetentionStep.CUSTODY: "detention_to_custody",
    DetentionStep.FAMILY: "detention_family_notice",
}
PERSONAL_MEASURES = frozenset(MeasureKind.values) - {
    MeasureKind.SEIZURE,
    MeasureKind.EVIDENCE_PRESERVATION,
}
OPEN_CASE_ROLES = frozenset(
    {
        Role.STATION_LEADER,
        Role.CASE_MANAGER,
        Role.CASE_OFFICER,
        Role.DUTY_OFFICER,
        Role.COMMUNITY_OFFICER,
        Role.COMMAND,
        Role.ADMIN,
    }
)


# ---------------------------------------------------------------- helpers


def _aware(at):
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


def _when(at, *, previous: dt.datetime | None, previous_label: str, label: str) -> dt.datetime:
    now = timezone.now()
    at = _aware(at) or now
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError(_("%(label)s时间不能晚于当前时间") % {"label": label})
    if previous is not None and at < previous:
        raise ValidationError(
            _("%(label)s时间不能早于%(previous)s时间")
            % {"label": label, "previous": previous_label}
        )
    return at


def _text(value, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


def can_edit_case(user, case: Case) -> bool:
    return Case.objects.editable_by(user).filter(pk=case.pk).exists()


def _require_editable(actor, case: Case) -> None:
    if actor is None:
        return
    if not can_edit_case(actor, case):
        raise PermissionDenied(_("无权办理该案件(只有主办、协办民警,案管室和所领导可以)"))


def _require_room(actor, message=None) -> None:
    if actor is not None and not has_role(actor, CASE_ROOM_ROLES):
        raise PermissionDenied(message or _("只有案管室民警或所领导可以进行此项操作"))


def _lock(case: Case) -> Case:
    fresh = Case.objects.select_for_update().get(pk=case.pk)
    case.__dict__.update({f.attname: getattr(fresh, f.attname) for f in Case._meta.concrete_fields})
    return case


def _require_status(case: Case, statuses, action: str) -> None:
    if case.status not in statuses:
        raise ValidationError(
            _("案件当前为“%(status)s”,不能%(action)s")
            % {"status": case.get_status_display(), "action": action}
        )


def _event(case, kind, actor, at, text="", **data) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, at=at, text=text[:300], data=data
    )


def _officer(case_station_id, user, label: str):
    if user is None:
        raise ValidationError(_("请选择%(label)s") % {"label": label})
    if user.station_id != case_station_id or not user.is_active:
        raise ValidationError(_("%(label)s必须是本所在职人员") % {"label": label})
    return user


def _unfinished(obj, kinds=None) -> list[Clock]:
    """Running, paused, or breached but not yet stopped (a late finish still records its time)."""
    return [
        c
        for c in clocks_for(obj)
        if (kinds is None or c.kind in kinds)
        and c.stopped_at is None
        and c.state in (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)
    ]


def _start(obj, case: Case, kind: str, at, title: str) -> Clock:
    return clock_start(
        obj=obj,
        kind=kind,
        assignee=case.lead_officer,
        station=case.station,
        unit=case.unit,
        started_at=at,
        title=f"{case.reference} {title}",
    )


def _stop(actor, obj, case: Case, kinds, at) -> list[Clock]:
    """Stop the clocks; one stopped late is 办理超期 at once (the daily detector sees only open ones)."""
    stopped = []
    for clock in _unfinished(obj, kinds):
        clock_stop(actor=None, clock=clock, at=at)
        if clock.state == ClockState.BREACHED:
            flag_raise(
                station=case.station,
                kind=FlagKind.OVERDUE,
                key=f"overdue:clock:{clock.pk}",
                case=case,
                reason=f"{case.reference}“{clock.rule.name}”超期完成(到期{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M})",
                at=at,
            )
        stopped.append(clock)
    return stopped


def case_clocks(case: Case) -> list[Clock]:
    """The clocks of a case and of its coercive measures, newest first."""
    case_ct = ContentType.objects.get_for_model(Case)
    measure_ct = ContentType.objects.get_for_model(CoerciveMeasure)
    measure_ids = list(case.measures.values_list("pk", flat=True))
    from django.db.models import Q

    return list(
        Clock.objects.filter(
            Q(content_type=case_ct, object_id=case.pk)
            | Q(content_type=measure_ct, object_id__in=measure_ids)
        )
        .select_related("rule")
        .prefetch_related("extensions")
        .order_by("-started_at", "-pk")
    )


def case_for_clock(clock: Clock) -> Case | None:
    obj = clock.obj
    if isinstance(obj, Case):
        return obj
    if isinstance(obj, CoerciveMeasure):
        return obj.case
    return None


# ---------------------------------------------------------------- opening and the review stage


@transaction.atomic
def case_open(
    *,
    actor,
    kind: str,
    offence: OffenceType,
    title: str,
    lead_officer,
    second_officer,
    summary: str = "",
    reported_at: dt.datetime | None = None,
    incident=None,
    community=None,
    station=None,
) -> Case:
    """受案登记: a new case, from an incident or walk-in. Starts 受案审查 (24 h) or 立案审查 (3 days) from
    the report; a case from an incident is linked to it there (the incident's 有案不立 clock stops)."""
    if actor is not None and not has_role(actor, OPEN_CASE_ROLES):
        raise PermissionDenied(_("您的角色不能受案登记"))
    station = station or (
        incident.station if incident is not None else getattr(actor, "station", None)
    )
    if station is None:
        raise PermissionDenied(_("只有派出所民警可以受案登记"))
    if actor is not None and not actor.is_superuser and actor.station_id != station.pk:
        raise PermissionDenied(_("只能在本所受案登记"))
    if kind not in CaseKind.values:
        raise ValidationError(_("请选择案件类型"))
    if offence is None or not offence.active:
        raise ValidationError(_("请选择有效的案由"))
    if offence.kind != kind:
        raise ValidationError(
            _("案由“%(offence)s”属于%(kind)s,与案件类型不符")
            % {"offence": offence.name, "kind": offence.get_kind_display()}
        )
    title = _text(title, _("请填写案件名称"))
    lead = _officer(station.pk, lead_officer, _("主办民警"))
    second = _officer(station.pk, second_officer, _("协办民警"))
    if lead.pk == second.pk:
        raise ValidationError(_("主办和协办民警必须是两名不同的民警"))
    if lead.rank != Rank.POLICE or second.rank != Rank.POLICE:
        raise ValidationError(_("办案民警必须是两名人民警察(辅警不能主办、协办案件)"))
    if incident is not None:
        if incident.station_id != station.pk:
            raise ValidationError(_("只能用本所的警情受案"))
        if incident.case_reference:
            raise ValidationError(_("该警情已关联案件%(ref)s") % {"ref": incident.case_reference})
        reported_at = reported_at or incident.received_at
        community = community or incident.community
    reported_at = _when(reported_at, previous=None, previous_label="", label=_("报案"))
    case = Case.objects.create(
        station=station,
        community=community,
        kind=kind,
        offence=offence,
        title=title,
        summary=(summary or "").strip(),
        source_incident=incident,
        unit=lead.unit,
        lead_officer=lead,
        second_officer=second,
        reported_at=reported_at,
        created_by=actor,
        reference=next_reference(
            REFERENCE_KIND[kind], station, year=timezone.localtime(reported_at).year
        ),
    )
    _start(
        case,
        case,
        REVIEW_CLOCK[kind],
        reported_at,
        "受案审查" if kind == CaseKind.ADMINISTRATIVE else "立案审查",
    )
    _event(
        case,
        EventKind.RECEIVED,
        actor,
        reported_at,
        title,
        incident=incident.reference if incident else "",
    )
    if incident is not None:
        from fengqiao.incidents.models import Incident
        from fengqiao.incidents.services import incident_link_case

        # The incident's own rights decide whether the link is the actor's; a case officer who did not
        # attend the incident still opens the case, and the link is written as the system's.
        link_actor = (
            actor
            if actor is None or Incident.objects.editable_by(actor).filter(pk=incident.pk).exists()
            else None
        )
        incident_link_case(actor=link_actor, incident=incident, case_reference=case.reference)
    return case


def _end_review(actor, case: Case, kind: str, wrong_kind: str, label: str, at) -> dt.datetime:
    """受理 or 立案: the review clock stops and the case is being handled from `at` (returned)."""
    _require_editable(actor, case)
    _lock(case)
    if case.kind != kind:
        raise ValidationError(wrong_kind)
    _require_status(case, (CaseStatus.REVIEW,), label)
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=label)
    _stop(actor, case, case, {REVIEW_CLOCK[case.kind]}, at)
    case.status, case.accepted_at, case.last_action_at = CaseStatus.HANDLING, at, at
    case.save()
    return at


@transaction.atomic
def case_accept(*, actor, case: Case, at=None) -> Case:
    """受理 (administrative): stops 受案审查, starts the 30-day 办理期限 (pausable for 鉴定)."""
    at = _end_review(
        actor, case, CaseKind.ADMINISTRATIVE, _("刑事案件应当立案,不是受理"), _("受理"), at
    )
    _start(case, case, HANDLING_CLOCK, at, "治安案件办理期限")
    _event(case, EventKind.ACCEPTED, actor, at)
    return case


@transaction.atomic
def case_file(*, actor, case: Case, at=None) -> Case:
    """立案 (criminal): stops 立案审查."""
    at = _end_review(actor, case, CaseKind.CRIMINAL, _("行政案件应当受理,不是立案"), _("立案"), at)
    _event(case, EventKind.FILED, actor, at)
    return case


@transaction.atomic
def case_refuse(*, actor, case: Case, reason: str, at=None) -> Case:
    """不予立案 (criminal): the notice must be served on the complainant within 3 days."""
    _require_editable(actor, case)
    _lock(case)
    if case.kind != CaseKind.CRIMINAL:
        raise ValidationError(_("只有刑事案件可以决定不予立案"))
    _require_status(case, (CaseStatus.REVIEW,), _("决定不予立案"))
    reason = _text(reason, _("请填写不予立案的理由"))
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("不予立案决定"))
    _stop(actor, case, case, {REVIEW_CLOCK[case.kind]}, at)
    case.status, case.not_filed_at, case.not_filed_reason = CaseStatus.NOT_FILED, at, reason
    case.save()
    _start(case, case, NOTICE_CLOCK, at, "不予立案通知书送达")
    _event(case, EventKind.NOT_FILED, actor, at, reason)
    return case


@transaction.atomic
def case_serve_notice(*, actor, case: Case, at=None) -> Case:
    _require_editable(actor, case)
    _lock(case)
    _require_status(case, (CaseStatus.NOT_FILED,), _("送达不予立案通知书"))
    if case.notice_served_at:
        raise ValidationError(_("不予立案通知书已经送达"))
    at = _when(at, previous=case.not_filed_at, previous_label=_("不予立案决定"), label=_("送达"))
    _stop(actor, case, case, {NOTICE_CLOCK}, at)
    case.notice_served_at = at
    case.save()
    _event(case, EventKind.NOTICE_SERVED, actor, at)
    return case


# ---------------------------------------------------------------- parties and work


@transaction.atomic
def party_add(
    *,
    actor,
    case: Case,
    role: str,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    person=None,
) -> CaseParty:
    """A victim, suspect, witness or complainant; linked to the registry person with that ID number if one exists."""
    _require_editable(actor, case)
    if role not in PartyRole.values:
        raise ValidationError(_("请选择当事人身份"))
    id_number = (id_number or "").strip().upper()
    if person is None and id_number:
        from fengqiao.registry.models import Person

        person = Person.objects.filter(station_id=case.station_id, id_number=id_number).first()
    if person is not None:
        name = name or person.name
        id_number = id_number or person.id_number
        phone = phone or person.phone
    name = _text(name, _("请填写当事人姓名"))
    party = CaseParty.objects.create(
        case=case,
        role=role,
        person=person,
        name=name,
        id_number=id_number,
        phone=(phone or "").strip(),
    )
    _event(
        case,
        EventKind.PARTY_ADDED,
        actor,
        timezone.now(),
        f"{party.get_role_display()} {name[0]}**",
        party=party.pk,
        linked=person is not None,
    )
    return party


def _party_of(case: Case, party) -> CaseParty | None:
    if party is None:
        return None
    if party.case_id != case.pk:
        raise ValidationError(_("当事人不属于该案件"))
    return party


@transaction.atomic
def party_fled(*, actor, party: CaseParty, at=None) -> CaseParty:
    case = party.case
    _require_editable(actor, case)
    if party.role != PartyRole.SUSPECT:
        raise ValidationError(_("只有嫌疑人/违法行为人可以登记在逃"))
    if party.fled_at:
        raise ValidationError(_("已登记在逃"))
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("在逃"))
    party.fled_at = at
    party.save()
    _event(case, EventKind.SUSPECT_FLED, actor, at, party=party.pk)
    return party


@transaction.atomic
def party_pursue(*, actor, party: CaseParty, note: str, at=None) -> CaseParty:
    """追逃措施 (上网追逃, 通缉 …) for a fled suspect."""
    case = party.case
    _require_editable(actor, case)
    if not party.fled_at:
        raise ValidationError(_("该当事人没有登记在逃"))
    note = _text(note, _("请填写追逃措施"))
    at = _when(at, previous=party.fled_at, previous_label=_("在逃"), label=_("追逃"))
    party.pursuit_at, party.pursuit_note = at, note
    party.save()
    CaseAction.objects.create(
        case=case,
        kind=ActionKind.PURSUIT,
        at=at,
        officer=actor or case.lead_officer,
        party=party,
        note=note,
        recorded_by=actor,
    )
    _touch(case, at)
    _event(case, EventKind.PURSUIT, actor, at, note, party=party.pk)
    return party


# A party's whole name, ID number and phone (masked everywhere by default) may be seen, each view
# recorded, by the case's own two officers whatever their role, and — on any case they can see — by
# the case room (案管, station leaders, administrators) and the roles that may see full personal data.
PARTY_REVEAL_ROLES = CASE_ROOM_ROLES | FULL_PERSONAL_DATA_ROLES
PARTY_REVEAL_FIELDS = ("name", "id_number", "phone")
PURPOSE_MAX_LENGTH = 200


def can_reveal_party(user, case: Case) -> bool:
    if not (user and user.is_authenticated):
        return False
    if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        return False
    return has_role(user, PARTY_REVEAL_ROLES) or user.pk in (
        case.lead_officer_id,
        case.second_officer_id,
    )


@transaction.atomic
def party_reveal(*, actor, party: CaseParty, purpose: str, channel: str = "web") -> CaseParty:
    """Record (core `PersonalDataAccess`) that `actor` saw the party's whole name, ID number and
    phone, and return the party. Refused without a purpose or to anyone `can_reveal_party` refuses;
    nothing is recorded then."""
    case = party.case
    if actor is None or not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("您无权查看该案件"))
    if not can_reveal_party(actor, case):
        raise PermissionDenied(
            _(
                "您的角色无权查看当事人的完整信息(本案办案民警、案管室、所领导和有权查看完整个人信息的民警可以)"
            )
        )
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": [_("请填写查看事由")]})
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise ValidationError(
            {"purpose": [_("查看事由不能超过%(n)s个字") % {"n": PURPOSE_MAX_LENGTH}]}
        )
    with translation.override(settings.LANGUAGE_CODE):
        # stored in Chinese like every record text; the whole name stays out of the access log
        label = f"{case.reference} {party.get_role_display()} {mask_name(party.name)}"
    record_personal_data_view(
        actor=actor,
        station_id=case.station_id,
        obj=party,
        model=CaseParty,
        object_repr=label,
        fields=[f for f in PARTY_REVEAL_FIELDS if getattr(party, f)],
        purpose=purpose,
        channel=channel,
    )
    return party


def _touch(case: Case, at) -> None:
    if case.last_action_at is None or at > case.last_action_at:
        Case.objects.filter(pk=case.pk).update(last_action_at=at)
        case.last_action_at = at


@transaction.atomic
def action_record(
    *, actor, case: Case, kind: str, note: str, officer, second_officer=None, party=None, at=None
) -> CaseAction:
    """One piece of work on the case. 询问/讯问 are done by two officers."""
    _require_editable(actor, case)
    _lock(case)
    _require_status(case, (CaseStatus.REVIEW, CaseStatus.HANDLING), _("登记办案工作"))
    if kind not in ActionKind.values or kind == ActionKind.PURSUIT:
        raise ValidationError(_("请选择办案工作类型"))
    note = _text(note, _("请填写工作内容"))
    officer = _officer(case.station_id, officer, _("民警"))
    if second_officer is not None:
        second_officer = _officer(case.station_id, second_officer, _("第二名民警"))
    if kind in TWO_OFFICER_ACTIONS:
        if second_officer is None or second_officer.pk == officer.pk:
            raise ValidationError(_("询问/讯问须由两名民警进行,请选择第二名民警"))
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("工作"))
    action = CaseAction.objects.create(
        case=case,
        kind=kind,
        at=at,
        officer=officer,
        second_officer=second_officer,
        party=_party_of(case, party),
        note=note,
        recorded_by=actor,
    )
    _touch(case, at)
    _event(
        case, EventKind.ACTION, actor, at, f"{action.get_kind_display()}:{note}", action=action.pk
    )
    return action


@transaction.atomic
def case_note_linked(*, actor, case: Case, text: str, at=None, officer=None, **data) -> CaseEvent:
    """A fact another app records on the case it is linked to (行车卫士: 车辆已追回, 保险理赔): a line in
    the case file, whatever the case's status. The calling service has checked the actor's rights on
    its own record (the theft), so the case only has to be visible to the actor, not editable by them.
    With `officer` (work done by that officer, e.g. the recovery) and the case still open, it is also a
    piece of work (CaseAction 其他) and counts as investigative action for 查打不严."""
    if actor is not None and not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("无权办理该案件"))
    _lock(case)
    text = _text(text, _("请填写情况说明"))
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("登记"))
    action = None
    if officer is not None and case.status in (CaseStatus.REVIEW, CaseStatus.HANDLING):
        action = CaseAction.objects.create(
            case=case,
            kind=ActionKind.OTHER,
            at=at,
            officer=_officer(case.station_id, officer, _("民警")),
            note=text,
            recorded_by=actor,
        )
        _touch(case, at)
    return _event(
        case, EventKind.ACTION, actor, at, text, action=action.pk if action else None, **data
    )


@transaction.atomic
def appraisal_start(*, actor, case: Case, note: str, at=None) -> Case:
    """送鉴定: the 办理期限 stops while the appraisal runs (鉴定期间不计入办理期限)."""
    _require_editable(actor, case)
    _lock(case)
    _require_status(case, (CaseStatus.HANDLING,), _("送鉴定"))
    if case.in_appraisal:
        raise ValidationError(_("案件已在鉴定中"))
    note = _text(note, _("请填写鉴定事项"))
    at = _when(at, previous=case.accepted_at, previous_label=_("受理/立案"), label=_("送鉴定"))
    for clock in _unfinished(case, {HANDLING_CLOCK}):
        if clock.state == ClockState.RUNNING:
            clock_pause(actor=None, clock=clock, reason=f"鉴定:{note}", at=at)
    CaseAction.objects.create(
        case=case,
        kind=ActionKind.APPRAISAL,
        at=at,
        officer=actor or case.lead_officer,
        note=f"送鉴定:{note}",
        recorded_by=actor,
    )
    case.in_appraisal = True
    case.save()
    _touch(case, at)
    _event(case, EventKind.APPRAISAL_STARTED, actor, at, note)
    return case


@transaction.atomic
def appraisal_end(*, actor, case: Case, note: str = "", at=None) -> Case:
    _require_editable(actor, case)
    _lock(case)
    if not case.in_appraisal:
        raise ValidationError(_("案件不在鉴定中"))
    last = case.events.filter(kind=EventKind.APPRAISAL_STARTED).order_by("-at").first()
    at = _when(
        at,
        previous=last.at if last else case.accepted_at,
        previous_label=_("送鉴定"),
        label=_("鉴定完成"),
    )
    for clock in _unfinished(case, {HANDLING_CLOCK}):
        if clock.state == ClockState.PAUSED:
            clock_resume(actor=None, clock=clock, at=at)
    CaseAction.objects.create(
        case=case,
        kind=ActionKind.APPRAISAL,
        at=at,
        officer=actor or case.lead_officer,
        note=f"鉴定完成:{(note or '').strip() or '-'}",
        recorded_by=actor,
    )
    case.in_appraisal = False
    case.save()
    _touch(case, at)
    _event(case, EventKind.APPRAISAL_ENDED, actor, at, (note or "").strip())
    return case


# ---------------------------------------------------------------- coercive measures


@transaction.atomic
def measure_start(
    *, actor, case: Case, kind: str, party=None, note: str = "", at=None
) -> CoerciveMeasure:
    """Take a coercive measure; its legal clock(s) start (刑事拘留: 提请逮捕 3 days, 送看守所 and 通知家属 24 h)."""
    _require_editable(actor, case)
    _lock(case)
    _require_status(case, (CaseStatus.REVIEW, CaseStatus.HANDLING), _("采取强制措施"))
    if kind not in MeasureKind.values:
        raise ValidationError(_("请选择强制措施"))
    if kind in CRIMINAL_ONLY_MEASURES and case.kind != CaseKind.CRIMINAL:
        raise ValidationError(
            _("%(measure)s只适用于刑事案件") % {"measure": MeasureKind(kind).label}
        )
    party = _party_of(case, party)
    if kind in PERSONAL_MEASURES and (party is None or party.role != PartyRole.SUSPECT):
        raise ValidationError(
            _("%(measure)s须选择一名嫌疑人/违法行为人") % {"measure": MeasureKind(kind).label}
        )
    if (
        party is not None
        and CoerciveMeasure.objects.filter(
            case=case, party=party, kind=kind, status=MeasureStatus.ACTIVE
        ).exists()
    ):
        raise ValidationError(
            _("对该当事人的%(measure)s尚未解除") % {"measure": MeasureKind(kind).label}
        )
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("强制措施"))
    measure = CoerciveMeasure.objects.create(
        case=case,
        party=party,
        kind=kind,
        started_at=at,
        note=(note or "").strip(),
        decided_by=actor,
    )
    who = f" {party.name}" if party else ""
    for clock_kind in MEASURE_CLOCKS[kind]:
        _start(measure, case, clock_kind, at, f"{measure.get_kind_display()}{who}")
    _touch(case, at)
    _event(
        case, EventKind.MEASURE_STARTED, actor, at, measure.get_kind_display(), measure=measure.pk
    )
    return measure


@transaction.atomic
def measure_step(*, actor, measure: CoerciveMeasure, step: str, at=None) -> CoerciveMeasure:
    """刑事拘留: 送看守所羁押 / 通知家属 (each within 24 h)."""
    case = measure.case
    _require_editable(actor, case)
    if measure.kind != MeasureKind.CRIMINAL_DETENTION:
        raise ValidationError(_("只有刑事拘留需要登记送看守所、通知家属"))
    if step not in DetentionStep.values:
        raise ValidationError(_("未知的执行环节"))
    field = "custody_at" if step == DetentionStep.CUSTODY else "family_notified_at"
    if getattr(measure, field):
        raise ValidationError(_("%(step)s已经登记") % {"step": DetentionStep(step).label})
    at = _when(
        at, previous=measure.started_at, previous_label=_("拘留"), label=DetentionStep(step).label
    )
    setattr(measure, field, at)
    measure.save()
    _stop(actor, measure, case, {DETENTION_STEP_CLOCK[step]}, at)
    _event(case, EventKind.MEASURE_STEP, actor, at, DetentionStep(step).label, measure=measure.pk)
    return measure


@transaction.atomic
def measure_end(*, actor, measure: CoerciveMeasure, outcome: str, at=None) -> CoerciveMeasure:
    """解除或变更 (释放, 提请批准逮捕, 变更为取保候审 …): the measure's clocks stop."""
    case = measure.case
    _require_editable(actor, case)
    if measure.status != MeasureStatus.ACTIVE:
        raise ValidationError(_("该强制措施已经解除"))
    outcome = _text(outcome, _("请填写解除/变更的结果(如:提请批准逮捕、释放、变更为取保候审)"))
    at = _when(at, previous=measure.started_at, previous_label=_("开始"), label=_("解除"))
    _stop(actor, measure, case, None, at)
    measure.status, measure.ended_at, measure.outcome = MeasureStatus.ENDED, at, outcome
    measure.save()
    _touch(case, at)
    _event(
        case,
        EventKind.MEASURE_ENDED,
        actor,
        at,
        f"{measure.get_kind_display()}:{outcome}",
        measure=measure.pk,
    )
    return measure


# ---------------------------------------------------------------- evidence and seized items


def _two_people(station_id, handled_by, checked_by):
    handled_by = _officer(station_id, handled_by, _("经办人"))
    checked_by = _officer(station_id, checked_by, _("核对人"))
    if handled_by.pk == checked_by.pk:
        raise ValidationError(_("物品出入库须由两人办理:经办人和核对人不能是同一人"))
    return handled_by, checked_by


@transaction.atomic
def item_register(
    *,
    actor,
    case: Case,
    description: str,
    location: str,
    handled_by,
    checked_by,
    quantity: str = "1",
    seized: bool = True,
    owner: str = "",
    measure=None,
    at=None,
) -> EvidenceItem:
    _require_editable(actor, case)
    _lock(case)
    _require_status(case, (CaseStatus.REVIEW, CaseStatus.HANDLING), _("登记涉案物品"))
    description = _text(description, _("请填写物品名称及特征"))
    location = _text(location, _("请填写存放位置"))
    handled_by, checked_by = _two_people(case.station_id, handled_by, checked_by)
    if measure is not None and measure.case_id != case.pk:
        raise ValidationError(_("扣押决定不属于该案件"))
    at = _when(at, previous=case.reported_at, previous_label=_("报案"), label=_("入库"))
    number = (case.items.aggregate(n=Max("number"))["n"] or 0) + 1
    item = EvidenceItem.objects.create(
        case=case,
        number=number,
        description=description,
        quantity=(quantity or "1").strip() or "1",
        seized=seized,
        owner=(owner or "").strip(),
        location=location,
        measure=measure,
    )
    ItemMovement.objects.create(
        item=item,
        kind=MovementKind.IN,
        at=at,
        handled_by=handled_by,
        checked_by=checked_by,
        location=location,
    )
    _touch(case, at)
    _event(case, EventKind.ITEM_REGISTERED, actor, at, f"{number}. {description}", item=item.pk)
    return item


ALLOWED_MOVES = {
    MovementKind.OUT: (ItemStatus.IN_CUSTODY,),
    MovementKind.BACK: (ItemStatus.OUT,),
    MovementKind.RETURN: (ItemStatus.IN_CUSTODY, ItemStatus.OUT),
    MovementKind.DISPOSE: (ItemStatus.IN_CUSTODY, ItemStatus.OUT),
    MovementKind.TRANSFER: (ItemStatus.IN_CUSTODY, ItemStatus.OUT),
}


@transaction.atomic
def item_move(
    *,
    actor,
    item: EvidenceItem,
    kind: str,
    handled_by,
    checked_by,
    location: str,
    note: str = "",
    at=None,
) -> ItemMovement:
    case = item.case
    _require_editable(actor, case)
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if kind not in ALLOWED_MOVES:
        raise ValidationError(_("请选择出入库类型"))
    if item.status not in ALLOWED_MOVES[kind]:
        raise ValidationError(
            _("物品当前“%(status)s”,不能%(move)s")
            % {"status": item.get_status_display(), "move": MovementKind(kind).label}
        )
    location = _text(location, _("请填写地点或去向"))
    handled_by, checked_by = _two_people(case.station_id, handled_by, checked_by)
    last = item.movements.order_by("-at").first()
    at = _when(
        at, previous=last.at if last else None, previous_label=_("上一次出入库"), label=_("出入库")
    )
    movement = ItemMovement.objects.create(
        item=item,
        kind=kind,
        at=at,
        handled_by=handled_by,
        checked_by=checked_by,
        location=location,
        note=(note or "").strip(),
    )
    item.status = MOVEMENT_RESULT[kind]
    if kind in (MovementKind.BACK,):
        item.location = location
    item.save()
    _event(
        case,
        EventKind.ITEM_MOVED,
        actor,
        at,
        f"{item.number}. {item.description}:{movement.get_kind_display()}",
        item=item.pk,
    )
    return movement


# ---------------------------------------------------------------- extensions


def _case_clock(case: Case, clock: Clock) -> Clock:
    if clock.pk not in {c.pk for c in case_clocks(case)}:
        raise ValidationError(_("该时限不属于本案件"))
    return clock


@transaction.atomic
def extension_request(
    *, actor, case: Case, clock: Clock, option_key: str, reason: str, value: int | None = None
) -> ClockExtension:
    """Ask for one of the rule's extensions; the legal basis and the approver roles come from the rule."""
    _require_editable(actor, case)
    _case_clock(case, clock)
    extension = clock_request_extension(
        actor=actor, clock=clock, option_key=option_key, reason=reason, value=value
    )
    _event(
        case,
        EventKind.EXTENSION_REQUESTED,
        actor,
        extension.requested_at,
        f"{clock.rule.name}:{extension.label}。{extension.reason}",
        extension=extension.pk,
        basis=clock.rule.legal_basis,
    )
    return extension


def _extension_case(extension: ClockExtension) -> Case:
    case = case_for_clock(extension.clock)
    if case is None:
        raise ValidationError(_("该延长申请不属于案件"))
    return case


@transaction.atomic
def extension_approve(*, actor, extension: ClockExtension, note: str = "") -> ClockExtension:
    """Approve (the option's approver role, never the requester): the due time moves."""
    if actor is not None and extension.requested_by_id == actor.pk:
        raise PermissionDenied(_("不能审批本人提出的延长申请"))
    case = _extension_case(extension)
    extension = clock_approve_extension(actor=actor, extension=extension, note=note)
    _event(
        case,
        EventKind.EXTENSION_APPROVED,
        actor,
        extension.decided_at,
        f"{extension.clock.rule.name}:{extension.label},新的到期时间"
        f"{timezone.localtime(extension.due_after):%Y-%m-%d %H:%M}",
        extension=extension.pk,
    )
    return extension


@transaction.atomic
def extension_reject(*, actor, extension: ClockExtension, note: str) -> ClockExtension:
    if actor is not None and extension.requested_by_id == actor.pk:
        raise PermissionDenied(_("不能审批本人提出的延长申请"))
    case = _extension_case(extension)
    extension = clock_reject_extension(actor=actor, extension=extension, note=note)
    _event(
        case,
        EventKind.EXTENSION_REJECTED,
        actor,
        extension.decided_at,
        f"{extension.clock.rule.name}:{extension.label}。{extension.note}",
        extension=extension.pk,
    )
    return extension


def pending_extensions(case: Case):
    return ClockExtension.objects.filter(
        clock__in=[c.pk for c in case_clocks(case)], decision=ExtensionDecision.PENDING
    )


# ---------------------------------------------------------------- penalty and closing


@transaction.atomic
def penalty_decide(*, actor, case: Case, penalty_kind: str, text: str, mode: str, at=None) -> Case:
    """处罚决定 (administrative): ends the 办理期限; 当场处罚 must be filed in 24 h, a decision for an
    absent person served in 2 days; a fine or detention must then be executed."""
    _require_editable(actor, case)
    _lock(case)
    if case.kind != CaseKind.ADMINISTRATIVE:
        raise ValidationError(_("刑事案件不作治安处罚决定"))
    _require_status(case, (CaseStatus.HANDLING,), _("作出处罚决定"))
    if case.penalty_decided_at:
        raise ValidationError(_("已经作出处罚决定"))
    if case.in_appraisal:
        raise ValidationError(_("案件仍在鉴定中,鉴定完成后才能作出处罚决定"))
    if penalty_kind not in PenaltyKind.values:
        raise ValidationError(_("请选择处罚种类"))
    if mode not in ServiceMode.values:
        raise ValidationError(_("请选择送达方式"))
    text = _text(text, _("请填写处罚内容"))
    at = _when(at, previous=case.accepted_at, previous_label=_("受理"), label=_("处罚决定"))
    _stop(actor, case, case, {HANDLING_CLOCK}, at)
    case.penalty_kind, case.penalty_text, case.penalty_mode, case.penalty_decided_at = (
        penalty_kind,
        text,
        mode,
        at,
    )
    if mode in SERVICE_CLOCK:
        _start(
            case,
            case,
            SERVICE_CLOCK[mode],
            at,
            "当场处罚备案" if mode == ServiceMode.ON_SPOT else "处罚决定送达(不在场)",
        )
    else:
        case.penalty_served_at = at
        if penalty_kind in PENALTIES_TO_EXECUTE:
            _start(case, case, EXECUTION_CLOCK, at, "处罚决定执行")
    case.save()
    _touch(case, at)
    _event(case, EventKind.PENALTY_DECIDED, actor, at, f"{case.get_penalty_kind_display()}:{text}")
    return case


@transaction.atomic
def penalty_serve(*, actor, case: Case, at=None) -> Case:
    """送达 (absent person) or 备案 (当场处罚)."""
    _require_editable(actor, case)
    _lock(case)
    if not case.penalty_decided_at:
        raise ValidationError(_("尚未作出处罚决定"))
    if case.penalty_served_at:
        raise ValidationError(_("处罚决定已经送达/备案"))
    at = _when(
        at, previous=case.penalty_decided_at, previous_label=_("处罚决定"), label=_("送达/备案")
    )
    _stop(actor, case, case, set(SERVICE_CLOCK.values()), at)
    case.penalty_served_at = at
    case.save()
    if case.penalty_kind in PENALTIES_TO_EXECUTE:
        _start(case, case, EXECUTION_CLOCK, at, "处罚决定执行")
    _event(case, EventKind.PENALTY_SERVED, actor, at)
    return case


@transaction.atomic
def penalty_execute(*, actor, case: Case, note: str = "", at=None) -> Case:
    _require_editable(actor, case)
    _lock(case)
    if not case.needs_execution:
        raise ValidationError(_("没有待执行的处罚"))
    if not case.penalty_served_at:
        raise ValidationError(_("处罚决定尚未送达"))
    at = _when(at, previous=case.penalty_served_at, previous_label=_("送达"), label=_("执行"))
    _stop(actor, case, case, {EXECUTION_CLOCK}, at)
    case.penalty_executed_at = at
    case.save()
    _touch(case, at)
    _event(case, EventKind.PENALTY_EXECUTED, actor, at, (note or "").strip())
    return case


def closing_obstacles(case: Case) -> list[str]:
    """Why the case cannot be closed yet (empty: it can)."""
    problems = []
    active = list(case.measures.filter(status=MeasureStatus.ACTIVE))
    if active:
        names = "、".join(
            m.get_kind_display() + (f"({m.party.name})" if m.party_id else "") for m in active
        )
        problems.append(_("尚有未解除的强制措施:%(names)s") % {"names": names})
    items = list(case.items.exclude(status__in=FINAL_ITEM_STATUSES))
    if items:
        names = "、".join(f"{i.number}. {i.description}" for i in items[:5])
        problems.append(_("尚有未发还/未处理的涉案物品:%(names)s") % {"names": names})
    if case.in_appraisal:
        problems.append(_("案件仍在鉴定中"))
    if case.penalty_decided_at and not case.penalty_served_at:
        problems.append(_("处罚决定尚未送达/备案"))
    if case.needs_execution:
        problems.append(_("处罚尚未执行完毕"))
    if pending_extensions(case).exists():
        problems.append(_("尚有待审批的延长申请"))
    return problems


@transaction.atomic
def case_close(*, actor, case: Case, summary: str, at=None) -> Case:
    """结案: refused while a measure is open, a seized item is not returned or dealt with, a penalty is unexecuted."""
    _require_editable(actor, case)
    _lock(case)
    if case.status == CaseStatus.NOT_FILED:
        if not case.notice_served_at:
            raise ValidationError(_("不予立案通知书尚未送达,不能结案"))
    else:
        _require_status(case, (CaseStatus.HANDLING,), _("结案"))
    summary = _text(summary, _("请填写结案情况"))
    problems = closing_obstacles(case)
    if problems:
        raise ValidationError(_("不能结案:%(problems)s") % {"problems": ";".join(problems)})
    at = _when(
        at,
        previous=case.accepted_at or case.not_filed_at,
        previous_label=_("受理/立案"),
        label=_("结案"),
    )
    _stop(actor, case, case, None, at)
    case.status, case.closed_at, case.closing_summary = CaseStatus.CLOSED, at, summary
    case.save()
    _event(case, EventKind.CLOSED, actor, at, summary)
    return case


@transaction.atomic
def case_review(
    *,
    actor,
    case: Case,
    legality: int,
    timeliness: int,
    evidence: int,
    procedure: int,
    note: str = "",
    at=None,
) -> CaseReview:
    """一案一评 by the case room: four scores (0–25 each); not by the case's own officers."""
    _require_room(actor, _("一案一评由案管室民警或所领导进行"))
    if actor is not None and not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("无权评查该案件"))
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("案件结案后才能进行一案一评"))
    if actor is not None and actor.pk in (case.lead_officer_id, case.second_officer_id):
        raise PermissionDenied(_("办案民警不能评查本人办理的案件"))
    if CaseReview.objects.filter(case=case).exists():
        raise ValidationError(_("该案件已经评查"))
    try:
        rules.review_total(legality, timeliness, evidence, procedure)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    at = _when(at, previous=case.closed_at, previous_label=_("结案"), label=_("评查"))
    review = CaseReview.objects.create(
        case=case,
        reviewer=actor,
        at=at,
        legality=legality,
        timeliness=timeliness,
        evidence=evidence,
        procedure=procedure,
        note=(note or "").strip(),
    )
    _event(case, EventKind.REVIEWED, actor, at, f"{review.total}分", review=review.pk)
    return review


# ---------------------------------------------------------------- red-line flags


def flag_raise(
    *,
    station,
    kind: str,
    key: str,
    reason: str,
    case=None,
    incident=None,
    officer=None,
    unit=None,
    at=None,
) -> RedLineFlag | None:
    """Raise a flag for a fact once (its key): None if that fact was flagged before."""
    if RedLineFlag.objects.filter(key=key).exists():
        return None
    if case is not None:
        officer = officer or case.lead_officer
        unit = unit or case.unit
    flag = RedLineFlag.objects.create(
        station=station,
        kind=kind,
        key=key,
        reason=reason[:300],
        case=case,
        incident=incident,
        raised_at=at or timezone.now(),
        officer=officer,
        unit=unit,
        assignee=officer,
    )
    _notify_flag(flag)
    return flag


def _notify_flag(flag: RedLineFlag) -> None:
    from fengqiao.accounts.models import User
    from fengqiao.notifications.services import notification_send

    case_room = User.objects.filter(
        station_id=flag.station_id, role=Role.CASE_MANAGER, is_active=True
    )
    recipients = [
        *station_leaders(flag.station_id),
        *case_room,
        *([flag.assignee] if flag.assignee else []),
    ]
    if recipients:
        notification_send(
            recipients=recipients,
            kind="case_red_line",
            title=f"{flag.get_kind_display()}:{flag.reason}"[:200],
            body="请说明情况并整改,整改后由案管室关闭。",
            level="red",
            obj=flag,
            dedupe_key=f"case-flag:{flag.pk}",
        )


def flags_sync(*, station, now=None) -> list[RedLineFlag]:
    """Run the detectors for a station and raise a flag for every new fact (job and page load)."""
    from fengqiao.cases.selectors import detect

    now = now or timezone.now()
    found = detect(station, now)
    known = set(
        RedLineFlag.objects.filter(key__in=[d.key for d in found]).values_list("key", flat=True)
    )
    new = [d for d in found if d.key not in known]
    created = []
    if not new:
        return created  # the usual page load: nothing new, no write transaction
    with transaction.atomic():
        for d in new:
            flag = flag_raise(
                station=station,
                kind=d.kind,
                key=d.key,
                reason=d.reason,
                case=d.case,
                incident=d.incident,
                officer=d.officer,
                unit=d.unit,
                at=now,
            )
            if flag is not None:
                created.append(flag)
    return created


def _require_flag_visible(actor, flag: RedLineFlag) -> None:
    if actor is not None and not RedLineFlag.objects.visible_to(actor).filter(pk=flag.pk).exists():
        raise PermissionDenied(_("无权处理该问题"))


@transaction.atomic
def flag_assign(*, actor, flag: RedLineFlag, assignee) -> RedLineFlag:
    _require_room(actor, _("只有案管室民警或所领导可以指派整改责任人"))
    _require_flag_visible(actor, flag)
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("该问题已经关闭"))
    if assignee is None or assignee.station_id != flag.station_id or not assignee.is_active:
        raise ValidationError(_("整改责任人必须是本所在职人员"))
    flag.assignee = assignee
    flag.save()
    from fengqiao.notifications.services import notification_send

    notification_send(
        recipients=[assignee],
        kind="case_red_line",
        title=f"请整改:{flag.reason}"[:200],
        level="red",
        obj=flag,
        dedupe_key=f"case-flag:{flag.pk}:assign:{assignee.pk}",
    )
    return flag


@transaction.atomic
def flag_explain(*, actor, flag: RedLineFlag, text: str) -> RedLineFlag:
    _require_flag_visible(actor, flag)
    if actor is not None and not (has_role(actor, CASE_ROOM_ROLES) or flag.assignee_id == actor.pk):
        raise PermissionDenied(_("只有整改责任人、案管室或所领导可以说明情况"))
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("该问题已经关闭"))
    flag.explanation = _text(text, _("请填写情况说明"))
    flag.save()
    return flag


@transaction.atomic
def flag_close(*, actor, flag: RedLineFlag, note: str, now=None) -> RedLineFlag:
    """Close with a note — only once the fact is put right (the detector no longer finds it)."""
    from fengqiao.cases.selectors import detect

    _require_room(actor, _("只有案管室民警或所领导可以关闭红线问题"))
    _require_flag_visible(actor, flag)
    flag = RedLineFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("该问题已经关闭"))
    note = _text(note, _("请填写整改说明"))
    now = now or timezone.now()
    if flag.key in {d.key for d in detect(flag.station, now)}:
        raise ValidationError(
            _("问题仍然存在(如案件仍未立案、时限仍超期未办结、仍无办案工作),整改后才能关闭")
        )
    flag.status, flag.closed_at, flag.closed_by, flag.close_note = (
        FlagStatus.CLOSED,
        now,
        actor,
        note,
    )
    flag.save()
    return flag


# ---------------------------------------------------------------- the offence table (installation-wide)


@transaction.atomic
def offence_save(
    *, actor, instance=None, code: str, name: str, kind: str, active: bool = True, sort: int = 0
) -> OffenceType:
    from fengqiao.core.services import can_manage_rules

    if actor is not None and not can_manage_rules(actor):
        raise PermissionDenied(_("案由表对全部派出所生效,只有系统管理员可以修改"))
    code, name = (code or "").strip().upper(), (name or "").strip()
    if not code or not name:
        raise ValidationError(_("请填写案由代码和名称"))
    if kind not in CaseKind.values:
        raise ValidationError(_("请选择案件类型"))
    clash = OffenceType.objects.filter(code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError(_("案由代码“%(code)s”已存在") % {"code": code})
    if instance is not None and instance.kind != kind and instance.cases.exists():
        raise ValidationError(_("已有案件使用该案由,不能改变其案件类型"))
    offence = instance or OffenceType()
    offence.code, offence.name, offence.kind, offence.active, offence.sort = (
        code,
        name,
        kind,
        bool(active),
        sort or 0,
    )
    offence.save()
    return offence


# ---------------------------------------------------------------- weekly summary and Monday notice


@transaction.atomic
def weekly_generate(*, actor=None, station, monday: dt.date):
    """Compute (or recompute) the week's figures and keep them: the page, the Word and xlsx files and
    the Monday notice all read the same stored data."""
    from fengqiao.cases.models import WeeklySummary
    from fengqiao.cases.selectors import weekly_figures

    if monday.weekday() != 0:
        raise ValidationError(_("周汇总须从周一开始"))
    if monday > timezone.localdate():
        raise ValidationError(_("不能生成未来一周的汇总"))
    from django.utils import translation

    with translation.override(
        "zh-hans"
    ):  # stored figures and the documents made from them are in Chinese
        data = weekly_figures(station, monday)
    summary, _created = WeeklySummary.objects.update_or_create(
        station=station,
        week_start=monday,
        defaults={"generated_at": timezone.now(), "generated_by": actor, "data": data},
    )
    return summary


@transaction.atomic
def weekly_notify(*, summary) -> int:
    """通报: every active user of the station gets the week's problems by name and unit (once)."""
    from fengqiao.accounts.models import User
    from fengqiao.cases.models import WeeklySummary
    from fengqiao.notifications.services import notification_send

    summary = WeeklySummary.objects.select_for_update().get(pk=summary.pk)
    if summary.notice_sent_at:
        return 0
    data = summary.data
    t = data["totals"]
    lines = [
        f"{data['week_start']}至{data['week_end']}:受案{t['received']}起,受理/立案{t['filed']}起,结案{t['closed']}起,"
        f"红线问题{t['flags_raised']}个(整改{t['flags_resolved']}个),目前未整改{t['open_flags']}个。"
    ]
    if data["problems"]:
        lines.append("存在问题:")
        lines += [
            f"{p['unit'] or '—'} {p['officer']}:{p['kind']} — {p['reason']}({p['status']})"
            for p in data["problems"]
        ]
    else:
        lines.append("本周有案不立、办理超期、查打不严均为零。")
    top = data["by_officer"][:3]
    if top:
        lines.append(
            "数据上榜:"
            + "、".join(f"{o['rank']}. {o['officer']}({o['unit']}){o['score']}分" for o in top)
        )
    recipients = list(User.objects.filter(station_id=summary.station_id, is_active=True))
    notification_send(
        recipients=recipients,
        kind="case_weekly_notice",
        title=f"案管周通报 {data['week_start']}至{data['week_end']}",
        body="\n".join(lines),
        level="orange" if data["problems"] else "info",
        obj=summary,
        dedupe_key=f"case-weekly:{summary.pk}",
    )
    summary.notice_sent_at = timezone.now()
    summary.save()
    return len(recipients)
