"""Mediation sessions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from fengqiao.core.services import clock_stop, clocks_for
from fengqiao.disputes.choices import FIRST_SESSION_CLOCK, EventKind, SessionOutcome, Status
from fengqiao.disputes.models import Dispute, MediationSession
from fengqiao.disputes.services.common import _event, _require_edit
from fengqiao.disputes.services.levels import _refresh_suggestion


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
