"""Agreements, their confirmation, failure, and the check of their terms."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.core.services import clock_cancel, clock_start, clock_stop, clocks_for
from fengqiao.disputes.choices import AgreementStatus, EventKind, Status
from fengqiao.disputes.models import Dispute
from fengqiao.disputes.services.common import _event, _require_edit
from fengqiao.disputes.services.levels import _refresh_suggestion


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
