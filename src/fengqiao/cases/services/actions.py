"""Investigative actions, notes linked from elsewhere, and appraisal."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.cases.choices import TWO_OFFICER_ACTIONS, ActionKind, CaseStatus, EventKind
from fengqiao.cases.models import Case, CaseAction, CaseEvent
from fengqiao.cases.services.clocks import HANDLING_CLOCK, _unfinished
from fengqiao.cases.services.common import (
    _event,
    _lock,
    _officer,
    _require_editable,
    _require_status,
    _text,
    _touch,
    _when,
)
from fengqiao.cases.services.parties import _party_of
from fengqiao.core.choices import ClockState
from fengqiao.core.services import clock_pause, clock_resume


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
