"""The warning level: the suggestion from the facts, setting a level, and what a level sets off."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from fengqiao.accounts.selectors import station_leaders
from fengqiao.core import events
from fengqiao.core.services import clock_start, clocks_for
from fengqiao.disputes import rules
from fengqiao.disputes.choices import FIRST_SESSION_CLOCK, LEVEL_RANK, EventKind, Level
from fengqiao.disputes.models import Dispute, WarningTrigger
from fengqiao.disputes.services.common import _event, _require_edit


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
