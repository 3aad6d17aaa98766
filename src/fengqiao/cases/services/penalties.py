"""Penalty decision, its service and its execution."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.cases.choices import (
    PENALTIES_TO_EXECUTE,
    CaseKind,
    CaseStatus,
    EventKind,
    PenaltyKind,
    ServiceMode,
)
from fengqiao.cases.models import Case
from fengqiao.cases.services.clocks import (
    EXECUTION_CLOCK,
    HANDLING_CLOCK,
    SERVICE_CLOCK,
    _start,
    _stop,
)
from fengqiao.cases.services.common import (
    _event,
    _lock,
    _require_editable,
    _require_status,
    _text,
    _touch,
    _when,
)


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
