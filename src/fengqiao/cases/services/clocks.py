"""The legal clocks of a case and its measures: which clock each step starts, start, stop,
extensions."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.choices import CaseKind, DetentionStep, EventKind, FlagKind, ServiceMode
from fengqiao.cases.models import Case, CoerciveMeasure
from fengqiao.cases.services.common import _event, _require_editable
from fengqiao.cases.services.flags import flag_raise
from fengqiao.core.choices import ClockState, ExtensionDecision
from fengqiao.core.services import (
    clock_approve_extension,
    clock_reject_extension,
    clock_request_extension,
    clock_start,
    clock_stop,
    clocks_for,
)
from fengqiao.core.workflow_models import Clock, ClockExtension

REVIEW_CLOCK = {
    CaseKind.ADMINISTRATIVE: "admin_intake_review",
    CaseKind.CRIMINAL: "criminal_filing_review",
}
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
