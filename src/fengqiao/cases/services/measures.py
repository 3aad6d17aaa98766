"""Coercive measures: start, step (custody, family notice), end."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.cases.choices import (
    CRIMINAL_ONLY_MEASURES,
    MEASURE_CLOCKS,
    CaseKind,
    CaseStatus,
    DetentionStep,
    EventKind,
    MeasureKind,
    MeasureStatus,
    PartyRole,
)
from fengqiao.cases.models import Case, CoerciveMeasure
from fengqiao.cases.services.clocks import DETENTION_STEP_CLOCK, _start, _stop
from fengqiao.cases.services.common import (
    _event,
    _lock,
    _require_editable,
    _require_status,
    _text,
    _touch,
    _when,
)
from fengqiao.cases.services.parties import _party_of

PERSONAL_MEASURES = frozenset(MeasureKind.values) - {
    MeasureKind.SEIZURE,
    MeasureKind.EVIDENCE_PRESERVATION,
}


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
