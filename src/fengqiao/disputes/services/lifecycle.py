"""A dispute from registration to closing: register (also from an incident), update, accept, close."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.accounts.choices import Role
from fengqiao.core.refnumbers import next_reference
from fengqiao.core.scoping import editable_community_ids
from fengqiao.core.services import clock_start, clock_stop, clocks_for
from fengqiao.disputes.choices import (
    FIRST_SESSION_CLOCK,
    EventKind,
    ExcludedOffence,
    Level,
    LinkHow,
    Source,
    Status,
)
from fengqiao.disputes.models import Dispute
from fengqiao.disputes.services.agreements import _stop_confirmation_clock
from fengqiao.disputes.services.common import _event, _require_edit
from fengqiao.disputes.services.levels import (
    _adopt_higher_suggestion,
    _check_level_requirements,
    _level_raised,
    _on_level_reached,
    _refresh_suggestion,
    refresh_suggestion,
)
from fengqiao.disputes.services.parties import _party_add
from fengqiao.disputes.services.sessions import _running_first_session_clock

UPDATE_FIELDS = (
    "dispute_type",
    "narrative",
    "notes",
    "address",
    "location",
    "source",
    "amount",
    "owner",
    "community",
    "failed_mediations",
    "repeat_calls",
)


def _check_owner(station_id, owner) -> None:
    """责任人: an active police officer of the file's station (rules.OWNER_ROLES)."""
    from fengqiao.disputes.rules import OWNER_ROLES

    if owner is None:
        return
    if owner.station_id != station_id or not owner.is_active or owner.role not in OWNER_ROLES:
        raise ValidationError({"owner": "责任人须为本所民警"})


def dispute_register(
    *, actor, station=None, parties=(), level=None, reason="", **fields
) -> Dispute:
    """Register a dispute with its parties; the level defaults to the rules' suggestion.

    parties: dicts with PARTY_FIELDS. level: the officer's own choice; when it differs from the
    suggestion a written `reason` is required.
    """
    station = station or actor.station
    if station is None or (not actor.is_superuser and actor.station_id != station.pk):
        raise PermissionDenied("只能在本所登记纠纷")
    community = fields.get("community")
    if community is not None and community.station_id != station.pk:
        raise ValidationError({"community": "社区不属于本所"})
    if not (fields.get("narrative") or "").strip():
        raise ValidationError({"narrative": "请填写纠纷情况"})
    if not parties:
        raise ValidationError({"parties": "至少登记一名当事人"})
    _check_owner(station.pk, fields.get("owner"))
    with transaction.atomic():
        dispute = Dispute(
            station=station, registered_by=actor, registered_at=timezone.now(), **fields
        )
        if not (
            actor.is_superuser
            or actor.is_leader
            or dispute.owner_id == actor.pk
            or (community is not None and community.pk in editable_community_ids(actor))
            or (
                community is None
                and actor.role
                in (Role.COMMUNITY_OFFICER, Role.DUTY_OFFICER, Role.MEDIATOR, Role.AUXILIARY)
            )
        ):
            raise PermissionDenied("无权在该社区登记纠纷")
        dispute.reference = next_reference("JF", station)
        dispute.save()
        for party in parties:
            _party_add(dispute, party)
        suggested, reasons = _refresh_suggestion(dispute)
        chosen = level or suggested
        if chosen != suggested and not (reason or "").strip():
            raise ValidationError({"reason": "等级与系统建议不同,必须填写理由"})
        _check_level_requirements(dispute, chosen)
        dispute.level = chosen
        dispute.level_reasons = reasons if chosen == suggested else [reason.strip()]
        dispute.save(update_fields=["level", "level_reasons"])
        _event(
            dispute, EventKind.CREATED, actor, level=chosen, suggested=suggested, reasons=reasons
        )
        _level_raised(dispute, before="")
        _on_level_reached(dispute, actor)
    return dispute


INCIDENT_TYPE_CODES = {
    "JF-LL": "neighbour",
    "JF-JT": "marriage",
    "JF-LZ": "labour",
    "JF-WY": "property",
}


def incident_defaults(incident) -> dict:
    """What a dispute file opened from an incident starts with: the caller as applicant, the place,
    the narrative, the community and a type guessed from the incident category."""
    from fengqiao.disputes.models import DisputeType

    code = INCIDENT_TYPE_CODES.get(incident.category.code, "other")
    dispute_type = (
        DisputeType.objects.filter(code=code, active=True).first()
        or DisputeType.objects.filter(active=True).first()
    )
    parties = []
    if incident.caller_name or incident.caller_person_id:
        person = incident.caller_person
        parties.append(
            {
                "person": person,
                "name": incident.caller_name or (person.name if person else ""),
                "phone": incident.caller_phone,
                "role": "applicant",
                "id_number": (person.id_number or "") if person else "",
            }
        )
    narrative = (incident.narrative or "").strip() or f"警情{incident.reference}"
    return {
        "dispute_type": dispute_type,
        "narrative": narrative,
        "location": incident.location,
        "community": incident.community,
        "address": incident.address,
        "parties": parties,
    }


def dispute_from_incident(*, actor, incident, **fields) -> tuple[Dispute, bool]:
    """Open the dispute file of an incident (source = 警情, the incident linked). Idempotent: when the
    incident already has a file, that file is returned with created=False.

    fields override `incident_defaults(incident)` (dispute_type, narrative, location, community,
    address, parties, owner, amount, level, reason)."""
    from django.db import IntegrityError

    from fengqiao.disputes import linking
    from fengqiao.disputes.models import DisputeIncident
    from fengqiao.incidents.models import Incident

    existing = Dispute.objects.filter(source_incident=incident).first()
    if existing is not None:
        return existing, False
    if not Incident.objects.visible_to(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied("无权查看该警情")
    data = incident_defaults(incident)
    data.update({k: v for k, v in fields.items() if v is not None})
    if data.get("dispute_type") is None:
        raise ValidationError({"dispute_type": "请选择纠纷类型"})
    try:
        with transaction.atomic():
            dispute = dispute_register(
                actor=actor,
                station=incident.station,
                source=Source.INCIDENT,
                source_incident=incident,
                **data,
            )
            DisputeIncident.objects.get_or_create(
                dispute=dispute, incident=incident, defaults={"how": LinkHow.SOURCE}
            )
            linking.link_incidents_for(dispute, actor=actor)
            suggested, reasons = refresh_suggestion(dispute)
            if not data.get("level"):
                _adopt_higher_suggestion(dispute, suggested, reasons, actor)
    except IntegrityError:
        existing = Dispute.objects.filter(source_incident=incident).first()
        if existing is None:
            raise
        return existing, False
    return dispute, True


def dispute_update(*, actor, dispute, **changes) -> Dispute:
    """Change facts; the suggestion is recomputed (the level itself changes only by dispute_set_level)."""
    _require_edit(actor, dispute)
    unknown = set(changes) - set(UPDATE_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        changed = {}
        for name, value in changes.items():
            if getattr(dispute, name) != value:
                changed[name] = str(value)
                setattr(dispute, name, value)
        if dispute.level in (Level.ORANGE, Level.RED) and dispute.owner_id is None:
            raise ValidationError({"owner": "橙色、红色纠纷必须指定责任人"})
        if "owner" in changed:
            _check_owner(dispute.station_id, dispute.owner)
        dispute.save()
        if changed:
            _event(dispute, EventKind.UPDATED, actor, fields=sorted(changed))
        _refresh_suggestion(dispute)
    return dispute


def dispute_accept(*, actor, dispute, channel, excluded_offences=()) -> Dispute:
    """Accept the dispute for mediation in a channel; the first session is due within 3 working days.

    治安调解 is refused when any excluded offence (雇凶伤害, 结伙斗殴, 寻衅滋事, 多次违法) is ticked.
    """
    _require_edit(actor, dispute)
    if not channel.active:
        raise ValidationError({"channel": "该调解渠道已停用"})
    if channel.is_police_mediation:
        bad = [ExcludedOffence(x).label for x in excluded_offences if x in ExcludedOffence.values]
        if bad:
            raise ValidationError(
                {
                    "channel": "不适用治安调解:涉及{}。请移交办案或转其他调解渠道。".format(
                        "、".join(map(str, bad))
                    )
                }
            )
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status not in (Status.REGISTERED, Status.FAILED, Status.MEDIATING):
            raise ValidationError(f"当前状态({dispute.get_status_display()})不能受理调解")
        dispute.channel = channel
        dispute.accepted_at = timezone.now()
        dispute.status = Status.MEDIATING
        dispute.save(update_fields=["channel", "accepted_at", "status"])
        _event(dispute, EventKind.ACCEPTED, actor, channel=channel.name)
        if not _running_first_session_clock(dispute):
            clock_start(
                obj=dispute,
                kind=FIRST_SESSION_CLOCK,
                actor=actor,
                assignee=dispute.owner,
                started_at=dispute.accepted_at,
                title=f"{dispute.reference} 首次调解",
            )
    return dispute


def dispute_close(*, actor, dispute, reason=""):
    """Close the file. Without a reason only when every agreement term is performed (or the agreement
    has none); otherwise — no agreement, a term not performed — a written reason is required."""
    from fengqiao.disputes.choices import TermStatus

    _require_edit(actor, dispute)
    reason = (reason or "").strip()
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status == Status.CLOSED:
            raise ValidationError("该纠纷已结案")
        agreement = dispute.agreement_in_force
        unsettled = list(agreement.terms.exclude(status=TermStatus.PERFORMED)) if agreement else []
        if not reason:
            if agreement is None:
                raise ValidationError({"reason": "未达成协议(或协议未能履行)的纠纷结案须填写理由"})
            if unsettled:
                names = "、".join(t.what for t in unsettled)
                raise ValidationError({"reason": f"尚有协议内容未履行完毕({names}),结案须填写理由"})
        dispute.status = Status.CLOSED
        dispute.closed_at = timezone.now()
        dispute.close_reason = reason[:300]
        dispute.save(update_fields=["status", "closed_at", "close_reason"])
        for clock in clocks_for(dispute).filter(stopped_at__isnull=True):
            clock_stop(actor=actor, clock=clock)
        if agreement is not None:
            _stop_confirmation_clock(actor, agreement)
        _event(dispute, EventKind.CLOSED, actor, reason=reason, unsettled=len(unsettled))
    return dispute
