"""Writes on disputes. Every function takes `actor`, runs in one transaction and checks scope."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.accounts.choices import Role
from fengqiao.accounts.selectors import station_leaders
from fengqiao.core import events
from fengqiao.core.refnumbers import next_reference
from fengqiao.core.scoping import editable_community_ids
from fengqiao.core.services import clock_cancel, clock_start, clock_stop, clocks_for
from fengqiao.disputes import rules
from fengqiao.disputes.choices import (
    FIRST_SESSION_CLOCK,
    LEVEL_RANK,
    AgreementStatus,
    EventKind,
    ExcludedOffence,
    Level,
    LinkHow,
    SessionOutcome,
    Source,
    Status,
)
from fengqiao.disputes.models import (
    Dispute,
    DisputeEvent,
    DisputeParty,
    MediationSession,
    StabilisationMeasure,
    StabilisationPlan,
    WarningTrigger,
)

PARTY_FIELDS = ("person", "name", "id_number", "phone", "role", "high_risk")
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


def _event(dispute, kind, actor, **data) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute, kind=kind, actor=actor, at=timezone.now(), data=data
    )


def _require_edit(actor, dispute):
    if not Dispute.objects.editable_by(actor).filter(pk=dispute.pk).exists():
        raise PermissionDenied("无权修改该纠纷")


def facts_of(dispute) -> rules.DisputeFacts:
    parties = list(dispute.parties.all())
    return rules.DisputeFacts(
        text=f"{dispute.narrative}\n{dispute.notes}",
        parties=len(parties),
        failed_mediations=dispute.failed_mediations,
        amount=dispute.amount,
        high_risk_party=any(p.high_risk for p in parties),
        repeat_calls=dispute.repeat_calls,
    )


def suggestion_for(dispute) -> tuple[str, list[str]]:
    return rules.suggest_level(facts_of(dispute), WarningTrigger.objects.filter(active=True))


def refresh_suggestion(dispute):
    level, reasons = suggestion_for(dispute)
    dispute.suggested_level, dispute.suggested_reasons = level, reasons
    dispute.save(update_fields=["suggested_level", "suggested_reasons"])
    return level, reasons


_refresh_suggestion = refresh_suggestion


def _level_raised(dispute, before: str) -> None:
    """Publish the rise (the command room's wall subscribes: a red file goes up on it). Only a rise:
    a save that leaves the level as it was, or lowers it, raises nothing (decision 0008)."""
    after = dispute.level
    if before and LEVEL_RANK[Level(after)] <= LEVEL_RANK[Level(before)]:
        return
    if not before and after == Level.YELLOW:
        return  # registered at the lowest level: nothing was raised
    events.publish(
        "dispute.level_raised",
        {
            "dispute_id": dispute.pk,
            "station_id": dispute.station_id,
            "before": str(before or ""),
            "after": str(after),
        },
    )


def _on_level_reached(dispute, actor):
    """Consequences of a level: red → leaders notified at once (once per dispute); orange → a clock."""
    if dispute.level == Level.RED:
        from fengqiao.notifications.services import notification_send

        notification_send(
            recipients=station_leaders(dispute.station),
            kind="dispute_red",
            title=f"红色纠纷预警 {dispute.reference}",
            body="；".join(dispute.level_reasons) or dispute.narrative[:100],
            level="red",
            urgent=True,
            obj=dispute,
            dedupe_key=f"dispute-red-{dispute.pk}",
        )
    if dispute.level in (Level.ORANGE, Level.RED):
        running = (
            clocks_for(dispute).filter(kind=FIRST_SESSION_CLOCK, stopped_at__isnull=True).exists()
        )
        if not running:
            clock_start(
                obj=dispute,
                kind=FIRST_SESSION_CLOCK,
                actor=actor,
                assignee=dispute.owner,
                title=f"{dispute.reference} 首次调解",
            )


def _check_level_requirements(dispute, level):
    if level in (Level.ORANGE, Level.RED) and dispute.owner_id is None:
        raise ValidationError({"owner": "橙色、红色纠纷必须指定责任人"})


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


def _adopt_higher_suggestion(dispute, suggested, reasons, actor):
    """A file opened from an incident takes the rules' level once the earlier calls are linked (e.g. the
    third call within 30 days makes it orange) — when the officer did not choose a level and the
    level's requirements (an owner for orange/red) are met."""
    if LEVEL_RANK[Level(suggested)] <= LEVEL_RANK[Level(dispute.level)] or dispute.owner_id is None:
        return
    before = dispute.level
    dispute.level, dispute.level_reasons = suggested, reasons
    dispute.save(update_fields=["level", "level_reasons"])
    _event(
        dispute,
        EventKind.LEVEL_CHANGED,
        actor,
        before=before,
        after=suggested,
        direction="up",
        reason="关联警情后按系统建议定级:" + "；".join(reasons),
    )
    _level_raised(dispute, before=before)
    _on_level_reached(dispute, actor)


def _party_add(dispute, data) -> DisputeParty:
    data = {k: v for k, v in dict(data).items() if k in PARTY_FIELDS}
    person = data.get("person")
    if person is not None:
        data.setdefault("name", person.name)
        if not data.get("id_number"):
            data["id_number"] = person.id_number or ""
        if not data.get("phone"):
            data["phone"] = getattr(person, "phone", "") or ""
    if not (data.get("name") or "").strip():
        raise ValidationError({"parties": "当事人姓名必填"})
    from fengqiao.registry.rules import InvalidPhone, normalise_phone

    try:
        data["phone"] = normalise_phone(data.get("phone") or "")
    except InvalidPhone as exc:
        raise ValidationError({"parties": f"{data['name']}:{exc}"}) from None
    return DisputeParty.objects.create(dispute=dispute, **data)


def dispute_party_add(*, actor, dispute, **data) -> DisputeParty:
    _require_edit(actor, dispute)
    with transaction.atomic():
        party = _party_add(dispute, data)
        _refresh_suggestion(dispute)
    return party


def _check_owner(station_id, owner) -> None:
    """责任人: an active police officer of the file's station (rules.OWNER_ROLES)."""
    from fengqiao.disputes.rules import OWNER_ROLES

    if owner is None:
        return
    if owner.station_id != station_id or not owner.is_active or owner.role not in OWNER_ROLES:
        raise ValidationError({"owner": "责任人须为本所民警"})


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


def dispute_set_level(*, actor, dispute, level, reason) -> Dispute:
    """The officer raises or lowers the level with a written reason (required)."""
    _require_edit(actor, dispute)
    level = Level(level)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "调整等级必须填写理由"})
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.level == level:
            raise ValidationError({"level": "等级未变化"})
        _check_level_requirements(dispute, level)
        before = dispute.level
        dispute.level = level
        dispute.level_reasons = [reason]
        dispute.save(update_fields=["level", "level_reasons"])
        _event(
            dispute,
            EventKind.LEVEL_CHANGED,
            actor,
            before=before,
            after=level.value,
            reason=reason,
            direction="up" if LEVEL_RANK[level] > LEVEL_RANK[Level(before)] else "down",
        )
        _level_raised(dispute, before=before)
        _on_level_reached(dispute, actor)
    return dispute


def _clean_measures(dispute, measures) -> list[dict]:
    """The checks every new 一案一策 measure passes (when the plan is filed and when it is revised)."""
    clean = []
    for m in measures:
        if (
            not (m.get("what") or "").strip()
            or m.get("responsible") is None
            or m.get("due_date") is None
        ):
            raise ValidationError({"measures": "每项措施须有内容、责任人和期限"})
        if m["responsible"].station_id != dispute.station_id:
            raise ValidationError({"measures": "责任人须为本所人员"})
        clean.append(
            {
                "what": m["what"].strip(),
                "responsible": m["responsible"],
                "due_date": m["due_date"],
                "note": (m.get("note") or "").strip(),
            }
        )
    return clean


def plan_file(*, actor, dispute, summary, measures) -> StabilisationPlan:
    """File the 一案一策 plan of a red dispute. measures: dicts with what, responsible, due_date, note."""
    _require_edit(actor, dispute)
    if dispute.level != Level.RED:
        raise ValidationError("只有红色纠纷需要制定一案一策")
    if StabilisationPlan.objects.filter(dispute=dispute).exists():
        raise ValidationError("该纠纷已制定一案一策")
    if not (summary or "").strip():
        raise ValidationError({"summary": "请填写稳控方案"})
    if not measures:
        raise ValidationError({"measures": "至少一项稳控措施(措施、责任人、期限)"})
    clean = _clean_measures(dispute, measures)
    with transaction.atomic():
        plan = StabilisationPlan.objects.create(
            dispute=dispute, summary=summary.strip(), filed_by=actor
        )
        for m in clean:
            StabilisationMeasure.objects.create(plan=plan, **m)
        _event(dispute, EventKind.PLAN_FILED, actor, measures=len(clean))
    return plan


def _measure_data(m) -> dict:
    return {
        "id": m.pk,
        "what": m.what,
        "responsible": str(m.responsible),
        "responsible_id": m.responsible_id,
        "due_date": m.due_date.isoformat(),
        "status": str(m.status),
    }


def _plan_data(plan) -> dict:
    return {
        "summary": plan.summary,
        "measures": [_measure_data(m) for m in plan.measures.select_related("responsible")],
    }


def plan_revise(
    *, actor, plan, summary=None, add_measures=(), cancel_measures=(), reason
) -> StabilisationPlan:
    """Revise a filed 一案一策 plan when the situation changes: a new summary (None keeps it), new
    measures (dicts as for `plan_file`, checked the same way) and measures cancelled (instances or
    ids; kept, marked cancelled with who, when and why — never deleted). `reason` is required.

    Only while the dispute is open; the same people as `plan_file` (the dispute's editors). The
    revision is a `plan_revised` event with the plan before and after, and the station leaders (and
    the people newly named on a measure) are notified."""
    dispute = plan.dispute
    _require_edit(actor, dispute)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "修订一案一策必须填写理由"})
    if dispute.status == Status.CLOSED:
        raise ValidationError("已结案的纠纷不能修订一案一策")
    if summary is not None and not summary.strip():
        raise ValidationError({"summary": "稳控方案不能为空"})
    clean = _clean_measures(dispute, add_measures)
    cancel_ids = []
    for item in cancel_measures:
        pk = getattr(item, "pk", item)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise ValidationError({"cancel_measures": "要取消的措施不存在"}) from None
        if pk not in cancel_ids:
            cancel_ids.append(pk)
    with transaction.atomic():
        Dispute.objects.select_for_update().get(pk=dispute.pk)
        plan = StabilisationPlan.objects.select_for_update().get(pk=plan.pk)
        to_cancel = list(plan.measures.filter(pk__in=cancel_ids).select_related("responsible"))
        if len(to_cancel) != len(cancel_ids):
            raise ValidationError({"cancel_measures": "要取消的措施不属于该一案一策"})
        for m in to_cancel:
            if m.cancelled_at:
                raise ValidationError({"cancel_measures": f"措施“{m.what}”已取消"})
            if m.done_at:
                raise ValidationError({"cancel_measures": f"措施“{m.what}”已完成,不能取消"})
        new_summary = summary.strip() if summary is not None else plan.summary
        if _same_text(new_summary, plan.summary):
            new_summary = plan.summary
        if new_summary == plan.summary and not clean and not to_cancel:
            raise ValidationError("没有修订内容:请修改稳控方案、增加或取消措施")
        remaining = plan.measures.filter(cancelled_at__isnull=True).exclude(pk__in=cancel_ids)
        if not clean and not remaining.exists():
            raise ValidationError({"cancel_measures": "一案一策至少保留一项有效措施"})
        before = _plan_data(plan)
        now = timezone.now()
        for m in to_cancel:
            m.cancelled_at, m.cancelled_by, m.cancel_reason = now, actor, reason[:300]
            m.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        added = [StabilisationMeasure.objects.create(plan=plan, added_at=now, **m) for m in clean]
        plan.summary = new_summary
        plan.revised_at, plan.revised_by = now, actor
        plan.save(update_fields=["summary", "revised_at", "revised_by"])
        event = _event(
            dispute,
            EventKind.PLAN_REVISED,
            actor,
            reason=reason,
            summary_changed=before["summary"] != new_summary,
            added=[_measure_data(m) for m in added],
            cancelled=[_measure_data(m) for m in to_cancel],
            before=before,
            after=_plan_data(plan),
        )
        _notify_plan_revised(
            dispute,
            event,
            added,
            to_cancel,
            reason,
            summary_changed=before["summary"] != new_summary,
        )
    return plan


def _same_text(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def _notify_plan_revised(dispute, event, added, cancelled, reason, *, summary_changed):
    """The station leaders (and the people newly named on a measure) learn of the revision. Filing the
    plan itself notifies no one: the leaders were told at once when the dispute became red."""
    from fengqiao.notifications.services import notification_send

    parts = [f"理由:{reason}"]
    if summary_changed:
        parts.append("稳控方案已修改")
    if added:
        parts.append(
            "新增措施:"
            + "；".join(f"{m.what}({m.responsible},{m.due_date:%Y-%m-%d}前)" for m in added)
        )
    if cancelled:
        parts.append("取消措施:" + "；".join(m.what for m in cancelled))
    recipients = list(station_leaders(dispute.station)) + [m.responsible for m in added]
    notification_send(
        recipients=recipients,
        kind="dispute_plan_revised",
        title=f"{dispute.reference} 一案一策已修订",
        body="。".join(parts),
        level="red" if dispute.level == Level.RED else "orange",
        obj=dispute,
        dedupe_key=f"dispute-plan-revised-{event.pk}",
    )


def measure_done(*, actor, measure, note="", at: dt.datetime | None = None) -> StabilisationMeasure:
    dispute = measure.plan.dispute
    if not (
        measure.responsible_id == actor.pk
        or Dispute.objects.editable_by(actor).filter(pk=dispute.pk).exists()
    ):
        raise PermissionDenied("无权修改该措施")
    if measure.cancelled_at:
        raise ValidationError("该措施已取消")
    if measure.done_at:
        raise ValidationError("该措施已完成")
    with transaction.atomic():
        measure.done_at = at or timezone.now()
        if note:
            measure.note = note.strip()[:200]
        measure.save()
        _event(dispute, EventKind.MEASURE_DONE, actor, measure=measure.pk, what=measure.what)
    return measure


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


def _running_first_session_clock(dispute):
    return clocks_for(dispute).filter(kind=FIRST_SESSION_CLOCK, stopped_at__isnull=True).first()


def session_record(
    *, actor, dispute, held_at, outcome, mediators=(), channel=None, **notes
) -> MediationSession:
    """Record a session: stops the first-session clock; a failed one counts towards the orange trigger."""
    _require_edit(actor, dispute)
    outcome = SessionOutcome(outcome)
    channel = channel or Dispute.objects.select_related("channel").get(pk=dispute.pk).channel
    if channel is None:
        raise ValidationError({"channel": "请先受理调解并选择调解渠道"})
    allowed = {
        "place",
        "other_mediators",
        "attendees",
        "law_notes",
        "reason_notes",
        "feeling_notes",
    }
    notes = {k: (v or "").strip() for k, v in notes.items() if k in allowed}
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        session = MediationSession.objects.create(
            dispute=dispute,
            channel=channel,
            held_at=held_at,
            outcome=outcome,
            recorded_by=actor,
            **notes,
        )
        if mediators:
            session.mediators.set(mediators)
        clock = _running_first_session_clock(dispute)
        if clock is not None:
            clock_stop(actor=actor, clock=clock, at=held_at)
        if outcome == SessionOutcome.FAILED:
            dispute.failed_mediations += 1
            dispute.status = Status.FAILED
        elif outcome == SessionOutcome.AGREED:
            dispute.status = Status.AGREED
        else:
            dispute.status = Status.MEDIATING
        dispute.save(update_fields=["failed_mediations", "status"])
        _event(dispute, EventKind.SESSION_HELD, actor, session=session.pk, outcome=outcome.value)
        _refresh_suggestion(dispute)
    return session


def can_manage_triggers(user) -> bool:
    from fengqiao.accounts.roles import RULE_ADMIN_ROLES, has_role

    return has_role(user, RULE_ADMIN_ROLES)


def _clean_trigger(data) -> dict:
    from decimal import Decimal

    from fengqiao.disputes.choices import TriggerKind
    from fengqiao.disputes.rules import reason_problem

    kind = TriggerKind(data.get("kind"))
    level = Level(data.get("level"))
    value = (data.get("value") or "").strip()
    threshold = data.get("threshold")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写显示的理由"})
    problem = reason_problem(reason)
    if problem:
        raise ValidationError({"reason": problem})
    if kind == TriggerKind.KEYWORD and not value:
        raise ValidationError({"value": "关键词规则须填写关键词"})
    if kind not in (TriggerKind.KEYWORD, TriggerKind.HIGH_RISK_PARTY) and threshold is None:
        raise ValidationError({"threshold": "该类规则须填写阈值"})
    if threshold is not None and Decimal(threshold) < 0:
        raise ValidationError({"threshold": "阈值不能为负数"})
    return {
        "kind": kind,
        "level": level,
        "value": value,
        "threshold": threshold,
        "reason": reason,
        "active": bool(data.get("active", True)),
    }


def trigger_save(*, actor, trigger=None, **data) -> WarningTrigger:
    """Create or change a warning trigger. Triggers apply to every station: administrators and the bureau only."""
    if not can_manage_triggers(actor):
        raise PermissionDenied("预警规则对全部派出所生效,只有系统管理员可以修改")
    clean = _clean_trigger(data)
    with transaction.atomic():
        trigger = trigger or WarningTrigger()
        for key, value in clean.items():
            setattr(trigger, key, value)
        trigger.save()
    return trigger


# ---------------------------------------------------------------- agreements and fulfilment


def parties_officer(dispute):
    """The officer the parties belong to: the file's owner, else the community's first officer."""
    if dispute.owner_id:
        return dispute.owner
    if dispute.community_id:
        return dispute.community.officers.filter(is_active=True).order_by("pk").first()
    return None


def agreement_record(
    *,
    actor,
    dispute,
    form,
    reached_on,
    effective_date=None,
    terms=(),
    signed_parties=(),
    facts="",
    issues="",
    oral_content="",
    mediator=None,
    other_mediators="",
    session=None,
):
    """Record the mediation agreement (written 调解协议书 or oral).

    terms: dicts with what, how, due_date, obligor (a DisputeParty of this dispute). Refused: a party
    whose signature (written) or confirmation (oral) is not recorded, a term without a due date, an
    oral agreement without its content. Terms become fulfilment items; the 30-day 司法确认 window starts
    at the effective date (a clock and a notification to the parties' officer).
    """
    from fengqiao.disputes.choices import JUDICIAL_CONFIRMATION_CLOCK, AgreementForm
    from fengqiao.disputes.models import Agreement, AgreementTerm

    _require_edit(actor, dispute)
    form = AgreementForm(form)
    effective_date = effective_date or reached_on
    if reached_on is None:
        raise ValidationError({"reached_on": "请填写达成协议日期"})
    _refuse_second_agreement(dispute)
    if dispute.status == Status.CLOSED:
        raise ValidationError("已结案的纠纷不能录入协议")
    parties = list(dispute.parties.all())
    party_ids = {p.pk for p in parties}
    signed = {p.pk for p in signed_parties}
    if not signed <= party_ids:
        raise ValidationError({"signed_parties": "签字人须为本纠纷当事人"})
    unsigned = [p.name for p in parties if p.pk not in signed]
    if unsigned:
        what = "签字" if form == AgreementForm.WRITTEN else "确认"
        raise ValidationError(
            {
                "signed_parties": f"当事人未{what}:{'、'.join(unsigned)}。协议须记录全部当事人{what}。"
            }
        )
    if form == AgreementForm.ORAL and not (oral_content or "").strip():
        raise ValidationError({"oral_content": "口头协议须记录协议内容"})
    if form == AgreementForm.WRITTEN and not terms:
        raise ValidationError({"terms": "书面协议至少一项协议内容(履行方式和期限)"})
    clean_terms = []
    for i, t in enumerate(terms, start=1):
        what = (t.get("what") or "").strip()
        if not what:
            raise ValidationError({"terms": f"第{i}项协议内容为空"})
        if t.get("due_date") is None:
            raise ValidationError(
                {"terms": f"第{i}项“{what}”没有履行期限。每项协议内容须写明履行期限。"}
            )
        obligor = t.get("obligor")
        if obligor is not None and obligor.pk not in party_ids:
            raise ValidationError({"terms": f"第{i}项的履行人须为本纠纷当事人"})
        clean_terms.append(
            {
                "what": what[:300],
                "how": (t.get("how") or "").strip()[:200],
                "due_date": t["due_date"],
                "obligor": obligor,
            }
        )
    if mediator is not None and mediator.station_id != dispute.station_id:
        raise ValidationError({"mediator": "主持调解员须为本所人员"})
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        _refuse_second_agreement(dispute)
        failed = list(Agreement.objects.filter(dispute=dispute, status=AgreementStatus.FAILED))
        agreement = Agreement.objects.create(
            dispute=dispute,
            form=form,
            session=session,
            channel=dispute.channel,
            mediator=mediator,
            other_mediators=(other_mediators or "").strip()[:200],
            facts=(facts or "").strip(),
            issues=(issues or "").strip(),
            oral_content=(oral_content or "").strip(),
            reached_on=reached_on,
            effective_date=effective_date,
            created_by=actor,
        )
        agreement.signed_parties.set(signed)
        for t in clean_terms:
            AgreementTerm.objects.create(agreement=agreement, **t)
        for old in failed:
            old.status, old.superseded_by = AgreementStatus.SUPERSEDED, agreement
            old.save(update_fields=["status", "superseded_by"])
        now = timezone.now()
        settled = (
            now
            if reached_on >= timezone.localdate(now)
            else timezone.make_aware(dt.datetime.combine(reached_on, dt.time(12)))
        )
        dispute.settled_at = max(settled, dispute.registered_at)
        dispute.status = Status.PERFORMING if clean_terms else Status.AGREED
        dispute.save(update_fields=["settled_at", "status"])
        _event(
            dispute,
            EventKind.AGREEMENT,
            actor,
            form=form.value,
            terms=len(clean_terms),
            effective_date=effective_date.isoformat(),
            agreement=agreement.pk,
            supersedes=[a.pk for a in failed],
        )
        for clock in clocks_for(dispute).filter(stopped_at__isnull=True, kind="mediation_period"):
            clock_stop(actor=actor, clock=clock)
        officer = parties_officer(dispute)
        started = timezone.make_aware(dt.datetime.combine(effective_date, dt.time(0)))
        clock_start(
            obj=agreement,
            kind=JUDICIAL_CONFIRMATION_CLOCK,
            actor=actor,
            assignee=officer,
            station=dispute.station,
            started_at=started,
            title=f"{dispute.reference} 司法确认申请期限",
        )
        if officer is not None:
            from fengqiao.notifications.services import notification_send

            deadline = effective_date + dt.timedelta(days=30)
            notification_send(
                recipients=[officer],
                kind="dispute_judicial_confirmation",
                title=f"{dispute.reference} 调解协议已生效,请提醒当事人司法确认",
                body=f"双方当事人可自协议生效之日({effective_date:%Y-%m-%d})起三十日内(至{deadline:%Y-%m-%d})"
                "共同向人民法院申请司法确认。",
                obj=dispute,
                dedupe_key=f"dispute-jc-{agreement.pk}",
            )
    return agreement


def agreement_confirmation_done(*, actor, agreement, applied: bool):
    """The officer has told the parties about 司法确认 (and whether they applied): the reminder stops."""
    _require_edit(actor, agreement.dispute)
    if agreement.status != AgreementStatus.IN_FORCE:
        raise ValidationError("该协议已不在有效状态,司法确认提醒已撤销")
    if agreement.confirmation_done_at:
        raise ValidationError("司法确认提醒已处理")
    with transaction.atomic():
        agreement.confirmation_done_at = timezone.now()
        agreement.confirmation_applied = bool(applied)
        agreement.save(update_fields=["confirmation_done_at", "confirmation_applied"])
        _stop_confirmation_clock(actor, agreement)
    return agreement


def _refuse_second_agreement(dispute):
    from fengqiao.disputes.models import Agreement

    current = Agreement.objects.filter(dispute=dispute, status=AgreementStatus.IN_FORCE).first()
    if current is not None:
        raise ValidationError(
            f"该纠纷已有生效的调解协议({current.reached_on:%Y-%m-%d}达成)。当事人不履行或反悔、"
            "需重新调解时,请先将该协议登记为“未能履行”,再录入新协议。"
        )


def agreement_fail(*, actor, agreement, reason):
    """The agreement in force has failed — a party does not perform it, or retracts (反悔): it is kept
    as failed (who, when, why), its open follow-up checks stop, its 司法确认 clock is cancelled and
    the dispute goes back to mediation, where a new agreement may be recorded (the failed one then
    becomes superseded by it). It counts as a failed mediation (the 橙 trigger), as a failed session does."""
    from fengqiao.disputes.choices import JUDICIAL_CONFIRMATION_CLOCK, TermStatus
    from fengqiao.disputes.models import Agreement

    dispute = agreement.dispute
    _require_edit(actor, dispute)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写协议未能履行的原因(如不履行、反悔)"})
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if dispute.status == Status.CLOSED:
            raise ValidationError("已结案的纠纷不能变更协议")
        if agreement.status != AgreementStatus.IN_FORCE:
            raise ValidationError(
                f"该协议已是“{agreement.get_status_display()}”状态,只有生效的协议可以登记未能履行"
            )
        now = timezone.now()
        agreement.status = AgreementStatus.FAILED
        agreement.failed_at, agreement.failed_by, agreement.fail_reason = now, actor, reason[:300]
        agreement.save(update_fields=["status", "failed_at", "failed_by", "fail_reason"])
        for clock in clocks_for(agreement).filter(
            kind=JUDICIAL_CONFIRMATION_CLOCK, stopped_at__isnull=True
        ):
            clock_cancel(actor=actor, clock=clock, reason="调解协议未能履行", at=now)
        open_terms = list(agreement.terms.exclude(status=TermStatus.PERFORMED))
        before = {
            "status": dispute.status,
            "settled_at": _iso(dispute.settled_at),
            "failed_mediations": dispute.failed_mediations,
        }
        dispute.status = Status.MEDIATING
        dispute.settled_at = None
        # a mediation whose agreement came to nothing failed: it counts towards 橙 (疑难) like a
        # session that ended without agreement
        dispute.failed_mediations += 1
        dispute.save(update_fields=["status", "settled_at", "failed_mediations"])
        _event(
            dispute,
            EventKind.AGREEMENT_FAILED,
            actor,
            agreement=agreement.pk,
            reason=reason,
            open_terms=[{"id": t.pk, "what": t.what, "status": t.status} for t in open_terms],
            before=before,
            after={
                "status": dispute.status,
                "settled_at": None,
                "failed_mediations": dispute.failed_mediations,
            },
        )
        _refresh_suggestion(dispute)
    return agreement


def _iso(value):
    return value.isoformat() if value else None


def _stop_confirmation_clock(actor, agreement):
    from fengqiao.disputes.choices import JUDICIAL_CONFIRMATION_CLOCK

    for clock in clocks_for(agreement).filter(
        kind=JUDICIAL_CONFIRMATION_CLOCK, stopped_at__isnull=True
    ):
        clock_stop(actor=actor, clock=clock)


def term_check(*, actor, term, result, note="", at: dt.datetime | None = None):
    """Follow-up visit on a term: performed, partly or not. The visit is kept; the term takes the result."""
    from fengqiao.disputes.choices import CHECK_RESULTS, TermStatus
    from fengqiao.disputes.models import FollowUpVisit

    dispute = term.agreement.dispute
    _require_edit(actor, dispute)
    if result not in [r.value for r in CHECK_RESULTS]:
        raise ValidationError({"result": "请选择履行情况(已履行、部分履行、未履行)"})
    if term.status == TermStatus.PERFORMED:
        raise ValidationError("该项已履行完毕")
    if dispute.status == Status.CLOSED:
        raise ValidationError("已结案")
    if term.agreement.status != AgreementStatus.IN_FORCE:
        raise ValidationError("该协议已登记为未能履行,其条款不再回访")
    at = at or timezone.now()
    with transaction.atomic():
        visit = FollowUpVisit.objects.create(
            term=term,
            visited_at=at,
            visited_by=actor,
            result=result,
            note=(note or "").strip()[:300],
        )
        term.status = result
        term.checked_at = at
        term.save(update_fields=["status", "checked_at"])
        _event(dispute, EventKind.TERM_CHECKED, actor, term=term.pk, what=term.what, result=result)
    return visit


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


def dispute_party_update(*, actor, party, **data):
    """Change a party's details (name, ID number, phone, role, high-risk flag)."""
    _require_edit(actor, party.dispute)
    data = {
        k: v for k, v in data.items() if k in ("name", "id_number", "phone", "role", "high_risk")
    }
    if "name" in data and not (data["name"] or "").strip():
        raise ValidationError({"name": "当事人姓名必填"})
    if "phone" in data:
        from fengqiao.registry.rules import InvalidPhone, normalise_phone

        try:
            data["phone"] = normalise_phone(data["phone"] or "")
        except InvalidPhone as exc:
            raise ValidationError({"phone": str(exc)}) from None
    with transaction.atomic():
        for key, value in data.items():
            setattr(party, key, value.strip() if isinstance(value, str) else value)
        party.save()
        _event(party.dispute, EventKind.PARTY_CHANGED, actor, party=party.name, action="updated")
        refresh_suggestion(party.dispute)
    return party


def dispute_party_remove(*, actor, party):
    """Remove a party entered by mistake: refused when it is the last one or has signed an agreement."""
    from fengqiao.disputes.models import Agreement

    dispute = party.dispute
    _require_edit(actor, dispute)
    if dispute.parties.count() <= 1:
        raise ValidationError("至少保留一名当事人")
    if Agreement.objects.filter(dispute=dispute, signed_parties=party).exists():
        raise ValidationError("该当事人已在调解协议上签字,不能删除")
    with transaction.atomic():
        name = party.name
        party.delete()
        _event(dispute, EventKind.PARTY_CHANGED, actor, party=name, action="removed")
        refresh_suggestion(dispute)


# ---------------------------------------------------------------- daily screening


def screening_record(*, actor, point, answer, note="", day: dt.date | None = None):
    """Record today's call to a liaison point in one click. 无异常 counts as a report. A second answer the
    same day replaces the first (a `missed` flag is replaced by a late call)."""
    from fengqiao.disputes.choices import CallAnswer
    from fengqiao.disputes.models import ScreeningCall

    answer = CallAnswer(answer)
    if answer == CallAnswer.MISSED:
        raise ValidationError({"answer": "漏报由系统在当日结束时标记"})
    if point.station_id != actor.station_id and not actor.is_superuser:
        raise PermissionDenied("只能联系本所的联络点")
    if not (
        actor.is_superuser
        or actor.is_leader
        or point.community_id in editable_community_ids(actor)
        or point.community.officers.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied("只有该社区的社区民警可以记录")
    if answer == CallAnswer.REPORTED and not (note or "").strip():
        raise ValidationError({"note": "有情况时请简要说明"})
    day = day or timezone.localdate()
    with transaction.atomic():
        call, _created = ScreeningCall.objects.update_or_create(
            point=point,
            day=day,
            defaults={
                "station_id": point.station_id,
                "community_id": point.community_id,
                "officer": actor,
                "answer": answer,
                "note": (note or "").strip()[:300],
                "called_at": timezone.now(),
            },
        )
    return call


def screening_link_dispute(*, actor, call_id: int, dispute) -> None:
    """The dispute registered from a screening call's report is recorded on the call (same station)."""
    from fengqiao.disputes.models import ScreeningCall

    ScreeningCall.objects.filter(
        pk=call_id, station_id=dispute.station_id, dispute__isnull=True
    ).update(dispute=dispute)


def screening_flag_missed(*, day: dt.date, station=None) -> int:
    """End of day: every active liaison point with no call that day gets a `missed` row. Idempotent."""
    from fengqiao.disputes.choices import CallAnswer
    from fengqiao.disputes.models import ScreeningCall
    from fengqiao.registry.models import LiaisonPoint

    points = LiaisonPoint.objects.filter(active=True).exclude(screening_calls__day=day)
    if station is not None:
        points = points.filter(station=station)
    rows = []
    for point in points.select_related("community").prefetch_related("community__officers"):
        officers = list(point.community.officers.all())
        rows.append(
            ScreeningCall(
                station_id=point.station_id,
                community_id=point.community_id,
                point=point,
                day=day,
                officer=officers[0] if officers else None,
                answer=CallAnswer.MISSED,
            )
        )
    with transaction.atomic():
        ScreeningCall.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# ---------------------------------------------------------------- editable tables


def can_manage_tables(user) -> bool:
    """Dispute types and mediation channels are installation-wide tables: administrators only."""
    from fengqiao.accounts.roles import RULE_ADMIN_ROLES, has_role

    return has_role(user, RULE_ADMIN_ROLES)


def table_row_save(*, actor, model, row=None, **data):
    """Create or change a dispute type or a mediation channel (code, name, sort, active[, police])."""
    if not can_manage_tables(actor):
        raise PermissionDenied("纠纷类型和调解渠道对全部派出所生效,只有系统管理员可以修改")
    code = (data.get("code") or "").strip()
    name = (data.get("name") or "").strip()
    if not code or not name:
        raise ValidationError("代码和名称必填")
    if model.objects.filter(code=code).exclude(pk=getattr(row, "pk", None)).exists():
        raise ValidationError({"code": f"代码 {code} 已存在"})
    with transaction.atomic():
        row = row or model()
        row.code, row.name = code[:20], name[:50]
        row.sort = int(data.get("sort") or 0)
        row.active = bool(data.get("active", True))
        if hasattr(row, "is_police_mediation") and "is_police_mediation" in data:
            row.is_police_mediation = bool(data["is_police_mediation"])
        row.save()
    return row
