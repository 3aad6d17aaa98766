"""The stabilisation plan (稳控方案): file, revise, and its measures done."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.accounts.selectors import station_leaders
from fengqiao.disputes.choices import EventKind, Level, Status
from fengqiao.disputes.models import Dispute, StabilisationMeasure, StabilisationPlan
from fengqiao.disputes.services.common import _event, _require_edit


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
